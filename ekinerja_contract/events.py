"""Every event type E-Kinerja publishes: its source, version and payload schema.

This registry is the public event contract. Rules for changing it:
adding an optional field is a minor version (1.0 -> 1.1); renaming, removing
or retyping a field is a new major version published beside the old one.
"""
import builtins
import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from .envelope import Envelope, new_event_id, utcnow
from .rule_set import LeaveType, RuleSetBody


def _wall_clock(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise ValueError("a city local time carries no UTC offset (HH:MM:SS)")
    return value


LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$"

# A time of day as the city's clocks show it, on the event's `date`: "09:00:00", never
# with an offset. It is not RFC 3339's `full-time` (which requires one), so the schema
# says `pattern`, not `format: time`. The zone is the city's (EKINERJA_TZ of the
# deployment, Asia/Makassar = UTC+08:00 by default; one deployment serves one city).
LocalTime = Annotated[dt.time, AfterValidator(_wall_clock), WithJsonSchema({
    "type": "string", "pattern": LOCAL_TIME_PATTERN,
    "description": "City local time of day, HH:MM:SS (a fraction of a second only if one "
                   "was recorded), with no UTC offset: the wall-clock time on the event's "
                   "`date` in the city's time zone (the deployment's EKINERJA_TZ, "
                   "Asia/Makassar = UTC+08:00 by default)."})]


class EventData(BaseModel):
    model_config = ConfigDict(extra="allow")


class EventSpec(BaseModel):
    type: str
    version: str
    source: str
    model: builtins.type[EventData]  # the field `type` above shadows the builtin here
    summary: str


REGISTRY: dict[str, EventSpec] = {}


def event(type_: str, version: str, source: str):
    def register(model: type[EventData]):
        REGISTRY[type_] = EventSpec(type=type_, version=version, source=source,
                                    model=model, summary=(model.__doc__ or "").strip())
        return model
    return register


# --- reporting -------------------------------------------------------------

@event("org.placement_changed", "1.1", "reporting")
class PlacementChanged(EventData):
    """An employee was placed in a position, definitively or as acting official. Since 1.1
    it names the agency, the unit and the position too, so that a subscriber can show
    them without asking reporting (absent in 1.0 messages)."""
    employee_id: int
    nip: str
    name: str
    status: str
    agency_id: int
    position_id: int
    position_code: str
    job_class: int
    kind: Literal["definitive", "plt", "plh"]
    start_date: dt.date
    end_date: dt.date | None
    superior_employee_id: int | None = None
    grade: str | None = None
    agency_code: str | None = None  # 1.1
    agency_name: str | None = None  # 1.1
    unit_id: int | None = None  # 1.1; null: the position sits in no unit
    unit_name: str | None = None  # 1.1
    position_name: str | None = None  # 1.1
    # 1.1: the position above in the chart (null: the top of its agency). Who holds it is
    # told by that holder's own placements: a subscriber can follow a team through changes
    # of its head without being told of every subordinate.
    superior_position_id: int | None = None


@event("catalogue.version_published", "1.0", "reporting")
class CatalogueVersionPublished(EventData):
    """A new version of an activity type became effective."""
    activity_type_id: int
    code: str
    name: str
    version: int
    effective_from: dt.date
    points: Decimal
    rupiah: int
    standard_minutes: int


@event("reporting.rule_set_published", "1.0", "reporting")
class ReportingRuleSetPublished(EventData):
    """Deprecated, no longer published since 2026-12: reporting's numbers are now part of
    the one rule set, `scoring.rule_set_published` 1.1. Kept so the type stays known."""
    effective_from: dt.date
    daily_cap_minutes: int
    input_deadline_day: int


@event("reporting.grace_window_opened", "1.1", "reporting")
class GraceWindowOpened(EventData):
    """Input for an agency's period reopened until a date: by an admin, or (1.1,
    `automatic`, opened_by 0) by the system itself after it missed its objective before
    the input deadline (services/availability). `window_id` (1.1) names it for a revocation."""
    agency_id: int
    period: str
    until: dt.date
    reason: str
    opened_by: int
    automatic: bool = False  # 1.1
    window_id: int | None = None  # 1.1


@event("reporting.grace_window_revoked", "1.0", "reporting")
class GraceWindowRevoked(EventData):
    """An admin revoked a grace window: input for the period closes again at its deadline."""
    window_id: int
    agency_id: int
    period: str
    reason: str
    revoked_by: int


class _SkpChange(EventData):
    skp_id: int
    employee_id: int
    year: int


@event("skp.submitted", "1.0", "reporting")
class SkpSubmitted(_SkpChange):
    """An employee submitted their yearly SKP to their superior."""
    items: int


@event("skp.approved", "1.0", "reporting")
class SkpApproved(_SkpChange):
    """The superior approved an SKP: its items can now be reported against."""
    decided_by: int


@event("skp.returned", "1.0", "reporting")
class SkpReturned(_SkpChange):
    """The superior returned an SKP to be changed, with a note."""
    decided_by: int
    note: str


@event("meeting.created", "1.0", "reporting")
class MeetingCreated(EventData):
    """A shared meeting or event was created by its organiser."""
    meeting_id: int
    organiser_id: int
    title: str
    date: dt.date
    start: LocalTime
    end: LocalTime
    expected: list[int]


@event("meeting.claimed", "1.0", "reporting")
class MeetingClaimed(EventData):
    """An attendee claimed a meeting, in one role."""
    meeting_id: int
    employee_id: int
    role: str
    report_id: int


class _ReportFacts(EventData):
    report_id: int
    employee_id: int
    employee_name: str
    agency_id: int
    approver_id: int | None
    skp_item_id: int
    meeting_id: int | None = None
    date: dt.date
    start: LocalTime
    end: LocalTime
    activity_code: str
    activity_name: str
    activity_version: int
    role: str | None
    quantity: int
    description: str
    evidence_id: str | None
    evidence_sha256: str | None
    minutes: int
    counted_minutes: int
    points: Decimal
    rupiah: int


@event("report.drafted", "1.0", "reporting")
class ReportDrafted(EventData):
    """An employee saved a report as a draft (not yet sent to anyone)."""
    report_id: int
    employee_id: int
    date: dt.date


@event("report.submitted", "1.0", "reporting")
class ReportSubmitted(_ReportFacts):
    """An employee submitted a daily activity report for approval.

    The catalogue values in force at submission travel with it."""


@event("report.resubmitted", "1.0", "reporting")
class ReportResubmitted(_ReportFacts):
    """A report sent back for revision was revised and submitted again."""


@event("report.revised", "1.0", "reporting")
class ReportRevised(EventData):
    """The content of a draft or a report under revision changed."""
    report_id: int
    employee_id: int
    state: str


@event("report.withdrawn", "1.0", "reporting")
class ReportWithdrawn(EventData):
    """The employee withdrew a report before any decision."""
    report_id: int
    employee_id: int
    previous_state: str


# --- evidence --------------------------------------------------------------

@event("evidence.stored", "1.0", "evidence")
class EvidenceStored(EventData):
    """An upload was checked (type, size, SHA-256) and stored."""
    evidence_id: str
    owner_id: int
    sha256: str
    size: int
    content_type: str


class PhotoNeighbour(BaseModel):
    """A kept upload that looks like this one (services/evidence/perceptual.py): its
    fingerprints' distances in bits of 64 (0 and 0: the same picture, perhaps re-encoded or
    resized), and whether it is the very same bytes (SHA-256; a PDF can be only that)."""
    evidence_id: str
    owner_id: int
    dhash_distance: int
    phash_distance: int
    same_bytes: bool = False
    report_id: int | None = None  # the report it is part of, when it is (linked)


class PhotoFacts(BaseModel):
    """What a photo's EXIF says (1.1 of evidence.checked). `unchecked` names what could not
    be read (`exif`, `fingerprint`): a subscriber marks those checks "tidak dapat
    diperiksa" and still runs the others."""
    exif_present: bool = False
    camera: str | None = None  # EXIF Make and Model
    software: str | None = None  # EXIF Software: what wrote the file last
    captured_at: dt.datetime | None = None  # DateTimeOriginal, the camera's wall clock
    modified_at: dt.datetime | None = None  # DateTime: when the file was last changed
    gps_lat: float | None = None
    gps_lon: float | None = None
    unchecked: list[Literal["exif", "fingerprint"]] = []


@event("evidence.checked", "1.1", "evidence")
class EvidenceChecked(EventData):
    """A stored upload was read whole, off the upload's request: a photo decoded and its
    approver's thumbnail made, a PDF scanned. `problem` is the error code that says why it
    can never be part of a report (its bytes are then removed); null when it is sound.
    1.1: a photo's EXIF (`photo`) and the kept photos of anyone, any month, that look like
    it (`similar`, closest first, at most 20), for the integrity checks."""
    evidence_id: str
    owner_id: int
    sha256: str
    content_type: str
    problem: str | None
    photo: PhotoFacts | None = None  # 1.1; null for a PDF, a damaged photo, a 1.0 message
    similar: list[PhotoNeighbour] = []  # 1.1


@event("evidence.viewed", "1.0", "evidence")
class EvidenceViewed(EventData):
    """Someone opened a piece of evidence whole (not its thumbnail): the integrity checks
    tell an approval made without looking from one made after it."""
    evidence_id: str
    owner_id: int
    viewer_id: int | None  # the employee; null for an account with none (an admin)


@event("evidence.linked", "1.0", "evidence")
class EvidenceLinked(EventData):
    """A piece of evidence became part of a submitted report."""
    evidence_id: str
    report_id: int
    owner_id: int


@event("evidence.reuse_detected", "1.0", "evidence")
class EvidenceReuseDetected(EventData):
    """Deprecated, no longer published since 2026-12: a photo another employee uses is no
    longer refused; services/integrity flags it to both approvers once the second report is
    sent (integrity.flagged, signal photo_reused). Kept so the type stays known."""
    sha256: str
    evidence_ids: list[str]
    owner_ids: list[int]


@event("evidence.expired", "1.0", "evidence")
class EvidenceExpired(EventData):
    """An upload never linked to a submitted report in time was removed."""
    evidence_id: str
    owner_id: int


@event("evidence.integrity_failed", "1.0", "evidence")
class EvidenceIntegrityFailed(EventData):
    """An audit re-read a piece of evidence and found it missing or altered."""
    evidence_id: str
    report_id: int | None
    expected_sha256: str
    found: Literal["missing", "altered"]


# --- approval --------------------------------------------------------------

@event("approval.task_created", "1.0", "approval")
class ApprovalTaskCreated(EventData):
    """A submitted report is waiting for its approver's decision."""
    task_id: int
    report_id: int
    employee_id: int
    approver_id: int | None


class _Decision(EventData):
    task_id: int
    report_id: int
    employee_id: int
    agency_id: int
    decided_by: int
    date: dt.date


@event("approval.approved", "1.0", "approval")
class ReportApproved(_Decision):
    """The approver approved a report: its values count for the employee."""
    activity_code: str
    minutes: int
    counted_minutes: int
    points: Decimal
    rupiah: int


@event("approval.rejected", "1.0", "approval")
class ReportRejected(_Decision):
    """The approver rejected a report, with a reason."""
    reason: str


@event("approval.revision_requested", "1.0", "approval")
class RevisionRequested(_Decision):
    """The approver sent a report back to be revised, with a note."""
    reason: str


class _TaskChange(EventData):
    task_id: int
    report_id: int
    employee_id: int
    approver_id: int | None


@event("approval.task_reminded", "1.0", "approval")
class TaskReminded(_TaskChange):
    """A task has waited past the reminder threshold (working days)."""
    waiting_working_days: int


@event("approval.task_escalated", "1.0", "approval")
class TaskEscalated(_TaskChange):
    """A task waited too long: the approver's superior may now decide it."""
    escalated_to: int | None
    waiting_working_days: int


@event("approval.task_rerouted", "1.0", "approval")
class TaskRerouted(_TaskChange):
    """A placement changed before the decision: the task has a new approver."""
    previous_approver_id: int | None


@event("approval.task_cancelled", "1.0", "approval")
class TaskCancelled(EventData):
    """The report was withdrawn before a decision."""
    report_id: int
    task_id: int


class _DisputeFacts(EventData):
    dispute_id: int
    task_id: int
    report_id: int
    employee_id: int
    agency_id: int
    heard_by: Literal["review_team", "superior"]


@event("approval.dispute_filed", "1.0", "approval")
class DisputeFiled(_DisputeFacts):
    """An employee objected to a rejection; the report is under dispute."""
    reason: str


@event("approval.dispute_upheld", "1.0", "approval")
class DisputeUpheld(_DisputeFacts):
    """The objection was upheld: the report counts as approved (final)."""
    decided_by: int
    reason: str
    date: dt.date
    activity_code: str
    minutes: int
    counted_minutes: int
    points: Decimal
    rupiah: int


@event("approval.dispute_dismissed", "1.0", "approval")
class DisputeDismissed(_DisputeFacts):
    """The objection was dismissed: the rejection stands (final)."""
    decided_by: int
    reason: str


@event("approval.approval_revoked", "1.0", "approval")
class ApprovalRevoked(_Decision):
    """A post-audit by the review team found an approved report unfounded: it no
    longer counts (scoring writes a reversal)."""
    reason: str
    activity_code: str
    minutes: int
    counted_minutes: int
    points: Decimal
    rupiah: int


@event("approval.approver_credited", "1.0", "approval")
class ApproverCredited(EventData):
    """An approver earned points for a decision (within the daily cap)."""
    task_id: int
    approver_id: int
    agency_id: int
    date: dt.date
    points: Decimal


# --- scoring ---------------------------------------------------------------

@event("ledger.entry_recorded", "1.0", "scoring")
class LedgerEntryRecorded(EventData):
    """Points (and rupiah) were written to an employee's ledger."""
    entry_id: int
    employee_id: int
    period: str
    kind: Literal["activity", "approver_credit", "reversal", "correction"]
    points: Decimal
    rupiah: int
    source_event_id: str
    report_id: int | None = None


@event("payroll.period_closed", "1.0", "scoring")
class PeriodClosed(EventData):
    """A month was closed for an agency (or the whole city when agency_id is null):
    its recap is frozen and reports for it no longer change."""
    period: str
    agency_id: int | None
    snapshot_version: int
    employees: int


@event("payroll.close_requested", "1.0", "scoring")
class CloseRequested(EventData):
    """An admin asked to close a month (the close runs as a job with progress)."""
    job_id: int
    period: str
    agency_id: int | None


@event("payroll.line", "1.0", "scoring")
class PayrollLine(EventData):
    """One employee's frozen TPP for a closed month (or a corrected version of it)."""
    period: str
    snapshot_version: int
    employee_id: int
    nip: str
    name: str
    agency_id: int
    job_class: int
    ceiling: int
    performance: Decimal
    discipline: Decimal
    gross: int
    cpns_factor: Decimal
    tax: int
    insurance: int
    net: int
    rule_sets: list[str]
    difference: int | None = None


@event("payroll.budget_set", "1.0", "scoring")
class BudgetSet(EventData):
    """The year's TPP budget ceiling (pagu) of an agency was set or changed, in rupiah."""
    agency_id: int
    year: int
    ceiling: int
    set_by: int


PayStep = Literal["performance", "discipline", "fixed", "budget", "exclusion", "cpns", "tax",
                  "insurance"]


@event("payroll.objection_filed", "1.0", "scoring")
class PayObjectionFiled(EventData):
    """An employee objected to one step of their closed month's TPP line; it waits for
    the review team."""
    objection_id: int
    employee_id: int
    agency_id: int
    period: str
    step: PayStep


@event("payroll.objection_decided", "1.0", "scoring")
class PayObjectionDecided(EventData):
    """The review team decided an objection to a TPP line. Upheld, it was corrected:
    `correction_version` is the month's new snapshot version (its payroll.line events
    carry the difference)."""
    objection_id: int
    employee_id: int
    agency_id: int
    period: str
    step: PayStep
    upheld: bool
    reason: str
    correction_version: int | None


PREDIKAT_NAMES = Literal["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang"]
ORGANISATION_PREDIKAT = Literal["Istimewa", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang"]


@event("appraisal.predikat_set", "1.0", "scoring")
class PredikatSet(EventData):
    """An employee's yearly predikat was set (or changed) by their appraiser."""
    employee_id: int
    agency_id: int
    year: int
    predikat: PREDIKAT_NAMES
    appraiser_id: int | None


@event("appraisal.periodic_set", "1.0", "scoring")
class PeriodicPredikatSet(EventData):
    """An employee's periodic evaluation (a month, a quarter or a semester of the year)
    was set or changed by their appraiser; the year's own is appraisal.predikat_set."""
    employee_id: int
    agency_id: int
    year: int
    month_from: int = Field(ge=1, le=12)
    month_to: int = Field(ge=1, le=12)
    predikat: PREDIKAT_NAMES
    appraiser_id: int | None


@event("appraisal.organisation_predikat_set", "1.0", "scoring")
class OrganisationPredikatSet(EventData):
    """An agency's own yearly predikat was set: it fixes the pattern its employees'
    predikat should follow (the distribution guidance of the PermenPANRB 6/2022 system)."""
    agency_id: int
    year: int
    predikat: ORGANISATION_PREDIKAT
    set_by: int


@event("scoring.rule_set_published", "1.2", "scoring")
class RuleSetPublished(EventData):
    """The city's rule set takes effect from a date (city-wide or for one agency). Since
    1.1 it carries the whole body: every number (daily cap, deadline day, holidays,
    approver points, reminder and escalation days, objection window, head approver,
    payroll). Reporting and approval project what they apply; nobody else keeps them.
    1.2: the body may name its regulation and articles and carry the regional variants
    (fixed and budget-realisation shares, early-leave steps, flexi minutes, leave rules,
    exclusions, PPh 21 TER, the pay-objection window), all optional."""
    rule_set_id: int
    agency_id: int | None
    effective_from: dt.date
    body: RuleSetBody | None = None  # 1.1; absent in 1.0 messages



# --- notifications -------------------------------------------------------------

Channel = Literal["email", "whatsapp", "telegram"]


class _Delivery(EventData):
    delivery_id: int
    notification_id: int
    person_id: int
    channel: Channel
    kind: str


@event("notification.due", "1.0", "notifications")
class NotificationDue(_Delivery):
    """A notification is due on one of a person's outside channels now (quiet hours
    over). Each channel's deliverer takes its own and sends it once however often this
    message comes (a claim on the delivery); only a provider whose answer was lost may
    get it again on the retry."""


@event("notification.sent", "1.0", "notifications")
class NotificationSent(_Delivery):
    """A channel's provider accepted a notification for a person."""
    attempts: int
    provider_message_id: str | None


@event("notification.failed", "1.0", "notifications")
class NotificationFailed(_Delivery):
    """A channel kept refusing or timing out after the last retry: the delivery went to
    the dead-letter queue and the person's channel is shown as failing, with the reason."""
    attempts: int
    reason: str


@event("attendance.recorded", "1.1", "attendance")
class AttendanceRecorded(EventData):
    """Published by the city's attendance system (not by E-Kinerja): one mark of one
    employee on one day. Scoring consumes it for discipline deductions. `minutes`: late
    for an arrival, early for a departure (negative: stayed after the end of the day,
    which flexi hours count). 1.1: a leave may say its kind (`leave_type`); duty travel
    (DL) counts as present."""
    employee_nip: str
    date: dt.date
    kind: Literal["arrival", "departure", "absence", "leave"]
    minutes: int = 0
    excused: bool = False
    leave_type: LeaveType | None = None  # 1.1


@event("availability.deadline_judged", "1.0", "availability")
class DeadlineJudged(EventData):
    """The system judged itself against an agency's objective in the hours before an input
    deadline: the figures (probes, their availability and p95, the agency's requests and
    5xx), whether it was breached, why (Indonesian), and the grace window's last day when
    one is opened by itself."""
    agency_id: int
    period: str
    deadline: dt.date
    breached: bool
    reasons: list[str]
    figures: dict[str, int | str | None]
    grace_until: dt.date | None


# --- integrity ---------------------------------------------------------------------

# A signal's name: text, not a closed list, so a check added later reaches every consumer
# (an unknown name is to be shown as it is). Today's: photo_reused photo_shared_meeting
# photo_repeated exif_time_mismatch exif_missing exif_edited outside_geofence rubber_stamp
# rubber_stamping cap_chasing repeated_description minutes_above_standard peer_outlier.
IntegritySignal = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]


@event("integrity.flagged", "1.0", "integrity")
class IntegrityFlagged(EventData):
    """A check found something a reviewer should look at: on one report (`report_id`) or
    on an employee's month (`report_id` null). `reason` says it in Indonesian; `risk` is
    the report's (or the month's) score after it, 0-100, by the weights in force. Nothing
    is penalised by it: the approver and the review team decide."""
    signal_id: int
    signal: IntegritySignal
    report_id: int | None
    employee_id: int
    agency_id: int
    approver_id: int | None
    period: str
    reason: str
    weight: int
    risk: int


@event("integrity.cleared", "1.0", "integrity")
class IntegrityCleared(EventData):
    """The review team looked and found nothing wrong: the flags of a report (or of an
    employee's month) are cleared, with the reviewer's note. A revocation is not this
    event: it is approval.approval_revoked, the existing post-audit."""
    report_id: int | None
    employee_id: int
    agency_id: int
    period: str
    signals: list[IntegritySignal]
    decided_by: int
    note: str


def build(type_: str, data, source: str | None = None,
          correlation_id: str | None = None) -> Envelope:
    """An envelope for a registered event, its data validated by the schema."""
    spec = REGISTRY[type_]
    if source is not None and source != spec.source:
        raise ValueError(f"{type_} is published by {spec.source}, not {source}")
    payload = data if isinstance(data, spec.model) else spec.model.model_validate(data)
    return Envelope(id=new_event_id(), type=type_, version=spec.version, time=utcnow(),
                    source=spec.source, correlation_id=correlation_id,
                    data=payload.model_dump(mode="json"))


def parse_body(body: dict) -> EventData:
    """The typed payload of a message body as it came off the bus."""
    return parse(Envelope.model_validate(body))


def parse(envelope: Envelope) -> EventData:
    """The typed payload of a received envelope (major version checked)."""
    spec = REGISTRY[envelope.type]
    if envelope.version.split(".")[0] != spec.version.split(".")[0]:
        raise ValueError(f"{envelope.type} v{envelope.version}: this consumer reads v{spec.version}")
    return spec.model.model_validate(envelope.data)


# --- sync (the national adapter, services/sync) -----------------------------------------

SyncKind = Literal["progres", "periodik", "tahunan"]


class _SyncItem(EventData):
    item_id: int
    key: str  # our id of it on the national side (idLokal)
    kind: SyncKind


@event("sync.due", "1.0", "sync")
class SyncDue(_SyncItem):
    """An item is owed to the national side (new, changed or to be removed): the pusher
    sends it once per version, however often this message comes."""
    version: str


@event("sync.acknowledged", "1.0", "sync")
class SyncAcknowledged(_SyncItem):
    """The national side holds the item (or removed it, `deleted`) under its id."""
    national_id: str | None
    deleted: bool = False


@event("sync.refused", "1.0", "sync")
class SyncRefused(_SyncItem):
    """The national side refused the item's payload (not retried: it would stay wrong)."""
    reason: str


@event("sync.failed", "1.0", "sync")
class SyncFailed(_SyncItem):
    """The national side could not be reached after the last retry: dead-lettered,
    resent by an admin or by the day's reconciliation."""
    attempts: int
    reason: str
