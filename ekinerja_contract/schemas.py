"""Shapes of RPC requests and replies (the gateway's API bodies reuse them).

Shape checks only (types, sizes, formats); the business rules that decide
whether a request is allowed live in the services.
"""
import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Role = Literal["employee", "supervisor", "review_team", "agency_admin", "city_admin", "finance"]
MeetingRole = Literal["chair", "speaker", "note_taker", "participant"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Actor(Strict):
    """Who is calling, as the gateway authenticated them."""
    account_id: int
    employee_id: int | None = None
    agency_id: int | None = None
    roles: list[Role] = []

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


# --- organisation ----------------------------------------------------------

class AgencyIn(Strict):
    code: str = Field(min_length=2, max_length=20, pattern=r"^[A-Z0-9_-]+$")
    name: str = Field(min_length=3, max_length=200)


class PositionIn(Strict):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=2, max_length=200)
    job_class: int = Field(ge=1, le=17)
    superior: str | None = Field(default=None, description="code of the superior position")


class EmployeeIn(Strict):
    nip: str = Field(pattern=r"^\d{18}$", description="18-digit civil-servant number")
    name: str = Field(min_length=2, max_length=200)
    position: str = Field(description="code of the position held")
    status: Literal["PNS", "PPPK", "CPNS"] = "PNS"
    grade: str | None = Field(default=None, max_length=10)
    username: str = Field(min_length=3, max_length=60, pattern=r"^[a-z0-9._-]+$")
    password_hash: str | None = Field(default=None, exclude=False,
                                      description="set by the gateway; never a clear password")
    roles: list[Role] = ["employee"]


class OrganisationIn(Strict):
    agency: AgencyIn
    positions: list[PositionIn] = Field(min_length=1, max_length=5000)
    employees: list[EmployeeIn] = Field(min_length=1, max_length=20000)


# --- catalogue ---------------------------------------------------------------

class ActivityTypeIn(Strict):
    code: str = Field(min_length=2, max_length=40, pattern=r"^[A-Z0-9_.-]+$")
    name: str = Field(min_length=3, max_length=200)
    output_unit: str = Field(min_length=1, max_length=40)
    standard_minutes: int = Field(ge=1, le=480)
    points: Decimal = Field(ge=0, le=1000, decimal_places=2)
    rupiah: int = Field(ge=0, le=10_000_000)
    evidence_required: bool = True
    role_weights: dict[MeetingRole, Decimal] | None = Field(
        default=None, description="for meetings and events: weight per role")
    effective_from: dt.date

    @field_validator("role_weights")
    @classmethod
    def _weights_positive(cls, v):
        if v is not None:
            if "participant" not in v:
                raise ValueError("role weights must include 'participant'")
            if any(w <= 0 or w > 5 for w in v.values()):
                raise ValueError("every role weight must be above 0 and at most 5")
        return v


class CatalogueIn(Strict):
    activity_types: list[ActivityTypeIn] = Field(min_length=1, max_length=2000)


# --- reports -----------------------------------------------------------------

class ReportIn(Strict):
    date: dt.date
    start: dt.time
    end: dt.time
    activity_code: str = Field(min_length=2, max_length=40)
    role: MeetingRole | None = None
    quantity: int = Field(default=1, ge=1, le=100)
    description: str = Field(min_length=5, max_length=2000)
    evidence_id: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")

    @model_validator(mode="after")
    def _time_range(self):
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class DecisionIn(Strict):
    decision: Literal["approve", "reject", "request_revision"]
    reason: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _reason_required(self):
        if self.decision != "approve" and not (self.reason and self.reason.strip()):
            raise ValueError(f"a reason is required to {self.decision.replace('_', ' ')}")
        return self
