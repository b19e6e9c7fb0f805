"""Loaded by every Python process a test starts with this folder on PYTHONPATH:
the city's clock begins at EKINERJA_TEST_CLOCK and runs at real speed from there.
Only tests put this folder on the path (tests/support/clock.py)."""
import datetime as _dt
import os as _os
import time as _time

_start = _os.environ.get("EKINERJA_TEST_CLOCK")
if _start:
    _origin = _dt.datetime.fromisoformat(_start)
    _began = _time.monotonic()

    def _source():
        return _origin + _dt.timedelta(seconds=_time.monotonic() - _began)

    from ekinerja_contract import clock as _clock
    _clock._install_source(_source)
