"""Engines and the two messaging tables every service keeps: outbox and inbox."""
from pathlib import Path

from sqlalchemy import (JSON, Column, DateTime, Index, Integer, MetaData, String,
                        Table, create_engine, event)
from sqlalchemy.engine import Engine


def make_engine(url: str) -> Engine:
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
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


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
