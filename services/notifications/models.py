"""The notifications service's own tables: each person's notifications and their
deliveries on outside channels, the contacts and choices people set, and the few facts
kept from other services' events to word a message (a report's activity and date, a
rule set's input deadline day). Who has unreported days and whose approvals wait are
monitoring's figures, asked for when a daily notice is written."""
import datetime as dt

from sqlalchemy import JSON, Boolean, Date, DateTime, Index, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ekinerja_contract.db import messaging_tables


class Base(DeclarativeBase):
    pass


class Notification(Base):
    """One notice to one person, shown in the bell's list. `key` makes it once per
    cause and person (an event redelivered, or heard by two instances, writes it once);
    notices of one kind on one day for one cause group (`count`), so thirty reminders
    are one line, "30 laporan", not thirty."""
    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("person_id", "key", name="uq_notification_key"),
                      Index("ix_notification_person", "person_id", "created_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(120))
    params: Mapped[dict] = mapped_column(JSON)
    count: Mapped[int] = mapped_column(Integer, default=1)
    link: Mapped[str | None] = mapped_column(String(300))
    shown: Mapped[bool] = mapped_column(Boolean, default=True)  # in the bell (the person's choice)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Delivery(Base):
    """A notice on one outside channel: `waiting` for the person's quiet hours to end,
    `due` (told to the channel's deliverer), `sent`, or `failed` after the last retry."""
    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("notification_id", "channel", name="uq_delivery_channel"),
                      Index("ix_delivery_waiting", "state", "due_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # who is sending it since when: a second copy of its message waits for this lease
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Contact(Base):
    """Where a person is reached on a channel (checked when entered), and whether the
    channel is failing for them after a delivery's last retry: why, as a code the page
    words in Indonesian (channels.FAILURES), and the provider's own words for admins."""
    __tablename__ = "contact"
    person_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(12), primary_key=True)
    address: Mapped[str] = mapped_column(String(254))
    failing_reason: Mapped[str | None] = mapped_column(String(40))
    failing_detail: Mapped[str | None] = mapped_column(String(500))
    failing_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Settings(Base):
    """A person's choices: per kind, the channels it comes through (an empty list: not
    at all), and the quiet hours in which outside channels wait (the bell never does).
    No row: the defaults of rules.DEFAULT_QUIET and every channel for every kind."""
    __tablename__ = "settings"
    person_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    choices: Mapped[dict] = mapped_column(JSON)
    quiet_start: Mapped[dt.time | None] = mapped_column(Time)
    quiet_end: Mapped[dt.time | None] = mapped_column(Time)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReportFact(Base):
    """What a decision's message names: the report's activity and day (report.submitted)."""
    __tablename__ = "report_fact"
    report_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    employee_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date] = mapped_column(Date)
    activity_name: Mapped[str] = mapped_column(String(200))


class ApprovalHeard(Base):
    """An approval waiting for the employee's daily digest (one notice a day, not one
    per report: approvals are the good news people need least often)."""
    __tablename__ = "approval_heard"
    __table_args__ = (Index("ix_approval_undigested", "digested", "decided_on"),)
    report_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    employee_id: Mapped[int] = mapped_column(Integer)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    digested: Mapped[bool] = mapped_column(Boolean, default=False)


class DeadlineRule(Base):
    """Each rule set's input deadline day (scoring.rule_set_published), for the
    deadline notices: the day of the next month a month's reports must be in by."""
    __tablename__ = "deadline_rule"
    source_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    agency_id: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    deadline_day: Mapped[int] = mapped_column(Integer)


class DailyRun(Base):
    """A daily job done for a city date: inserted first, so two instances' timers run it
    once between them."""
    __tablename__ = "daily_run"
    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    done_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    summary: Mapped[str | None] = mapped_column(Text)


class BotState(Base):
    """The Telegram bot's getUpdates offset, and which instance polls until when: one
    poller at a time, and a restart does not answer /start twice."""
    __tablename__ = "bot_state"
    bot: Mapped[str] = mapped_column(String(20), primary_key=True)
    offset: Mapped[int] = mapped_column(Integer)
    held_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


messaging_tables(Base.metadata)
