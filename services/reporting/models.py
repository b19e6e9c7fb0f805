"""Reporting's own tables: organisation, accounts, SKP, catalogue versions,
meetings, reports, and the reporting rule set."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class Agency(Base):
    __tablename__ = "agency"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Unit(Base):
    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))


class Position(Base):
    __tablename__ = "position"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    job_class: Mapped[int] = mapped_column(Integer)
    superior_position_id: Mapped[int | None] = mapped_column(ForeignKey("position.id"))


class Employee(Base):
    __tablename__ = "employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8))
    grade: Mapped[str | None] = mapped_column(String(10))
    # Finance's payee (0008): asked by scoring's TPP export, never sent on the bus.
    bank_name: Mapped[str | None] = mapped_column(String(60))
    bank_account: Mapped[str | None] = mapped_column(String(20))
    bank_account_holder: Mapped[str | None] = mapped_column(String(200))
    bank_changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Placement(Base):
    """Who holds which position when; acting officials (Plt/Plh) for a date range."""
    __tablename__ = "placement"
    __table_args__ = (Index("ix_placement_position", "position_id", "start_date"),
                      Index("ix_placement_employee", "employee_id", "start_date"))
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id"))
    kind: Mapped[str] = mapped_column(String(12))  # definitive | plt | plh
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)  # inclusive; None: open


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list] = mapped_column(JSON)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)  # unused since 0003
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # likewise
    # Raised by a password change, a change of roles and a logout: older tokens die.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # A deactivated account logs in as if it did not exist; its tokens were revoked.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class LoginThrottle(Base):
    """Failed logins per username, known or not (see logins.py)."""
    __tablename__ = "login_throttle"
    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Skp(Base):
    """One employee's yearly performance plan."""
    __tablename__ = "skp"
    __table_args__ = (UniqueConstraint("employee_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))  # draft | submitted | approved | returned
    decided_by: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SkpItem(Base):
    """An RHK: main items cascade from one of the superior's items."""
    __tablename__ = "skp_item"
    id: Mapped[int] = mapped_column(primary_key=True)
    skp_id: Mapped[int] = mapped_column(ForeignKey("skp.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # main | additional | creative
    title: Mapped[str] = mapped_column(String(500))
    parent_item_id: Mapped[int | None] = mapped_column(ForeignKey("skp_item.id"))
    indicators: Mapped[list] = mapped_column(JSON)


class ActivityType(Base):
    """One version of a catalogue entry; a change adds a version, never edits one."""
    __tablename__ = "activity_type"
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    output_unit: Mapped[str] = mapped_column(String(40))
    standard_minutes: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    rupiah: Mapped[int] = mapped_column(Integer)
    evidence_required: Mapped[bool] = mapped_column(Boolean)
    creative: Mapped[bool] = mapped_column(Boolean, default=False)
    role_weights: Mapped[dict | None] = mapped_column(JSON)
    min_job_class: Mapped[int] = mapped_column(Integer, default=1)
    max_job_class: Mapped[int] = mapped_column(Integer, default=17)
    position_codes: Mapped[list | None] = mapped_column(JSON)
    effective_from: Mapped[dt.date] = mapped_column(Date)


class RuleSet(Base):
    """Reporting's projection of the city's rule set (scoring owns it; see
    ekinerja_contract/rule_set.py): the numbers reporting applies, one row per published
    set, never edited."""
    __tablename__ = "rule_set_projection"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # scoring's id
    agency_id: Mapped[int | None] = mapped_column(Integer)  # null: the whole city
    effective_from: Mapped[dt.date] = mapped_column(Date)
    daily_cap_minutes: Mapped[int] = mapped_column(Integer)
    input_deadline_day: Mapped[int] = mapped_column(Integer)
    head_approver: Mapped[str | None] = mapped_column(String(100))


class GraceWindow(Base):
    """Input reopened for an agency's period after an outage (audited): by an admin, or by
    the system itself (`automatic`, opened_by 0) after it missed its objective before the
    deadline. A revoked one (0010) no longer counts."""
    __tablename__ = "grace_window"
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    period: Mapped[str] = mapped_column(String(7))
    until: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[int | None] = mapped_column(Integer)
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class ClosedPeriod(Base):
    """Periods that payroll has closed (from payroll.period_closed)."""
    __tablename__ = "closed_period"
    __table_args__ = (UniqueConstraint("agency_id", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(Integer)  # None: the whole city
    period: Mapped[str] = mapped_column(String(7))


class CheckedEvidence(Base):
    """What evidence said of an upload once it had read it whole (evidence.checked), so a
    report naming it is accepted without asking evidence; removed when it expires."""
    __tablename__ = "checked_evidence"
    evidence_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(String(60))  # its error code, when damaged


class Meeting(Base):
    """A shared event: created once, claimed once by each attendee."""
    __tablename__ = "meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    activity_code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    place: Mapped[str] = mapped_column(String(300))
    date: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    expected: Mapped[list] = mapped_column(JSON)  # employee ids
    # employee id (as text, JSON keys) → chair | speaker | note_taker, named by the organiser
    roles: Mapped[dict | None] = mapped_column(JSON)


_LIVE_CLAIM = text("meeting_id IS NOT NULL AND state NOT IN ('withdrawn', 'dismissed', 'rejected')")
_LIVE_CHAIR = text("meeting_id IS NOT NULL AND role = 'chair' "
                   "AND state NOT IN ('withdrawn', 'dismissed', 'rejected')")


class Report(Base):
    __tablename__ = "report"
    __table_args__ = (
        Index("ix_report_employee_date", "employee_id", "date"),
        # one claim per person per meeting; one chair per meeting (live claims only)
        Index("uq_meeting_claim", "meeting_id", "employee_id", unique=True,
              sqlite_where=_LIVE_CLAIM, postgresql_where=_LIVE_CLAIM),
        Index("uq_meeting_chair", "meeting_id", unique=True,
              sqlite_where=_LIVE_CHAIR, postgresql_where=_LIVE_CHAIR),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    skp_item_id: Mapped[int] = mapped_column(ForeignKey("skp_item.id"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"))
    date: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    activity_type_id: Mapped[int] = mapped_column(ForeignKey("activity_type.id"))
    role: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    evidence_id: Mapped[str | None] = mapped_column(String(36))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    counted_minutes: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    rupiah: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)
    decision_reason: Mapped[str | None] = mapped_column(Text)  # the superior's words
    objection_reason: Mapped[str | None] = mapped_column(Text)  # the employee's keberatan
    dispute_decision_reason: Mapped[str | None] = mapped_column(Text)  # the review team's
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # who approved (or rejected) it, from the decision's event (0009): the routed approver
    # unless it was escalated; None before 0009 and after an upheld objection (the review
    # team's decider may be an account, not an employee), when approver_id stands in
    decided_by: Mapped[int | None] = mapped_column(Integer)


class AuditEntry(Base):
    """Append-only record of administrative changes (grace windows, rule sets, imports)."""
    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_account_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


outbox, inbox = messaging_tables(Base.metadata)
