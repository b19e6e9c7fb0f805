"""Counts the SQL statements a process executes, for bench.statements.

Python imports this at start when this folder is on PYTHONPATH. With
EKINERJA_SQL_COUNT_DIR set, every statement any SQLAlchemy engine sends counts once
(an executemany too), and so does every commit, every new connection and every
checkout of a connection idle for EKINERJA_SQL_COUNT_IDLE seconds (10: the project's
engines then ping it with a SELECT 1 of its own transaction, ekinerja_contract.db,
which no SQLAlchemy event sees). SIGUSR1 writes {"pid", "statements", "commits",
"pings", "connects", "modules", ...} to EKINERJA_SQL_COUNT_DIR/<pid>.json.
With EKINERJA_SQL_COUNT_TEXT=1 each is also counted by its first 120 characters
(COMMIT, PING, CONNECT) and by what ran it: the nameko entrypoint
("reporting.submit_report"), else the outermost function of the project's own code.

Nothing of the project is imported here (its folder is not on sys.path yet, so the
editable install would answer), and nothing is monkey-patched: nameko patches after."""
import os as _os

_dir = _os.environ.get("EKINERJA_SQL_COUNT_DIR")
if _dir:
    import json as _json
    import signal as _signal
    import sys as _sys
    import time as _time
    import types as _types

    from sqlalchemy import event as _event
    from sqlalchemy.engine import Engine as _Engine
    from sqlalchemy.pool import Pool as _Pool

    _counts = {"statements": 0, "commits": 0, "pings": 0, "connects": 0}
    _texts: dict[str, int] | None = {} if _os.environ.get("EKINERJA_SQL_COUNT_TEXT") else None
    _idle = float(_os.environ.get("EKINERJA_SQL_COUNT_IDLE", "10"))

    def _origin() -> str:
        frame: _types.FrameType | None = _sys._getframe(2)
        outermost = "other"
        while frame is not None:
            if frame.f_code.co_name == "_run_worker":
                ctx = frame.f_locals.get("worker_ctx")
                if ctx is not None:
                    return f"{ctx.service_name}.{ctx.entrypoint.method_name}"
            module = frame.f_globals.get("__name__", "")
            if module.split(".")[0] in ("services", "ekinerja_contract", "gateway", "tools"):
                outermost = f"{module}.{frame.f_code.co_qualname}"
            frame = frame.f_back
        return outermost

    def _count(kind: str, what: str) -> None:
        _counts[kind] += 1
        if _texts is not None:
            key = f"{_origin()} | {' '.join(what.split())[:120]}"
            _texts[key] = _texts.get(key, 0) + 1

    def _statement(conn, cursor, statement, parameters, context, executemany):
        _count("statements", statement)

    def _checkout(dbapi_conn, record, proxy):
        if _time.monotonic() - record.info.get("_sqlcount_in", _time.monotonic()) >= _idle:
            _count("pings", "PING")

    def _checkin(dbapi_conn, record):
        record.info["_sqlcount_in"] = _time.monotonic()

    def _dump(signum, frame):
        path = _os.path.join(_dir, f"{_os.getpid()}.json")
        modules = {name: getattr(_sys.modules.get(name), "__file__", None)
                   for name in ("services", "gateway", "ekinerja_contract")}
        with open(path + ".tmp", "w") as out:
            _json.dump({"pid": _os.getpid(), **_counts, "cwd": _os.getcwd(), "argv": _sys.argv,
                        "modules": modules, "texts": _texts}, out)
        _os.replace(path + ".tmp", path)

    _event.listen(_Engine, "before_cursor_execute", _statement)
    _event.listen(_Engine, "commit", lambda conn: _count("commits", "COMMIT"))
    _event.listen(_Pool, "connect", lambda dbapi_conn, record: _count("connects", "CONNECT"))
    _event.listen(_Pool, "checkout", _checkout)
    _event.listen(_Pool, "checkin", _checkin)
    _signal.signal(_signal.SIGUSR1, _dump)
