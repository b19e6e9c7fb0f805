"""The unit of work and the inbox, on SQLite, without a broker."""
import pytest
from sqlalchemy import select

from tests.support.factories import report_approved
from services.scoring.models import Base, LedgerEntry
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
