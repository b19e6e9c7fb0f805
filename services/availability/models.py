"""Availability's own tables: the probes through the gateway, the agencies' real requests
counted per minute, what it heard of rule sets and agencies, and every deadline judged."""
import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class Probe(Base):
    """One request through the gateway to the services and their databases."""
    __tablename__ = "probe"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    latency_ms: Mapped[int] = mapped_column(Integer)
    status: Mapped[int] = mapped_column(Integer)  # HTTP status; 0: no answer


class Traffic(Base):
    """An agency's requests in one minute as the gateway counted them (errors: 5xx)."""
    __tablename__ = "traffic"
    __table_args__ = (UniqueConstraint("agency_id", "minute"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    minute: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    requests: Mapped[int] = mapped_column(Integer)
    errors: Mapped[int] = mapped_column(Integer)


class RuleSetHeard(Base):
    """The deadline day and objective of each rule set, from scoring.rule_set_published."""
    __tablename__ = "rule_set_heard"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # scoring's id
    agency_id: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    input_deadline_day: Mapped[int] = mapped_column(Integer)
    objective: Mapped[dict] = mapped_column(JSON)


class Agency(Base):
    """An agency someone is placed in (org.placement_changed)."""
    __tablename__ = "agency"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


class Decision(Base):
    """A deadline judged for an agency: the figures, the verdict and what was done."""
    __tablename__ = "decision"
    __table_args__ = (UniqueConstraint("agency_id", "period"), Index("ix_decision_state", "state"))
    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(Integer)
    period: Mapped[str] = mapped_column(String(7))
    deadline: Mapped[dt.date] = mapped_column(Date)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    breached: Mapped[bool] = mapped_column(Boolean)
    reasons: Mapped[list] = mapped_column(JSON)
    figures: Mapped[dict] = mapped_column(JSON)
    # kept | opening (a grace window to open) | opened | off (the objective says not by itself)
    state: Mapped[str] = mapped_column(String(10))
    grace_until: Mapped[dt.date | None] = mapped_column(Date)
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


outbox, inbox = messaging_tables(Base.metadata)
