"""The unit of work and the inbox, on SQLite, without a broker."""
import pytest
from sqlalchemy import select

from services.scoring.models import Base, LedgerEntry
from tests.support.factories import report_approved
from tests.support.stores import outbox_types, sqlite_store


@pytest.fixture
def store(tmp_path):
    return sqlite_store(Base.metadata, "scoring", tmp_path / "scoring.db")


def add_line(uow, env):
    uow.session.add(LedgerEntry(employee_id=2, agency_id=1, period="2026-11", date=env.time.date(),
                                kind="activity", points=1, rupiah=0, minutes=0,
                                source_event_id=env.id, recorded_at=env.time))
    uow.emit("ledger.entry_recorded", dict(entry_id=1, employee_id=2, period="2026-11",
                                           kind="activity", points="1", rupiah=0,
                                           source_event_id=env.id))


def count_lines(store):
    with store.session() as s:
        return len(s.scalars(select(LedgerEntry)).all())


def test_state_change_and_its_event_commit_together(store):
    assert store.consume(report_approved(), add_line) is True
    assert count_lines(store) == 1
    assert outbox_types(store) == ["ledger.entry_recorded"]


def test_a_redelivered_event_changes_nothing(store):
    body = report_approved()
    assert [store.consume(body, add_line) for _ in range(3)] == [True, False, False]
    assert count_lines(store) == 1
    assert len(outbox_types(store)) == 1


def test_a_failing_effect_leaves_neither_state_nor_event_nor_inbox_mark(store):
    body = report_approved()

    def fail(uow, env):
        add_line(uow, env)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.consume(body, fail)
    assert count_lines(store) == 0 and outbox_types(store) == []
    assert store.consume(body, add_line) is True  # the retry is not taken for a duplicate


def test_an_idempotency_key_returns_the_first_response_and_changes_nothing_more(store):
    calls = []

    def create(uow):
        calls.append(1)
        uow.emit("ledger.entry_recorded", dict(entry_id=len(calls), employee_id=2, period="2026-11",
                                               kind="activity", points="1", rupiah=0,
                                               source_event_id=f"e{len(calls)}"))
        return {"made": len(calls)}

    assert store.once("key-1", "actor-7:thing", create) == {"made": 1}
    assert store.once("key-1", "actor-7:thing", create) == {"made": 1}
    assert store.once("key-1", "actor-8:thing", create) == {"made": 2}  # another actor's key
    assert store.once(None, "actor-7:thing", create) == {"made": 3}    # no key: no memory
    assert len(outbox_types(store)) == 3


def test_a_refused_request_is_not_remembered(store):
    def refuse(uow):
        raise ValueError("refused")

    with pytest.raises(ValueError):
        store.once("key-2", "a:b", refuse)
    assert store.once("key-2", "a:b", lambda uow: {"ok": True}) == {"ok": True}


def test_a_retry_refused_because_of_the_first_attempts_own_work_gets_the_first_answer(store):
    """The retry waited on the first (a lock) and then found the first's report in its way:
    the answer is the first's, not "overlap"."""
    def first_then_in_the_way(uow):
        # the first attempt commits while this one runs (another worker, simulated)
        store.once("key-3", "a:report", lambda other: {"id": 41})
        raise ValueError("overlaps report 41")

    assert store.once("key-3", "a:report", first_then_in_the_way) == {"id": 41}
