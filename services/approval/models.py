"""Approval's own tables: tasks, delegations, the rule-set projection, disputes, credit lines,
and the append-only audit log."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, Date, DateTime, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.chain import Chains
from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class ApprovalTask(Base):
    __tablename__ = "approval_task"
    # the inbox: an approver's pending tasks, oldest first (migration 0004, built concurrently)
    __table_args__ = (Index("ix_task_pending", "state", "submitted_at"),
                      Index("ix_task_inbox", "approver_id", "state", "submitted_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(Integer, unique=True)
    employee_id: Mapped[int] = mapped_column(Integer, index=True)
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    approver_id: Mapped[int | None] = mapped_column(Integer)
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


class RuleSet(Base):
    """Approval's projection of the city's rule set (scoring owns it; see
    ekinerja_contract/rule_set.py): the calendar and the numbers approval applies."""
    __tablename__ = "rule_set_projection"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(Integer, unique=True)  # scoring's id
    agency_id: Mapped[int | None] = mapped_column(Integer)  # null: the whole city
    effective_from: Mapped[dt.date] = mapped_column(Date)
    holidays: Mapped[list] = mapped_column(JSON)  # ISO dates
    approver_points_per_decision: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    approver_daily_points_cap: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    remind_after_days: Mapped[int] = mapped_column(Integer)
    escalate_after_days: Mapped[int] = mapped_column(Integer)
    objection_window_days: Mapped[int] = mapped_column(Integer)


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
# Every action on a task, chained by hash (ekinerja_contract/chain.py): a decision changed in
# the database behind approval's back is found by the verifier.
CHAINS = Chains(Base.metadata, {"decisions": (AuditEntry, (
    "id", "task_id", "report_id", "actor_id", "action", "state_before", "state_after", "detail",
    "origin", "at"))})
