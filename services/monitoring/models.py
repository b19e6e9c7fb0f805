"""Monitoring's own tables: a read model of the city, kept from the public events only.

Nothing here is owned: every number is another service's, as its event told it (the
organisation and the reports are reporting's, the decisions approval's, the TPP lines,
budgets and predikat scoring's). The tables are shaped for the leaders' pages, so that
a city-wide page reads a few indexed aggregates and never asks another service."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Index, Integer, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class Person(Base):
    """Each employee's current definitive placement (org.placement_changed)."""
    __tablename__ = "person"
    employee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    nip: Mapped[str] = mapped_column(String(18))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(8))
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    agency_code: Mapped[str | None] = mapped_column(String(20))
    agency_name: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(Integer, index=True)
    unit_name: Mapped[str | None] = mapped_column(String(200))
    position_code: Mapped[str] = mapped_column(String(40))
    position_name: Mapped[str | None] = mapped_column(String(200))
    job_class: Mapped[int] = mapped_column(Integer)
    position_id: Mapped[int | None] = mapped_column(Integer)
    # teams follow positions: whoever holds the position above leads this person
    superior_position_id: Mapped[int | None] = mapped_column(Integer, index=True)
    placed_from: Mapped[dt.date] = mapped_column(Date)
    placed_until: Mapped[dt.date | None] = mapped_column(Date)  # inclusive; null: open
    told_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Holder(Base):
    """Who holds each position now, definitively or as acting official (Plt/Plh): a team
    is the people whose superior position its leader holds, so a new head inherits it
    and one who moved on loses it, without an event for every subordinate."""
    __tablename__ = "holder"
    __table_args__ = (Index("ix_holder_employee", "employee_id"),)
    position_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    employee_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    top: Mapped[bool] = mapped_column(Boolean)  # no position above: the head of its agency
    since: Mapped[dt.date] = mapped_column(Date)


class LiveReport(Base):
    """A report sent for a day: the day counts as filled in, whatever the decision (the
    person did fill it in), until the report is withdrawn. A withdrawal is final, and
    is kept (a tombstone) so that a submission arriving after it counts nothing."""
    __tablename__ = "live_report"
    report_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    employee_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date | None] = mapped_column(Date)  # null: withdrawn before it was heard
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ReportDay(Base):
    """How many live reports an employee has on a day (compliance counts days with one)."""
    __tablename__ = "report_day"
    __table_args__ = (Index("ix_report_day_date", "date", "employee_id"),)
    employee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    reports: Mapped[int] = mapped_column(Integer)


class PersonMonth(Base):
    """Weekdays (Monday to Friday) of a month with a live report, per employee: kept as
    days fill and empty, so that a city's compliance is one row a person. Holidays and
    days still to come are taken off when read (views._days_filled)."""
    __tablename__ = "person_month"
    employee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    weekdays_filled: Mapped[int] = mapped_column(Integer)


class Task(Base):
    """An approval task while it waits, and what became of it."""
    __tablename__ = "task"
    __table_args__ = (Index("ix_task_waiting", "state", "approver_id"),)
    task_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    report_id: Mapped[int] = mapped_column(Integer)
    employee_id: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))  # pending | decided | cancelled
    waiting_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    approver_set_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    last_event_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # a decision heard before its task: its time to decide is counted when the task is
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(Integer)


class ApproverMonth(Base):
    """One decider's month: decisions by outcome, points given, escalations, and the
    time each decision took as a histogram (rules.LATENCY_BUCKETS_HOURS)."""
    __tablename__ = "approver_month"
    approver_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    approved: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    revised: Mapped[int] = mapped_column(Integer, default=0)
    points_given: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=Decimal(0))
    escalated: Mapped[int] = mapped_column(Integer, default=0)
    latency: Mapped[list] = mapped_column(JSON)


class PayLine(Base):
    """The newest frozen TPP line of an employee's closed month (payroll.line)."""
    __tablename__ = "pay_line"
    __table_args__ = (Index("ix_pay_line_agency", "agency_id", "period"),)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    employee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    agency_id: Mapped[int] = mapped_column(Integer)
    snapshot_version: Mapped[int] = mapped_column(Integer)
    gross: Mapped[int] = mapped_column(Integer)
    net: Mapped[int] = mapped_column(Integer)


class AgencyMonthCost(Base):
    """The sum of an agency's newest pay lines of a month, kept as lines arrive (a later
    version replaces its line's part): the city's cost trend is 40 agencies × 12 rows."""
    __tablename__ = "agency_month_cost"
    agency_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    gross: Mapped[int] = mapped_column(BigInteger)
    net: Mapped[int] = mapped_column(BigInteger)
    people: Mapped[int] = mapped_column(Integer)


class PredikatCount(Base):
    """How many of an agency's employees hold each predikat in a year, kept as they are set."""
    __tablename__ = "predikat_count"
    agency_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    predikat: Mapped[str] = mapped_column(String(20), primary_key=True)
    people: Mapped[int] = mapped_column(Integer)


class ClosedMonth(Base):
    """A month closed for an agency, or for the whole city (agency 0)."""
    __tablename__ = "closed_month"
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    agency_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)


class Budget(Base):
    __tablename__ = "budget"
    agency_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    ceiling: Mapped[int] = mapped_column(BigInteger)
    told_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))  # the newest stands


class Predikat(Base):
    __tablename__ = "predikat"
    employee_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    predikat: Mapped[str] = mapped_column(String(20))
    told_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class OrganisationPredikat(Base):
    __tablename__ = "organisation_predikat"
    agency_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    predikat: Mapped[str] = mapped_column(String(20))
    told_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Holidays(Base):
    """The calendar of each published rule set (scoring.rule_set_published 1.1)."""
    __tablename__ = "holidays"
    source_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[list] = mapped_column(JSON)  # ISO dates


outbox, inbox = messaging_tables(Base.metadata)
