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


class LatenessStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    up_to_minutes: int | None = Field(description="inclusive upper bound; null: anything above")
    percent: Decimal = Field(ge=0, le=100)


class RuleSetBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    performance_share: Decimal = Field(ge=0, le=1)
    discipline_share: Decimal = Field(ge=0, le=1)
    mode: Literal["standard", "rupiah"] = Field(
        description="standard: ceiling x shares; rupiah: activities' rupiah up to the ceiling")
    standard_unit: Literal["minutes", "points"]
    monthly_standard: Decimal = Field(gt=0, description="for a full month; pro-rated by working days")
    daily_cap_minutes: int = Field(ge=60, le=1440)
    ceilings: dict[int, int] = Field(description="monthly TPP ceiling in rupiah per job class 1-17")
    lateness: list[LatenessStep] = Field(min_length=1)
    missing_record_percent: Decimal = Field(ge=0, le=100)
    absence_percent: Decimal = Field(ge=0, le=100)
    cpns_factor: Decimal = Field(gt=0, le=1)
    tax_percent_by_grade: dict[Literal["I", "II", "III", "IV"], Decimal]
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

    @field_validator("lateness")
    @classmethod
    def _steps_ascending(cls, v):
        bounds = [s.up_to_minutes for s in v]
        if bounds[-1] is not None or any(b is None for b in bounds[:-1]):
            raise PydanticCustomError("lateness_open_end",
                                      "only the last lateness step is open-ended (up_to_minutes null)")
        if bounds[:-1] != sorted(bounds[:-1]):
            raise PydanticCustomError("lateness_order", "lateness steps must ascend")
        return v

    @model_validator(mode="after")
    def _shares(self):
        if self.performance_share + self.discipline_share != 1:
            raise PydanticCustomError("shares_sum", "performance_share + discipline_share must be 1")
        if self.escalate_after_days <= self.remind_after_days:
            raise PydanticCustomError("escalate_before_remind",
                                      "escalate_after_days must be more than remind_after_days")
        return self


class RuleSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_from: dt.date
    agency_id: int | None = Field(default=None, description="null: the whole city")
    body: RuleSetBody


def default_body() -> RuleSetBody:
    return RuleSetBody.model_validate(json.loads(DEFAULT_FILE.read_text()))


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
