"""The pages: server-rendered with Jinja2, a little plain JavaScript for the photo
upload and progress bars. Forms post back here (same origin, SameSite cookie)."""
import datetime as dt
from pathlib import Path

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from ekinerja_contract import config
from ekinerja_contract.rpc_client import RemoteError
from ekinerja_contract.schemas import Actor

from ..api import actor_dict, rpc
from ..auth import COOKIE, decode, issue_token
from ..errors import ApiError
from . import charts
from .i18n import js_strings, t

INBOX_PAGE = 50  # tasks on one page of the approval list

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.globals["t"] = t
templates.env.globals["js_strings"] = js_strings
router = APIRouter(include_in_schema=False)


class LoginRequired(Exception):
    pass


async def page_actor(request: Request) -> Actor:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    try:
        return decode(token, request)
    except ApiError:
        raise LoginRequired() from None


async def same_origin(request: Request) -> None:
    """Forms only from our own pages (with the SameSite cookie this stops CSRF)."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    host = request.headers.get("host", "")
    if origin and origin.split("://", 1)[-1].split("/", 1)[0] != host:
        raise ApiError(403, "csrf", "form from another site")


def render(request, name, actor=None, **ctx):
    return templates.TemplateResponse(request, name, {"actor": actor, **ctx})


def back(url: str, message: str | None = None):
    return RedirectResponse(url + (("&" if "?" in url else "?") + f"pesan={message}" if message else ""),
                            status_code=303)


# --- login ------------------------------------------------------------------------------

@router.get("/masuk", response_class=HTMLResponse)
async def login_page(request: Request):
    return render(request, "login.html")


@router.post("/masuk", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
async def login(request: Request, username: str = Form(...), password: str = Form(...),
                call=Depends(rpc)):
    from ..api import check_login
    try:
        account = await check_login(request, call, username, password)
    except ApiError as err:
        return render(request, "login.html", error=t("login_locked") if err.status == 429
                      else t("login_failed"))
    settings = request.app.state.settings
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, issue_token(account, settings.jwt_secret, settings.token_ttl_minutes),
                        httponly=True, samesite="strict", max_age=settings.token_ttl_minutes * 60,
                        secure=request.url.scheme == "https")
    return response


@router.get("/keluar")
async def logout():
    response = RedirectResponse("/masuk", status_code=303)
    response.delete_cookie(COOKIE)
    return response


# --- staff ----------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
async def home(request: Request, actor: Actor = Depends(page_actor), call=Depends(rpc)):
    today = config.today()
    reports = []
    if actor.employee_id:
        reports = [r for r in await call("reporting", "list_reports", actor_dict(actor),
                                         today.strftime("%Y-%m")) if r["date"] == today.isoformat()]
    return render(request, "home.html", actor, reports=reports, today=today,
                  message=request.query_params.get("pesan"))


async def _form_choices(call, actor: Actor, year: int):
    try:
        skp = await call("reporting", "get_skp", actor_dict(actor), actor.employee_id, year)
        items = skp["items"] if skp["state"] == "approved" else []
    except RemoteError:
        items = []
    catalogue = await call("reporting", "list_catalogue")
    meetings = await call("reporting", "my_meetings", actor_dict(actor))
    return items, catalogue, meetings


@router.get("/laporan/baru", response_class=HTMLResponse)
async def new_report(request: Request, actor: Actor = Depends(page_actor), call=Depends(rpc)):
    today = config.today()
    items, catalogue, meetings = await _form_choices(call, actor, today.year)
    return render(request, "report_form.html", actor, items=items, catalogue=catalogue,
                  meetings=meetings, report=None, today=today)


@router.get("/laporan/{report_id}", response_class=HTMLResponse)
async def report_detail(request: Request, report_id: int, actor: Actor = Depends(page_actor),
                        call=Depends(rpc)):
    report = await call("reporting", "get_report", actor_dict(actor), report_id)
    items, catalogue, meetings = [], [], []
    if report["state"] in ("draft", "revision_requested"):
        items, catalogue, meetings = await _form_choices(call, actor, int(report["date"][:4]))
    task = None
    if report["state"] == "rejected":
        audit = await call("approval", "audit", actor_dict(actor), report_id, None)
        task = audit[0]["task_id"] if audit else None
    return render(request, "report_detail.html", actor, report=report, items=items,
                  catalogue=catalogue, meetings=meetings, task_id=task,
                  message=request.query_params.get("pesan"))


@router.post("/laporan/{report_id}/{action}", dependencies=[Depends(same_origin)])
async def report_action(report_id: int, action: str, reason: str = Form(""),
                        task_id: int = Form(0), actor: Actor = Depends(page_actor),
                        call=Depends(rpc)):
    if action == "keberatan":
        await call("approval", "file_dispute", actor_dict(actor), task_id, {"reason": reason})
    else:
        method = {"tarik": "withdraw_report", "kirim-ulang": "resubmit_report",
                  "kirim": "submit_draft"}[action]
        await call("reporting", method, actor_dict(actor), report_id)
    return back(f"/laporan/{report_id}", "ok")


@router.get("/rekap", response_class=HTMLResponse)
async def recap(request: Request, periode: str | None = None, actor: Actor = Depends(page_actor),
                call=Depends(rpc)):
    period = periode or config.today().strftime("%Y-%m")
    data = await call("scoring", "recap", actor_dict(actor), actor.employee_id, period)
    per_day: dict[str, int] = {}
    for e in data["entries"]:
        per_day[e["date"]] = per_day.get(e["date"], 0) + e["minutes"]
    return render(request, "recap.html", actor, recap=data, period=period,
                  chart=charts.bars(per_day, period))


# --- superiors -----------------------------------------------------------------------------------

@router.get("/persetujuan", response_class=HTMLResponse)
async def inbox(request: Request, actor: Actor = Depends(page_actor), call=Depends(rpc)):
    from ..api import inbox_page
    start = request.query_params.get("mulai", "0")
    start = int(start) if start.isdigit() and len(start) < 10 else 0
    tasks, total = await inbox_page(actor, call, INBOX_PAGE, start)
    return render(request, "inbox.html", actor, tasks=tasks, start=start, page=INBOX_PAGE,
                  total=total, message=request.query_params.get("pesan"))


@router.post("/persetujuan", dependencies=[Depends(same_origin)])
async def decide(request: Request, actor: Actor = Depends(page_actor), call=Depends(rpc)):
    form = await request.form()
    action = form.get("action", "")
    if action == "bulk":
        ids = [int(i) for i in form.getlist("task_id")]
        if ids:
            await call("approval", "decide_many", actor_dict(actor), {"task_ids": ids})
        return back("/persetujuan", "ok")
    decision, task_id = action.split(":")
    body = {"decision": decision}
    if decision != "approve":
        body["reason"] = form.get(f"reason_{task_id}") or None
    await call("approval", "decide", actor_dict(actor), int(task_id), body)
    return back("/persetujuan", "ok")


@router.get("/tim", response_class=HTMLResponse)
async def team(request: Request, actor: Actor = Depends(page_actor), call=Depends(rpc)):
    today = config.today()
    members = await call("reporting", "subordinates", actor_dict(actor))
    waiting = {r["employee_id"]: r for r in await call("approval", "supervisor_dashboard",
                                                        actor_dict(actor))}
    rows = []
    for m in members:
        reports = await call("reporting", "list_reports", actor_dict(actor),
                             today.strftime("%Y-%m"), m["employee_id"])
        rows.append({**m, "reported_today": any(r["date"] == today.isoformat() for r in reports),
                     **{k: waiting.get(m["employee_id"], {}).get(k, 0)
                        for k in ("pending", "oldest_working_days")}})
    return render(request, "team.html", actor, rows=rows)


# --- review team -----------------------------------------------------------------------------------

@router.get("/keberatan", response_class=HTMLResponse)
async def disputes(request: Request, actor: Actor = Depends(page_actor), call=Depends(rpc)):
    queue = await call("approval", "disputes", actor_dict(actor), "open")
    for d in queue:
        evidence_id = d["task"]["report"].get("evidence_id")
        d["evidence_url"] = None
        if evidence_id:
            try:
                d["evidence_url"] = (await call("evidence", "view", actor_dict(actor), evidence_id))["url"]
            except RemoteError:
                pass
    return render(request, "disputes.html", actor, disputes=queue,
                  message=request.query_params.get("pesan"))


@router.post("/keberatan/{dispute_id}", dependencies=[Depends(same_origin)])
async def decide_dispute(dispute_id: int, decision: str = Form(...), reason: str = Form(""),
                         actor: Actor = Depends(page_actor), call=Depends(rpc)):
    await call("approval", "decide_dispute", actor_dict(actor), dispute_id,
               {"decision": decision, "reason": reason})
    return back("/keberatan", "ok")


# --- admin and finance --------------------------------------------------------------------------------

@router.get("/admin", response_class=HTMLResponse)
async def admin(request: Request, actor: Actor = Depends(page_actor), call=Depends(rpc)):
    catalogue = await call("reporting", "list_catalogue")
    today = config.today()
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return render(request, "admin.html", actor, catalogue=catalogue, last_month=last_month)


def install(app) -> None:
    from fastapi.staticfiles import StaticFiles
    app.mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), "static")
    app.include_router(router)

    @app.exception_handler(LoginRequired)
    async def _login(_request, _exc):
        return RedirectResponse("/masuk", status_code=303)
