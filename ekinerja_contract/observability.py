"""JSON logs that carry the correlation id, and Prometheus metrics, the same way in
every service and the gateway. The correlation id comes from the HTTP request and
travels in RPC headers (`nameko.correlation_id`) and in every event envelope."""
import contextvars
import json
import logging
import time

correlation_id = contextvars.ContextVar("correlation_id", default=None)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, service, correlation_id."""

    def __init__(self, service: str = "", **_):
        super().__init__()
        self.service = service

    def format(self, record):
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                 + f".{int(record.msecs):03d}Z", "level": record.levelname,
                 "logger": record.name, "message": record.getMessage(),
                 "service": self.service, "correlation_id": current_correlation_id()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def current_correlation_id():
    value = correlation_id.get()
    if value is None and _local is not None:  # nameko workers: a greenlet-local slot
        value = getattr(_local, "correlation_id", None)
    return value


_local = None


def _green_local():
    global _local
    if _local is None:
        from eventlet.corolocal import local
        _local = local()
    return _local


def set_green_correlation_id(value) -> None:
    _green_local().correlation_id = value
