"""The sync adapter's own tables: each item it owes the national side (an approved
report for BKN's Progres Harian, an evaluation for SIASN), what the national side said of
it (its id, or why it refused), and each day's reconciliation."""
import datetime as dt

from sqlalchemy import JSON, Date, DateTime, Index, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class SyncItem(Base):
    """One thing the national side should hold, once: `key` is our id of it there
    (idLokal: "laporan-12", "penilaian-3-2026-4-6"), so an event heard twice, or by two
    instances, is one item. `version` is the event that last changed it (an appraisal set
    again, a report revoked): a push carries it in its Idempotency-Key, so a retry is the
    same request and a change is a new one.

    state: pending (told to the pusher) -> sending (claimed, with a lease) ->
    acknowledged (national_id recorded) | refused (the national side said the payload is
    wrong: not retried) | failed (the last retry failed: dead-lettered; resent by an
    admin or the next reconciliation). A revoked report's item becomes `delete`: pending
    -> deleted once the national side removed it."""
    __tablename__ = "sync_item"
    __table_args__ = (Index("ix_sync_item_day", "day", "employee_id"),
                      Index("ix_sync_item_state", "state"))
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # progres | periodik | tahunan
    key: Mapped[str] = mapped_column(String(80), unique=True)
    action: Mapped[str] = mapped_column(String(8))  # upsert | delete
    ref: Mapped[dict] = mapped_column(JSON)  # report_id, or employee_id, year, months
    employee_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[dt.date | None] = mapped_column(Date)  # a report's date (reconciliation)
    version: Mapped[str] = mapped_column(String(36))
    # when what `version` says happened (its event's time): an older event changes nothing
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(12))
    national_id: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))  # the national side's words
    # what went wrong, as a code the page words in Indonesian: unreachable | busy | refused |
    # not_ready | no_public_url | internal
    problem: Mapped[str | None] = mapped_column(String(20))
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Reconciliation(Base):
    """A day's comparison: what we hold (reporting's approved reports of that day), what
    we were told was acknowledged, and what the national side lists for it; `people`
    keeps the per-person differences (rules.reconcile), newest run wins."""
    __tablename__ = "reconciliation"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    ran_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    held: Mapped[int] = mapped_column(Integer)
    acknowledged: Mapped[int] = mapped_column(Integer)
    national: Mapped[int | None] = mapped_column(Integer)  # None: the national side did not answer
    people: Mapped[list] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(String(500))


class DailyClaim(Base):
    """The day's reconciliation run: the first instance to insert the day's row runs it."""
    __tablename__ = "daily_claim"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


outbox, inbox = messaging_tables(Base.metadata)
