"""What the services answer over RPC, as pydantic models: part of each service's contract
(ekinerja_contract/services.py names the model of each method), and the gateway's
OpenAPI response schemas (FastAPI validates every answer against them).

Each model is the dict a service builds (named beside it), so a model here must accept
everything the service really sends:

- `extra="allow"` on every model: a key the service adds later passes through unchanged;
- a field the service can send as null is `X | None`; a key it sends only sometimes has
  a default, and the gateway's `AsSent` routes leave such a key out when the service did (no `null`
  is invented for it);
- decimals travel as strings ("12.50"), dates and times as ISO strings, so they are `str`
  here and reach the client exactly as the service wrote them.

`ErrorOut` is the one error shape (gateway/errors.py `body()`)."""
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- errors (gateway/errors.py body()) ----------------------------------------------------

class ErrorDetail(Out):
    """One problem: a field's (validation), or a row's (organisation files). A service's
    details cross the bus as nameko serialises an exception's args: every value as text
    (a row 4 arrives as "4", a missing one as "None"); the gateway's own keep their types."""
    field: str | None = Field(default=None, description="the field, dotted (`items.0.title`)")
    code: str | None = Field(default=None, description="the reason, stable (`string_too_short`)")
    reason: str | None = Field(default=None, description="in English, for developers")
    params: dict[str, Any] | None = Field(default=None, description="the reason's numbers")
    display_reason: str | None = Field(default=None, description="in Indonesian, for people")
    row: int | str | None = Field(default=None, description="organisation files: the row")
    column: str | None = Field(default=None, description="CSV imports: the column")


class ErrorBody(Out):
    status: int = Field(description="the HTTP status again")
    code: str = Field(description="the kind of failure: not_found, conflict, invalid_input, ...")
    reason_code: str = Field(description="the precise, stable reason: report_overlap, ...")
    message: str = Field(description="in English, for developers")
    display_message: str = Field(description="in Indonesian, to show to people")
    details: list[ErrorDetail]


class ErrorOut(Out):
    """Every 4xx and 5xx of the API."""
    error: ErrorBody


# --- auth and accounts (gateway/api.py, services/reporting/service.py) --------------------

class UserOut(Out):
    account_id: int
    username: str
    name: str
    roles: list[str]
    employee_id: int | None
    agency_id: int | None


class TokenOut(Out):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="seconds")
    user: UserOut


class MeOut(Out):
    """The caller as their token says (ekinerja_contract.schemas.Actor)."""
    account_id: int
    employee_id: int | None
    agency_id: int | None
    roles: list[str]
    origin: str | None = Field(description="the client address")


class LogoutOut(Out):
    token_version: int = Field(description="every token of an older version stopped working")


class UnlockOut(Out):
    username: str
    cleared: bool = Field(description="whether there were failed logins to clear")


class AccountActiveOut(Out):
    username: str
    active: bool


class PasswordSetOut(Out):
    username: str


# --- organisation (services/reporting) ----------------------------------------------------

class OrganisationLoaded(Out):
    agency_id: int
    employees: int
    placements: int = Field(description="new placements")


class OrganisationImported(Out):
    agencies: int
    employees: int
    placements: int = Field(description="new placements")


class AttendanceImported(Out):
    """An attendance file loaded (services/scoring/attendance_import.py `load`)."""
    rows: int
    added: int
    replaced: int = Field(description="marks a later file gave another value")
    unchanged: int = Field(description="marks already there as they are (the file sent again)")


class PersonOut(Out):
    employee_id: int
    name: str
    nip: str


class GraceWindowOut(Out):
    agency_id: int
    period: str
    until: str
    reason: str
    id: int | None = Field(default=None, description="the window, to revoke it")
    automatic: bool = False


class GraceWindowRow(GraceWindowOut):
    """A grace window as listed (services/reporting/service.py `_window_dict`)."""
    opened_by: int = Field(description="the account; 0: the system itself")
    opened_at: str
    revoked_at: str | None
    revoked_by: int | None
    revoke_reason: str | None
    agency_name: str | None = Field(default=None, description="as listed (grace_windows)")


class AvailabilityStatus(Out):
    """The system's own availability (services/availability/service.py `status`)."""
    hours: int
    probes: int
    probes_ok: int
    availability_percent: float | None
    p95_ms: int | None
    traffic: list[dict[str, int]] = Field(description="per agency: requests and 5xx errors")
    decisions: list[dict[str, Any]] = Field(description="deadlines judged, newest first")


# --- catalogue (services/reporting/catalogue.py as_dict) ----------------------------------

class ActivityTypeOut(Out):
    code: str
    version: int
    name: str
    output_unit: str
    standard_minutes: int
    points: str = Field(description="a decimal, as text")
    rupiah: int
    evidence_required: bool
    creative: bool
    role_weights: dict[str, str] | None = Field(
        description="meetings and events: weight per role (decimals as text)")
    min_job_class: int
    max_job_class: int
    position_codes: list[str] | None
    effective_from: str


class PublishedVersion(Out):
    code: str
    version: int


class CataloguePublished(Out):
    published: list[PublishedVersion] = Field(
        description="new versions only: an unchanged entry adds none")


# --- evidence (services/evidence/evidence.py) ---------------------------------------------

class EvidenceOut(Out):
    """evidence.as_dict."""
    id: str
    owner_id: int
    filename: str
    content_type: str
    size: int
    sha256: str | None
    status: str = Field(description="pending, stored (not yet in a report), linked, or damaged "
                        "(the full check could not read it: it can never be part of a report)")
    report_id: int | None
    checked: bool = Field(default=False, description="read whole apart from the upload: the "
                          "photo decoded and its thumbnail made, a PDF scanned; a report "
                          "naming it waits for this")
    problem: str | None = Field(default=None, description="when damaged: the error code")
    captured_at: str | None = Field(description="from the photo's EXIF")
    gps: list[float] | None = Field(description="[latitude, longitude] from the photo's EXIF")
    reused_by_other: bool
    locked_until: str | None
    duplicate: bool | None = Field(default=None, description="present when you had sent the "
                                   "same bytes before: this is that earlier record")


class EvidenceViewOut(EvidenceOut):
    url: str = Field(description="short-lived; every view is logged")


# --- reports (services/reporting/reports.py as_dict) --------------------------------------

class ReportOut(Out):
    id: int
    employee_id: int
    date: str
    start: str = Field(description="HH:MM")
    end: str = Field(description="HH:MM")
    skp_item_id: int
    meeting_id: int | None
    activity_code: str
    activity_name: str
    activity_version: int
    role: str | None
    quantity: int
    description: str
    evidence_id: str | None
    minutes: int
    counted_minutes: int = Field(description="within the daily cap")
    points: str = Field(description="a decimal, as text")
    rupiah: int
    state: str
    decision_reason: str | None
    objection_reason: str | None
    dispute_decision_reason: str | None
    approver_id: int | None
    notice: str | None = Field(default=None, description="present when minutes beyond the "
                               "daily cap do not count")


# --- approvals (services/approval/tasks.py) -----------------------------------------------

class SubmittedReport(Out):
    """The report as it was submitted (the report.submitted event's facts). Every key is
    optional: the record keeps whatever the event carried."""
    report_id: int | None = None
    employee_id: int | None = None
    employee_name: str | None = None
    agency_id: int | None = None
    approver_id: int | None = None
    skp_item_id: int | None = None
    meeting_id: int | None = None
    date: str | None = None
    start: str | None = None
    end: str | None = None
    activity_code: str | None = None
    activity_name: str | None = None
    activity_version: int | None = None
    role: str | None = None
    quantity: int | None = None
    description: str | None = None
    evidence_id: str | None = None
    evidence_sha256: str | None = None
    minutes: int | None = None
    counted_minutes: int | None = None
    points: str | None = Field(default=None, description="a decimal, as text")
    rupiah: int | None = None


class TaskOut(Out):
    """tasks.as_dict."""
    id: int
    report_id: int
    employee_id: int
    approver_id: int | None
    state: str
    round: int
    report: SubmittedReport
    submitted_at: str
    escalated_to: int | None
    decided_at: str | None
    decided_by: int | None
    reason: str | None


class ThumbnailFacts(Out):
    content_type: str | None
    captured_at: str | None
    gps: list[float] | None


class IntegrityFlag(Out):
    """One signal on a report or an employee's month (cases._flag)."""
    signal_id: int
    signal: str
    name: str = Field(description="as the pages name it (Indonesian)")
    reason: str = Field(description="why, with the figures, in Indonesian")
    weight: int = Field(description="what it adds to the risk score; 0 when it could not be checked")
    checkable: bool = Field(description="false: 'tidak dapat diperiksa' (the data could not be read)")
    state: Literal["open", "cleared", "revoked", "lapsed"]
    evidence: dict[str, Any]


class ReportIntegrity(Out):
    """A report's score and open flags, and its employee-month's (cases.report_flags)."""
    risk: int = Field(ge=0, le=100)
    flags: list[IntegrityFlag]
    month_risk: int = Field(ge=0, le=100)
    month_flags: list[IntegrityFlag]
    available: bool = Field(default=True, description="false: the checks could not be asked just now "
                                                      "(the inbox answers without them)")


class InboxTaskOut(TaskOut):
    thumbnail_url: str | None = Field(description="short-lived; null without a photo you may see")
    evidence: ThumbnailFacts
    flags: list[str] = Field(description="over_daily_cap (a photo another employee used is now "
                                         "among `integrity`'s flags, since 2026-12)")
    integrity: ReportIntegrity = Field(description="the integrity checks' score and flags, "
                                                   "with their reasons (services/integrity)")


class BulkResult(Out):
    """One task of a bulk approval: its new state, or why it was refused."""
    task_id: int
    state: str | None = None
    error: str | None = Field(default=None,
                              description="the refusal's class (Forbidden, Conflict, ...)")
    code: str | None = None
    message: str | None = None
    params: dict[str, Any] | None = None


class DelegationOut(Out):
    delegate_id: int
    start_date: str
    end_date: str


class AuditOut(Out):
    """tasks.audit_dict."""
    task_id: int
    report_id: int
    actor_id: int | None
    action: str
    before: str | None
    after: str
    detail: str | None
    origin: str | None
    at: str


class DisputeOut(Out):
    """tasks.dispute_dict."""
    id: int
    task_id: int
    report_id: int
    employee_id: int
    heard_by: str = Field(description="review_team or superior")
    reason: str
    state: str = Field(description="open, upheld or dismissed")
    decided_by: int | None
    decision_reason: str | None
    filed_at: str


class DisputeQueueItem(DisputeOut):
    task: TaskOut
    history: list[AuditOut]


class SupervisorRow(Out):
    employee_id: int
    name: str | None
    pending: int
    oldest_working_days: int


class AgencyRow(Out):
    approver_id: int | None
    pending: int
    waiting_employees: list[int]
    oldest_working_days: int
    escalated: int


# --- payroll and scoring (services/scoring) -----------------------------------------------

class PayrollRuleSetPublished(Out):
    id: int
    effective_from: str
    agency_id: int | None


class PayrollRuleSetOut(Out):
    id: int
    agency_id: int | None = Field(description="null: city-wide")
    effective_from: str
    body: dict[str, Any]


class CloseJobOut(Out):
    id: int
    period: str
    agency_id: int | None
    state: str = Field(description="queued, running, done or failed")
    done: int | None
    total: int | None
    snapshot_id: int | None
    error: str | None


class CorrectionOut(Out):
    period: str
    snapshot_version: int


class AppraisalOut(Out):
    employee_id: int
    year: int
    predikat: str
    month_from: int = 1
    month_to: int = 12


class SiasnEvaluations(Out):
    """SIASN's shapes: `periodik` (kinerja periodik) and `tahunan` (skp22), field names
    SIASN's own (docs/NATIONAL.md)."""
    tahun: int
    periodik: list[dict]
    tahunan: list[dict]


class PredikatOfEmployee(Out):
    employee_id: int
    predikat: str
    result: str
    behaviour: str


class PredikatReport(Out):
    year: int
    agency_id: int | None
    organisation_predikat: str | None = Field(
        default=None, description="the agency's own predikat for the year (Istimewa, Baik, "
                                  "Butuh Perbaikan, Kurang, Sangat Kurang); null: not set")
    counts: dict[str, int]
    warnings: list[str]
    employees: list[PredikatOfEmployee]


class OrganisationPredikatOut(Out):
    """services/scoring/service.py `_yearly_dict`."""
    agency_id: int
    year: int
    predikat: str = Field(description="Istimewa, Baik, Butuh Perbaikan, Kurang or Sangat Kurang")
    set_by: int = Field(description="the account that set it")
    set_at: str = Field(description="when, ISO 8601")


class BudgetOut(Out):
    """An agency's TPP budget ceiling (pagu) for a year (services/scoring/service.py
    `_yearly_dict`)."""
    agency_id: int
    year: int
    ceiling: int = Field(description="rupiah for the whole year")
    set_by: int = Field(description="the account that set it")
    set_at: str = Field(description="when, ISO 8601")


class SandboxAgency(Out):
    agency_id: int
    agency_code: str
    agency_name: str
    people: int
    gainers: int
    losers: int
    old_gross: int
    new_gross: int
    old_net: int
    new_net: int
    budget: int | None = Field(description="the yearly pagu pro rata for the months replayed")
    over_budget: bool


class SandboxPerson(Out):
    employee_id: int
    nip: str
    name: str
    agency_id: int
    months: int
    old_gross: int
    new_gross: int
    old_net: int
    new_net: int
    difference: int = Field(description="new net minus old net, over the months")


class SandboxOut(Out):
    """A draft rule set replayed on closed months (services/scoring/sandbox.py `replay`); as
    a workbook (`fmt` xlsx) it is a file download instead."""
    draft: str = Field(description="the draft's name")
    months: list[str]
    totals: dict[str, int | None]
    agencies: list[SandboxAgency]
    people: list[SandboxPerson] = Field(description="everyone, biggest loss first")
    errors: list[dict[str, Any]] = Field(description="lines the draft could not compute, by month")


class ConditionOut(Out):
    """A spell without TPP (services/scoring/adjustments.py `condition_dict`)."""
    id: int
    employee_id: int
    kind: str = Field(description="mpp, uang_tunggu, detention, cltn, temporary_dismissal, "
                                  "punishment_light, punishment_medium or punishment_heavy")
    start_date: str
    end_date: str | None
    reference: str = Field(description="the decree (SK)")
    recorded_by: int
    recorded_at: str


class BudgetRealisationOut(Out):
    """An agency's budget realisation in a quarter (adjustments.py `realisation_dict`)."""
    agency_id: int
    year: int
    quarter: int
    percent: str = Field(description="a decimal, as text")
    set_by: int
    set_at: str


class TaxProfileOut(Out):
    employee_id: int
    ptkp: str
    monthly_salary: int


class PayObjectionOut(Out):
    """An objection to one step of a closed month's TPP line (adjustments.py `objection_dict`)."""
    id: int
    employee_id: int
    agency_id: int
    period: str
    snapshot_version: int = Field(description="the version objected to")
    step: str
    reason: str
    state: Literal["filed", "upheld", "dismissed"]
    filed_at: str
    decided_by: int | None
    decided_at: str | None
    decision: str | None
    correction_version: int | None = Field(description="upheld: the corrected snapshot version")
    line: dict[str, Any] | None = Field(default=None, description="the newest frozen line objected to: "
                                                                "name, nip, net, steps, segments, excluded")


class LedgerEntryOut(Out):
    id: int
    date: str
    kind: str = Field(description="activity, approver_credit, reversal or correction")
    points: str = Field(description="a decimal, as text")
    activity_code: str | None
    rupiah: int
    minutes: int
    report_id: int | None
    reason: str | None


class TppSegment(Out):
    """A part of the month under one rule set (scoring/rules.py _segment_dict)."""
    rule_set: str
    working_days: int
    share: str
    standard: str
    achieved: str
    performance: str
    deduction_percent: str
    discipline: str
    ceiling: int
    amount: int
    deductions: list[list[str]] = Field(description="[date, reason, percent] each")


class TppLine(Out):
    """One employee's TPP for a month (scoring/rules.py compute); decimals as text."""
    employee_id: int
    nip: str
    name: str
    agency_id: int
    job_class: int
    status: str
    grade: str | None
    period: str
    working_days: int
    minutes: int
    activity_points: str
    approver_points: str
    activity_rupiah: int
    ceiling: int
    performance: str
    discipline: str
    gross: int
    cpns_factor: str
    after_factor: int
    tax: int
    insurance: int
    net: int
    rule_sets: list[str]
    segments: list[TppSegment]


class RecapOut(Out):
    employee_id: int
    period: str
    closed: bool
    activity_points: str
    approver_points: str
    points: str
    rupiah: int
    counted_minutes: int
    activities: int
    tpp: TppLine | None = Field(description="the estimate; null without a placement that month")
    entries: list[LedgerEntryOut]


# --- SKP and meetings (services/reporting/skp.py, meetings.py) ----------------------------

class IndicatorOut(Out):
    name: str | None = None
    quantity: str | None = Field(default=None, description="a decimal, as text")
    unit: str | None = None
    quality: int | None = None
    months: int | None = None


class SkpItemOut(Out):
    id: int
    kind: str
    title: str
    parent_item_id: int | None
    indicators: list[IndicatorOut]


class SkpOut(Out):
    id: int
    employee_id: int
    year: int
    state: str = Field(description="draft, submitted, approved or returned")
    note: str | None
    items: list[SkpItemOut]


class MeetingOut(Out):
    id: int
    organiser_id: int
    activity_code: str
    title: str
    place: str
    date: str
    start: str = Field(description="HH:MM")
    end: str = Field(description="HH:MM")
    expected: list[int] = Field(description="employee ids")


class MeetingClaim(Out):
    employee_id: int
    name: str
    role: str | None
    state: str
    report_id: int


class MeetingClaimsOut(MeetingOut):
    claims: list[MeetingClaim]
    not_claimed: list[int] = Field(description="expected employees who have not claimed")


# --- the leaders' dashboards (services/monitoring) --------------------------------------------

Share = Decimal | None  # 0..1, four decimals; null when there is nothing to divide by


class ComplianceGroup(Out):
    level: str = Field(description="agency | unit | person: one level below the page's scope")
    id: int | None
    label: str
    people: int
    filled: int = Field(description="working days with a sent report, summed over the people")
    possible: int = Field(description="working days so far × people")
    share: Share
    nothing_filed: int
    behind: int = Field(description="people under 80% of working days")


class Compliance(Out):
    working_days: int
    people: int
    share: Share
    nothing_filed: int
    groups: list[ComplianceGroup]


class ApproverDebt(Out):
    approver_id: int | None
    name: str | None
    agency_id: int | None
    pending: int
    waiting_employees: int
    oldest_days: int | None
    decided: int = Field(description="decisions this month")
    median_hours: float | None
    p90_hours: float | None
    escalated: int
    latency: list[int] = Field(description="decisions per time bucket (monitoring rules)")


class AgencyDebt(Out):
    agency_id: int | None
    agency: str | None
    pending: int
    approvers: int = Field(description="approvers with something waiting")
    oldest_days: int
    escalated: int
    median_hours: float | None
    p90_hours: float | None


class ApprovalDebt(Out):
    pending: int
    oldest_days: int
    median_hours: float | None
    p90_hours: float | None
    escalated: int
    approvers_total: int
    agencies: list[AgencyDebt] = Field(description="the city's page: per agency of the approver")
    approvers: list[ApproverDebt] = Field(description="at most 50: the longest waits first")


class BlockedBy(Out):
    approver_id: int | None
    name: str | None
    pending: int


class BlockedAgency(Out):
    agency_id: int
    agency: str | None
    pending: int
    by: list[BlockedBy]


class CostMonth(Out):
    period: str
    gross: int
    net: int
    people: int = Field(description="lines paid: 0 while the month is not closed")
    ceiling: int | None = Field(description="the month's ceiling: its year's pagu ÷ 12, of the "
                                            "agencies that set one")
    share: Share = Field(description="TPP of the agencies with a ceiling against it")


class CostAgency(Out):
    agency_id: int
    agency: str | None
    gross: int
    closed: bool = Field(description="the agency's month has been paid")
    monthly_ceiling: int | None
    share: Share


class Cost(Out):
    period: str
    closed: bool
    gross: int
    net: int
    annual_ceiling: int | None
    monthly_ceiling: int | None
    share: Share
    year_to_date: int
    year_share: Share
    agencies_with_ceiling: int
    agencies_total: int
    trend: list[CostMonth]
    agencies: list[CostAgency]


class PredikatDeviation(Out):
    of: list[str]
    rule: str = Field(description="max | min (shares) | min_count (people)")
    limit: Decimal
    found_share: Decimal
    found: int


class PredikatAgency(Out):
    agency_id: int
    agency: str | None
    organisation: str | None = Field(description="the agency's own predikat, when set")
    appraised: int
    counts: dict[str, int]
    deviations: list[PredikatDeviation]


class PredikatCurve(Out):
    year: int
    appraised: int
    people: int
    counts: dict[str, int]
    shares: dict[str, Share]
    pattern: dict[str, list[dict[str, Any]]]
    agencies: list[PredikatAgency]


class Comparison(Out):
    value: float | None
    low: float | None = Field(description="95% interval (rates: Wilson; means: peers ± 1.96 sd)")
    high: float | None
    peers: float | None
    verdict: str = Field(description="above | below | in_line | few | no_peers")


class Fairness(Out):
    approver_id: int
    name: str | None
    job_class: int | None
    peers: int
    decided: int
    team: int
    approval: Comparison
    rejection: Comparison
    revision: Comparison
    points_per_subordinate: Comparison


class FairnessPage(Out):
    total: int
    flagged: int = Field(description="appraisers with at least one difference from peers")
    appraisers: list[Fairness] = Field(description="at most 50: the flagged first")


class FilterOption(Out):
    id: int
    name: str


class Filters(Out):
    agencies: list[FilterOption]
    units: list[FilterOption]


class Dashboard(Out):
    audience: str = Field(description="city | agency | team")
    agency_id: int | None
    unit_id: int | None
    period: str
    as_of: str
    filters: Filters
    compliance: Compliance
    approval_debt: ApprovalDebt
    blocked: list[BlockedAgency] = Field(description="only once the month is over")
    month_open: bool
    cost: Cost | None = Field(description="null on a team's page")
    predikat: PredikatCurve
    fairness: FairnessPage
    heads_agency: int | None = Field(description="the agency the caller heads, if any")


class PersonRow(Out):
    employee_id: int
    nip: str
    name: str
    agency_id: int
    agency: str | None
    unit: str | None
    position: str
    days_filled: int
    working_days: int
    share: Share
    waiting: int
    tpp_gross: int | None = Field(description="the month's TPP when paid; never on a team's page")
    tpp_net: int | None


class People(Out):
    criterion: str
    total: int
    people: list[PersonRow]
    truncated: bool
    with_pay: bool = Field(description="the rows carry TPP (not on a team's page)")


# --- operations (gateway/app.py) ----------------------------------------------------------

class OkOut(Out):
    ok: bool


# --- monitoring, for the notifications service (services/monitoring/views.py) -------------

class UnreportedOut(Out):
    """Someone with working days of a month so far unreported (`views.unreported`)."""
    employee_id: int
    agency_id: int
    missing: int = Field(description="working days so far without a report")


class WaitingOut(Out):
    """An approver's waiting tasks (`views.waiting_by_approver`)."""
    approver_id: int
    count: int
    oldest: str | None = Field(description="when the oldest began waiting, ISO 8601")


# --- notifications (services/notifications/inbox.py) -----------------------------------

class NotificationOut(Out):
    id: int
    kind: str
    title: str = Field(description="in Indonesian")
    text: str = Field(description="in Indonesian")
    link: str | None = Field(description="the page it is about, relative")
    count: int = Field(description="how many of a grouped kind (reminders of a day)")
    created_at: str = Field(description="ISO 8601")
    read: bool


class NotificationsOut(Out):
    """A page of a person's notices, newest first (`inbox.listing`)."""
    items: list[NotificationOut]
    unread: int
    next_before: int | None = Field(description="pass as before_id for the next page; null: no more")


class MarkedOut(Out):
    marked: int
    unread: int


class KindChoiceOut(Out):
    kind: str
    label: str = Field(description="in Indonesian")
    channels: list[str]


class ChannelOut(Out):
    channel: str
    available: bool = Field(description="configured on this deployment")
    address: str | None
    failing_reason: str | None = Field(description="the provider's reason after the last retry")
    failing_since: str | None


class PreferencesOut(Out):
    """A person's notification preferences (`inbox.preferences`)."""
    kinds: list[KindChoiceOut]
    channels: list[ChannelOut]
    quiet_start: str = Field(description="HH:MM, city time")
    quiet_end: str = Field(description="HH:MM, city time")


class ProbeSentOut(Out):
    sent: bool = Field(description="false: no address on that channel, the channel is off, "
                                    "or one was sent this minute")
    channel: str


# --- the national adapter (services/sync) ---------------------------------------------

class SyncItemOut(Out):
    id: int
    key: str = Field(description="our id of it on the national side (idLokal)")
    kind: Literal["progres", "periodik", "tahunan"]
    state: Literal["pending", "sending", "acknowledged", "refused", "failed", "deleted"]
    problem: str | None = Field(description="unreachable, busy, refused, not_ready, no_public_url, internal")
    action: Literal["upsert", "delete"]
    national_id: str | None
    attempts: int
    last_error: str | None
    day: str | None
    updated_at: str


class SyncStatusOut(Out):
    enabled: bool = Field(description="SYNC_NATIONAL_URL set: the adapter pushes")
    endpoint: str | None
    links: bool = Field(description="EKINERJA_PUBLIC_URL set: evidence links have an address")
    counts: dict[str, int] = Field(description="items by state")
    stuck: list[SyncItemOut] = Field(description="the newest failed or refused, with why")


class SyncResentOut(Out):
    resent: int


class MissingOut(Out):
    key: str
    report_id: int
    why: str
    error: str | None


class ExtraOut(Out):
    key: str
    national_id: str | None


class PersonDifferenceOut(Out):
    employee_id: int | None
    nip: str | None
    name: str
    held: int = Field(description="approved reports of the day here")
    acknowledged: int
    national: int = Field(description="of those, listed by the national side")
    missing: list[MissingOut]
    extra: list[ExtraOut] = Field(description="listed there, not approved here")


class ReconciliationOut(Out):
    day: str
    ran_at: str
    held: int
    acknowledged: int
    national: int | None = Field(description="None: the national side did not answer")
    error: str | None
    people: list[PersonDifferenceOut] = Field(description="only people with a difference")


# --- the tamper-evident record (ekinerja_contract/chain.py) ------------------------------

class BrokenLinkOut(Out):
    seq: int
    row_id: int | None
    why: Literal["content", "missing", "link", "head"] = Field(
        description="content: the row (or its link) was changed; missing: the row is gone; "
                    "link: a link was changed, removed or put in; head: links removed from the end")


class ChainOut(Out):
    chain: str
    ok: bool
    rows: int
    head: str = Field(description="the hash after the last good link")
    first_broken: BrokenLinkOut | None


class ChainsOut(Out):
    ok: bool
    services: dict[str, list[ChainOut]]


# --- integrity (services/integrity/cases.py) ----------------------------------------------

class IntegrityOutcome(Out):
    outcome: Literal["cleared", "revoked"]
    note: str
    signals: list[str]
    decided_by: int
    at: str


class IntegrityCase(Out):
    """A case on the review team's desk: a report, or an employee's month (cases._case)."""
    kind: Literal["report", "month"]
    report_id: int | None
    employee_id: int
    employee_name: str
    agency_id: int
    agency_name: str | None
    period: str
    date: str | None
    activity_name: str | None
    description: str | None
    report_state: str | None
    task_id: int | None = Field(description="approval's task, for the post-audit revocation")
    evidence_id: str | None = Field(default=None, description="the report's photo or scan")
    risk: int = Field(ge=0, le=100)
    flags: list[IntegrityFlag]
    outcomes: list[IntegrityOutcome]


class IntegrityQueue(Out):
    total: int
    items: list[IntegrityCase]
    signals: dict[str, int] = Field(description="cases per signal, under the same filters")


class IntegritySample(Out):
    period: str
    population: int = Field(description="approved reports the sample was drawn from")
    items: list[IntegrityCase]


class OfficeOut(Out):
    id: int
    agency_id: int
    name: str
    lat: float
    lon: float
    radius_m: int | None
