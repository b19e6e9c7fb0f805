"""Availability: the system measures its own availability and latency, per agency, and
protects pay when it broke its promise before an input deadline.

- It probes the input path through the gateway (PROBE_URL + /probez) every
  PROBE_SECONDS, and keeps the gateway's count of each agency's real requests and their
  5xx answers (record_traffic, sent by the gateway every few seconds).
- Each TICK_SECONDS, for an agency whose input deadline has just passed (the rule set's
  deadline day, in city time), it judges the last `objective.window_hours` before it
  (rules.judge). Breached, and the objective says `automatic`, it asks reporting to open
  an audited grace window for that agency (which notifies its people); an admin can
  revoke it there. Every deadline judged is kept, with its figures, and announced
  (`availability.deadline_judged`).

The observer must not depend on the observed: its probes and decisions live in its own
database, and a probe that finds the gateway or the services down is a failed probe."""
import datetime as dt
import logging
import time

import httpx
from nameko.dependency_providers import Config
from sqlalchemy import func, select, text

from ekinerja_contract import clock
from ekinerja_contract import config as config_module
from ekinerja_contract.errors import Forbidden
from ekinerja_contract.events import parse
from ekinerja_contract.nameko_ext import Database, Metrics, ServiceRpc, event_handler, rpc, timer
from ekinerja_contract.rule_set import Objective, default_body, in_force
from ekinerja_contract.schemas import Actor
from ekinerja_contract.services import Reporting

from . import rules
from .models import Agency, Base, Decision, Probe, RuleSetHeard, Traffic

log = logging.getLogger(__name__)
KEEP = dt.timedelta(days=40)  # probes and counts older than this are let go


class AvailabilityService:
    name = "availability"
    db = Database(Base.metadata)
    metrics = Metrics()
    config = Config()
    reporting: Reporting = ServiceRpc(Reporting)  # owns grace windows (and their audit)

    @property
    def settings(self) -> dict:
        return dict(self.config.get("AVAILABILITY") or {})

    @property
    def probe_url(self) -> str:
        """PROBE_URL, else the site's public address (the way people come in)."""
        return str(self.settings.get("PROBE_URL") or config_module.public_url() or "").rstrip("/")

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True, "probing": bool(self.probe_url)}

    # --- what it hears ----------------------------------------------------------------------
    @event_handler("scoring", "scoring.rule_set_published")
    def on_rule_set_published(self, body):
        self.db.consume(body, _rule_set)

    @event_handler("reporting", "org.placement_changed")
    def on_placement_changed(self, body):
        self.db.consume(body, _agency)

    @rpc
    def record_traffic(self, counts):
        """From the gateway: [{agency_id, minute (ISO, UTC), requests, errors}], added to
        what that minute already has (several gateways, several flushes)."""
        with self.db.unit_of_work() as uow:
            for c in counts:
                minute = clock.as_utc(dt.datetime.fromisoformat(str(c["minute"]))).astimezone(dt.UTC)
                row = uow.session.scalar(select(Traffic).where(
                    Traffic.agency_id == int(c["agency_id"]), Traffic.minute == minute).with_for_update())
                if row is None:
                    row = Traffic(agency_id=int(c["agency_id"]), minute=minute, requests=0, errors=0)
                    uow.session.add(row)
                row.requests += int(c["requests"])
                row.errors += int(c["errors"])
        return {"minutes": len(counts)}

    # --- measuring ---------------------------------------------------------------------------
    @timer("AVAILABILITY.PROBE_SECONDS", 60)
    def probe(self):
        url = self.probe_url
        if not url:
            return
        started, status = time.perf_counter(), 0
        try:
            status = httpx.get(f"{url}/probez", timeout=float(self.settings.get("PROBE_TIMEOUT", 10))
                               ).status_code
        except httpx.HTTPError:
            pass  # no answer at all: a failed probe
        latency = round((time.perf_counter() - started) * 1000)
        with self.db.unit_of_work() as uow:
            uow.session.add(Probe(at=clock.now(), ok=status == 200, latency_ms=latency, status=status))

    # --- judging deadlines --------------------------------------------------------------------
    @timer("AVAILABILITY.TICK_SECONDS", 60)
    def tick(self):
        now = clock.now()
        with self.db.session() as s:
            agencies = list(s.scalars(select(Agency.id)))
            heard = list(s.scalars(select(RuleSetHeard)))
        for agency_id in agencies:
            try:
                self.judge_deadline(agency_id, now, heard)
            except Exception:  # one agency's trouble (reporting away) never stops the others
                log.warning("deadline of agency %s not judged this time", agency_id, exc_info=True)
        self.open_owed()
        with self.db.unit_of_work() as uow:
            uow.session.query(Probe).filter(Probe.at < now - KEEP).delete()
            uow.session.query(Traffic).filter(Traffic.minute < now - KEEP).delete()

    def judge_deadline(self, agency_id: int, now: dt.datetime, heard) -> None:
        """Within a day after an agency's input deadline passed, once: judge the window."""
        today = now.astimezone(clock.zone()).date()
        ruled = in_force(heard, agency_id, today)
        deadline_day = ruled.input_deadline_day if ruled else default_body().input_deadline_day
        objective = Objective.model_validate(ruled.objective) if ruled else default_body().objective
        deadline = rules.deadline_of(today, deadline_day)
        end = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(), clock.zone())
        if not end <= now < end + dt.timedelta(days=1):
            return  # not just after this agency's deadline
        period = rules.previous_period(deadline)
        # in UTC, as the rows are kept (SQLite compares the text, without the zone)
        end = end.astimezone(dt.UTC)
        start = end - dt.timedelta(hours=objective.window_hours)
        with self.db.unit_of_work() as uow:
            s = uow.session
            if s.scalar(select(Decision.id).where(Decision.agency_id == agency_id,
                                                  Decision.period == period)):
                return
            probes = [rules.Probe(p.ok, p.latency_ms) for p in s.scalars(
                select(Probe).where(Probe.at >= start, Probe.at < end))]
            requests, errors = s.execute(select(func.coalesce(func.sum(Traffic.requests), 0),
                                                func.coalesce(func.sum(Traffic.errors), 0)).where(
                Traffic.agency_id == agency_id, Traffic.minute >= start, Traffic.minute < end)).one()
            verdict = rules.judge(probes, int(requests), int(errors), objective)
            until = deadline + dt.timedelta(days=objective.grace_days)
            state = "kept" if not verdict.breached else "opening" if objective.automatic else "off"
            s.add(Decision(agency_id=agency_id, period=period, deadline=deadline, window_start=start,
                           window_end=end, breached=verdict.breached, reasons=verdict.reasons,
                           figures=verdict.figures, state=state,
                           grace_until=until if verdict.breached else None, decided_at=now))
            uow.emit("availability.deadline_judged", dict(
                agency_id=agency_id, period=period, deadline=deadline, breached=verdict.breached,
                reasons=verdict.reasons, figures=verdict.figures,
                grace_until=until if state == "opening" else None))

    def open_owed(self) -> None:
        """Grace windows decided and not yet opened (reporting was away): asked again, by
        key, so a window opens once however often it is asked."""
        with self.db.session() as s:
            owed = [(d.id, d.agency_id, d.period, d.grace_until, d.reasons, d.figures,
                     d.window_end - d.window_start) for d in s.scalars(
                select(Decision).where(Decision.state == "opening"))]
        for decision_id, agency_id, period, until, reasons, figures, span in owed:
            verdict = rules.Verdict(True, reasons, figures)
            self.reporting.open_grace_window_automatically({
                "agency_id": agency_id, "period": period, "until": until.isoformat(),
                "reason": rules.reason_text(verdict, round(span.total_seconds() / 3600))},
                figures, f"availability:{agency_id}:{period}")
            with self.db.unit_of_work() as uow:
                uow.session.get(Decision, decision_id).state = "opened"

    # --- what an admin reads ------------------------------------------------------------------
    @rpc
    def status(self, actor, hours=24):
        """The last `hours`: the probes' availability and p95, and each agency's requests
        and errors; and the deadlines judged, newest first. City admins; an agency admin
        sees their agency's."""
        actor = Actor.model_validate(actor)
        if not actor.has("city_admin", "agency_admin"):
            raise Forbidden("admins only", code="admins_only")
        since = clock.now() - dt.timedelta(hours=max(1, min(int(hours), 24 * 40)))
        scope = None if actor.has("city_admin") else actor.agency_id
        with self.db.session() as s:
            probes = [rules.Probe(p.ok, p.latency_ms)
                      for p in s.scalars(select(Probe).where(Probe.at >= since))]
            q = select(Traffic.agency_id, func.sum(Traffic.requests), func.sum(Traffic.errors)) \
                .where(Traffic.minute >= since).group_by(Traffic.agency_id)
            if scope is not None:
                q = q.where(Traffic.agency_id == scope)
            traffic = [{"agency_id": a, "requests": int(r), "errors": int(e)} for a, r, e in s.execute(q)]
            dq = select(Decision).order_by(Decision.decided_at.desc()).limit(100)
            if scope is not None:
                dq = dq.where(Decision.agency_id == scope)
            decisions = [_decision_dict(d) for d in s.scalars(dq)]
        ok = sum(p.ok for p in probes)
        return {"hours": int(hours), "probes": len(probes), "probes_ok": ok,
                "availability_percent": round(ok * 100 / len(probes), 2) if probes else None,
                "p95_ms": rules.p95([p.latency_ms for p in probes if p.ok]),
                "traffic": traffic, "decisions": decisions}


def _rule_set(uow, envelope):
    e = parse(envelope)
    if e.body is None:
        return  # a 1.0 message: nothing it could judge by
    row = uow.session.get(RuleSetHeard, e.rule_set_id) or RuleSetHeard(id=e.rule_set_id)
    row.agency_id, row.effective_from = e.agency_id, e.effective_from
    row.input_deadline_day = e.body.input_deadline_day
    row.objective = e.body.objective.model_dump(mode="json")
    uow.session.add(row)


def _agency(uow, envelope):
    p = parse(envelope)
    if uow.session.get(Agency, p.agency_id) is None:
        uow.session.add(Agency(id=p.agency_id))


def _decision_dict(d: Decision) -> dict:
    return {"agency_id": d.agency_id, "period": d.period, "deadline": d.deadline.isoformat(),
            "window_start": d.window_start.isoformat(), "window_end": d.window_end.isoformat(),
            "breached": d.breached, "reasons": d.reasons, "figures": d.figures, "state": d.state,
            "grace_until": d.grace_until.isoformat() if d.grace_until else None,
            "decided_at": d.decided_at.isoformat()}
