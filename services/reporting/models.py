"""Reporting's own tables: organisation, accounts, catalogue versions, reports."""
import datetime as dt
from decimal import Decimal

from sqlalchemy import (JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String,
                        Text, Time, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class Agency(Base):
    __tablename__ = "agency"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Position(Base):
    __tablename__ = "position"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    job_class: Mapped[int] = mapped_column(Integer)
    superior_position_id: Mapped[int | None] = mapped_column(ForeignKey("position.id"))


class Employee(Base):
    __tablename__ = "employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    position_id: Mapped[int] = mapped_column(ForeignKey("position.id"))
    status: Mapped[str] = mapped_column(String(8))
    grade: Mapped[str | None] = mapped_column(String(10))


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list] = mapped_column(JSON)
    employee_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"), unique=True)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))


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
    role_weights: Mapped[dict | None] = mapped_column(JSON)
    effective_from: Mapped[dt.date] = mapped_column(Date)


class Report(Base):
    __tablename__ = "report"
    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employee.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("employee.id"))
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    start: Mapped[dt.time] = mapped_column(Time)
    end: Mapped[dt.time] = mapped_column(Time)
    activity_type_id: Mapped[int] = mapped_column(ForeignKey("activity_type.id"))
    role: Mapped[str | None] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    evidence_id: Mapped[str | None] = mapped_column(String(36))
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    minutes: Mapped[int] = mapped_column(Integer)
    counted_minutes: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    rupiah: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), index=True)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


outbox, inbox = messaging_tables(Base.metadata)
