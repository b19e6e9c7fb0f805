"""Shapes of RPC requests and replies (the gateway's API bodies reuse them).

Shape checks only (types, sizes, formats); the business rules that decide
whether a request is allowed live in the services.
"""
import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .events import ORGANISATION_PREDIKAT

Role = Literal["employee", "supervisor", "review_team", "agency_admin", "city_admin", "finance"]
MeetingRole = Literal["chair", "speaker", "note_taker", "participant"]


MAX_ID = 2_147_483_647
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]  # ids fit the databases' integer columns


# NUL and the other C0 controls (tab, newline and carriage return excepted) have no place
# in any text a person types, and PostgreSQL refuses NUL outright (a 5xx, before this).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value):
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise PydanticCustomError("control_character",
                                      "text must not contain control characters")
        return value


class Actor(Strict):
    """Who is calling, as the gateway authenticated them."""
    account_id: int
    employee_id: int | None = None
    agency_id: int | None = None
    roles: list[Role] = []
    origin: str | None = Field(default=None, max_length=100,
                               description="where the request came from (client address)")

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


# The services' own voice, when one asks another on nobody's behalf (the sync adapter's
# payloads and links): a city admin's reach, no person's. Never handed out by the gateway.
SYSTEM_ACTOR = Actor(account_id=0, roles=["city_admin"])


# --- organisation ----------------------------------------------------------

POSITION_REF = r"^([A-Z0-9_-]+/)?[A-Za-z0-9_.-]+$"  # CODE in this agency, or AGENCY/CODE


class AgencyIn(Strict):
    code: str = Field(min_length=2, max_length=20, pattern=r"^[A-Z0-9_-]+$")
    name: str = Field(min_length=3, max_length=200)


class UnitIn(Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=2, max_length=200)


class PositionIn(Strict):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=2, max_length=200)
    job_class: int = Field(ge=1, le=17)
    unit: str | None = Field(default=None, description="code of the unit")
    superior: str | None = Field(default=None, pattern=POSITION_REF,
                                 description="the superior position: CODE or AGENCY/CODE")


class EmployeeIn(Strict):
    nip: str = Field(pattern=r"^\d{18}$", description="18-digit civil-servant number")
    name: str = Field(min_length=2, max_length=200)
    position: str = Field(description="code of the position held (definitive)")
    since: dt.date | None = Field(default=None, description="start of the placement (TMT)")
    status: Literal["PNS", "PPPK", "CPNS"] = "PNS"
    grade: str | None = Field(default=None, max_length=10)
    # Where finance transfers the TPP to (the personnel system's payroll data), if known.
    bank_name: str | None = Field(default=None, min_length=2, max_length=60)
    bank_account: str | None = Field(default=None, pattern=r"^\d{6,20}$",
                                     description="account number, digits only")
    bank_account_holder: str | None = Field(default=None, min_length=2, max_length=200)
    username: str = Field(min_length=3, max_length=60, pattern=r"^[a-z0-9._-]+$")
    password_hash: str | None = Field(default=None,
                                      description="set by the gateway; never a clear password")
    roles: list[Role] = ["employee"]


class ActingIn(Strict):
    """An acting official (Plt/Plh) holding a position for a date range."""
    nip: str = Field(pattern=r"^\d{18}$")
    position: str = Field(pattern=POSITION_REF, description="CODE or AGENCY/CODE")
    kind: Literal["plt", "plh"]
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _range(self):
        if self.end < self.start:
            raise PydanticCustomError("end_date_before_start_date", "end must not be before start")
        return self


class OrganisationIn(Strict):
    agency: AgencyIn
    units: list[UnitIn] = Field(default=[], max_length=500)
    positions: list[PositionIn] = Field(min_length=1, max_length=5000)
    employees: list[EmployeeIn] = Field(min_length=1, max_length=20000)
    acting: list[ActingIn] = Field(default=[], max_length=5000)


# --- SKP ----------------------------------------------------------------------

class IndicatorIn(Strict):
    name: str = Field(min_length=3, max_length=300)
    quantity: Decimal = Field(gt=0, le=1_000_000)
    unit: str = Field(min_length=1, max_length=40)
    quality: int = Field(default=100, ge=1, le=100, description="target quality, percent")
    months: int = Field(default=12, ge=1, le=12, description="target time, months")


class SkpItemIn(Strict):
    kind: Literal["main", "additional", "creative"]
    title: str = Field(min_length=5, max_length=500)
    parent_item_id: DbId | None = Field(default=None,
                                       description="main items: the superior's SKP item")
    indicators: list[IndicatorIn] = Field(min_length=1, max_length=10)


class SkpIn(Strict):
    year: int = Field(ge=2000, le=2100)
    items: list[SkpItemIn] = Field(min_length=1, max_length=50)


class SkpDecisionIn(Strict):
    decision: Literal["approve", "return"]
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _note_required(self):
        if self.decision == "return" and not (self.note and self.note.strip()):
            raise PydanticCustomError("skp_note_required", "say what to change when returning an SKP")
        return self


# --- catalogue ---------------------------------------------------------------

class ActivityTypeIn(Strict):
    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9_.-]+$")
    name: str = Field(min_length=3, max_length=200)
    output_unit: str = Field(min_length=1, max_length=40)
    standard_minutes: int = Field(ge=1, le=480)
    points: Decimal = Field(ge=0, le=1000, decimal_places=2)
    rupiah: int = Field(ge=0, le=10_000_000)
    evidence_required: bool = True
    creative: bool = Field(default=False, description="counts only under a creative SKP item")
    role_weights: dict[MeetingRole, Decimal] | None = Field(
        default=None, description="meetings and events: weight per role (a shared event)")
    min_job_class: int = Field(default=1, ge=1, le=17)
    max_job_class: int = Field(default=17, ge=1, le=17)
    position_codes: list[str] | None = Field(default=None, max_length=500,
                                             description="only these positions may claim it")
    effective_from: dt.date

    @field_validator("role_weights")
    @classmethod
    def _weights_positive(cls, v):
        if v is not None:
            if "participant" not in v:
                raise PydanticCustomError("role_weights_participant",
                                          "role weights must include 'participant'")
            if any(w <= 0 or w > 5 for w in v.values()):
                raise PydanticCustomError("role_weights_range",
                                          "every role weight must be above 0 and at most 5")
        return v

    @model_validator(mode="after")
    def _class_range(self):
        if self.min_job_class > self.max_job_class:
            raise PydanticCustomError("job_class_range", "min_job_class must not exceed max_job_class")
        return self


class CatalogueIn(Strict):
    activity_types: list[ActivityTypeIn] = Field(min_length=1, max_length=2000)


class GraceWindowIn(Strict):
    agency_id: DbId
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    until: dt.date
    reason: str = Field(min_length=10, max_length=1000)


# --- meetings and reports ------------------------------------------------------

class MeetingIn(Strict):
    activity_code: str = Field(min_length=2, max_length=40)
    title: str = Field(min_length=5, max_length=300)
    place: str = Field(min_length=2, max_length=300)
    date: dt.date
    start: dt.time
    end: dt.time
    expected: list[DbId] = Field(default=[], max_length=1000, description="employee ids")
    roles: dict[DbId, Literal["chair", "speaker", "note_taker"]] = Field(
        default={}, max_length=100, description=(
            "employee id → the role the organiser names them for; a chair, speaker or "
            "note-taker claim counts only when named here or confirmed later"))

    @model_validator(mode="after")
    def _time_range(self):
        if self.end <= self.start:
            raise PydanticCustomError("end_before_start", "end must be after start")
        return self


class MeetingRolesIn(Strict):
    """The organiser confirms (or names) who holds which role; participants need none."""
    roles: dict[DbId, Literal["chair", "speaker", "note_taker"]] = Field(max_length=100)


class ReportIn(Strict):
    skp_item_id: DbId
    activity_code: str = Field(min_length=2, max_length=40)
    meeting_id: DbId | None = Field(default=None, description="claiming a shared meeting: "
                                   "its date and time are taken from it")
    date: dt.date | None = None
    start: dt.time | None = None
    end: dt.time | None = None
    role: MeetingRole | None = None
    quantity: int = Field(default=1, ge=1, le=100)
    description: str = Field(min_length=5, max_length=2000)
    evidence_id: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")

    @model_validator(mode="after")
    def _time_range(self):
        if self.meeting_id is None:
            if self.date is None or self.start is None or self.end is None:
                raise PydanticCustomError("time_or_meeting_required",
                                          "date, start and end are required (or a meeting_id)")
            if self.end <= self.start:
                raise PydanticCustomError("end_before_start", "end must be after start")
        return self


class BulkDecisionIn(Strict):
    task_ids: list[DbId] = Field(min_length=1, max_length=500)
    versions: dict[DbId, int] | None = Field(default=None, max_length=500, description=(
        "task id → the `round` the decider saw; a changed task is refused on its own"))


class DelegationIn(Strict):
    delegate_id: DbId
    start_date: dt.date
    end_date: dt.date

    @model_validator(mode="after")
    def _range(self):
        if self.end_date < self.start_date:
            raise PydanticCustomError("end_date_before_start_date", "end_date must not be before start_date")
        return self


class DisputeIn(Strict):
    reason: str = Field(min_length=10, max_length=2000)


class DisputeDecisionIn(Strict):
    decision: Literal["uphold", "dismiss"]
    reason: str = Field(min_length=10, max_length=2000)


class DecisionIn(Strict):
    decision: Literal["approve", "reject", "request_revision"]
    reason: str | None = Field(default=None, max_length=1000)
    version: int | None = Field(default=None, ge=1, le=10_000, description=(
        "the task's `round` the decider saw; if the report was resubmitted since, the "
        "decision is refused (409 stale_version, with the current state and version)"))

    @model_validator(mode="after")
    def _reason_required(self):
        if self.decision != "approve" and not (self.reason and self.reason.strip()):
            raise PydanticCustomError("reason_required", "a reason is required to {decision}",
                                     {"decision": self.decision.replace("_", " ")})
        return self


class CorrectionIn(BaseModel):
    """A payroll correction after a close (scoring.correct)."""
    model_config = ConfigDict(extra="forbid")
    points: Decimal = Field(ge=-10000, le=10000)
    rupiah: int = Field(ge=-100_000_000, le=100_000_000)
    minutes: int = Field(ge=-20000, le=20000)
    reason: str = Field(min_length=10, max_length=1000)


MAX_BUDGET = 10**15  # rupiah; a ceiling is below it (a city's whole TPP is far less)
Year = Annotated[int, Field(ge=2000, le=2100)]


class BudgetIn(BaseModel):
    """An agency's TPP budget ceiling (pagu) for a year, in whole rupiah (scoring.set_budget)."""
    model_config = ConfigDict(extra="forbid")
    agency_id: DbId
    year: Year
    # strict: a whole number, never true/false, "1e6" or 1.0
    ceiling: int = Field(strict=True, ge=0, lt=MAX_BUDGET)


class OrganisationPredikatIn(BaseModel):
    """An agency's own yearly predikat (scoring.set_organisation_predikat)."""
    model_config = ConfigDict(extra="forbid")
    agency_id: DbId
    year: Year
    predikat: ORGANISATION_PREDIKAT


# --- notifications -----------------------------------------------------------

class PreferencesIn(Strict):
    """A person's notification choices; each part optional (absent: unchanged). An
    empty address removes that channel; the addresses are checked by the service."""
    contacts: dict[str, str | None] | None = Field(
        default=None, description="email, whatsapp (an Indonesian mobile number), telegram (chat id)")
    choices: dict[str, list[str]] | None = Field(
        default=None, description="per kind, its channels: in_app, email, whatsapp, telegram")
    quiet_start: str | None = Field(default=None, max_length=8, description="HH:MM, city time")
    quiet_end: str | None = Field(default=None, max_length=8, description="HH:MM, city time")


class ConditionIn(BaseModel):
    """A spell without TPP as decreed (scoring.record_condition): MPP, uang tunggu,
    detention, CLTN, temporary dismissal, or a disciplinary punishment (its months are the
    rule set's). `end_date` null: until ended."""
    model_config = ConfigDict(extra="forbid")
    employee_id: DbId
    kind: Literal["mpp", "uang_tunggu", "detention", "cltn", "temporary_dismissal",
                  "punishment_light", "punishment_medium", "punishment_heavy"]
    start_date: dt.date
    end_date: dt.date | None = None
    reference: str = Field(min_length=3, max_length=120, description="the decree (SK) number")

    @model_validator(mode="after")
    def _ordered(self):
        if self.end_date is not None and self.end_date < self.start_date:
            raise PydanticCustomError("end_date_before_start_date", "end_date is before start_date")
        return self


class BudgetRealisationIn(BaseModel):
    """An agency's budget realisation in a quarter, percent (scoring.set_budget_realisation)."""
    model_config = ConfigDict(extra="forbid")
    agency_id: DbId
    year: Year
    quarter: int = Field(strict=True, ge=1, le=4)
    percent: Decimal = Field(ge=0, le=200, max_digits=6, decimal_places=2)


class TaxProfileIn(BaseModel):
    """What PPh 21 TER needs of a person (scoring.set_tax_profile)."""
    model_config = ConfigDict(extra="forbid")
    employee_id: DbId
    ptkp: Literal["TK/0", "TK/1", "TK/2", "TK/3", "K/0", "K/1", "K/2", "K/3"]
    monthly_salary: int = Field(strict=True, ge=0, lt=10**10)


class PayObjectionIn(BaseModel):
    """An employee's objection to one step of their closed month's TPP line."""
    model_config = ConfigDict(extra="forbid")
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    step: Literal["performance", "discipline", "fixed", "budget", "exclusion", "cpns", "tax",
                  "insurance"]
    reason: str = Field(min_length=10, max_length=2000)


class PayObjectionDecisionIn(BaseModel):
    """The review team's decision: an upheld objection is corrected, audited, by excusing
    attendance marks and/or a ledger correction (scoring.decide_pay_objection)."""
    model_config = ConfigDict(extra="forbid")
    upheld: bool
    reason: str = Field(min_length=10, max_length=1000)
    excuse_dates: list[dt.date] = Field(default=[], max_length=31)
    minutes: int = Field(default=0, ge=-20000, le=20000)
    points: Decimal = Field(default=Decimal(0), ge=-10000, le=10000)
    rupiah: int = Field(default=0, ge=-100_000_000, le=100_000_000)

    @model_validator(mode="after")
    def _a_correction_when_upheld(self):
        if self.upheld and not (self.excuse_dates or self.minutes or self.points or self.rupiah):
            raise PydanticCustomError("correction_required",
                                      "an upheld objection says what is corrected")
        return self


# --- integrity ---------------------------------------------------------------

class OfficeIn(Strict):
    """One office of an agency: where its people's photos are expected to be taken."""
    name: str = Field(min_length=2, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_m: int | None = Field(default=None, ge=10, le=20000,
                                 description="the geofence; null: the checks' default (100 m)")


class OfficesIn(Strict):
    offices: list[OfficeIn] = Field(max_length=50)


class ClearIn(Strict):
    """The review team found nothing wrong with a case: what was checked, in a note."""
    note: str = Field(min_length=5, max_length=1000)
