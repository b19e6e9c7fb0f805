"""The Indonesian dates, times and numbers of ekinerja_contract.indonesian, as the pages'
template filters."""
from ekinerja_contract.indonesian import (
    camera_time,
    date,
    local_datetime,
    long_date,
    month,
    number,
    rupiah,
    short_date,
    time,
)


def signed_rupiah(value) -> str:
    """+ Rp 15.600 / − Rp 7.800 / Rp 0: a difference, its sign always shown."""
    value = int(value or 0)
    return rupiah(value) if value == 0 else ("+ " if value > 0 else "− ") + rupiah(abs(value))


def install(env) -> None:
    env.filters.update(long_date=long_date, date=date, short_date=short_date, month=month,
                       time=time, local_datetime=local_datetime, camera_time=camera_time,
                       number=number, rupiah=rupiah, signed_rupiah=signed_rupiah)
