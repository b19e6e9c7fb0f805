"""Integrity's own tables: what it heard of reports, photos, decisions, views, people,
the catalogue and rule sets (projections, for its checks only), the agencies' offices it
is told, and what it found (signals) and what the review team decided (outcomes)."""
import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.db import messaging_tables

BigId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    pass


class Person(Base):
    """An employee's latest placement (org.placement_changed): agency, position, name."""
    __tablename__ = "person"
    employee_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    nip: Mapped[str] = mapped_column(String(30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(Integer)
    agency_name: Mapped[str | None] = mapped_column(String(200))
    position_code: Mapped[str] = mapped_column(String(80))
    position_name: Mapped[str | None] = mapped_column(String(200))


class Report(Base):
    """A sent report as report.submitted told it, and what became of it."""
    __tablename__ = "report"
    __table_args__ = (Index("ix_report_employee_period", "employee_id", "period"),
                      Index("ix_report_period_activity", "period", "activity_code"),
                      Index("ix_report_decider_period", "decided_by", "period"))
    report_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    employee_id: Mapped[int] = mapped_column(Integer)
    employee_name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    approver_id: Mapped[int | None] = mapped_column(Integer)
    viewers: Mapped[list] = mapped_column(JSON, default=list)  # who else decides it
    meeting_id: Mapped[int | None] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    date: Mapped[dt.date] = mapped_column(Date)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    activity_code: Mapped[str] = mapped_column(String(60))
    activity_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    evidence_id: Mapped[str | None] = mapped_column(String(36), index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(12))  # submitted approved rejected revision withdrawn revoked
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))  # this round's
    task_id: Mapped[int | None] = mapped_column(Integer)  # approval's, for the revocation
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Photo(Base):
    """A checked upload (evidence.checked 1.1): its type and what its EXIF says."""
    __tablename__ = "photo"
    evidence_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    owner_id: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    facts: Mapped[dict | None] = mapped_column(JSON)  # PhotoFacts; None: not a photo
    fingerprinted: Mapped[bool] = mapped_column(Boolean, default=True)


class Likeness(Base):
    """Two uploads of the same picture (or one that looks like it), both ways round."""
    __tablename__ = "likeness"
    evidence_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    other_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    phash_distance: Mapped[int] = mapped_column(Integer)
    same_bytes: Mapped[bool] = mapped_column(Boolean)
    # who holds the other and its report, as evidence said: a report from before these
    # checks ran is one integrity never heard of
    other_owner_id: Mapped[int | None] = mapped_column(Integer)
    other_report_id: Mapped[int | None] = mapped_column(Integer)


class View(Base):
    """Someone opened a piece of evidence whole (evidence.viewed)."""
    __tablename__ = "view"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    evidence_id: Mapped[str] = mapped_column(String(36), index=True)
    viewer_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Decision(Base):
    """The latest decision on a report, at the time it was announced (kept even when it is
    heard before the report itself)."""
    __tablename__ = "decision"
    __table_args__ = (Index("ix_decision_approver_at", "approver_id", "at"),)
    report_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    approver_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(12))
    task_id: Mapped[int | None] = mapped_column(Integer)


class Activity(Base):
    """A catalogue activity's standard minutes (catalogue.version_published)."""
    __tablename__ = "activity"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    standard_minutes: Mapped[int] = mapped_column(Integer)


class RuleSetHeard(Base):
    """The daily cap and monthly standard of each rule set (scoring.rule_set_published)."""
    __tablename__ = "rule_set_heard"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    daily_cap_minutes: Mapped[int] = mapped_column(Integer)
    monthly_standard_minutes: Mapped[int | None] = mapped_column(Integer)  # None: in points


class DutyTravel(Base):
    """A day of duty travel (DL) from attendance.recorded: its photos may be anywhere."""
    __tablename__ = "duty_travel"
    employee_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)


class Office(Base):
    """One of an agency's office locations, with its geofence radius (an admin's data)."""
    __tablename__ = "office"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer, index=True)
    name: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_m: Mapped[int | None] = mapped_column(Integer)


class Signal(Base):
    """What a check found on a report (report_key = its id) or on an employee's month
    (report_key 0). `state`: open, cleared or revoked by the review team, or lapsed when
    what raised it no longer holds (a view heard late, a neighbour withdrawn)."""
    __tablename__ = "signal"
    __table_args__ = (UniqueConstraint("report_key", "employee_id", "period", "signal"),
                      Index("ix_signal_agency_period", "agency_id", "period"))
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_key: Mapped[int] = mapped_column(Integer)
    employee_id: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    signal: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    weight: Mapped[int] = mapped_column(Integer)
    checkable: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Outcome(Base):
    """Every decision of the review team on a case (a report, or an employee's month):
    cleared with a note, or revoked through the post-audit revocation. Never changed."""
    __tablename__ = "outcome"
    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    report_key: Mapped[int] = mapped_column(Integer, index=True)
    employee_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    outcome: Mapped[str] = mapped_column(String(10))  # cleared | revoked
    signals: Mapped[list] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[int] = mapped_column(Integer)  # account id
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


outbox, inbox = messaging_tables(Base.metadata)
