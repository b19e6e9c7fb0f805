"""The REST API of the integrity checks (services/integrity): a report's flags for whoever
decides it, the review team's desk (queue, post-audit sample, clearing with a note) and
the agencies' office locations the geofence holds photos to. Revoking a flagged approval
is the post-audit revocation (`POST /api/v1/approvals/{task_id}/revoke`), not here."""
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from ekinerja_contract.errors import NotFound
from ekinerja_contract.replies import (
    IntegrityCase,
    IntegrityQueue,
    IntegritySample,
    OfficeOut,
    ReportIntegrity,
)
from ekinerja_contract.schemas import Actor, ClearIn, OfficesIn

from .api import PERIOD, Id, OptionalId, PeriodPath, Svc, rpc
from .auth import current_actor, require
from .responses import AsSent, errors

router = APIRouter(prefix="/api/v1", route_class=AsSent, tags=["integrity"])
DESK = require("review_team", "city_admin")
AnyPeriod = Annotated[str | None, Query(pattern=PERIOD, examples=["2026-11"])]
# a signal's name as text: a check added later is filtered without a gateway release
# (an unknown one: 422 integrity_signal_unknown from the service)
Signal = Annotated[str | None, Query(min_length=1, max_length=40, pattern=r"^[a-z_]+$",
                              examples=["photo_reused", "exif_time_mismatch", "cap_chasing"])]


@router.get("/integrity/reports/{report_id}", response_model=ReportIntegrity, responses=errors(401, 404, 422))
async def report_flags(report_id: Id, actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """A report's risk score and open flags with their reasons, and its employee-month's:
    for whoever decides it and the review team. Its own employee gets 404, as for a
    report that does not exist (the checks are not theirs to read)."""
    found = (await svc.integrity.report_flags(actor, [report_id])).get(str(report_id))
    if found is None:
        raise NotFound(f"report {report_id} not found", code="report_not_found")
    return found


@router.get("/integrity/queue", response_model=IntegrityQueue, responses=errors(401, 403, 422))
async def queue(agency_id: OptionalId = None, signal: Signal = None, period: AnyPeriod = None,
                state: Literal["open", "cleared", "revoked", "all"] = "open",
                limit: Annotated[int, Query(ge=1, le=200)] = 50,
                offset: Annotated[int, Query(ge=0, le=10**6)] = 0,
                actor: Actor = Depends(DESK), svc: Svc = Depends(rpc)):
    """The review team's desk: cases (a report, or an employee's month) riskiest first,
    by agency, signal, month and state, with how many cases carry each signal."""
    return await svc.integrity.queue(actor, agency_id, signal, period, state, limit, offset)


@router.get("/integrity/sample/{period}", response_model=IntegritySample, responses=errors(401, 403, 422))
async def sample(period: PeriodPath, size: Annotated[int, Query(ge=1, le=500)] = 20,
                 agency_id: OptionalId = None, seed: Annotated[int | None, Query(ge=0, le=2**31)] = None,
                 actor: Actor = Depends(DESK), svc: Svc = Depends(rpc)):
    """A post-audit sample of the month's approved reports, flagged or not, the risky more
    likely; the same `seed` draws the same sample."""
    return await svc.integrity.sample(actor, period, size, agency_id, seed)


@router.post("/integrity/reports/{report_id}/clear", response_model=IntegrityCase,
             responses=errors(401, 403, 404, 409, 422))
async def clear_report(report_id: Id, body: ClearIn, actor: Actor = Depends(DESK), svc: Svc = Depends(rpc)):
    """Nothing wrong found: the report's open flags are cleared with the note (recorded,
    announced as integrity.cleared)."""
    return await svc.integrity.clear(actor, report_id, None, None, body.model_dump(mode="json"))


@router.post("/integrity/employees/{employee_id}/months/{period}/clear", response_model=IntegrityCase,
             responses=errors(401, 403, 404, 409, 422))
async def clear_month(employee_id: Id, period: PeriodPath, body: ClearIn, actor: Actor = Depends(DESK),
                      svc: Svc = Depends(rpc)):
    """The same for the flags on an employee's month (cap-chasing, repeated descriptions,
    peers, an approver's bursts)."""
    return await svc.integrity.clear(actor, None, employee_id, period, body.model_dump(mode="json"))


@router.get("/agencies/{agency_id}/offices", response_model=list[OfficeOut], responses=errors(401, 403, 422))
async def offices(agency_id: Id, actor: Actor = Depends(require("city_admin", "agency_admin", "review_team")),
                  svc: Svc = Depends(rpc)):
    """An agency's office locations and their geofence radius."""
    return await svc.integrity.offices(actor, agency_id)


@router.put("/agencies/{agency_id}/offices", response_model=list[OfficeOut], responses=errors(401, 403, 422))
async def set_offices(agency_id: Id, body: OfficesIn,
                      actor: Actor = Depends(require("city_admin", "agency_admin")), svc: Svc = Depends(rpc)):
    """Replace an agency's office locations (an agency admin their own agency's)."""
    return await svc.integrity.set_offices(actor, agency_id, body.model_dump(mode="json"))
