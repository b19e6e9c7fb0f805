"""The unit of work and the inbox, on SQLite, without a broker."""
import pytest
from sqlalchemy import select

from ekinerja_contract import events
from services.scoring.models import Base, LedgerEntry
from tests.support.stores import outbox_types, sqlite_store


@pytest.fixture
def store(tmp_path):
    return sqlite_store(Base.metadata, "scoring", tmp_path / "scoring.db")


def approved(report_id=1):
    return events.build("approval.approved", dict(
        task_id=1, report_id=report_id, employee_id=2, agency_id=1, decided_by=3,
        date="2026-11-02", activity_code="SURAT", minutes=60, counted_minutes=60,
        points="5.00", rupiah=7500), "approval").model_dump(mode="json")


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
    assert store.consume(approved(), add_line) is True
    assert count_lines(store) == 1
    assert outbox_types(store) == ["ledger.entry_recorded"]


def test_a_redelivered_event_changes_nothing(store):
    body = approved()
    assert [store.consume(body, add_line) for _ in range(3)] == [True, False, False]
    assert count_lines(store) == 1
    assert len(outbox_types(store)) == 1


def test_a_failing_effect_leaves_neither_state_nor_event_nor_inbox_mark(store):
    body = approved()

    def fail(uow, env):
        add_line(uow, env)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        store.consume(body, fail)
    assert count_lines(store) == 0 and outbox_types(store) == []
    assert store.consume(body, add_line) is True  # the retry is not taken for a duplicate
