"""Scoring service: entrypoints only; rules in rules.py."""
import datetime as dt

from nameko.rpc import rpc
from sqlalchemy import select, text

from ekinerja_contract import periods
from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Forbidden
from ekinerja_contract.events import parse
from ekinerja_contract.nameko_ext import Database, event_handler
from ekinerja_contract.schemas import Actor

from . import rules
from .models import Base, LedgerEntry


class ScoringService:
    name = "scoring"
    db = Database(Base.metadata)

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True}

    @event_handler("approval", "approval.approved")
    def on_report_approved(self, body):
        self.db.consume(body, _credit_activity)

    @event_handler("approval", "approval.dispute_upheld")
    def on_dispute_upheld(self, body):
        """An upheld objection: the rejected report counts as approved."""
        self.db.consume(body, _credit_activity)

    @event_handler("approval", "approval.approver_credited")
    def on_approver_credited(self, body):
        self.db.consume(body, _credit_approver)

    @rpc
    def recap(self, actor, employee_id, period):
        """A provisional recap of one person's month, with its ledger lines."""
        actor = Actor.model_validate(actor)
        if employee_id != actor.employee_id and not actor.has("city_admin", "finance"):
            raise Forbidden("you may see only your own recap")
        periods.bounds(period)
        with self.db.session() as s:
            entries = list(s.scalars(select(LedgerEntry).where(
                LedgerEntry.employee_id == employee_id, LedgerEntry.period == period)
                .order_by(LedgerEntry.date, LedgerEntry.id)))
            totals = rules.recap(entries)
            return {"employee_id": employee_id, "period": period,
                    **{k: str(v) if not isinstance(v, int) else v for k, v in totals.items()},
                    "entries": [_entry_dict(e) for e in entries]}


def _record(uow, envelope, **line):
    date = dt.date.fromisoformat(str(line["date"]))
    entry = LedgerEntry(period=periods.period_of(date), source_event_id=envelope.id,
                        recorded_at=utcnow(), **line)
    uow.session.add(entry)
    uow.session.flush()
    uow.emit("ledger.entry_recorded", dict(
        entry_id=entry.id, employee_id=entry.employee_id, period=entry.period, kind=entry.kind,
        points=entry.points, rupiah=entry.rupiah, source_event_id=envelope.id))


def _credit_activity(uow, envelope):
    a = parse(envelope)
    _record(uow, envelope, employee_id=a.employee_id, agency_id=a.agency_id, date=a.date,
            kind="activity", points=a.points, rupiah=a.rupiah, minutes=a.counted_minutes,
            report_id=a.report_id, task_id=a.task_id)


def _credit_approver(uow, envelope):
    c = parse(envelope)
    _record(uow, envelope, employee_id=c.approver_id, agency_id=c.agency_id, date=c.date,
            kind="approver_credit", points=c.points, rupiah=0, minutes=0, report_id=None,
            task_id=c.task_id)


def _entry_dict(e: LedgerEntry) -> dict:
    return {"id": e.id, "date": e.date.isoformat(), "kind": e.kind, "points": str(e.points),
            "rupiah": e.rupiah, "minutes": e.minutes, "report_id": e.report_id}
