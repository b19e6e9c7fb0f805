"""Integrity: the checks that catch reused, staged and rubber-stamped work before it is
paid. Entrypoints only; the checks in rules.py, the use cases in cases.py.

It owns nothing another service owns: it listens (reports, photos' EXIF and neighbours as
evidence found them, decisions, views, placements, the catalogue, rule sets, duty travel)
and keeps what it found. Nothing here changes a report or a payment: a flag informs the
approver (report_flags, beside each task) and the review team (queue, sample); clearing
is recorded here, revoking is the post-audit revocation (approval), heard back."""
from nameko.dependency_providers import Config
from sqlalchemy import text

from ekinerja_contract.nameko_ext import Database, Metrics, event_handler, rpc
from ekinerja_contract.schemas import Actor, ClearIn, OfficesIn

from . import cases, rules
from .models import Base


class IntegrityService:
    name = "integrity"
    db = Database(Base.metadata)
    metrics = Metrics()
    config = Config()

    @property
    def settings(self) -> dict:
        return dict(self.config.get("INTEGRITY") or {})

    def in_force(self) -> rules.Checks:
        return rules.load_checks(self.settings.get("CHECKS") or None)

    @property
    def review_scope(self) -> str:
        return str(self.settings.get("REVIEW_SCOPE") or "agency")

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True}

    # --- what it hears ----------------------------------------------------------------------
    @event_handler("reporting", "report.submitted")
    def on_report_submitted(self, body):
        checks = self.in_force()
        self.db.consume(body, lambda uow, env: cases.hear_report(uow, env, checks))

    @event_handler("reporting", "report.resubmitted")
    def on_report_resubmitted(self, body):
        checks = self.in_force()
        self.db.consume(body, lambda uow, env: cases.hear_report(uow, env, checks))

    @event_handler("reporting", "report.withdrawn")
    def on_report_withdrawn(self, body):
        checks = self.in_force()
        self.db.consume(body, lambda uow, env: cases.hear_withdrawn(uow, env, checks))

    @event_handler("evidence", "evidence.checked")
    def on_evidence_checked(self, body):
        checks = self.in_force()
        self.db.consume(body, lambda uow, env: cases.hear_checked(uow, env, checks))

    @event_handler("evidence", "evidence.viewed")
    def on_evidence_viewed(self, body):
        checks = self.in_force()
        self.db.consume(body, lambda uow, env: cases.hear_view(uow, env, checks))

    @event_handler("approval", "approval.approved")
    def on_approved(self, body):
        checks = self.in_force()
        self.db.consume(body, lambda uow, env: cases.hear_decision(uow, env, "approved", checks))

    @event_handler("approval", "approval.rejected")
    def on_rejected(self, body):
        checks = self.in_force()
        self.db.consume(body, lambda uow, env: cases.hear_decision(uow, env, "rejected", checks))

    @event_handler("approval", "approval.revision_requested")
    def on_revision_requested(self, body):
        checks = self.in_force()
        self.db.consume(body, lambda uow, env: cases.hear_decision(uow, env, "revision", checks))

    @event_handler("approval", "approval.approval_revoked")
    def on_approval_revoked(self, body):
        self.db.consume(body, cases.hear_revoked)

    @event_handler("approval", "approval.task_rerouted")
    def on_task_rerouted(self, body):
        self.db.consume(body, cases.hear_new_approver)

    @event_handler("approval", "approval.task_escalated")
    def on_task_escalated(self, body):
        self.db.consume(body, cases.hear_new_approver)

    @event_handler("reporting", "org.placement_changed")
    def on_placement_changed(self, body):
        self.db.consume(body, cases.hear_placement)

    @event_handler("reporting", "catalogue.version_published")
    def on_catalogue_version(self, body):
        self.db.consume(body, cases.hear_activity)

    @event_handler("scoring", "scoring.rule_set_published")
    def on_rule_set_published(self, body):
        self.db.consume(body, cases.hear_rule_set)

    @event_handler("attendance", "attendance.recorded")
    def on_attendance(self, body):
        checks = self.in_force()
        self.db.consume(body, lambda uow, env: cases.hear_attendance(uow, env, checks))

    # --- the approver and the review team ----------------------------------------------------
    @rpc
    def report_flags(self, actor, report_ids):
        """Each report's score and open flags with their reasons, and its employee-month's:
        for its approver (and whoever else decides it) and the review team in scope. Never
        for the report's own employee."""
        with self.db.session() as s:
            return cases.report_flags(s, Actor.model_validate(actor), report_ids, self.review_scope)

    @rpc
    def queue(self, actor, agency_id=None, signal=None, period=None, state="open", limit=50, offset=0):
        """The review team's desk: cases with flags, riskiest first, filtered by agency,
        signal, month and state."""
        with self.db.session() as s:
            return cases.queue(s, Actor.model_validate(actor), self.review_scope, agency_id, signal,
                               period, state, max(1, min(int(limit), 200)), max(0, int(offset)))

    @rpc
    def sample(self, actor, period, size=20, agency_id=None, seed=None):
        """A post-audit sample of a month's approved reports, the risky more likely."""
        with self.db.session() as s:
            return cases.sample(s, Actor.model_validate(actor), self.review_scope, period, size,
                                agency_id, seed)

    @rpc
    def clear(self, actor, report_id, employee_id, period, body):
        """The review team found nothing wrong: the case's open flags cleared, with the note,
        recorded and announced (integrity.cleared)."""
        note = ClearIn.model_validate(body).note
        with self.db.unit_of_work() as uow:
            return cases.clear(uow, Actor.model_validate(actor), self.review_scope, report_id,
                               employee_id, period, note)

    @rpc
    def offices(self, actor, agency_id):
        with self.db.session() as s:
            return cases.offices(s, Actor.model_validate(actor), agency_id, self.review_scope)

    @rpc
    def set_offices(self, actor, agency_id, body):
        """An agency's office locations and their geofence radius (replaced whole)."""
        given = OfficesIn.model_validate(body)
        with self.db.unit_of_work() as uow:
            return cases.set_offices(uow, Actor.model_validate(actor), agency_id,
                                     [o.model_dump() for o in given.offices])

    @rpc
    def checks(self, actor):
        """The weights and tolerances in force (checks.json), for the pages to show."""
        Actor.model_validate(actor)
        return {**self.in_force().model_dump(), "names": rules.NAMES}
