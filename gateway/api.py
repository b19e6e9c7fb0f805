"""The public REST API, version 1. Each route checks the role, then makes one
or two RPC calls; services check ownership and state."""
import asyncio
import base64
import contextlib
import datetime as dt
import hashlib
import logging
from collections.abc import Awaitable
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.requests import ClientDisconnect

from ekinerja_contract.errors import ServiceError
from ekinerja_contract.events import ORGANISATION_PREDIKAT
from ekinerja_contract.replies import (
    AccountActiveOut,
    ActivityTypeOut,
    AgencyRow,
    AppraisalOut,
    AttendanceImported,
    AuditOut,
    AvailabilityStatus,
    BudgetOut,
    BulkResult,
    CataloguePublished,
    ChainsOut,
    CloseJobOut,
    CorrectionOut,
    Dashboard,
    DelegationOut,
    DisputeOut,
    DisputeQueueItem,
    EvidenceOut,
    EvidenceViewOut,
    GraceWindowOut,
    GraceWindowRow,
    InboxTaskOut,
    LogoutOut,
    MarkedOut,
    MeetingClaimsOut,
    MeetingOut,
    MeOut,
    NotificationsOut,
    OrganisationImported,
    OrganisationLoaded,
    OrganisationPredikatOut,
    PasswordSetOut,
    PayrollRuleSetOut,
    PayrollRuleSetPublished,
    People,
    PersonOut,
    PredikatReport,
    PreferencesOut,
    ProbeSentOut,
    RecapOut,
    ReconciliationOut,
    ReportOut,
    SiasnEvaluations,
    SkpOut,
    SupervisorRow,
    SyncResentOut,
    SyncStatusOut,
    TaskOut,
    TokenOut,
    UnlockOut,
    UserOut,
)
from ekinerja_contract.rpc_client import BusUnavailable, RemoteError, RpcTimeout
from ekinerja_contract.schemas import (
    CONTROL_CHARACTERS,
    MAX_BUDGET,
    MAX_ID,
    Actor,
    BulkDecisionIn,
    CatalogueIn,
    DbId,
    DecisionIn,
    DelegationIn,
    DisputeDecisionIn,
    DisputeIn,
    EmployeeIn,
    GraceWindowIn,
    MeetingIn,
    OrganisationIn,
    PreferencesIn,
    ReportIn,
    SkpDecisionIn,
    SkpIn,
)
from ekinerja_contract.services import Services

from .auth import (
    current_actor,
    forget_version,
    hash_password,
    is_known_device,
    issue_token,
    require,
    verify_password,
)
from .errors import ApiError
from .responses import AsSent, errors

log = logging.getLogger(__name__)

# Every route answers what its service sent, validated against its response model (AsSent).
router = APIRouter(prefix="/api/v1", route_class=AsSent)
ADMIN = require("city_admin", "agency_admin")
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
Period = Annotated[str, Query(pattern=PERIOD, examples=["2026-11"])]
PeriodPath = Annotated[str, Path(pattern=PERIOD, examples=["2026-11"])]
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Year = Annotated[int, Path(ge=2000, le=2100)]
DayPath = Annotated[dt.date, Path(examples=["2026-11-18"])]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
FILE = {"schema": {"type": "string", "format": "binary"}}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A client retrying a POST with the same key gets the first response; nothing new is made.
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=100,
                                              pattern=r"^[!-~]+$")]


Svc = Services[Awaitable[Any]]


async def rpc(request: Request) -> Svc:
    """The services' typed clients (ekinerja_contract/services.py) for this request:
    `await svc.reporting.get_report(actor, 7)`, with the request's correlation id."""
    return clients(request)


def clients(request: Request, timeout: float | None = None) -> Svc:
    """As `rpc`, with a timeout of its own (None: the gateway's GATEWAY_RPC_TIMEOUT)."""
    client = request.app.state.rpc

    def transport(service: str, method: str, *args) -> Awaitable[Any]:
        return client.call_async(service, method, *args, _timeout=timeout,
                                 _correlation_id=request.state.correlation_id)
    return Services(transport)


# --- auth ---------------------------------------------------------------------

class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


async def check_login(request: Request, svc: Svc, username: str, password: str) -> dict:
    """Shared by the API and the pages: a rate limit per client address, and a growing
    delay per username (services/reporting/logins.py) that the account's owner on a
    device they logged in from before does not feel. Known and unknown usernames take
    the same calls, the same password hashing and get the same answers."""
    request.app.state.login_limiter.check(request.client.host if request.client else "?")
    if CONTROL_CHARACTERS.search(username) or CONTROL_CHARACTERS.search(password):
        # nobody's name or password: the same answer as a wrong one (PostgreSQL refuses NUL)
        raise ApiError(401, "invalid_credentials", "wrong username or password")
    state = await svc.reporting.login_state(username)
    account, wait = state["account"], state["retry_after"]
    if wait and not is_known_device(request, username):
        raise ApiError(429, "too_many_requests", "too many failed logins; wait and try again",
                       headers={"Retry-After": str(wait)})
    ok = await verify_password(account and account["password_hash"], password)
    await svc.reporting.record_login(username, ok)
    if not ok:
        raise ApiError(401, "invalid_credentials", "wrong username or password")
    # The token about to be issued carries today's version: a version this gateway cached
    # before (say, just before an organisation load revoked the old tokens) must not
    # refuse it for the next few seconds.
    forget_version(request, account["account_id"])
    return account


@router.post("/auth/login", response_model=TokenOut, tags=["auth"],
             responses=errors(401, 422, 429))
async def login(body: LoginIn, request: Request, svc: Svc = Depends(rpc)):
    account = await check_login(request, svc, body.username, body.password)
    settings = request.app.state.settings
    user = UserOut.model_validate({k: account[k] for k in ("account_id", "username", "name", "roles",
                                                           "employee_id", "agency_id")})
    return TokenOut(access_token=issue_token(account, settings.jwt_secret,
                                             settings.token_ttl_minutes),
                    token_type="bearer", expires_in=settings.token_ttl_minutes * 60, user=user)


@router.get("/me", response_model=MeOut,
            responses=errors(401), tags=["auth"])
async def me(actor: Actor = Depends(current_actor)):
    return actor.model_dump(mode="json")


@router.post("/auth/logout", response_model=LogoutOut,
             responses=errors(401, 403, 422), tags=["auth"])
async def logout(request: Request, actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """End every session of your account: each token issued to it stops working."""
    result = await svc.reporting.revoke_tokens(actor)
    forget_version(request, actor.account_id)
    return result


@router.post("/admin/accounts/{username}/unlock", response_model=UnlockOut,
             responses=errors(401, 403, 422), tags=["admin"])
async def unlock_account(username: Annotated[str, Path(min_length=1, max_length=60)],
                         actor: Actor = Depends(ADMIN), svc: Svc = Depends(rpc)):
    """Clear a username's failed logins so its owner need not wait (audited)."""
    return await svc.reporting.unlock_account(actor, username)


class ActiveIn(BaseModel):
    active: bool


@router.put("/admin/accounts/{username}/active", response_model=AccountActiveOut,
            responses=errors(401, 403, 404, 422), tags=["admin"])
async def set_account_active(username: Annotated[str, Path(min_length=1, max_length=60)],
                             body: ActiveIn, actor: Actor = Depends(ADMIN), svc: Svc = Depends(rpc)):
    """Deactivate an account (it cannot log in; every token it holds stops working) or
    activate it again. Audited."""
    return await svc.reporting.set_account_active(actor, username,
                                                  body.active)


class PasswordIn(BaseModel):
    password: str = Field(min_length=10, max_length=200)
    current_password: str | None = Field(default=None, max_length=200,
                                         description="required when changing your own")


@router.post("/accounts/{username}/password", response_model=PasswordSetOut,
             responses=errors(401, 403, 404, 422), tags=["auth"])
async def set_password(username: Annotated[str, Path(min_length=1, max_length=60)],
                       body: PasswordIn, request: Request,
                       actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Change your own password (give the current one), or, as an admin, set someone's."""
    account = await svc.reporting.get_account(username)
    if account["account_id"] == actor.account_id and not await verify_password(
            account["password_hash"], body.current_password or ""):
        raise ApiError(403, "forbidden", "the current password is wrong")
    result = await svc.reporting.set_password(actor, username,
                                              await hash_password(body.password))
    forget_version(request, account["account_id"])
    return result


# --- administration -------------------------------------------------------------

class EmployeeUpload(EmployeeIn):
    password_hash: None = Field(default=None, exclude=True)
    password: str | None = Field(default=None, min_length=8, max_length=200,
                                 description="initial password; required for a new account")


class OrganisationUpload(OrganisationIn):
    # pydantic lets a subclass narrow a field; mypy sees list's invariance
    employees: list[EmployeeUpload] = Field(min_length=1, max_length=20000)  # type: ignore[assignment]


@router.post("/admin/organisation", response_model=OrganisationLoaded,
             responses=errors(401, 403, 422), tags=["admin"])
async def load_organisation(body: OrganisationUpload, actor: Actor = Depends(ADMIN),
                            svc: Svc = Depends(rpc)):
    employees = []
    for e in body.employees:
        row = e.model_dump(mode="json", exclude={"password", "password_hash"})
        row["password_hash"] = await hash_password(e.password) if e.password else None
        employees.append(row)
    org = {**body.model_dump(mode="json", exclude={"employees"}), "employees": employees}
    return await svc.reporting.load_organisation(actor, org)


@router.post("/admin/catalogue", response_model=CataloguePublished,
             responses=errors(401, 403, 422), tags=["admin"])
async def publish_catalogue(body: CatalogueIn, actor: Actor = Depends(ADMIN), svc: Svc = Depends(rpc)):
    return await svc.reporting.publish_catalogue(actor,
                                                 body.model_dump(mode="json"))


@router.get("/catalogue", response_model=list[ActivityTypeOut],
            responses=errors(401, 422), tags=["reports"])
async def catalogue(on: dt.date | None = None, _actor: Actor = Depends(current_actor),
                    svc: Svc = Depends(rpc)):
    """The activity types in force on a date (today by default)."""
    return await svc.reporting.list_catalogue(on and on.isoformat())


# --- evidence ---------------------------------------------------------------------

@router.post("/evidence", response_model=EvidenceOut, status_code=201, tags=["evidence"],
             responses=errors(400, 401, 403, 404, 411, 413, 415, 422, 502),
             openapi_extra={"requestBody": {"required": True, "content": {
                 t: {"schema": {"type": "string", "format": "binary"}}
                 for t in ("image/jpeg", "image/png", "application/pdf")}}})
async def upload_evidence(request: Request,
                          filename: Annotated[str, Query(min_length=1, max_length=200)],
                          idempotency_key: IdempotencyKey = None,
                          actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Send the file itself as the body, with its Content-Type and Content-Length, and
    best its SHA-256 as `Content-Digest: sha-256=:<base64>:` (RFC 9530): storage then
    checks the bytes against it as they arrive, and evidence need not read them back.
    The bytes stream through to storage; nothing holds the whole file."""
    declared = request.headers.get("content-length")
    if not declared or not (declared.isascii() and declared.isdigit()):
        raise ApiError(411, "length_required", "send the file with a Content-Length")
    length = int(declared)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    sha256 = content_digest(request.headers.get("content-digest"))
    ticket = await svc.evidence.create_upload(actor, filename, content_type, length,
                                              idempotency_key=idempotency_key, sha256=sha256)
    evidence_id = ticket["evidence_id"]
    digest = hashlib.sha256()
    sent = 0

    async def body_stream():
        nonlocal sent
        async for chunk in request.stream():
            sent += len(chunk)
            if sent > length:
                raise ApiError(400, "length_mismatch", "the body is longer than its Content-Length")
            digest.update(chunk)
            yield chunk

    try:
        response = await request.app.state.http.put(
            ticket["upload_url"], content=body_stream(),
            headers={**(ticket.get("upload_headers") or {}), "Content-Length": str(length),
                     "Content-Type": content_type})
    except ClientDisconnect:
        await svc.evidence.confirm_upload(actor, evidence_id, None)
        raise ApiError(400, "upload_interrupted",
                       "the upload was interrupted; nothing was kept") from None
    except httpx.HTTPError:
        response = None
    if response is not None and response.status_code == 400 and sha256 and (
            sent == length and digest.hexdigest() != sha256):
        # storage refused bytes that are not the declared SHA-256: nothing landed, and
        # confirm removes the record (saying so, which is not the news here)
        with contextlib.suppress(ServiceError):
            await svc.evidence.confirm_upload(actor, evidence_id, None)
        raise ApiError(400, "digest_mismatch", "the file is not the SHA-256 its Content-Digest "
                       "declares; nothing was kept")
    if response is None or response.status_code >= 300:
        # confirm finds nothing (or a partial object), removes it and says why
        await svc.evidence.confirm_upload(actor, evidence_id, None)
        raise ApiError(502, "storage_error", "the file could not be stored; try again")
    return await svc.evidence.confirm_upload(actor, evidence_id,
                                             digest.hexdigest() if sent == length else None)


def content_digest(header: str | None) -> str | None:
    """The SHA-256 of an RFC 9530 Content-Digest (`sha-256=:<base64>:`), as hex; None
    without one or when it names no SHA-256 (other algorithms are ignored, as the RFC
    lets a recipient do)."""
    if not header:
        return None
    for member in header.split(","):
        name, _, value = member.strip().partition("=")
        if name.strip().lower() != "sha-256":
            continue
        value = value.strip()
        try:
            raw = base64.b64decode(value[1:-1], validate=True) if (
                len(value) > 2 and value[0] == value[-1] == ":") else b""
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ApiError(400, "digest_invalid", "Content-Digest: sha-256 must be the "
                           "base64 of 32 bytes between colons (RFC 9530)")
        return raw.hex()
    return None


@router.get("/evidence/{evidence_id}", response_model=EvidenceViewOut,
            responses=errors(401, 403, 404, 422), tags=["evidence"])
async def view_evidence(evidence_id: Annotated[str, Path(pattern=r"^[0-9a-f-]{36}$")],
                        actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """The evidence record and a short-lived URL to see it; every view is logged."""
    return await svc.evidence.view(actor, evidence_id)


# --- reports and approvals -------------------------------------------------------------

@router.post("/reports", response_model=ReportOut,
             responses=errors(401, 403, 404, 409, 422), status_code=201, tags=["reports"])
async def submit_report(body: ReportIn, idempotency_key: IdempotencyKey = None,
                        actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.reporting.submit_report(actor, body.model_dump(mode="json"),
                                             idempotency_key=idempotency_key)


@router.get("/reports", response_model=list[ReportOut],
            responses=errors(401, 403, 422), tags=["reports"])
async def list_reports(period: Period, employee_id: OptionalId = None,
                       actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Your reports for a month, or (supervisors) a subordinate's."""
    return await svc.reporting.list_reports(actor, period, employee_id)


@router.get("/approvals/inbox", response_model=list[InboxTaskOut], tags=["approvals"],
            responses={**errors(401, 422), 200: {"headers": {"X-Total-Count": {
                "description": "how many tasks wait in all", "schema": {"type": "integer"}}}}})
async def approval_inbox(response: Response,
                         limit: Annotated[int, Query(ge=1, le=500)] = 100,
                         offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
                         actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Tasks waiting for you, oldest first, a page at a time (`X-Total-Count` says how many
    in all), each with its evidence thumbnail (a short-lived URL) and whether the same
    photo was uploaded by someone else."""
    tasks, total = await inbox_page(actor, svc, limit, offset)
    response.headers["X-Total-Count"] = str(total)
    return tasks


async def inbox_page(actor: Actor, svc: Svc, limit: int, offset: int) -> tuple[list[dict], int]:
    """A page of the approval inbox with thumbnails and flags, and the total (API and pages)."""
    page = await svc.approval.inbox(actor, "pending", limit, offset)
    tasks = page["tasks"]
    ids = [t["report"].get("evidence_id") for t in tasks if t["report"].get("evidence_id")]
    thumbs = await svc.evidence.thumbnail_urls(actor, ids) if ids else {}
    checks = await _integrity_flags(actor, svc, [t["report_id"] for t in tasks]) if tasks else {}
    for t in tasks:
        thumb = thumbs.get(t["report"].get("evidence_id")) or {}
        t["thumbnail_url"] = thumb.get("url")
        t["evidence"] = {k: thumb.get(k) for k in ("content_type", "captured_at", "gps")}
        t["integrity"] = checks.get(str(t["report_id"])) or NO_FLAGS
        t["flags"] = ["over_daily_cap"] if t["report"]["counted_minutes"] < t["report"]["minutes"] else []
    return tasks, page["total"]


# a report the checks have not heard of yet (integrity is a listener: it may lag a moment)
NO_FLAGS = {"risk": 0, "flags": [], "month_risk": 0, "month_flags": []}
UNCHECKED = {**NO_FLAGS, "available": False}


async def _integrity_flags(actor: Actor, svc: Svc, report_ids: list[int]) -> dict:
    """The checks beside the tasks; when the integrity service cannot answer, the inbox
    still does (its tasks are approval's), each task saying the checks are unavailable."""
    try:
        return await svc.integrity.report_flags(actor, report_ids)
    except (ServiceError, RemoteError, BusUnavailable, RpcTimeout) as exc:
        log.warning("inbox without the integrity checks: %s", exc)
        return {str(i): UNCHECKED for i in report_ids}


@router.post("/approvals/{task_id}/decision", response_model=TaskOut,
             responses=errors(401, 403, 404, 409, 422), tags=["approvals"])
async def decide(task_id: Id, body: DecisionIn, actor: Actor = Depends(current_actor),
                 svc: Svc = Depends(rpc)):
    return await svc.approval.decide(actor, task_id, body.model_dump(mode="json"))


@router.post("/approvals/bulk-approve", response_model=list[BulkResult],
             responses=errors(401, 403, 422), tags=["approvals"])
async def bulk_approve(body: BulkDecisionIn, actor: Actor = Depends(current_actor),
                       svc: Svc = Depends(rpc)):
    """Approve many tasks; each is decided on its own and reported back."""
    return await svc.approval.decide_many(actor, body.model_dump(mode="json"))


class RevokeIn(BaseModel):
    reason: str = Field(min_length=10, max_length=1000)


@router.post("/approvals/{task_id}/revoke", response_model=TaskOut,
             responses=errors(401, 403, 404, 409, 422), tags=["approvals"])
async def revoke(task_id: Id, body: RevokeIn, actor: Actor = Depends(require("review_team", "city_admin")),
                 svc: Svc = Depends(rpc)):
    """Post-audit: the review team revokes an approval it finds unfounded."""
    return await svc.approval.revoke(actor, task_id, body.reason)


@router.post("/approvals/delegations", response_model=DelegationOut,
             responses=errors(401, 403, 422), status_code=201, tags=["approvals"])
async def delegate(body: DelegationIn, idempotency_key: IdempotencyKey = None,
                   actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Let someone decide your tasks for a date range (leave, duty travel)."""
    return await svc.approval.delegate(actor, body.model_dump(mode="json"),
                                       idempotency_key=idempotency_key)


@router.post("/approvals/{task_id}/dispute", response_model=DisputeOut,
             responses=errors(401, 403, 404, 409, 422), status_code=201, tags=["disputes"])
async def file_dispute(task_id: Id, body: DisputeIn, idempotency_key: IdempotencyKey = None,
                       actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Object to a rejection (keberatan) within the objection window."""
    return await svc.approval.file_dispute(actor, task_id,
                                           body.model_dump(mode="json"), idempotency_key=idempotency_key)


@router.get("/disputes", response_model=list[DisputeQueueItem],
            responses=errors(401, 422), tags=["disputes"])
async def dispute_queue(state: Literal["open", "upheld", "dismissed"] = "open",
                        actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Disputes you may hear, each with its report and full history."""
    return await svc.approval.disputes(actor, state)


@router.post("/disputes/{dispute_id}/decision", response_model=DisputeOut,
             responses=errors(401, 403, 404, 409, 422), tags=["disputes"])
async def decide_dispute(dispute_id: Id, body: DisputeDecisionIn,
                         actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.approval.decide_dispute(actor, dispute_id,
                                             body.model_dump(mode="json"))


@router.get("/approvals/audit", response_model=list[AuditOut],
            responses=errors(401, 403, 404, 422), tags=["approvals"])
async def approval_audit(report_id: OptionalId = None, approver_id: OptionalId = None,
                         actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """The append-only log of task actions, per report or per approver."""
    if report_id is None and approver_id is None:
        raise ApiError(422, "invalid_input", "give report_id or approver_id")
    return await svc.approval.audit(actor, report_id, approver_id)


@router.get("/dashboards/supervisor", response_model=list[SupervisorRow],
            responses=errors(401), tags=["dashboards"])
async def supervisor_dashboard(actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Per subordinate: pending reports and how long the oldest has waited."""
    return await svc.approval.supervisor_dashboard(actor)


@router.get("/dashboards/agency", response_model=list[AgencyRow],
            responses=errors(401, 403, 422), tags=["dashboards"])
async def agency_dashboard(agency_id: OptionalId = None, actor: Actor = Depends(ADMIN),
                           svc: Svc = Depends(rpc)):
    """Which approvers hold up whom, and for how long."""
    return await svc.approval.agency_dashboard(actor, agency_id)


@router.get("/dashboards/leaders/{audience}", response_model=Dashboard,
            responses=errors(401, 403, 422), tags=["dashboards"])
async def leaders_dashboard(audience: Literal["city", "agency", "team"], period: Period,
                            agency_id: OptionalId = None, unit_id: OptionalId = None,
                            actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """The leaders' figures for the city (city admins), an agency (its head and admins) or
    a team (its superior): compliance, approval debt, who holds up pay, cost against the
    budget, the predikat curve against its pattern, fairness per appraiser. From
    monitoring's read model, kept from the events."""
    return await svc.monitoring.dashboard(actor, audience, period, agency_id, unit_id)


LeadersTable = Literal["kepatuhan", "persetujuan", "persetujuan_opd", "terhambat", "biaya",
                       "biaya_opd", "predikat", "predikat_pola", "keadilan"]


@router.get("/dashboards/leaders/{audience}/export.{fmt}", tags=["dashboards"],
            response_class=Response, responses={**errors(401, 403, 422), 200: {
                "description": "the page's tables (Content-Disposition: attachment): every one "
                               "as a sheet of an XLSX, or one (`table`) as CSV",
                "content": {t: FILE for t in ("text/csv", XLSX)}}})
async def leaders_export(audience: Literal["city", "agency", "team"], fmt: Literal["csv", "xlsx"],
                         period: Period, agency_id: OptionalId = None, unit_id: OptionalId = None,
                         table: LeadersTable = "kepatuhan",
                         actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """A leaders' page's tables as the page shows them, in Indonesian."""
    from .web import dashboard_tables
    body = await svc.monitoring.dashboard(actor, audience, period, agency_id, unit_id)
    sections = dashboard_tables.tables(body)
    name = f"pantauan-{dashboard_tables.SLUG_OF[audience]}-{period}"
    if fmt == "xlsx":
        return Response(dashboard_tables.to_xlsx(sections, period), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    chosen = next((t for t in sections if t["key"] == table), sections[0])
    return Response(dashboard_tables.to_csv(chosen), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{chosen["key"]}.csv"'})


@router.get("/dashboards/leaders/{audience}/people", response_model=People,
            responses=errors(401, 403, 422), tags=["dashboards"])
async def leaders_people(audience: Literal["city", "agency", "team"], period: Period,
                         criterion: Literal["all", "nothing_filed", "behind", "waiting_on",
                                            "predikat", "team_of", "paid"] = "all",
                         agency_id: OptionalId = None, unit_id: OptionalId = None,
                         approver_id: OptionalId = None,
                         predikat: Annotated[Literal["Sangat Baik", "Baik", "Butuh Perbaikan",
                                                     "Kurang", "Sangat Kurang"] | None, Query()] = None,
                         actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """The people behind a number of a leaders' page (at most 500, the least filled first):
    everyone, those who filed nothing, those under 80%, those whose work waits (on one
    approver with `approver_id`), those holding one predikat of the period's year, one
    appraiser's team (`team_of` with `approver_id`), or those paid for the month."""
    return await svc.monitoring.people(actor, audience, period, criterion, agency_id, unit_id,
                                       approver_id, predikat)



# --- notifications (notifications service) ----------------------------------------------

class ReadIn(BaseModel):
    ids: list[DbId] | None = Field(default=None, max_length=500,
                                   description="the notices to mark read; absent: all of them")


@router.get("/notifications", response_model=NotificationsOut, responses=errors(401, 422),
            tags=["notifications"])
async def my_notifications(before_id: OptionalId = None, actor: Actor = Depends(current_actor),
                           svc: Svc = Depends(rpc)):
    """The caller's notices, newest first, 50 a page (`before_id`: the next page), each
    with its Indonesian title and text and the page it is about."""
    return await svc.notifications.notifications(actor, before_id)


@router.post("/notifications/read", response_model=MarkedOut, responses=errors(401, 422),
             tags=["notifications"])
async def mark_notifications_read(body: ReadIn, actor: Actor = Depends(current_actor),
                                  svc: Svc = Depends(rpc)):
    """Mark the caller's notices read (only their own; the others are left as they are)."""
    return await svc.notifications.mark_read(actor, body.ids)


@router.get("/notifications/preferences", response_model=PreferencesOut,
            responses=errors(401, 403), tags=["notifications"])
async def notification_preferences(actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Which kinds come through which channel, the addresses, quiet hours, and a channel
    failing after its last retry (with the provider's reason)."""
    return await svc.notifications.preferences(actor)


@router.post("/notifications/test/{channel}", response_model=ProbeSentOut, responses=errors(401, 403, 422),
             tags=["notifications"])
async def send_test_notification(channel: Literal["email", "whatsapp", "telegram"],
                                 actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """A test message to the caller's own address on one channel (one a minute), to check
    that it arrives."""
    return await svc.notifications.send_test(actor, channel)


@router.put("/notifications/preferences", response_model=PreferencesOut,
            responses=errors(401, 403, 422), tags=["notifications"])
async def set_notification_preferences(body: PreferencesIn, actor: Actor = Depends(current_actor),
                                       svc: Svc = Depends(rpc)):
    """Change any part (absent: unchanged). Addresses are checked as they are entered; a
    wrong one changes nothing at all (422 `contact_invalid`, the field named)."""
    return await svc.notifications.set_preferences(actor, body.model_dump(mode="json", exclude_none=True))


# --- payroll (scoring service) -----------------------------------------------------------------



def file_response(result: dict) -> Response:
    return Response(base64.b64decode(result["base64"]), media_type=result["content_type"],
                    headers={"Content-Disposition": f'attachment; filename="{result["filename"]}"'})


@router.post("/admin/payroll-rule-sets", response_model=PayrollRuleSetPublished,
             responses=errors(401, 403, 409, 422), status_code=201, tags=["payroll"])
async def publish_payroll_rule_set(request: Request, actor: Actor = Depends(require("city_admin")),
                                   svc: Svc = Depends(rpc)):
    """The city's rule set from a date on, city-wide or for one agency: every number the
    system applies (daily cap, deadline day, holidays, approver points, reminder and
    escalation days, objection window, head approver, payroll shares, ceilings,
    deductions, tax). Body: {effective_from, agency_id, body}; errors name the field."""
    try:
        payload = await request.json()
    except ValueError:
        raise ApiError(422, "invalid_input", "the body must be JSON") from None
    return await svc.scoring.publish_rule_set(actor, payload)


@router.get("/admin/payroll-rule-sets", response_model=list[PayrollRuleSetOut],
            responses=errors(401, 403), tags=["payroll"])
async def payroll_rule_sets(_actor: Actor = Depends(require("city_admin", "finance")),
                            svc: Svc = Depends(rpc)):
    return await svc.scoring.list_rule_sets()


class CloseIn(BaseModel):
    period: str = Field(pattern=PERIOD)
    agency_id: OptionalId = None


@router.post("/payroll/closings", response_model=CloseJobOut,
             responses=errors(401, 403, 409, 422), status_code=202, tags=["payroll"])
async def close_period(body: CloseIn, actor: Actor = Depends(ADMIN), svc: Svc = Depends(rpc)):
    """Close a month for an agency or the city; returns the job whose progress to watch.
    Closing again returns the same job."""
    return await svc.scoring.close_period(actor, body.period, body.agency_id)


@router.get("/payroll/closings/{job_id}", response_model=CloseJobOut,
            responses=errors(401, 403, 404, 422), tags=["payroll"])
async def close_progress(job_id: Id, actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.scoring.close_job(actor, job_id)


class CorrectionBody(BaseModel):
    employee_id: DbId
    period: str = Field(pattern=PERIOD)
    points: str = "0"
    rupiah: int = 0
    minutes: int = 0
    reason: str = Field(min_length=10, max_length=1000)


@router.post("/payroll/corrections", response_model=CorrectionOut,
             responses=errors(401, 403, 404, 409, 422), status_code=201, tags=["payroll"])
async def correct(body: CorrectionBody, idempotency_key: IdempotencyKey = None,
                  actor: Actor = Depends(require("city_admin")), svc: Svc = Depends(rpc)):
    """After a close: an audited correction, producing a new snapshot version."""
    return await svc.scoring.correct(actor, body.employee_id, body.period,
                                     body.model_dump(include={"points", "rupiah", "minutes", "reason"}),
                                     idempotency_key=idempotency_key)


@router.get("/payroll/exports/{period}.{fmt}", tags=["payroll"], response_class=Response,
            responses={**errors(401, 403, 404, 422), 200: {
                "description": "the file (Content-Disposition: attachment)",
                "content": {t: FILE for t in ("text/csv", XLSX)}}})
async def export(period: PeriodPath, fmt: Literal["csv", "xlsx"], agency_id: OptionalId = None,
                 version: OptionalId = None, actor: Actor = Depends(current_actor),
                 svc: Svc = Depends(rpc)):
    """The closed period for finance."""
    return file_response(await svc.scoring.export(actor, period, agency_id, fmt, version))


@router.get("/payroll/exports/{period}/corrections.{fmt}", tags=["payroll"], response_class=Response,
            responses={**errors(401, 403, 404, 422), 200: {
                "description": "the file (Content-Disposition: attachment)",
                "content": {t: FILE for t in ("text/csv", XLSX)}}})
async def corrections_export(period: PeriodPath, fmt: Literal["csv", "xlsx"], agency_id: OptionalId = None,
                             since: Annotated[int, Query(ge=1, le=1000)] = 1,
                             actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """What changed after a closed month was paid (audited corrections), against the
    version paid (`since`, the close's by default): per employee the net paid, the net
    owed and the difference (kekurangan or kelebihan bayar), with totals and a control
    total, for the next payroll."""
    return file_response(await svc.scoring.corrections_export(actor, period, agency_id, fmt, since))


@router.get("/exports/progres-harian/{period}.{fmt}", tags=["national"], response_class=Response,
            responses={**errors(401, 403, 404, 422), 200: {
                "description": "the file (Content-Disposition: attachment)",
                "content": {t: FILE for t in ("text/csv", XLSX)}}})
async def progress_export(request: Request, period: PeriodPath, fmt: Literal["csv", "xlsx"],
                          agency_id: OptionalId = None, employee_id: OptionalId = None,
                          actor: Actor = Depends(current_actor)):
    """BKN's Progres Harian for a month, for the national e-Kinerja's Excel importer: one row
    per approved report (RHK, rencana aksi, date, start, end, activity, realisation and unit,
    the approver, the photo as a link a national reviewer opens without an account, valid
    400 days). Yours by default; someone you may see (`employee_id`); an agency's (its
    admin, `agency_id`; an agency admin's own by default); the city's (a city admin).
    CSV is sent in parts, so any size goes; XLSX up to 50,000 rows (422
    `export_too_large` beyond: ask for CSV or one agency). Columns and sources:
    docs/NATIONAL.md."""
    return await progress_file(clients(request, EXPORT_TIMEOUT), actor, period, fmt, agency_id, employee_id)


EXPORT_TIMEOUT = 120.0  # seconds: an agency's month as XLSX (50,000 rows at most)


async def progress_file(svc: Svc, actor: Actor, period: str, fmt: str, agency_id=None,
                        employee_id=None) -> Response:
    """The Progres Harian as the API and the admin's page hand it over: CSV in parts (any
    size), XLSX whole (up to its row limit)."""
    if fmt == "csv":
        return await progress_csv(svc, actor, period, agency_id, employee_id)
    return file_response(await svc.reporting.progress_export(actor, period, fmt, agency_id, employee_id))


async def progress_csv(svc: Svc, actor: Actor, period: str, agency_id=None, employee_id=None) -> Response:
    """The Progres Harian as one CSV of any size, sent as reporting hands it over in parts.
    The first part is asked before anything is sent, so a refusal (a scope, a month) is
    still an error answer; a part that fails later ends the file short."""
    first = await svc.reporting.progress_part(actor, period, agency_id, employee_id, 0)

    async def parts():
        part = first
        yield part["csv"].encode("utf-8")
        while part["next"] is not None:
            part = await svc.reporting.progress_part(actor, period, agency_id, employee_id, part["next"])
            yield part["csv"].encode("utf-8")
    return StreamingResponse(parts(), media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="{first["filename"]}"'})


@router.get("/sync/status", response_model=SyncStatusOut, tags=["national"], responses=errors(401, 403))
async def sync_status(actor: Actor = Depends(require("city_admin")), svc: Svc = Depends(rpc)):
    """The national adapter: on or off (SYNC_NATIONAL_URL), where to, the items by state,
    and the newest that failed or were refused, with why."""
    return await svc.sync.status(actor)


@router.post("/sync/resend", response_model=SyncResentOut, tags=["national"], responses=errors(401, 403, 422))
async def sync_resend(actor: Actor = Depends(require("city_admin")), svc: Svc = Depends(rpc)):
    """Push again every item whose last retry failed or that the national side refused."""
    return await svc.sync.resend_failed(actor)


@router.get("/sync/reconciliations/{day}.{fmt}", tags=["national"], response_class=Response,
            responses={**errors(401, 403, 422), 200: {
                "description": "the file (Content-Disposition: attachment)",
                "content": {t: FILE for t in ("text/csv", XLSX)}}})
async def sync_reconciliation_file(day: DayPath, fmt: Literal["csv", "xlsx"],
                                   actor: Actor = Depends(require("city_admin")), svc: Svc = Depends(rpc)):
    """A day's differences, one line each, with its person's counts."""
    return file_response(await svc.sync.reconciliation_export(actor, day.isoformat(), fmt))


@router.get("/sync/reconciliations/{day}", response_model=ReconciliationOut, tags=["national"],
            responses=errors(401, 403, 404, 422))
async def sync_reconciliation(day: DayPath, actor: Actor = Depends(require("city_admin")),
                              svc: Svc = Depends(rpc)):
    """A day's reconciliation as last run: what the city holds (approved reports of that
    day) against what the national side acknowledged and lists, per person."""
    run = await svc.sync.reconciliation(actor, day.isoformat())
    if run is None:
        raise ApiError(404, "reconciliation_not_run", f"{day} has not been reconciled yet")
    return run


@router.post("/sync/reconciliations/{day}", response_model=ReconciliationOut, tags=["national"],
             responses=errors(401, 403, 422))
async def sync_reconcile(day: DayPath, actor: Actor = Depends(require("city_admin")),
                         svc: Svc = Depends(rpc)):
    """Reconcile a day now; what is missing on the national side is pushed again."""
    return await svc.sync.reconcile(actor, day.isoformat())


@router.get("/payroll/statements/{period}", tags=["payroll"], response_class=Response,
            responses={**errors(401, 403, 404, 422), 200: {
                "description": "the PDF (Content-Disposition: attachment)",
                "content": {"application/pdf": FILE}}})
async def statement(period: PeriodPath, employee_id: OptionalId = None,
                    actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Your PDF statement for a closed month (Bahasa Indonesia)."""
    target = employee_id or actor.employee_id
    if target is None:
        raise ApiError(422, "invalid_input", "say whose statement: employee_id")
    return file_response(await svc.scoring.statement(actor, target, period))


class AppraisalIn(BaseModel):
    result_rating: Literal["above", "as_expected", "below"]
    behaviour_rating: Literal["above", "as_expected", "below"]
    month_from: int = Field(default=1, ge=1, le=12, description="a periodic evaluation's first month")
    month_to: int = Field(default=12, ge=1, le=12, description="its last; 1-12: the year's own")


@router.put("/employees/{employee_id}/appraisals/{year}", response_model=AppraisalOut,
            responses=errors(401, 403, 404, 422), tags=["payroll"])
async def appraise(employee_id: Id, year: Year, body: AppraisalIn,
                   actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """The ratings for the year, or for a periodic span of it (a month, a quarter, a
    semester: PermenPANRB 6/2022's periodic evaluation); the predikat follows its matrix."""
    return await svc.scoring.set_appraisal(actor, employee_id, year, body.result_rating,
                                           body.behaviour_rating, body.month_from, body.month_to)


@router.get("/exports/siasn/{year}", response_model=SiasnEvaluations, tags=["national"],
            responses=errors(401, 403, 404, 422))
async def siasn_export(year: Year, agency_id: OptionalId = None, employee_id: OptionalId = None,
                       actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """The year's SKP evaluations in SIASN's shape, as JSON: `periodik` for SIASN's kinerja
    periodik, `tahunan` for skp22. Yours by default; someone you may see (`employee_id`);
    an agency's (its admin); the city's (a city admin). Fields: docs/NATIONAL.md."""
    return await svc.scoring.siasn_evaluations(actor, year, agency_id, employee_id)


@router.get("/predikat/{year}", response_model=PredikatReport,
            responses=errors(401, 403, 422), tags=["payroll"])
async def predikat(year: Year, agency_id: OptionalId = None, actor: Actor = Depends(ADMIN),
                   svc: Svc = Depends(rpc)):
    """An agency's predikat distribution, with warnings past its limits."""
    return await svc.scoring.predikat_report(actor, year, agency_id)


class OrganisationPredikatBody(BaseModel):
    predikat: ORGANISATION_PREDIKAT


@router.put("/agencies/{agency_id}/predikat/{year}", response_model=OrganisationPredikatOut,
            responses=errors(401, 403, 409, 422), tags=["payroll"])
async def set_organisation_predikat(agency_id: Id, year: Year, body: OrganisationPredikatBody,
                                    actor: Actor = Depends(require("city_admin")),
                                    svc: Svc = Depends(rpc)):
    """An agency's own predikat for the year (Istimewa, Baik, Butuh Perbaikan, Kurang,
    Sangat Kurang): the pattern its employees' predikat should follow. Setting it again
    changes it; each setting is announced (`appraisal.organisation_predikat_set`)."""
    return await svc.scoring.set_organisation_predikat(actor, agency_id, year, body.predikat)


class BudgetBody(BaseModel):
    ceiling: int = Field(strict=True, ge=0, lt=MAX_BUDGET, examples=[12_500_000_000],
                         description="whole rupiah for the year")


@router.put("/budgets/{agency_id}/{year}", response_model=BudgetOut,
            responses=errors(401, 403, 409, 422), tags=["payroll"])
async def set_budget(agency_id: Id, year: Year, body: BudgetBody,
                     actor: Actor = Depends(require("city_admin", "finance")),
                     svc: Svc = Depends(rpc)):
    """An agency's TPP budget ceiling (pagu) for the year, in whole rupiah. Setting it
    again changes it; each setting is announced (`payroll.budget_set`)."""
    return await svc.scoring.set_budget(actor, agency_id, year, body.ceiling)


@router.get("/budgets/{year}", response_model=list[BudgetOut],
            responses=errors(401, 403, 422), tags=["payroll"])
async def budgets(year: Year, actor: Actor = Depends(require("city_admin", "finance", "agency_admin")),
                  svc: Svc = Depends(rpc)):
    """The year's budget ceilings by agency: every agency's for the city admin and
    finance, their own for an agency admin. An agency without one is not listed."""
    return await svc.scoring.budgets(actor, year)


@router.get("/recap", response_model=RecapOut,
            responses=errors(401, 403, 422), tags=["scoring"])
async def recap(period: Period, employee_id: OptionalId = None,
                actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """A provisional monthly recap: yours, or (finance, city admin) anyone's."""
    target = employee_id or actor.employee_id
    if target is None:
        raise ApiError(422, "invalid_input", "say whose recap: employee_id")
    return await svc.scoring.recap(actor, target, period)


# --- organisation, SKP, meetings, reports (reporting service) ------------------------------

@router.post("/admin/organisation/import", response_model=OrganisationImported,
             responses=errors(401, 403, 413, 422), tags=["admin"],
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}}}}})
async def import_organisation(request: Request, actor: Actor = Depends(require("city_admin")),
                              svc: Svc = Depends(rpc)):
    """A personnel-system CSV export (columns in docs/IMPORT.md); lands whole or not at all."""
    return await svc.reporting.import_organisation_csv(actor, await _csv_text(request))


async def _csv_text(request: Request) -> str:
    raw = await request.body()
    if len(raw) > 20 * 1024 * 1024:
        raise ApiError(413, "payload_too_large", "the file is larger than 20 MB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(422, "invalid_input", "the file must be UTF-8 text") from None


VERIFY_TIMEOUT = 600.0  # seconds: measured 27,000 links a second on PostgreSQL here


@router.get("/admin/integrity/chains", response_model=ChainsOut, tags=["admin"],
            responses=errors(401, 403))
async def verify_chains(request: Request, actor: Actor = Depends(require("city_admin", "review_team"))):
    """Recompute the tamper-evident record: approval's decisions, scoring's ledger lines and
    pay lines, each chained by hash; for each its length, head and first broken link (a
    row changed, removed or put in behind the services' back). Both services at once,
    with a long timeout: a year's ledger is millions of links. `python -m
    tools.verify_chains` does the same straight from the databases."""
    svc = clients(request, VERIFY_TIMEOUT)
    approval, scoring = await asyncio.gather(svc.approval.verify_chains(actor),
                                             svc.scoring.verify_chains(actor))
    found = {"approval": approval, "scoring": scoring}
    return {"ok": all(c["ok"] for chains in found.values() for c in chains), "services": found}


@router.post("/admin/attendance/import", response_model=AttendanceImported,
             responses=errors(401, 403, 413, 422), tags=["admin"],
             openapi_extra={"requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}}}}})
async def import_attendance(request: Request, actor: Actor = Depends(require("city_admin")),
                            svc: Svc = Depends(rpc)):
    """The attendance system's daily file (`nip,tanggal,jenis,menit,dimaafkan`; docs/IMPORT.md),
    for a city whose attendance system cannot publish `attendance.recorded`: all or nothing,
    each problem with its row and column; sent again it changes nothing."""
    return await svc.scoring.import_attendance_csv(actor, await _csv_text(request))


@router.post("/admin/grace-windows", response_model=GraceWindowOut,
             responses=errors(401, 403, 404, 422), tags=["admin"])
async def open_grace_window(body: GraceWindowIn, idempotency_key: IdempotencyKey = None,
                            actor: Actor = Depends(ADMIN), svc: Svc = Depends(rpc)):
    """Reopen input for an agency's period after an outage; audited."""
    return await svc.reporting.open_grace_window(actor, body.model_dump(mode="json"),
                                                 idempotency_key=idempotency_key)


@router.get("/admin/grace-windows", response_model=list[GraceWindowRow],
            responses=errors(401, 403, 422), tags=["admin"])
async def grace_windows(period: Annotated[str | None, Query(pattern=PERIOD)] = None,
                        actor: Actor = Depends(ADMIN), svc: Svc = Depends(rpc)):
    """The grace windows opened, by an admin or by the system itself, newest first."""
    return await svc.reporting.grace_windows(actor, period)


@router.post("/admin/grace-windows/{window_id}/revoke", response_model=GraceWindowRow,
             responses=errors(401, 403, 404, 409, 422), tags=["admin"])
async def revoke_grace_window(window_id: Id, body: RevokeIn, actor: Actor = Depends(ADMIN),
                              svc: Svc = Depends(rpc)):
    """Take a grace window back (audited, announced): input for the period closes again
    at its deadline."""
    return await svc.reporting.revoke_grace_window(actor, window_id, body.reason)


@router.get("/admin/availability", response_model=AvailabilityStatus,
            responses=errors(401, 403, 422), tags=["admin"])
async def availability(hours: Annotated[int, Query(ge=1, le=960)] = 24, actor: Actor = Depends(ADMIN),
                       svc: Svc = Depends(rpc)):
    """The system's own availability over the last `hours` (probes through the gateway,
    each agency's requests and 5xx) and the input deadlines it judged itself on."""
    return await svc.availability.status(actor, hours)


@router.get("/employees/{employee_id}/superior", response_model=PersonOut | None,
            responses=errors(401, 404, 422), tags=["organisation"])
async def superior(employee_id: Id, on: dt.date | None = None,
                   actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """Who is this employee's direct superior on a date (acting officials included).
    For the employee, their superiors and admins; 404 for anyone else."""
    return await svc.reporting.superior_for(actor, employee_id,
                                            on and on.isoformat())


@router.get("/team", response_model=list[PersonOut],
            responses=errors(401), tags=["organisation"])
async def my_team(actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    """The caller's direct subordinates today."""
    return await svc.reporting.subordinates(actor)


@router.put("/skp/{year}", response_model=SkpOut,
            responses=errors(401, 403, 409, 422), tags=["skp"])
async def save_skp(year: Year, body: SkpIn, actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    if body.year != year:
        raise ApiError(422, "invalid_input", "the year in the path and the body differ")
    return await svc.reporting.save_skp(actor, body.model_dump(mode="json"))


@router.post("/skp/{year}/submit", response_model=SkpOut,
             responses=errors(401, 403, 404, 409, 422), tags=["skp"])
async def submit_skp(year: Year, actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.reporting.submit_skp(actor, year)


@router.get("/employees/{employee_id}/skp/{year}", response_model=SkpOut,
            responses=errors(401, 403, 404, 422), tags=["skp"])
async def get_skp(employee_id: Id, year: Year, actor: Actor = Depends(current_actor),
                  svc: Svc = Depends(rpc)):
    return await svc.reporting.get_skp(actor, employee_id, year)


@router.post("/employees/{employee_id}/skp/{year}/decision", response_model=SkpOut,
             responses=errors(401, 403, 404, 409, 422), tags=["skp"])
async def decide_skp(employee_id: Id, year: Year, body: SkpDecisionIn,
                     actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.reporting.decide_skp(actor, employee_id, year,
                                          body.model_dump(mode="json"))


@router.post("/meetings", response_model=MeetingOut,
             responses=errors(401, 403, 422), status_code=201, tags=["meetings"])
async def create_meeting(body: MeetingIn, idempotency_key: IdempotencyKey = None,
                         actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.reporting.create_meeting(actor, body.model_dump(mode="json"),
                                              idempotency_key=idempotency_key)


@router.get("/meetings", response_model=list[MeetingOut],
            responses=errors(401, 403), tags=["meetings"])
async def my_meetings(actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.reporting.my_meetings(actor)


@router.get("/meetings/{meeting_id}/claims", response_model=MeetingClaimsOut,
            responses=errors(401, 403, 404, 422), tags=["meetings"])
async def meeting_claims(meeting_id: Id, actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.reporting.meeting_claims(actor, meeting_id)


@router.post("/reports/drafts", response_model=ReportOut,
             responses=errors(401, 403, 404, 409, 422), status_code=201, tags=["reports"])
async def save_draft(body: ReportIn, idempotency_key: IdempotencyKey = None,
                     actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.reporting.save_draft(actor, body.model_dump(mode="json"),
                                          idempotency_key=idempotency_key)


@router.get("/reports/{report_id}", response_model=ReportOut,
            responses=errors(401, 403, 404, 422), tags=["reports"])
async def get_report(report_id: Id, actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    return await svc.reporting.get_report(actor, report_id)


@router.put("/reports/{report_id}", response_model=ReportOut,
            responses=errors(401, 403, 404, 409, 422), tags=["reports"])
async def revise_report(report_id: Id, body: ReportIn, actor: Actor = Depends(current_actor),
                        svc: Svc = Depends(rpc)):
    """Change a draft, or a report sent back for revision."""
    return await svc.reporting.revise_report(actor, report_id,
                                             body.model_dump(mode="json"))


@router.post("/reports/{report_id}/{action}", response_model=ReportOut,
             responses=errors(401, 403, 404, 409, 422), tags=["reports"])
async def report_action(report_id: Id, action: Literal["submit", "resubmit", "withdraw"],
                        actor: Actor = Depends(current_actor), svc: Svc = Depends(rpc)):
    act = {"submit": svc.reporting.submit_draft, "resubmit": svc.reporting.resubmit_report,
           "withdraw": svc.reporting.withdraw_report}[action]
    return await act(actor, report_id)
