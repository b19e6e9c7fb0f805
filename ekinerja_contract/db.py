"""Engines and the two messaging tables every service keeps: outbox and inbox."""
import time
from pathlib import Path

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    exc,
)
from sqlalchemy.engine import Engine

PING_AFTER_IDLE = 10.0  # seconds


def make_engine(url: str, ping_after_idle: float = PING_AFTER_IDLE,
                max_connections: int = 30) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
        return engine
    # last in, first out: the connection just returned goes out again, so an idle service's
    # sweep (once a second) reuses a warm one instead of waking one idle long enough to be
    # pinged (FIFO made every idle second two transactions); the rest may time out unused
    engine = create_engine(url, pool_size=min(10, max_connections),
                           max_overflow=max(0, max_connections - 10), pool_use_lifo=True)
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, after: float) -> None:
    """A pooled connection idle for `after` seconds is pinged before use and replaced if
    the server went away (a restart, a failover, an idle timeout). Unlike pool_pre_ping,
    a connection in steady use is not pinged: that was a round trip per transaction."""
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_conn, record, _proxy):
        if time.monotonic() - record.info.get("idle_since", time.monotonic()) < after:
            return
        autocommit = dbapi_conn.autocommit  # the ping must not open a transaction
        try:
            dbapi_conn.autocommit = True
            with dbapi_conn.cursor() as cursor:
                cursor.execute("SELECT 1")
            dbapi_conn.autocommit = autocommit
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(str(error)) from error  # the pool reconnects


def messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    """The outbox (events written with the state change, sent by the relay), the inbox
    (ids of events already applied, written with their effect), and the idempotency
    table (client request keys, written with the change they made)."""
    outbox = Table(
        "outbox", metadata,
        Column("id", String(36), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("envelope", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Index("ix_outbox_unpublished", "published_at", "created_at"),
    )
    inbox = Table(
        "inbox", metadata,
        Column("event_id", String(36), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False),
    )
    # The first response to each Idempotency-Key, written with the change it made.
    Table(
        "idempotency", metadata,
        Column("key", String(100), primary_key=True),
        Column("scope", String(100), primary_key=True),
        Column("response", JSON, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )
    return outbox, inbox
