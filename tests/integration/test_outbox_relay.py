"""The outbox relay on real PostgreSQL and RabbitMQ: an event committed while
nothing could publish it is sent later, once, and marked only after the confirm."""
import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from ekinerja_contract import events
from ekinerja_contract.db import make_engine
from ekinerja_contract.outbox import Relay, Store
from services.scoring.models import Base
from tests.support.bus import Watcher

pytestmark = pytest.mark.integration


@pytest.fixture
def sessions(pg_url):
    engine = make_engine(pg_url)
    Base.metadata.create_all(engine)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()


def entry_event(n):
    return dict(entry_id=n, employee_id=2, period="2026-11", kind="activity", points="1.00",
                rupiah=0, source_event_id=f"00000000-0000-0000-0000-{n:012d}")


def unpublished(sessions):
    outbox = Base.metadata.tables["outbox"]
    with sessions() as s:
        return s.execute(select(outbox.c.id).where(outbox.c.published_at.is_(None))).all()


def test_events_left_by_a_crash_are_published_by_the_sweep_once(sessions, amqp_uri):
    outbox, inbox = Base.metadata.tables["outbox"], Base.metadata.tables["inbox"]
    # relay=None: the process "died" right after its commit, before publishing
    crashed = Store(sessions, outbox, inbox, "scoring", relay=None)
    with crashed.unit_of_work() as uow:
        sent = [uow.emit("ledger.entry_recorded", entry_event(n)).id for n in (1, 2)]
    assert len(unpublished(sessions)) == 2

    watcher = Watcher(amqp_uri, "scoring", "ledger.entry_recorded")
    relay = Relay(sessions, outbox, "scoring", amqp_uri)
    from datetime import timedelta
    # one of them is still waiting in the relay thread's queue: the sweep leaves it alone
    assert relay.sweep(min_age=timedelta(0), queued=frozenset({sent[1]})) == 1
    assert relay.sweep(min_age=timedelta(0)) == 1
    assert relay.sweep(min_age=timedelta(0)) == 0
    received = watcher.wait_for(2)
    assert sorted(m["id"] for m in received) == sorted(sent)
    assert unpublished(sessions) == []
    assert len(watcher.drain(0.5)) == 2
    watcher.close()


def test_when_the_broker_is_unreachable_the_event_stays_in_the_outbox(sessions):
    outbox, inbox = Base.metadata.tables["outbox"], Base.metadata.tables["inbox"]
    dead_broker = Relay(sessions, outbox, "scoring", "pyamqp://guest:guest@127.0.0.1:1//")
    store = Store(sessions, outbox, inbox, "scoring", relay=dead_broker)
    with store.unit_of_work() as uow:  # the state change still commits
        uow.emit("ledger.entry_recorded", entry_event(3))
    assert len(unpublished(sessions)) == 1


def test_every_published_event_matches_its_registered_schema(sessions, amqp_uri):
    outbox, inbox = Base.metadata.tables["outbox"], Base.metadata.tables["inbox"]
    watcher = Watcher(amqp_uri, "scoring")
    store = Store(sessions, outbox, inbox, "scoring", Relay(sessions, outbox, "scoring", amqp_uri))
    with store.unit_of_work("corr-42") as uow:
        uow.emit("ledger.entry_recorded", entry_event(4))
    (message,) = watcher.wait_for(1)
    assert message["correlation_id"] == "corr-42"
    from ekinerja_contract.envelope import Envelope
    assert events.parse(Envelope.model_validate(message)).entry_id == 4
    watcher.close()
