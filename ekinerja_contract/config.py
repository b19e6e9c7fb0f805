"""Settings read from the environment, with embedded defaults for local runs."""
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672//"


def data_dir() -> Path:
    return Path(os.environ.get("EKINERJA_DATA_DIR", REPO_ROOT / "data"))


def amqp_uri() -> str:
    return os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)


def db_url(service: str) -> str:
    """`<SERVICE>_DB_URL`, else one SQLite file per service in the data folder."""
    url = os.environ.get(f"{service.upper()}_DB_URL")
    if url:
        return url
    return f"sqlite:///{data_dir() / (service + '.db')}"


def queue_type() -> str:
    """`EKINERJA_QUEUE_TYPE`: `quorum` declares the durable queues as quorum queues
    (replicated on a RabbitMQ cluster), `classic` (the default) as before. RabbitMQ cannot
    change a queue's type in place, and 3.10 has no default type per vhost nor a policy
    that sets one: the declaration decides (docs/DEPLOY.md)."""
    value = (os.environ.get("EKINERJA_QUEUE_TYPE") or "classic").lower()
    if value not in ("classic", "quorum"):
        raise ValueError(f"EKINERJA_QUEUE_TYPE is classic or quorum, not {value!r}")
    return value


def delivery_limit() -> int:
    """How often a quorum queue hands a message out before it dead-letters it: a message
    that kills its consumer every time still reaches the dead-letter queue."""
    return env_int("EKINERJA_DELIVERY_LIMIT", 20)


def public_url() -> str | None:
    """The site's address as people reach it (EKINERJA_PUBLIC_URL), for links that leave
    the system: messages, exports for the national side. None when not set."""
    return (os.environ.get("EKINERJA_PUBLIC_URL") or "").rstrip("/") or None


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default  # unset or empty


def today():
    """Today in the city's time zone: the one clock's (clock.today)."""
    from . import clock
    return clock.today()
