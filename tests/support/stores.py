"""A service's Store over a throwaway SQLite file, for unit tests without a broker."""
from sqlalchemy.orm import sessionmaker

from ekinerja_contract.db import make_engine
from ekinerja_contract.outbox import Store


def sqlite_store(metadata, source: str, path) -> Store:
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    sessions = sessionmaker(engine, expire_on_commit=False)
    return Store(sessions, metadata.tables["outbox"], metadata.tables["inbox"], source, relay=None)


def outbox_types(store: Store) -> list[str]:
    from sqlalchemy import select
    with store.session() as s:
        t = store._outbox
        return [r.event_type for r in s.execute(select(t.c.event_type).order_by(t.c.created_at))]
