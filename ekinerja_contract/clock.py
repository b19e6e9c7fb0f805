"""The city's one clock: what "now" and "today" are, for every service and the
gateway alike.

`now()` is the instant (UTC); `today()` and `local_now()` are the city's date and
time in EKINERJA_TZ (Asia/Makassar by default). Between 16:00 and 24:00 UTC the
machine's date and the city's differ, and on the last day of a month they are in
different months, so nothing may read the machine's date directly.

Production has no way to move this clock: no setting, no RPC. Tests move it by
starting the processes they launch with tests/support/clock_shim on PYTHONPATH,
whose sitecustomize installs a source through `_install_source` (a private hook
that only that shim calls). Token and signed-URL expiry are checked by PyJWT and
the S3 server against real time, so those stay on the machine's clock."""
import datetime as dt
import os
from collections.abc import Callable
from zoneinfo import ZoneInfo

_source: Callable[[], dt.datetime] | None = None


def zone() -> ZoneInfo:
    return ZoneInfo(os.environ.get("EKINERJA_TZ", "Asia/Makassar"))


def now() -> dt.datetime:
    """The current instant, timezone-aware UTC."""
    if _source is not None:
        return _source().astimezone(dt.UTC)
    return dt.datetime.now(dt.UTC)


def local_now() -> dt.datetime:
    return now().astimezone(zone())


def today() -> dt.date:
    """Today in the city."""
    return local_now().date()


def as_utc(moment: dt.datetime) -> dt.datetime:
    """An instant read back from a database: a naive one is UTC (SQLite forgets the zone)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def local_date(moment: dt.datetime) -> dt.date:
    """The city's date of an instant (a naive one is taken as UTC, as the databases keep it)."""
    return as_utc(moment).astimezone(zone()).date()


def _install_source(source: Callable[[], dt.datetime] | None) -> None:
    """For tests only (tests/support/clock_shim): replace where the time comes from."""
    global _source
    _source = source
