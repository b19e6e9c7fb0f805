"""The REST API of what pay depends on besides work and attendance, and of objections to
a closed month's TPP line (services/scoring/adjustments.py). Bodies are the contract's
schemas, so a wrong field is a 422 naming it, in the API's error shape."""
import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel, Field

from ekinerja_contract.replies import (
    BudgetRealisationOut,
    ConditionOut,
    PayObjectionOut,
    SandboxOut,
    TaxProfileOut,
)
from ekinerja_contract.schemas import (
    Actor,
    ConditionIn,
    PayObjectionDecisionIn,
    PayObjectionIn,
)

from .api import FILE, XLSX, Id, Svc, Year, file_response, rpc
from .auth import current_actor, require
from .responses import AsSent, errors

router = APIRouter(prefix="/api/v1", route_class=AsSent, tags=["payroll"])
Quarter = Annotated[int, Path(ge=1, le=4)]


class SandboxIn(BaseModel):
    draft: dict = Field(description="a rule set body (as `publish_rule_set` takes it)")
    months: int = Field(default=3, ge=1, le=12, description="the last closed months to replay")
    agency_id: int | None = Field(default=None, ge=1)


@router.post("/admin/payroll-sandbox", response_model=SandboxOut, responses=errors(401, 403, 422))
async def sandbox(body: SandboxIn, actor: Actor = Depends(require("city_admin")), svc: Svc = Depends(rpc)):
    """A draft Perwali tried on the last closed months: recomputed from the same ledger and
    attendance beside what was frozen (never changed), per person and per agency, who
    gains and who loses, and the total against each agency's pagu pro rata."""
    return await svc.scoring.sandbox(actor, body.draft, body.months, body.agency_id)


@router.post("/admin/payroll-sandbox.xlsx", response_class=Response, responses={
    **errors(401, 403, 422), 200: {"description": "the workbook (Content-Disposition: attachment)",
                                   "content": {XLSX: FILE}}})
async def sandbox_xlsx(body: SandboxIn, actor: Actor = Depends(require("city_admin")),
                       svc: Svc = Depends(rpc)):
    """The same as a workbook for the approval file: per agency, per person, what failed."""
    return file_response(await svc.scoring.sandbox_xlsx(actor, body.draft, body.months, body.agency_id))


@router.post("/payroll/conditions", response_model=ConditionOut, status_code=201,
             responses=errors(401, 403, 404, 409, 422))
async def record_condition(body: ConditionIn, actor: Actor = Depends(require("city_admin", "agency_admin")),
                           svc: Svc = Depends(rpc)):
    """A decree's spell without TPP: MPP, uang tunggu, detention, CLTN, temporary dismissal,
    or a disciplinary punishment (light, medium, heavy: its months are the rule set's).
    Applied by a rule set that lists it (`exclusions`); never in a closed month."""
    return await svc.scoring.record_condition(actor, body.model_dump(mode="json"))


class ConditionEnd(BaseModel):
    end_date: dt.date


@router.put("/payroll/conditions/{condition_id}/end", response_model=ConditionOut,
            responses=errors(401, 403, 404, 422))
async def end_condition(condition_id: Id, body: ConditionEnd,
                        actor: Actor = Depends(require("city_admin", "agency_admin")),
                        svc: Svc = Depends(rpc)):
    return await svc.scoring.end_condition(actor, condition_id, body.end_date.isoformat())


@router.get("/payroll/conditions", response_model=list[ConditionOut], responses=errors(401, 404, 422))
async def conditions(employee_id: Annotated[int, Query(ge=1)], actor: Actor = Depends(current_actor),
                     svc: Svc = Depends(rpc)):
    """A person's conditions: themself, their superiors, their agency's admins."""
    return await svc.scoring.conditions(actor, employee_id)


class RealisationBody(BaseModel):
    percent: Decimal = Field(ge=0, le=200, max_digits=6, decimal_places=2, examples=["87.50"],
                             description="the quarter's realisation, percent")


@router.put("/budgets/{agency_id}/{year}/realisation/{quarter}", response_model=BudgetRealisationOut,
            responses=errors(401, 403, 409, 422))
async def set_budget_realisation(agency_id: Id, year: Year, quarter: Quarter, body: RealisationBody,
                                 actor: Actor = Depends(require("city_admin", "finance")),
                                 svc: Svc = Depends(rpc)):
    """An agency's budget realisation in a quarter, in percent: what a budget share (e.g.
    Badung's 15%) pays on. Set again, it changes, until a month of the quarter is closed."""
    return await svc.scoring.set_budget_realisation(actor, {
        "agency_id": agency_id, "year": year, "quarter": quarter, "percent": str(body.percent)})


class TaxProfileBody(BaseModel):
    ptkp: Literal["TK/0", "TK/1", "TK/2", "TK/3", "K/0", "K/1", "K/2", "K/3"]
    monthly_salary: int = Field(strict=True, ge=0, lt=10**10, examples=[4_500_000])


@router.put("/payroll/tax-profiles/{employee_id}", response_model=TaxProfileOut,
            responses=errors(401, 403, 404, 422))
async def set_tax_profile(employee_id: Id, body: TaxProfileBody,
                          actor: Actor = Depends(require("finance", "city_admin")),
                          svc: Svc = Depends(rpc)):
    """PTKP status and monthly salary, for a rule set that taxes by PPh 21 TER."""
    return await svc.scoring.set_tax_profile(actor, {"employee_id": employee_id, **body.model_dump()})


@router.post("/payroll/objections", response_model=PayObjectionOut, status_code=201,
             responses=errors(401, 403, 409, 422))
async def file_pay_objection(body: PayObjectionIn, actor: Actor = Depends(current_actor),
                             svc: Svc = Depends(rpc)):
    """An employee objects to one step of their own closed month's TPP line, within the
    rule set's window after the close; the review team decides."""
    return await svc.scoring.file_pay_objection(actor, body.model_dump(mode="json"))


@router.get("/payroll/objections", response_model=list[PayObjectionOut], responses=errors(401, 422))
async def pay_objections(state: Literal["filed", "upheld", "dismissed"] | None = "filed",
                         actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """The review team's queue (oldest first); anyone else sees their own."""
    return await svc.scoring.pay_objections(actor, state)


@router.post("/payroll/objections/{objection_id}/decision", response_model=PayObjectionOut,
             responses=errors(401, 403, 404, 409, 422))
async def decide_pay_objection(objection_id: Id, body: PayObjectionDecisionIn,
                               actor: Actor = Depends(require("review_team")), svc: Svc = Depends(rpc)):
    """Upheld, the line is corrected and audited: the named attendance marks are excused
    and/or a ledger correction is made, and the month gets a new snapshot version."""
    return await svc.scoring.decide_pay_objection(actor, objection_id, body.model_dump(mode="json"))
