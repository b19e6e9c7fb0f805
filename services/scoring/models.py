"""Scoring's own tables: the append-only ledger, people as reporting describes them,
attendance, rule sets, close jobs, frozen snapshots, appraisals, the agencies'
yearly budget ceilings and predikat, and what else pay depends on: conditions without
TPP, quarterly budget realisation, approved SKPs, tax profiles; objections to pay lines."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.chain import Chains
from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class LedgerEntry(Base):
    """One line of points and rupiah; never updated, corrected by new lines."""
    __tablename__ = "ledger_entry"
    __table_args__ = (Index("ix_ledger_period_employee", "period", "employee_id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))  # activity | approver_credit | reversal | correction
    points: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    rupiah: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)
    report_id: Mapped[int | None] = mapped_column(Integer, index=True)
    task_id: Mapped[int | None] = mapped_column(Integer)
    activity_code: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    # The event (or correction) that caused it: a redelivery can never count twice.
    source_event_id: Mapped[str] = mapped_column(String(36), unique=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Placement(Base):
    """An employee's definitive placement, from org.placement_changed."""
    __tablename__ = "placement"
    __table_args__ = (Index("ix_placement_employee", "employee_id", "start_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[dt.date] = mapped_column(Date)
    nip: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8))
    grade: Mapped[str | None] = mapped_column(String(10))
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    # how finance knows the agency (placement 1.1); null from a 1.0 message
    agency_code: Mapped[str | None] = mapped_column(String(20))
    agency_name: Mapped[str | None] = mapped_column(String(200))
    job_class: Mapped[int] = mapped_column(Integer)
    superior_employee_id: Mapped[int | None] = mapped_column(Integer)
    # as SIASN names an appraiser (placement 1.1; 0004): null from older messages
    position_name: Mapped[str | None] = mapped_column(String(200))
    unit_name: Mapped[str | None] = mapped_column(String(200))


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (Index("ix_attendance_employee_date", "employee_id", "date"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(12))
    minutes: Mapped[int] = mapped_column(Integer)
    excused: Mapped[bool] = mapped_column(Boolean)
    leave_type: Mapped[str | None] = mapped_column(String(12))  # a leave's kind (0006)
    source_event_id: Mapped[str] = mapped_column(String(36), unique=True)


class RuleSet(Base):
    __tablename__ = "rule_set"
    __table_args__ = (UniqueConstraint("agency_id", "effective_from"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    body: Mapped[dict] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class CloseJob(Base):
    """A month close in progress: what the admin's progress bar reads."""
    __tablename__ = "close_job"
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7))
    agency_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))  # queued | running | done | failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    snapshot_id: Mapped[int | None] = mapped_column(Integer)
    requested_by: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Snapshot(Base):
    """A frozen period for an agency (or the city): what finance pays from."""
    __tablename__ = "snapshot"
    __table_args__ = (UniqueConstraint("period", "agency_key", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(7))
    agency_id: Mapped[int | None] = mapped_column(Integer)
    agency_key: Mapped[int] = mapped_column(Integer)  # agency_id, or 0 for the city
    version: Mapped[int] = mapped_column(Integer)
    employees: Mapped[int] = mapped_column(Integer)
    errors: Mapped[list] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SnapshotLine(Base):
    __tablename__ = "snapshot_line"
    __table_args__ = (UniqueConstraint("snapshot_id", "employee_id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(Integer, index=True)
    employee_id: Mapped[int] = mapped_column(Integer, index=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    net: Mapped[int] = mapped_column(BigInteger)
    difference: Mapped[int | None] = mapped_column(BigInteger)  # against the previous version
    line: Mapped[dict] = mapped_column(JSON)


class Appraisal(Base):
    """The ratings behind the predikat, for a year (months 1-12) or a part of it: the
    periodic evaluation of PermenPANRB 6/2022 (a month, a quarter, a semester; 0004)."""
    __tablename__ = "appraisal"
    __table_args__ = (UniqueConstraint("employee_id", "year", "month_from", "month_to",
                                       name="uq_appraisal_span"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    month_from: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    month_to: Mapped[int] = mapped_column(Integer, default=12, server_default="12")
    # the appraiser as an employee (0004); None: a city admin (or a row from before)
    appraiser_employee_id: Mapped[int | None] = mapped_column(Integer)
    result_rating: Mapped[str] = mapped_column(String(12))
    behaviour_rating: Mapped[str] = mapped_column(String(12))
    predikat: Mapped[str] = mapped_column(String(20))
    set_by: Mapped[int] = mapped_column(Integer)


class AgencyBudget(Base):
    """An agency's TPP budget ceiling (pagu) for a year, in rupiah; set again, it changes."""
    __tablename__ = "agency_budget"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    ceiling: Mapped[int] = mapped_column(BigInteger)  # up to 10^15 - 1 rupiah
    set_by: Mapped[int] = mapped_column(Integer)  # the account
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class OrganisationPredikat(Base):
    """An agency's own yearly predikat (Istimewa ... Sangat Kurang), set by the city."""
    __tablename__ = "organisation_predikat"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    predikat: Mapped[str] = mapped_column(String(20))
    set_by: Mapped[int] = mapped_column(Integer)  # the account
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EmployeeCondition(Base):
    """A spell without TPP as the personnel agency decreed it (0006): MPP, uang tunggu,
    detention, CLTN, temporary dismissal, or a disciplinary punishment (punishment_light,
    _medium, _heavy: its months are the rule set's). Ended by setting `end_date`."""
    __tablename__ = "employee_condition"
    __table_args__ = (Index("ix_employee_condition_employee", "employee_id", "start_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(120))  # the decree (SK)
    recorded_by: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class BudgetRealisation(Base):
    """An agency's budget realisation in a quarter, in percent (0006): the budget share's input."""
    __tablename__ = "budget_realisation"
    __table_args__ = (UniqueConstraint("agency_id", "year", "quarter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    percent: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    set_by: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ApprovedSkp(Base):
    """Who has an approved SKP for a year, from skp.approved (0006): the no-SKP exclusion."""
    __tablename__ = "approved_skp"
    __table_args__ = (UniqueConstraint("employee_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)


class TaxProfile(Base):
    """What PPh 21 TER needs beyond the TPP (0006), as finance records it."""
    __tablename__ = "tax_profile"
    employee_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ptkp: Mapped[str] = mapped_column(String(5))  # TK/0 ... K/3
    monthly_salary: Mapped[int] = mapped_column(BigInteger)
    set_by: Mapped[int] = mapped_column(Integer)
    set_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PayObjection(Base):
    """An employee's objection to one step of a closed month's TPP line (0006); the review
    team decides, and an upheld one becomes an audited correction (a new snapshot version)."""
    __tablename__ = "pay_objection"
    __table_args__ = (Index("ix_pay_objection_state", "state", "filed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(Integer, index=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    snapshot_version: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(20))  # the line's step key
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10))  # filed | upheld | dismissed
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision: Mapped[str | None] = mapped_column(Text)
    correction_version: Mapped[int | None] = mapped_column(Integer)


class GraceHold(Base):
    """A grace window reporting opened (0007): the month is not closed for the agency while
    its people may still report for it; a revoked one no longer holds."""
    __tablename__ = "grace_hold"
    window_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    agency_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    until: Mapped[dt.date] = mapped_column(Date)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


outbox, inbox = messaging_tables(Base.metadata)
# The ledger's lines and the frozen pay lines, chained by hash (ekinerja_contract/chain.py):
# a line changed in the database behind scoring's back is found by the verifier, and each
# closed month's seal (its last line's link) is printed on the slip and in the export.
CHAINS = Chains(Base.metadata, {
    "ledger": (LedgerEntry, ("id", "employee_id", "agency_id", "period", "date", "kind", "points",
                             "rupiah", "minutes", "report_id", "task_id", "activity_code", "reason",
                             "source_event_id", "recorded_at")),
    "snapshot_lines": (SnapshotLine, ("id", "snapshot_id", "employee_id", "agency_id", "net",
                                      "difference", "line"))})
