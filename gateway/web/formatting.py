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


def install(env) -> None:
    env.filters.update(long_date=long_date, date=date, short_date=short_date, month=month,
                       time=time, local_datetime=local_datetime, camera_time=camera_time,
                       number=number, rupiah=rupiah)
