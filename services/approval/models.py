"""Approval's own tables: tasks, delegations, holidays, disputes, credit lines,
and the append-only audit log."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class ApprovalTask(Base):
    __tablename__ = "approval_task"
    __table_args__ = (Index("ix_task_pending", "state", "submitted_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(Integer, unique=True)
    employee_id: Mapped[int] = mapped_column(Integer, index=True)
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    approver_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # pending | approved | rejected | revision_requested | cancelled
    state: Mapped[str] = mapped_column(String(20))
    round: Mapped[int] = mapped_column(Integer, default=1)  # +1 on each resubmission
    report: Mapped[dict] = mapped_column(JSON)  # the submitted report, as the event told it
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_to: Mapped[int | None] = mapped_column(Integer, index=True)
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)


class Delegation(Base):
    """An approver lets someone decide their tasks for a date range."""
    __tablename__ = "delegation"
    id: Mapped[int] = mapped_column(primary_key=True)
    approver_id: Mapped[int] = mapped_column(Integer, index=True)
    delegate_id: Mapped[int] = mapped_column(Integer, index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[int] = mapped_column(Integer)


class Holiday(Base):
    """National and city holidays: no working day."""
    __tablename__ = "holiday"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class CreditLine(Base):
    """Approver points for one decision: one per task round, whatever is redelivered."""
    __tablename__ = "credit_line"
    __table_args__ = (UniqueConstraint("task_id", "round"),
                      Index("ix_credit_day", "approver_id", "day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer)
    round: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[dt.date] = mapped_column(Date)
    points: Mapped[Decimal] = mapped_column(Numeric(10, 2))


class Dispute(Base):
    """An objection (keberatan) to a rejection, heard by the review team or the
    superior's superior; the decision is final."""
    __tablename__ = "dispute"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, unique=True)
    report_id: Mapped[int] = mapped_column(Integer)
    employee_id: Mapped[int] = mapped_column(Integer, index=True)
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    original_approver_id: Mapped[int] = mapped_column(Integer)
    heard_by: Mapped[str] = mapped_column(String(20))  # review_team | superior
    hearer_id: Mapped[int | None] = mapped_column(Integer)  # the superior's superior
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12))  # open | upheld | dismissed
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """Append-only: every action on a task, who did it, before and after, from where."""
    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(Integer, index=True)
    report_id: Mapped[int] = mapped_column(Integer, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(30))
    state_before: Mapped[str | None] = mapped_column(String(20))
    state_after: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str | None] = mapped_column(Text)
    origin: Mapped[str | None] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


outbox, inbox = messaging_tables(Base.metadata)
