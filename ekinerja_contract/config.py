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
