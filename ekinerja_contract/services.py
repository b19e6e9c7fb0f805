"""Each service's RPC contract: its methods with their parameters, request and reply
models, and the errors it raises; and the typed client everything else calls it with.

The gateway and every service that calls another use these clients, never a method
name in a string. A client is generic over its transport: the gateway's awaits the
non-blocking RpcClient (`Reporting[Awaitable[Any]]`, `await svc.reporting.get_report(...)`),
a service's calls nameko's own proxy and blocks its green thread
(`Reporting[Any]`, through `ServiceRpc(Reporting)`). Either way a contract error
(ekinerja_contract/errors.py) arrives as its own class, after any number of hops.

`tests/contract/unit/test_service_contracts.py` holds this file to the services: every
`@rpc` method is here with the same parameters, every method here exists, and every
error class a service's code raises is in its `raises`."""
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

from . import replies as r
from .errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    ServiceError,
    StaleVersion,
    UnsupportedMediaType,
)
from .rule_set import RuleSetIn
from .schemas import (
    Actor,
    BudgetIn,
    BudgetRealisationIn,
    BulkDecisionIn,
    CatalogueIn,
    ClearIn,
    ConditionIn,
    CorrectionIn,
    DecisionIn,
    DelegationIn,
    DisputeDecisionIn,
    DisputeIn,
    GraceWindowIn,
    MeetingIn,
    MeetingRolesIn,
    OfficesIn,
    OrganisationIn,
    OrganisationPredikatIn,
    PayObjectionDecisionIn,
    PayObjectionIn,
    PreferencesIn,
    SkpDecisionIn,
    SkpIn,
    TaxProfileIn,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Method:
    """What a method takes and answers, beyond its parameters: the model its payload is
    validated against (a service refuses anything else with InvalidInput), and the
    model of its reply (the gateway documents and checks answers with it)."""
    request: type[BaseModel] | tuple[type[BaseModel], ...] | None = None
    returns: Any = None


def method(request=None, returns=None):
    def mark(fn):
        fn.contract = Method(request, returns)
        return fn
    return mark


def _wire(arg):
    """An argument as it crosses the bus: the actor as the services read it, dates as ISO
    text; everything else is already JSON-ready (a request body: `model_dump(mode="json")`)."""
    if isinstance(arg, Actor):
        return arg.model_dump(mode="json", exclude_none=True)
    if isinstance(arg, dt.date):
        return arg.isoformat()
    return arg


class Client(Generic[T]):
    service: ClassVar[str]
    raises: ClassVar[tuple[type[ServiceError], ...]]

    def __init__(self, transport: Callable[..., T]):
        self._transport = transport

    def _call(self, name: str, *args) -> T:
        return self._transport(self.service, name, *(_wire(a) for a in args))

    @classmethod
    def methods(cls) -> dict[str, Callable]:
        return {name: fn for name, fn in vars(cls).items()
                if callable(fn) and not name.startswith("_") and name != "methods"}


class Reporting(Client[T]):
    """services/reporting/service.py"""
    service = "reporting"
    raises = (NotFound, Forbidden, Conflict, InvalidInput)
    def health(self) -> T:
        return self._call("health")

    @method(request=OrganisationIn, returns=r.OrganisationLoaded)
    def load_organisation(self, actor: Actor, data: Any) -> T:
        return self._call("load_organisation", actor, data)

    @method(returns=r.OrganisationImported)
    def import_organisation_csv(self, actor: Actor, csv_text: Any) -> T:
        return self._call("import_organisation_csv", actor, csv_text)

    def get_account(self, username: str) -> T:
        return self._call("get_account", username)

    def login_state(self, username: str) -> T:
        return self._call("login_state", username)

    def record_login(self, username: str, succeeded: Any) -> T:
        return self._call("record_login", username, succeeded)

    @method(returns=r.UnlockOut)
    def unlock_account(self, actor: Actor, username: str) -> T:
        return self._call("unlock_account", actor, username)

    @method(returns=r.AccountActiveOut)
    def set_account_active(self, actor: Actor, username: str, active: Any) -> T:
        return self._call("set_account_active", actor, username, active)

    def token_version(self, account_id: int) -> T:
        return self._call("token_version", account_id)

    def revoke_tokens(self, actor: Actor) -> T:
        return self._call("revoke_tokens", actor)

    def set_password(self, actor: Actor, username: str, password_hash: Any) -> T:
        return self._call("set_password", actor, username, password_hash)

    def superior_of(self, employee_id: Any, on: Any = None) -> T:
        return self._call("superior_of", employee_id, on)

    def approver_of(self, employee_id: Any, on: Any = None) -> T:
        return self._call("approver_of", employee_id, on)


    def payment_accounts(self, actor: Actor, employee_ids: Any) -> T:
        return self._call("payment_accounts", actor, employee_ids)

    def may_see_employee(self, actor: Actor, employee_id: Any, on: Any = None) -> T:
        return self._call("may_see_employee", actor, employee_id, on)

    @method(returns=r.PersonOut | None)
    def superior_for(self, actor: Actor, employee_id: Any, on: Any = None) -> T:
        return self._call("superior_for", actor, employee_id, on)

    @method(returns=list[r.PersonOut])
    def subordinates(self, actor: Actor, on: Any = None) -> T:
        return self._call("subordinates", actor, on)

    @method(request=CatalogueIn, returns=r.CataloguePublished)
    def publish_catalogue(self, actor: Actor, items: Any) -> T:
        return self._call("publish_catalogue", actor, items)

    def rule_set_on(self, on: Any = None, agency_id: Any = None) -> T:
        return self._call("rule_set_on", on, agency_id)

    def catalogue_versions(self) -> T:
        return self._call("catalogue_versions")

    @method(returns=list[r.ActivityTypeOut])
    def list_catalogue(self, on: Any = None) -> T:
        return self._call("list_catalogue", on)

    @method(request=GraceWindowIn, returns=r.GraceWindowOut)
    def open_grace_window(self, actor: Actor, window: Any, idempotency_key: Any = None) -> T:
        return self._call("open_grace_window", actor, window, idempotency_key)

    @method(request=GraceWindowIn, returns=r.GraceWindowOut)
    def open_grace_window_automatically(self, window: Any, measured: Any, key: Any) -> T:
        return self._call("open_grace_window_automatically", window, measured, key)

    @method(returns=list[r.GraceWindowRow])
    def grace_windows(self, actor: Actor, period: Any = None) -> T:
        return self._call("grace_windows", actor, period)

    @method(returns=r.GraceWindowRow)
    def revoke_grace_window(self, actor: Actor, window_id: Any, reason: Any) -> T:
        return self._call("revoke_grace_window", actor, window_id, reason)

    @method(request=SkpIn, returns=r.SkpOut)
    def save_skp(self, actor: Actor, data: Any) -> T:
        return self._call("save_skp", actor, data)

    @method(returns=r.SkpOut)
    def submit_skp(self, actor: Actor, year: Any) -> T:
        return self._call("submit_skp", actor, year)

    @method(request=SkpDecisionIn, returns=r.SkpOut)
    def decide_skp(self, actor: Actor, employee_id: Any, year: Any, decision: Any) -> T:
        return self._call("decide_skp", actor, employee_id, year, decision)

    @method(returns=r.SkpOut)
    def get_skp(self, actor: Actor, employee_id: Any, year: Any) -> T:
        return self._call("get_skp", actor, employee_id, year)

    def superior_skp_items(self, actor: Actor, year: Any) -> T:
        return self._call("superior_skp_items", actor, year)

    @method(request=MeetingIn, returns=r.MeetingOut)
    def create_meeting(self, actor: Actor, meeting: Any, idempotency_key: Any = None) -> T:
        return self._call("create_meeting", actor, meeting, idempotency_key)

    @method(returns=r.MeetingClaimsOut)
    def meeting_claims(self, actor: Actor, meeting_id: int) -> T:
        return self._call("meeting_claims", actor, meeting_id)

    @method(request=MeetingRolesIn)
    def confirm_meeting_roles(self, actor: Actor, meeting_id: int, roles: Any) -> T:
        return self._call("confirm_meeting_roles", actor, meeting_id, roles)

    def meeting_roles(self, actor: Actor, meeting_id: int) -> T:
        return self._call("meeting_roles", actor, meeting_id)

    def colleagues(self, actor: Actor) -> T:
        return self._call("colleagues", actor)

    @method(returns=list[r.MeetingOut])
    def my_meetings(self, actor: Actor) -> T:
        return self._call("my_meetings", actor)

    @method(returns=r.ReportOut)
    def save_draft(self, actor: Actor, report: Any, idempotency_key: Any = None) -> T:
        return self._call("save_draft", actor, report, idempotency_key)

    @method(returns=r.ReportOut)
    def submit_report(self, actor: Actor, report: Any, idempotency_key: Any = None) -> T:
        return self._call("submit_report", actor, report, idempotency_key)

    def submit_draft(self, actor: Actor, report_id: int) -> T:
        return self._call("submit_draft", actor, report_id)

    @method(returns=r.ReportOut)
    def revise_report(self, actor: Actor, report_id: int, report: Any) -> T:
        return self._call("revise_report", actor, report_id, report)

    def resubmit_report(self, actor: Actor, report_id: int) -> T:
        return self._call("resubmit_report", actor, report_id)

    def withdraw_report(self, actor: Actor, report_id: int) -> T:
        return self._call("withdraw_report", actor, report_id)

    @method(returns=list[r.ReportOut])
    def list_reports(self, actor: Actor, period: str, employee_id: Any = None) -> T:
        return self._call("list_reports", actor, period, employee_id)

    def progress_export(self, actor: Actor, period: Any, fmt: Any = 'csv', agency_id: Any = None,
                        employee_id: Any = None) -> T:
        return self._call("progress_export", actor, period, fmt, agency_id, employee_id)

    def progress_part(self, actor: Actor, period: Any, agency_id: Any = None, employee_id: Any = None,
                      after: Any = 0) -> T:
        return self._call("progress_part", actor, period, agency_id, employee_id, after)

    def progress_items(self, report_ids: Any) -> T:
        return self._call("progress_items", report_ids)

    def approved_on(self, day: Any) -> T:
        return self._call("approved_on", day)

    @method(returns=r.ReportOut)
    def get_report(self, actor: Actor, report_id: int) -> T:
        return self._call("get_report", actor, report_id)



class Evidence(Client[T]):
    """services/evidence/service.py"""
    service = "evidence"
    raises = (NotFound, Forbidden, Conflict, InvalidInput, PayloadTooLarge, UnsupportedMediaType)
    def health(self) -> T:
        return self._call("health")

    def create_upload(self, actor: Actor, filename: Any, content_type: Any, size: Any,
                      idempotency_key: Any = None, sha256: str | None = None) -> T:
        return self._call("create_upload", actor, filename, content_type, size, idempotency_key,
                          sha256)

    @method(returns=r.EvidenceOut)
    def confirm_upload(self, actor: Actor, evidence_id: str, sha256: Any = None) -> T:
        return self._call("confirm_upload", actor, evidence_id, sha256)

    def describe(self, evidence_id: str) -> T:
        return self._call("describe", evidence_id)

    def checked_facts(self, evidence_id: str) -> T:
        return self._call("checked_facts", evidence_id)

    @method(returns=r.EvidenceViewOut)
    def view(self, actor: Actor, evidence_id: str) -> T:
        return self._call("view", actor, evidence_id)

    def share_links(self, actor: Actor, evidence_ids: Any) -> T:
        return self._call("share_links", actor, evidence_ids)

    def open_shared(self, token: Any) -> T:
        return self._call("open_shared", token)

    def thumbnail_urls(self, actor: Actor, evidence_ids: Any) -> T:
        return self._call("thumbnail_urls", actor, evidence_ids)

    def verify(self, actor: Actor, evidence_id: str) -> T:
        return self._call("verify", actor, evidence_id)

    def run_housekeeping(self) -> T:
        return self._call("run_housekeeping")



class Approval(Client[T]):
    """services/approval/service.py"""
    service = "approval"
    raises = (NotFound, Forbidden, Conflict, StaleVersion, InvalidInput)
    def health(self) -> T:
        return self._call("health")

    def verify_chains(self, actor: Actor) -> T:
        return self._call("verify_chains", actor)

    def cancel_task(self, report_id: int) -> T:
        return self._call("cancel_task", report_id)

    def inbox(self, actor: Actor, state: Any = 'pending', limit: Any = 100, offset: Any = 0) -> T:
        return self._call("inbox", actor, state, limit, offset)

    @method(request=DecisionIn, returns=r.TaskOut)
    def decide(self, actor: Actor, task_id: int, decision: Any) -> T:
        return self._call("decide", actor, task_id, decision)

    @method(request=BulkDecisionIn, returns=list[r.BulkResult])
    def decide_many(self, actor: Actor, bulk: Any) -> T:
        return self._call("decide_many", actor, bulk)

    @method(returns=r.TaskOut)
    def revoke(self, actor: Actor, task_id: int, reason: Any) -> T:
        return self._call("revoke", actor, task_id, reason)

    @method(request=DelegationIn, returns=r.DelegationOut)
    def delegate(self, actor: Actor, delegation: Any, idempotency_key: Any = None) -> T:
        return self._call("delegate", actor, delegation, idempotency_key)

    @method(request=DisputeIn, returns=r.DisputeOut)
    def file_dispute(self, actor: Actor, task_id: int, dispute: Any,
                           idempotency_key: Any = None) -> T:
        return self._call("file_dispute", actor, task_id, dispute, idempotency_key)

    @method(returns=list[r.DisputeQueueItem])
    def disputes(self, actor: Actor, state: Any = 'open') -> T:
        return self._call("disputes", actor, state)

    @method(request=DisputeDecisionIn, returns=r.DisputeOut)
    def decide_dispute(self, actor: Actor, dispute_id: int, decision: Any) -> T:
        return self._call("decide_dispute", actor, dispute_id, decision)

    def objection_window(self, actor: Actor, report_id: int) -> T:
        return self._call("objection_window", actor, report_id)

    @method(returns=list[r.AuditOut])
    def audit(self, actor: Actor, report_id: int | None = None, approver_id: Any = None) -> T:
        return self._call("audit", actor, report_id, approver_id)

    @method(returns=list[r.SupervisorRow])
    def supervisor_dashboard(self, actor: Actor) -> T:
        return self._call("supervisor_dashboard", actor)

    @method(returns=list[r.AgencyRow])
    def agency_dashboard(self, actor: Actor, agency_id: Any = None) -> T:
        return self._call("agency_dashboard", actor, agency_id)



class Scoring(Client[T]):
    """services/scoring/service.py"""
    service = "scoring"
    raises = (NotFound, Forbidden, Conflict, InvalidInput)
    def health(self) -> T:
        return self._call("health")

    def verify_chains(self, actor: Actor) -> T:
        return self._call("verify_chains", actor)

    @method(returns=r.RecapOut)
    def recap(self, actor: Actor, employee_id: Any, period: str) -> T:
        return self._call("recap", actor, employee_id, period)

    @method(request=RuleSetIn, returns=r.PayrollRuleSetPublished)
    def publish_rule_set(self, actor: Actor, rule_set: Any) -> T:
        return self._call("publish_rule_set", actor, rule_set)

    def rule_set_in_force(self, agency_id: Any = None, on: Any = None) -> T:
        return self._call("rule_set_in_force", agency_id, on)

    @method(returns=list[r.PayrollRuleSetOut])
    def list_rule_sets(self) -> T:
        return self._call("list_rule_sets")

    def closings(self, actor: Actor, limit: Any = 50) -> T:
        return self._call("closings", actor, limit)

    @method(returns=r.CloseJobOut)
    def close_period(self, actor: Actor, period: str, agency_id: Any = None) -> T:
        return self._call("close_period", actor, period, agency_id)

    @method(returns=r.CloseJobOut)
    def close_job(self, actor: Actor, job_id: int) -> T:
        return self._call("close_job", actor, job_id)

    @method(request=CorrectionIn, returns=r.CorrectionOut)
    def correct(self, actor: Actor, employee_id: Any, period: str, correction: Any,
                      idempotency_key: Any = None) -> T:
        return self._call("correct", actor, employee_id, period, correction, idempotency_key)

    def export(self, actor: Actor, period: str, agency_id: Any = None, fmt: Any = 'csv',
                     version: Any = None) -> T:
        return self._call("export", actor, period, agency_id, fmt, version)

    @method(returns=r.AttendanceImported)
    def import_attendance_csv(self, actor: Actor, csv_text: Any) -> T:
        return self._call("import_attendance_csv", actor, csv_text)

    def corrections_export(self, actor: Actor, period: str, agency_id: Any = None, fmt: Any = 'csv',
                           since: Any = 1) -> T:
        return self._call("corrections_export", actor, period, agency_id, fmt, since)

    def statement(self, actor: Actor, employee_id: Any, period: str) -> T:
        return self._call("statement", actor, employee_id, period)

    @method(returns=r.AppraisalOut)
    def set_appraisal(self, actor: Actor, employee_id: Any, year: Any, result_rating: Any,
                            behaviour_rating: Any, month_from: Any = 1, month_to: Any = 12) -> T:
        return self._call("set_appraisal", actor, employee_id, year, result_rating,
                          behaviour_rating, month_from, month_to)

    def siasn_evaluations(self, actor: Actor, year: Any, agency_id: Any = None,
                          employee_id: Any = None, months: Any = None) -> T:
        return self._call("siasn_evaluations", actor, year, agency_id, employee_id, months)

    @method(returns=r.PredikatReport)
    def predikat_report(self, actor: Actor, year: Any, agency_id: Any = None) -> T:
        return self._call("predikat_report", actor, year, agency_id)

    @method(request=OrganisationPredikatIn, returns=r.OrganisationPredikatOut)
    def set_organisation_predikat(self, actor: Actor, agency_id: Any, year: Any,
                                  predikat: Any) -> T:
        return self._call("set_organisation_predikat", actor, agency_id, year, predikat)

    @method(request=BudgetIn, returns=r.BudgetOut)
    def set_budget(self, actor: Actor, agency_id: Any, year: Any, ceiling: Any) -> T:
        return self._call("set_budget", actor, agency_id, year, ceiling)

    @method(returns=list[r.BudgetOut])
    def budgets(self, actor: Actor, year: Any) -> T:
        return self._call("budgets", actor, year)

    @method(returns=r.SandboxOut)
    def sandbox(self, actor: Actor, draft: Any, months: Any = 3, agency_id: Any = None) -> T:
        return self._call("sandbox", actor, draft, months, agency_id)

    def sandbox_xlsx(self, actor: Actor, draft: Any, months: Any = 3, agency_id: Any = None) -> T:
        return self._call("sandbox_xlsx", actor, draft, months, agency_id)

    @method(request=ConditionIn, returns=r.ConditionOut)
    def record_condition(self, actor: Actor, condition: Any) -> T:
        return self._call("record_condition", actor, condition)

    @method(returns=r.ConditionOut)
    def end_condition(self, actor: Actor, condition_id: Any, end_date: Any) -> T:
        return self._call("end_condition", actor, condition_id, end_date)

    @method(returns=list[r.ConditionOut])
    def conditions(self, actor: Actor, employee_id: Any) -> T:
        return self._call("conditions", actor, employee_id)

    @method(request=BudgetRealisationIn, returns=r.BudgetRealisationOut)
    def set_budget_realisation(self, actor: Actor, realisation: Any) -> T:
        return self._call("set_budget_realisation", actor, realisation)

    @method(request=TaxProfileIn, returns=r.TaxProfileOut)
    def set_tax_profile(self, actor: Actor, profile: Any) -> T:
        return self._call("set_tax_profile", actor, profile)

    @method(request=PayObjectionIn, returns=r.PayObjectionOut)
    def file_pay_objection(self, actor: Actor, objection: Any) -> T:
        return self._call("file_pay_objection", actor, objection)

    @method(returns=list[r.PayObjectionOut])
    def pay_objections(self, actor: Actor, state: Any = "filed", employee_id: Any = None) -> T:
        return self._call("pay_objections", actor, state, employee_id)

    @method(request=PayObjectionDecisionIn, returns=r.PayObjectionOut)
    def decide_pay_objection(self, actor: Actor, objection_id: Any, decision: Any) -> T:
        return self._call("decide_pay_objection", actor, objection_id, decision)


class Availability(Client[T]):
    """services/availability/service.py"""
    service = "availability"
    raises = (Forbidden,)

    def health(self) -> T:
        return self._call("health")

    def record_traffic(self, counts: Any) -> T:
        return self._call("record_traffic", counts)

    @method(returns=r.AvailabilityStatus)
    def status(self, actor: Actor, hours: Any = 24) -> T:
        return self._call("status", actor, hours)


class Monitoring(Client[T]):
    """services/monitoring/service.py"""
    service = "monitoring"
    raises = (Forbidden, InvalidInput)

    def health(self) -> T:
        return self._call("health")

    @method(returns=r.Dashboard)
    def dashboard(self, actor: Actor, audience: str, period: str, agency_id: Any = None,
                  unit_id: Any = None) -> T:
        return self._call("dashboard", actor, audience, period, agency_id, unit_id)

    @method(returns=r.People)
    def people(self, actor: Actor, audience: str, period: str, criterion: str = "all",
               agency_id: Any = None, unit_id: Any = None, approver_id: Any = None,
               predikat: Any = None) -> T:
        return self._call("people", actor, audience, period, criterion, agency_id, unit_id,
                          approver_id, predikat)

    @method(returns=list[r.UnreportedOut])
    def unreported(self, period: str) -> T:
        return self._call("unreported", period)

    @method(returns=list[r.WaitingOut])
    def waiting_by_approver(self) -> T:
        return self._call("waiting_by_approver")

    @method(returns=list[int])
    def members(self, agency_id: Any) -> T:
        return self._call("members", agency_id)


class Notifications(Client[T]):
    """services/notifications/service.py"""
    service = "notifications"
    raises = (NotFound, Forbidden, InvalidInput)

    def health(self) -> T:
        return self._call("health")

    @method(returns=int)
    def unread_count(self, actor: Actor) -> T:
        return self._call("unread_count", actor)

    @method(returns=r.NotificationsOut)
    def notifications(self, actor: Actor, before_id: Any = None) -> T:
        return self._call("notifications", actor, before_id)

    @method(returns=r.MarkedOut)
    def mark_read(self, actor: Actor, ids: Any = None) -> T:
        return self._call("mark_read", actor, ids)

    @method(returns=r.PreferencesOut)
    def preferences(self, actor: Actor) -> T:
        return self._call("preferences", actor)

    @method(returns=r.ProbeSentOut)
    def send_test(self, actor: Actor, channel: str) -> T:
        return self._call("send_test", actor, channel)

    @method(request=PreferencesIn, returns=r.PreferencesOut)
    def set_preferences(self, actor: Actor, preferences: Any) -> T:
        return self._call("set_preferences", actor, preferences)


class Sync(Client[T]):
    """services/sync/service.py: the national adapter (off unless configured)."""
    service = "sync"
    raises = (Forbidden, InvalidInput)

    def health(self) -> T:
        return self._call("health")

    def status(self, actor: Actor) -> T:
        return self._call("status", actor)

    def reconciliation(self, actor: Actor, day: Any) -> T:
        return self._call("reconciliation", actor, day)

    def reconcile(self, actor: Actor, day: Any) -> T:
        return self._call("reconcile", actor, day)

    def resend_failed(self, actor: Actor) -> T:
        return self._call("resend_failed", actor)

    def reconciliation_export(self, actor: Actor, day: Any, fmt: Any = 'csv') -> T:
        return self._call("reconciliation_export", actor, day, fmt)


class Integrity(Client[T]):
    """services/integrity/service.py: the checks on reused, staged and rubber-stamped work."""
    service = "integrity"
    raises = (NotFound, Forbidden, Conflict, InvalidInput)

    def health(self) -> T:
        return self._call("health")

    @method(returns=dict[str, r.ReportIntegrity])
    def report_flags(self, actor: Actor, report_ids: Any) -> T:
        return self._call("report_flags", actor, report_ids)

    @method(returns=r.IntegrityQueue)
    def queue(self, actor: Actor, agency_id: Any = None, signal: Any = None, period: Any = None,
              state: Any = "open", limit: Any = 50, offset: Any = 0) -> T:
        return self._call("queue", actor, agency_id, signal, period, state, limit, offset)

    @method(returns=r.IntegritySample)
    def sample(self, actor: Actor, period: Any, size: Any = 20, agency_id: Any = None,
               seed: Any = None) -> T:
        return self._call("sample", actor, period, size, agency_id, seed)

    @method(request=ClearIn, returns=r.IntegrityCase)
    def clear(self, actor: Actor, report_id: Any, employee_id: Any, period: Any, body: Any) -> T:
        return self._call("clear", actor, report_id, employee_id, period, body)

    @method(returns=list[r.OfficeOut])
    def offices(self, actor: Actor, agency_id: Any) -> T:
        return self._call("offices", actor, agency_id)

    @method(request=OfficesIn, returns=list[r.OfficeOut])
    def set_offices(self, actor: Actor, agency_id: Any, body: Any) -> T:
        return self._call("set_offices", actor, agency_id, body)

    def checks(self, actor: Actor) -> T:
        return self._call("checks", actor)


class Services(Generic[T]):
    """One client per service over one transport (the gateway's, per request)."""

    def __init__(self, transport: Callable[..., T]):
        self.reporting = Reporting(transport)
        self.evidence = Evidence(transport)
        self.approval = Approval(transport)
        self.scoring = Scoring(transport)
        self.monitoring = Monitoring(transport)
        self.notifications = Notifications(transport)
        self.sync = Sync(transport)
        self.availability = Availability(transport)
        self.integrity = Integrity(transport)
