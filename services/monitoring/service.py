"""Monitoring service: the leaders' dashboards, from a read model kept from the public
events (projection.py), read by views.py. It asks no other service, ever: a city-wide page
reads only this service's tables."""
from sqlalchemy import text

from ekinerja_contract import clock
from ekinerja_contract.nameko_ext import Database, Metrics, event_handler, rpc
from ekinerja_contract.schemas import Actor

from . import projection, views
from .models import Base


class MonitoringService:
    name = "monitoring"
    db = Database(Base.metadata)
    metrics = Metrics()

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True}

    # --- the read model ---------------------------------------------------------------
    @event_handler("reporting", "org.placement_changed")
    def on_placement_changed(self, body):
        self.db.consume(body, projection.place)

    @event_handler("scoring", "scoring.rule_set_published")
    def on_rule_set_published(self, body):
        self.db.consume(body, projection.keep_holidays)

    @event_handler("reporting", "report.submitted")
    def on_report_submitted(self, body):
        self.db.consume(body, projection.report_sent)

    @event_handler("reporting", "report.resubmitted")
    def on_report_resubmitted(self, body):
        self.db.consume(body, projection.report_sent)

    @event_handler("reporting", "report.withdrawn")
    def on_report_withdrawn(self, body):
        self.db.consume(body, projection.report_withdrawn)

    @event_handler("approval", "approval.task_created")
    def on_task_created(self, body):
        self.db.consume(body, projection.task_created)

    @event_handler("approval", "approval.approved")
    def on_approved(self, body):
        self.db.consume(body, projection.decided)

    @event_handler("approval", "approval.rejected")
    def on_rejected(self, body):
        self.db.consume(body, projection.decided)

    @event_handler("approval", "approval.revision_requested")
    def on_revision_requested(self, body):
        self.db.consume(body, projection.decided)

    @event_handler("approval", "approval.task_escalated")
    def on_task_escalated(self, body):
        self.db.consume(body, projection.escalated)

    @event_handler("approval", "approval.task_rerouted")
    def on_task_rerouted(self, body):
        self.db.consume(body, projection.rerouted)

    @event_handler("approval", "approval.task_cancelled")
    def on_task_cancelled(self, body):
        self.db.consume(body, projection.cancelled)

    @event_handler("scoring", "payroll.line")
    def on_payroll_line(self, body):
        self.db.consume(body, projection.pay_line)

    @event_handler("scoring", "payroll.period_closed")
    def on_period_closed(self, body):
        self.db.consume(body, projection.period_closed)

    @event_handler("scoring", "payroll.budget_set")
    def on_budget_set(self, body):
        self.db.consume(body, projection.budget_set)

    @event_handler("scoring", "appraisal.predikat_set")
    def on_predikat_set(self, body):
        self.db.consume(body, projection.predikat_set)

    @event_handler("scoring", "appraisal.organisation_predikat_set")
    def on_organisation_predikat_set(self, body):
        self.db.consume(body, projection.organisation_predikat_set)

    # --- the pages ----------------------------------------------------------------------
    @rpc
    def dashboard(self, actor, audience, period, agency_id=None, unit_id=None):
        """One page's figures: compliance, approval debt, who blocks pay, cost, the
        predikat curve and fairness, for the city, an agency or a team."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            return views.dashboard(s, actor, audience, agency_id, unit_id, period,
                                   clock.today(), clock.now())

    @rpc
    def people(self, actor, audience, period, criterion="all", agency_id=None, unit_id=None,
               approver_id=None, predikat=None):
        """The people behind a number of a page."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            return views.people(s, actor, audience, agency_id, unit_id, period, criterion,
                                clock.today(), approver_id, predikat)

    # --- for the notifications service ------------------------------------------------
    @rpc
    def unreported(self, period):
        """Who has working days of a month so far unreported (the deadline notices)."""
        with self.db.session() as s:
            return views.unreported(s, period, clock.today())

    @rpc
    def waiting_by_approver(self):
        """Each approver's waiting tasks: the count and the oldest (the daily notice)."""
        with self.db.session() as s:
            return views.waiting_by_approver(s)

    @rpc
    def members(self, agency_id):
        """The people of an agency today (a grace window's notice)."""
        with self.db.session() as s:
            return views.members(s, int(agency_id), clock.today())
