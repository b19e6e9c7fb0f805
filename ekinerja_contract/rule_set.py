"""The city's rule set: every number a city regulation (Perwali) sets, as data, with one owner.

Scoring publishes it (effective-dated, city-wide or per agency) and announces each one
with `scoring.rule_set_published`; reporting and approval keep a projection of the
numbers they apply (daily cap, deadline day, holidays, approver points, reminder and
escalation days, objection window, the approver of agency heads). So approval's
calendar and scoring's are the same calendar. A day is judged with the set in force
on it: the agency's own if it has one, else the city's, else the defaults here
(default_rule_set.json)."""
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

DEFAULT_FILE = Path(__file__).with_name("default_rule_set.json")
# Regional variants as data: each file is what it changes of the defaults (its "_about"
# says whose rule it is). A city starts a draft from one; the fixtures test each.
VARIANTS = Path(__file__).with_name("rule_variants")


class LatenessStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    up_to_minutes: int | None = Field(description="inclusive upper bound; null: anything above")
    percent: Decimal = Field(ge=0, le=100)


LeaveType = Literal["annual", "sick", "maternity", "big", "important", "duty_travel"]
Condition = Literal["mpp", "uang_tunggu", "detention", "cltn", "temporary_dismissal"]
Punishment = Literal["light", "medium", "heavy"]


class LeaveRule(BaseModel):
    """How a day of one kind of leave counts (duty travel, DL, counts as present)."""
    model_config = ConfigDict(extra="forbid")
    free_days: int | None = Field(default=None, ge=0, le=31,
                                  description="days a month with no deduction; null: all")
    percent_per_day: Decimal = Field(default=Decimal(0), ge=0, le=100,
                                     description="deducted for each day beyond free_days")
    reduces_standard: bool = Field(default=False,
                                   description="the day leaves the monthly standard, pro rata")


class Exclusions(BaseModel):
    """When no TPP is paid for a month at all; each one off when null/false/empty."""
    model_config = ConfigDict(extra="forbid")
    conditions: list[Condition] = Field(
        default=["mpp", "uang_tunggu", "detention", "cltn", "temporary_dismissal"],
        description="an employee condition covering any day of the month")
    big_leave_over_days: int | None = Field(default=15, ge=0, le=31,
                                            description="cuti besar longer than this in the month")
    min_performance_percent: Decimal | None = Field(default=None, ge=0, le=100,
                                                    description="monthly achievement under it")
    max_unexcused_days: int | None = Field(default=None, ge=1, le=31,
                                           description="this many days absent without notice")
    require_skp: bool = Field(default=False, description="no approved SKP for the year")
    appraiser_must_assess: bool = Field(
        default=False, description="an appraiser who left a subordinate's month unassessed")
    punishment_months: dict[Punishment, int] = Field(
        default={"light": 1, "medium": 2, "heavy": 4},
        description="months without TPP from a disciplinary punishment's start")


class Objective(BaseModel):
    """What the system promises an agency before its input deadline (services/availability):
    breached in the last `window_hours` before it, a grace window opens by itself."""
    model_config = ConfigDict(extra="forbid")
    automatic: bool = Field(default=True, description="open a grace window by itself on a breach")
    availability_percent: Decimal = Field(default=Decimal("99.0"), ge=0, le=100,
                                          description="probes through the gateway that succeed")
    max_error_percent: Decimal = Field(default=Decimal("2.0"), ge=0, le=100,
                                       description="the agency's own requests answered 5xx")
    p95_ms: int = Field(default=3000, ge=50, le=60_000, description="the probes' 95th percentile")
    window_hours: int = Field(default=24, ge=1, le=168)
    min_samples: int = Field(default=10, ge=1, le=100_000,
                             description="fewer probes (or requests) than this: not judged on them")
    grace_days: int = Field(default=2, ge=1, le=14, description="days after the deadline it stays open")


class TerStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    up_to: int | None = Field(description="monthly gross in rupiah, inclusive; null: above")
    percent: Decimal = Field(ge=0, le=100)


class RuleSetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(default="Aturan bawaan E-Kinerja", min_length=1, max_length=120,
                      description="the regulation, as a TPP line names it (e.g. Perwali 12/2026)")
    clauses: dict[str, str] = Field(
        default={}, description="the article behind each rule, by key (split, ceiling, "
                                "performance, lateness, early_leave, absence, missing_record, "
                                "leave, exclusion, cpns, tax, insurance, budget_realisation)")
    performance_share: Decimal = Field(ge=0, le=1)
    discipline_share: Decimal = Field(ge=0, le=1)
    fixed_share: Decimal = Field(default=Decimal(0), ge=0, le=1,
                                 description="paid whatever the work and attendance (Badung 0.70)")
    budget_share: Decimal = Field(default=Decimal(0), ge=0, le=1,
                                  description="paid by the agency's quarterly budget realisation")
    mode: Literal["standard", "rupiah"] = Field(
        description="standard: ceiling x shares; rupiah: activities' rupiah up to the ceiling")
    standard_unit: Literal["minutes", "points"]
    monthly_standard: Decimal = Field(gt=0, description="for a full month; pro-rated by working days")
    daily_cap_minutes: int = Field(ge=60, le=1440)
    ceilings: dict[int, int] = Field(description="monthly TPP ceiling in rupiah per job class 1-17")
    lateness: list[LatenessStep] = Field(min_length=1)
    early_leave: list[LatenessStep] | None = Field(
        default=None, min_length=1, description="leaving early; null: the lateness steps")
    flexi_minutes: int = Field(
        default=0, ge=0, le=240, description="lateness up to this is made up by staying as long "
                                              "after the end of the day; beyond it, the steps")
    missing_record_percent: Decimal = Field(ge=0, le=100)
    absence_percent: Decimal = Field(ge=0, le=100)
    cpns_factor: Decimal = Field(gt=0, le=1)
    tax_method: Literal["final_by_grade", "ter"] = "final_by_grade"
    tax_percent_by_grade: dict[Literal["I", "II", "III", "IV"], Decimal]
    ter: dict[Literal["A", "B", "C"], list[TerStep]] = Field(
        default={}, description="PPh 21 TER (PP 58/2023) by category, for tax_method ter")
    insurance_percent: Decimal = Field(ge=0, le=100)
    insurance_base_cap: int = Field(ge=0)
    input_deadline_day: int = Field(ge=1, le=28)
    holidays: list[dt.date] = Field(default=[], max_length=400,
                                    description="national and city holidays: no working day")
    approver_points_per_decision: Decimal = Field(default=Decimal(2), ge=0, le=100)
    approver_daily_points_cap: Decimal = Field(default=Decimal(40), ge=0, le=1000)
    remind_after_days: int = Field(default=3, ge=1, le=30,
                                   description="working days before an approver is reminded")
    escalate_after_days: int = Field(default=5, ge=1, le=60,
                                     description="working days before a task moves one level up")
    objection_window_days: int = Field(default=14, ge=1, le=90,
                                       description="days after a rejection to file an objection")
    head_approver: str | None = Field(
        default=None, pattern=r"^[A-Z0-9_-]+/[A-Za-z0-9_.-]+$",
        description="AGENCY/CODE of the position that approves the work of someone with no "
                    "superior (an agency head); null: such reports are refused")
    predikat_limits: dict[str, Decimal] = Field(
        default={}, description="largest share of an agency allowed per predikat (warnings)")
    leave: dict[LeaveType, LeaveRule] = Field(default={}, description="by kind; absent: no deduction")
    exclusions: Exclusions = Field(default_factory=Exclusions)
    pay_objection_days: int = Field(default=14, ge=1, le=90,
                                    description="days after a close to object to a TPP line")
    objective: Objective = Field(default_factory=Objective)

    @field_validator("ceilings")
    @classmethod
    def _all_classes(cls, v):
        missing = [c for c in range(1, 18) if c not in v]
        if missing:
            raise PydanticCustomError("ceilings_missing", "ceilings for job classes {missing} are missing",
                                     {"missing": str(missing)})
        if any(amount < 0 for amount in v.values()):
            raise PydanticCustomError("ceilings_negative", "ceilings must not be negative")
        return v

    @field_validator("lateness", "early_leave")
    @classmethod
    def _steps_ascending(cls, v):
        if v is not None:
            _ascending([s.up_to_minutes for s in v], "lateness")
        return v

    @field_validator("ter")
    @classmethod
    def _ter_ascending(cls, v):
        for steps in v.values():
            _ascending([s.up_to for s in steps], "ter")
        return v

    @model_validator(mode="after")
    def _shares(self):
        if self.performance_share + self.discipline_share + self.fixed_share + self.budget_share != 1:
            raise PydanticCustomError("shares_sum", "performance, discipline, fixed and budget "
                                                    "shares must add up to 1")
        if self.tax_method == "ter" and set(self.ter) != {"A", "B", "C"}:
            raise PydanticCustomError("ter_tables", "tax_method ter needs the tables A, B and C")
        if self.escalate_after_days <= self.remind_after_days:
            raise PydanticCustomError("escalate_before_remind",
                                      "escalate_after_days must be more than remind_after_days")
        return self


def _ascending(bounds: list, what: str) -> None:
    """Steps with inclusive upper bounds: rising, and only the last one open."""
    if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
        raise PydanticCustomError(f"{what}_open_end", "only the last step is open-ended (null)")
    if bounds[:-1] != sorted(set(bounds[:-1])):
        raise PydanticCustomError(f"{what}_order", "steps must ascend")


class RuleSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_from: dt.date
    agency_id: int | None = Field(default=None, description="null: the whole city")
    body: RuleSetBody


def default_body() -> RuleSetBody:
    return RuleSetBody.model_validate(json.loads(DEFAULT_FILE.read_text()))


def variant_names() -> list[str]:
    return sorted(p.stem for p in VARIANTS.glob("*.json"))


def variant(*names: str) -> RuleSetBody:
    """The defaults with each named variant laid over them in turn (later ones win)."""
    raw = json.loads(DEFAULT_FILE.read_text())
    for name in names:
        if name not in variant_names():
            raise KeyError(f"no rule variant {name!r}")
        raw.update({k: v for k, v in json.loads((VARIANTS / f"{name}.json").read_text()).items()
                    if not k.startswith("_")})
    return RuleSetBody.model_validate(raw)


def about(name: str) -> str:
    return json.loads((VARIANTS / f"{name}.json").read_text()).get("_about", "")


def in_force(rows, agency_id: int | None, day: dt.date):
    """Of `rows` (anything with `agency_id` and `effective_from`), the one in force for an
    agency on a day: the agency's own newest that began by then, else the city's; None
    when neither has begun. The one resolution rule every service applies."""
    best = None
    for r in rows:
        if r.effective_from <= day and r.agency_id in (None, agency_id):
            if best is None or (r.agency_id is not None, r.effective_from) >= (
                    best.agency_id is not None, best.effective_from):
                best = r
    return best
