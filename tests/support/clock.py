"""The tests' hand on the city's one clock (ekinerja_contract.clock).

In this process: `frozen(instant)` sets the clock for a block. In the processes a
test starts: `shim_env(instant)` gives the environment that puts clock_shim on
PYTHONPATH; its sitecustomize starts the clock at `instant` when the process
starts and lets it run at real speed. Production has neither."""
import contextlib
import datetime as dt
import os
from pathlib import Path

from ekinerja_contract import clock

SHIM = Path(__file__).with_name("clock_shim")
ENV = "EKINERJA_TEST_CLOCK"


def city(year, month, day, hour=0, minute=0) -> dt.datetime:
    """An instant given in the city's local time."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=clock.zone())


@contextlib.contextmanager
def frozen(instant: dt.datetime | str):
    moment = dt.datetime.fromisoformat(instant) if isinstance(instant, str) else instant
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    previous = clock._source  # nested: the outer moment comes back
    clock._install_source(lambda: moment)
    try:
        yield moment
    finally:
        clock._install_source(previous)


def shim_env(instant: dt.datetime | None, env: dict | None = None) -> dict:
    """`env` (or os.environ) with the clock of started processes set to begin at `instant`."""
    env = dict(os.environ if env is None else env)
    if instant is None:
        env.pop(ENV, None)
        return env
    env[ENV] = instant.astimezone(dt.UTC).isoformat()
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SHIM), env.get("PYTHONPATH", "")) if p)
    return env


def start_everywhere(local_start: str) -> dt.datetime:
    """The whole run at another hour: this process's clock and, through the environment
    they inherit, every process the tests start begin at `local_start` (city time)."""
    import time
    moment = dt.datetime.fromisoformat(local_start)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.zone())
    os.environ.update(shim_env(moment))
    began = time.monotonic()
    clock._install_source(lambda: moment + dt.timedelta(seconds=time.monotonic() - began))
    return moment
