"""Alembic migrations per service: `python -m ekinerja_contract.migrate SERVICE...`."""
import sys

from alembic import command
from alembic.config import Config

from . import config

SERVICES = ("reporting", "evidence", "approval", "scoring", "monitoring", "notifications", "sync",
            "availability", "integrity")


def alembic_config(service: str, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(config.REPO_ROOT / "services" / service / "migrations"))
    cfg.set_main_option("sqlalchemy.url", (url or config.db_url(service)).replace("%", "%%"))
    return cfg


def upgrade(service: str, url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(service, url), revision)


def run_env(metadata) -> None:
    """The body of every service's migrations/env.py."""
    from alembic import context

    from .db import make_engine

    url = context.config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    if url is None:  # alembic_config always sets it; env.py run by hand might not
        raise RuntimeError("alembic: no sqlalchemy.url in the configuration")
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if __name__ == "__main__":
    for name in sys.argv[1:] or SERVICES:
        upgrade(name)
        print(f"migrated {name}: {config.db_url(name)}")
