"""The payroll rule set: every number a city regulation (Perwali) sets, as data.

Validated on load; an error names the field. Effective-dated, city-wide or per
agency; a period is computed with the rule set in force on each of its days."""
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
    holidays: list[dt.date] = []
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
        return self


class RuleSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    effective_from: dt.date
    agency_id: int | None = Field(default=None, description="null: the whole city")
    body: RuleSetBody


def default_body() -> RuleSetBody:
    return RuleSetBody.model_validate(json.loads(DEFAULT_FILE.read_text()))
