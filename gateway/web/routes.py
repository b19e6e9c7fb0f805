"""The pages: server-rendered with Jinja2, a little plain JavaScript for the photo
upload and progress bars. Forms post back here (same origin, SameSite cookie)."""
import datetime as dt
import hashlib
import json
import re
import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from ekinerja_contract import clock, config
from ekinerja_contract.errors import InvalidInput, ServiceError
from ekinerja_contract.schemas import MAX_ID, Actor

from .. import messages
from ..api import Svc, clients, rpc
from ..auth import COOKIE, DEVICE_COOKIE, authenticate, decode, device_token, forget_version, issue_token
from ..errors import ApiError, Problem
from . import charts, formatting
from .flash import COOKIE as FLASH_COOKIE
from .flash import set_flash, take_flash
from .i18n import js_strings, t

INBOX_PAGE = 50  # tasks on one page of the approval list
BELL_TIMEOUT = 1.0  # seconds: a page never waits longer than this for the bell's count

templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.globals["t"] = t
templates.env.globals["js_strings"] = js_strings
templates.env.globals["city_zone"] = clock.zone().key  # the report form's "today" on a phone
formatting.install(templates.env)
router = APIRouter(include_in_schema=False)
PageId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
PERIOD = r"^\d{4}-(0[1-9]|1[0-2])$"
PeriodQuery = Query(pattern=PERIOD)
ADMINS = ("city_admin", "agency_admin", "finance")


class LoginRequired(Exception):
    pass


async def page_actor(request: Request) -> Actor:
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired()
    try:
        actor = await authenticate(token, request)
    except ApiError:
        raise LoginRequired() from None
    if request.method == "GET" and actor.employee_id is not None:
        request.state.unread = await _unread(request, actor)
    return actor


async def _unread(request: Request, actor: Actor) -> int | None:
    """The bell's count for the menu; without the notifications service the page still
    opens, with a bell and no count."""
    try:
        return await clients(request, BELL_TIMEOUT).notifications.unread_count(actor)
    except Exception:  # noqa: BLE001  (the count is decoration: any failure leaves it out)
        return None


def page_role(*roles: str):
    """A page only these roles use: anyone else gets the 403 page (and no menu entry)."""
    async def check(actor: Actor = Depends(page_actor)) -> Actor:
        if not actor.has(*roles):
            raise ApiError(403, "forbidden", f"this page needs one of the roles: {', '.join(roles)}")
        return actor
    return check


async def same_origin(request: Request) -> None:
    """Forms only from our own pages (with the SameSite cookie this stops CSRF)."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    host = request.headers.get("host", "")
    if origin and origin.split("://", 1)[-1].split("/", 1)[0] != host:
        raise ApiError(403, "csrf", "form from another site")


def render(request, name, actor=None, status_code=200, **ctx):
    flash = take_flash(request, request.app.state.settings.jwt_secret)
    response = templates.TemplateResponse(request, name, {"actor": actor, "flash": flash,
                                                          "unread": getattr(request.state, "unread", None),
                                                          **ctx},
                                          status_code=status_code)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def back(request: Request, url: str, text: str, kind: str = "ok", details=None):
    """Redirect after a form, with a one-time message (signed cookie, see flash.py)."""
    return set_flash(RedirectResponse(url, status_code=303), request.app.state.settings.jwt_secret,
                     kind, text, details)


def _referer_path(request: Request) -> str | None:
    """The page a form came from, if it is one of ours."""
    referer = request.headers.get("referer") or ""
    host = request.headers.get("host", "")
    rest = referer.split("://", 1)[-1]
    if not referer or rest.split("/", 1)[0] != host:
        return None
    path = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return path if path.startswith("/") and not path.startswith("//") else None


async def error_page(request: Request, problem: Problem):
    """Every failure on a page: a form's refusal goes back to the form with the reason
    in Indonesian; anything else is a page in the site's layout with a way back."""
    if problem.status == 401:
        return RedirectResponse("/masuk", status_code=303)
    origin = _referer_path(request)
    if request.method == "POST" and 400 <= problem.status < 500 and origin \
            and problem.status != 403:
        return back(request, origin, problem.display_message, "error", problem.display_details)
    actor = None
    token = request.cookies.get(COOKIE)
    if token:
        try:
            actor = decode(token, request)  # only for the menu: no call, no new failure
        except ApiError:
            actor = None
    title = {403: "error_403", 404: "error_404", 409: "error_409", 422: "error_422",
             429: "error_429", 503: "error_503", 504: "error_503"}.get(problem.status, "error_5xx")
    response = render(request, "error.html", actor, status_code=problem.status,
                      title_key=title, text=problem.display_message,
                      details=problem.display_details, back_to=origin or "/")
    for name, value in (problem.headers or {}).items():
        response.headers[name] = value
    return response


# --- login ------------------------------------------------------------------------------

@router.get("/masuk", response_class=HTMLResponse)
async def login_page(request: Request):
    return render(request, "login.html")


@router.post("/masuk", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
async def login(request: Request, username: str = Form(...), password: str = Form(...),
                svc: Svc = Depends(rpc)):
    from ..api import check_login
    try:
        account = await check_login(request, svc, username, password)
    except ApiError as err:
        return render(request, "login.html", status_code=err.status,
                      error=messages.display(err.code, err.params))
    settings = request.app.state.settings
    response = RedirectResponse("/", status_code=303)
    secure = request.url.scheme == "https"
    response.set_cookie(COOKIE, issue_token(account, settings.jwt_secret, settings.token_ttl_minutes),
                        httponly=True, samesite="strict", max_age=settings.token_ttl_minutes * 60,
                        secure=secure)
    # This browser is the owner's: failed attempts by others do not hold it back.
    response.set_cookie(DEVICE_COOKIE, device_token(settings.jwt_secret, username),
                        httponly=True, samesite="strict", max_age=365 * 24 * 3600, secure=secure)
    return response


@router.get("/keluar")
async def logout(request: Request, svc: Svc = Depends(rpc)):
    """Log out: the session ends on the server too (every token of the account)."""
    token = request.cookies.get(COOKIE)
    if token:
        try:
            actor = await authenticate(token, request)
            await svc.reporting.revoke_tokens(actor)
            forget_version(request, actor.account_id)
        except (ApiError, ServiceError):
            pass  # already ended: nothing to revoke
    response = RedirectResponse("/masuk", status_code=303)
    response.delete_cookie(COOKIE)
    return response


# --- offline ------------------------------------------------------------------------------

WEB = Path(__file__).parent
# What the offline page is made of: a change to any of them is a new worker version,
# which caches the page afresh.
OFFLINE_PARTS = ("sw.js", "static/app.css", "static/app.js", "templates/base.html",
                 "templates/error.html", "i18n.py")


@router.get("/offline", response_class=HTMLResponse)
async def offline_page(request: Request):
    """The page the service worker keeps for when there is no network: the same for
    everyone (no menu, no name, no flash message taken), so caching it keeps nothing
    of anyone's."""
    response = templates.TemplateResponse(request, "error.html", {
        "actor": None, "flash": None, "title_key": "error_offline",
        "text": messages.display("offline"), "hint": t("offline_hint"), "retry": True,
        "back_to": "/", "offline_form": True})
    response.headers["Cache-Control"] = "no-cache"
    return response


def service_worker():
    """/sw.js: at the root, so its scope is every page (Service-Worker-Allowed says so
    too); never cached by HTTP, so a new version is found on the next visit."""
    parts = b"".join((WEB / name).read_bytes() for name in OFFLINE_PARTS)
    script = (WEB / "sw.js").read_text().replace(
        "__VERSION__", hashlib.sha256(parts).hexdigest()[:12])

    async def serve() -> Response:
        return Response(script, media_type="text/javascript", headers={
            "Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})
    return serve


# --- staff ----------------------------------------------------------------------------------

@router.get("/", response_class=HTMLResponse)
async def home(request: Request, actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    today = config.today()
    month, attention = [], []
    if actor.employee_id:
        # This month and the last: a rejection from the 30th must not vanish on the 1st.
        for period in (charts.shift_period(today.strftime("%Y-%m"), -1), today.strftime("%Y-%m")):
            month = await svc.reporting.list_reports(actor, period)
            attention += [r for r in month if r["state"] in ("rejected", "revision_requested")]
    reports = [r for r in month if r["date"] == today.isoformat()]
    return render(request, "home.html", actor, reports=reports, today=today, attention=attention)


async def _form_choices(svc, actor: Actor, year: int):
    try:
        skp = await svc.reporting.get_skp(actor, actor.employee_id, year)
        items = skp["items"] if skp["state"] == "approved" else []
    except ServiceError:  # no SKP yet: the form says so instead of failing
        items = []
    catalogue = await svc.reporting.list_catalogue()
    meetings = await svc.reporting.my_meetings(actor)
    return items, catalogue, meetings


@router.get("/laporan/baru", response_class=HTMLResponse)
async def new_report(request: Request, rapat: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
                     actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    today = config.today()
    items, catalogue, meetings = await _form_choices(svc, actor, today.year)
    chosen = next((m for m in meetings if m["id"] == rapat), None)
    # a claim from the meeting's page: the meeting, its activity and time, and the role
    # the organiser named (or participant) are filled in
    preset = None
    if chosen is not None:
        role = (chosen.get("roles") or {}).get(str(actor.employee_id), "participant")
        preset = {"meeting_id": chosen["id"], "activity_code": chosen["activity_code"],
                  "date": chosen["date"], "start": chosen["start"], "end": chosen["end"],
                  "role": role, "description": chosen["title"]}
    return render(request, "report_form.html", actor, items=items, catalogue=catalogue,
                  meetings=meetings, report=preset, today=today)


# --- meetings --------------------------------------------------------------------------------

MEETING_ROLES = ("chair", "speaker", "note_taker")


@router.get("/rapat", response_class=HTMLResponse)
async def meetings_page(request: Request, actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    """My meetings, and a form to create one with the people expected and their roles."""
    if not actor.employee_id:
        raise ApiError(403, "employees_only", "only employees organise meetings")
    mine = await svc.reporting.my_meetings(actor)
    catalogue = [a for a in await svc.reporting.list_catalogue() if a.get("role_weights")]
    people = [p for p in await svc.reporting.colleagues(actor)
              if p["employee_id"] != actor.employee_id]
    return render(request, "meetings.html", actor, meetings=mine, catalogue=catalogue,
                  people=people, roles=MEETING_ROLES, today=config.today())


def _named_roles(form) -> dict[int, str]:
    roles = {}
    for key, value in form.multi_items():
        if key.startswith("role_") and value in MEETING_ROLES:
            employee = form_id(key[5:])
            if employee is not None:
                roles[employee] = value
    return roles


@router.post("/rapat", dependencies=[Depends(same_origin)])
async def create_meeting(request: Request, actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    form = await request.form()
    expected = [i for i in (form_id(v) for v in form.getlist("expected")) if i is not None]
    roles = _named_roles(form)
    # an account without an employee is refused by the service (meeting_employees_only)
    if actor.employee_id is not None and str(form.get("my_role") or "") in MEETING_ROLES:
        roles[actor.employee_id] = str(form.get("my_role"))
    body = {k: str(form.get(k) or "") for k in ("activity_code", "title", "place", "date",
                                                  "start", "end")}
    meeting = await svc.reporting.create_meeting(actor,
                                                 {**body, "expected": expected, "roles": roles})
    return back(request, f"/rapat/{meeting['id']}", t("flash_meeting_created"))


@router.get("/rapat/{meeting_id}", response_class=HTMLResponse)
async def meeting_page(request: Request, meeting_id: PageId, actor: Actor = Depends(page_actor),
                       svc: Svc = Depends(rpc)):
    mine = {m["id"]: m for m in await svc.reporting.my_meetings(actor)}
    if meeting_id in mine and mine[meeting_id]["organiser_id"] != actor.employee_id:
        meeting, claims = mine[meeting_id], []  # invited: the meeting and a way to claim it
    else:  # the organiser, an approver of a claim, a claimant (NotFound for anyone else)
        meeting = await svc.reporting.meeting_roles(actor, meeting_id)
        claims = meeting["claims"]
    people = {p["employee_id"]: p["name"]
              for p in await svc.reporting.colleagues(actor)}
    invited = actor.employee_id in meeting["expected"]
    organiser = meeting["organiser_id"] == actor.employee_id
    claim = await _claim_form(svc, actor, meeting) if (invited or organiser) else None
    return render(request, "meeting.html", actor, meeting=meeting, claims=claims, people=people,
                  organiser=organiser, roles=MEETING_ROLES, invited=invited, claim=claim,
                  invitees=[meeting["organiser_id"]] + [e for e in meeting["expected"]
                                                         if e != meeting["organiser_id"]],
                  my_role=(meeting.get("roles") or {}).get(str(actor.employee_id)))


async def _claim_form(svc, actor: Actor, meeting: dict) -> dict:
    """What the one-tap claim needs: my claim if I made one already; else the role the
    organiser named me for (or participant), the meeting's activity (does it want a
    photo?), my approved SKP items with the one I last claimed a meeting under first."""
    reports = await svc.reporting.list_reports(actor, meeting["date"][:7])
    mine = [r for r in reports if r.get("meeting_id") == meeting["id"] and r["state"] in LIVE]
    activity = next((a for a in await svc.reporting.list_catalogue(meeting["date"])
                     if a["code"] == meeting["activity_code"]), None)
    try:
        skp = await svc.reporting.get_skp(actor, actor.employee_id,
                                          int(meeting["date"][:4]))
        items = skp["items"] if skp["state"] == "approved" else []
    except ServiceError:  # no SKP yet: the page says so
        items = []
    last = next((r["skp_item_id"] for r in sorted(reports, key=lambda r: (r["date"], r["start"]),
                                                    reverse=True) if r.get("meeting_id")), None)
    return {"report": mine[0] if mine else None, "items": items,
            "chosen": last if any(i["id"] == last for i in items) else None,
            "role": (meeting.get("roles") or {}).get(str(actor.employee_id), "participant"),
            "activity": activity, "evidence": bool(activity and activity["evidence_required"]),
            "future": meeting["date"] > config.today().isoformat(), "key": uuid.uuid4().hex}


LIVE = ("draft", "submitted", "approved", "revision_requested", "disputed")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@router.post("/rapat/{meeting_id}/klaim", dependencies=[Depends(same_origin)])
async def claim_meeting(request: Request, meeting_id: PageId, actor: Actor = Depends(page_actor),
                        svc: Svc = Depends(rpc)):
    """One tap: the report of my attendance, with the meeting's activity, date and time,
    the role the organiser named me for (else participant) and, where the activity
    wants evidence, the photo taken in the same form. A chair, speaker or note-taker
    the organiser did not name claims through the full form (and is refused there)."""
    meeting = next((m for m in await svc.reporting.my_meetings(actor)
                    if m["id"] == meeting_id), None)
    if meeting is None:
        raise ApiError(404, "meeting_not_found", f"meeting {meeting_id} not found")
    form = await request.form()
    body: dict[str, Any] = {
        "skp_item_id": form_id(form.get("skp_item_id")), "meeting_id": meeting_id,
        "activity_code": meeting["activity_code"], "description": meeting["title"],
        "role": (meeting.get("roles") or {}).get(str(actor.employee_id), "participant")}
    evidence = str(form.get("evidence_id") or "")
    if UUID.match(evidence):
        body["evidence_id"] = evidence
    key = str(form.get("claim_key") or "")  # a second tap on the same form files nothing new
    report = await svc.reporting.submit_report(actor, body,
                                               "claim-" + key if re.fullmatch(r"[0-9a-f]{32}", key) else None)
    return back(request, f"/laporan/{report['id']}", t("flash_claimed"))


@router.post("/rapat/{meeting_id}/peran", dependencies=[Depends(same_origin)])
async def confirm_roles(request: Request, meeting_id: PageId, actor: Actor = Depends(page_actor),
                        svc: Svc = Depends(rpc)):
    form = await request.form()
    await svc.reporting.confirm_meeting_roles(actor, meeting_id,
                                              {"roles": _named_roles(form)})
    return back(request, f"/rapat/{meeting_id}", t("flash_roles_confirmed"))


@router.get("/laporan/{report_id}", response_class=HTMLResponse)
async def report_detail(request: Request, report_id: PageId, actor: Actor = Depends(page_actor),
                        svc: Svc = Depends(rpc)):
    report = await svc.reporting.get_report(actor, report_id)
    items, catalogue, meetings = [], [], []
    if report["state"] in ("draft", "revision_requested"):
        items, catalogue, meetings = await _form_choices(svc, actor, int(report["date"][:4]))
    window = {"task_id": None, "last_day": None}
    if report["state"] == "rejected":
        window = await svc.approval.objection_window(actor, report_id)
    can_object = window["last_day"] is not None and config.today().isoformat() <= window["last_day"]
    just = {"kirim": t("sent"), "draf": t("draft_saved"),
            "ubah": t("revised_saved")}.get(request.query_params.get("baru", ""))
    return render(request, "report_detail.html", actor, report=report, items=items,
                  catalogue=catalogue, meetings=meetings, today=config.today(), just=just,
                  task_id=window["task_id"] if can_object else None,
                  dispute_last_day=window["last_day"])


REPORT_ACTIONS = {"tarik": ("withdraw_report", "flash_withdrawn"),
                  "kirim-ulang": ("resubmit_report", "flash_resubmitted"),
                  "kirim": ("submit_draft", "flash_submitted"),
                  "hapus": ("withdraw_report", "flash_draft_deleted")}


@router.post("/laporan/{report_id}/{action}", dependencies=[Depends(same_origin)])
async def report_action(request: Request, report_id: PageId,
                        action: Literal["tarik", "kirim-ulang", "kirim", "hapus", "keberatan"],
                        reason: Annotated[str, Form(max_length=2000)] = "",
                        task_id: Annotated[int, Form(ge=0, le=MAX_ID)] = 0,
                        actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    if action == "keberatan":
        await svc.approval.file_dispute(actor, task_id, {"reason": reason})
        return back(request, f"/laporan/{report_id}", t("flash_disputed"))
    method, done = REPORT_ACTIONS[action]
    report = await getattr(svc.reporting, method)(actor, report_id)  # a Reporting method
    if action == "hapus":
        return back(request, f"/riwayat?periode={report['date'][:7]}", t(done))
    return back(request, f"/laporan/{report_id}", t(done))


STATE_FILTERS = ("draft", "submitted", "approved", "rejected", "revision_requested", "disputed",
                 "dismissed", "withdrawn", "revoked")


@router.get("/riwayat", response_class=HTMLResponse)
async def history(request: Request, periode: Annotated[str | None, PeriodQuery] = None,
                  status: Annotated[str | None, Query(max_length=30)] = None,
                  actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    """A month of the staff member's days: reports per day, counted minutes against the
    daily cap, a filter by state; each day links to its reports."""
    if not actor.employee_id:
        raise ApiError(403, "employees_only", "only employees report")
    status = status if status in STATE_FILTERS else None  # "" is "every state"
    today = config.today()
    period = periode or today.strftime("%Y-%m")
    reports = await svc.reporting.list_reports(actor, period)
    numbers = await svc.reporting.rule_set_on(today.isoformat(), actor.agency_id)
    days = charts.month_days(period, today)
    by_day: dict[str, list] = {d["date"]: [] for d in days}
    for r in reports:
        if status is None or r["state"] == status:
            by_day.setdefault(r["date"], []).append(r)
    for d in days:
        d["reports"] = sorted(by_day.get(d["date"], []), key=lambda r: r["start"])
        d["counted"] = sum(r["counted_minutes"] for r in reports if r["date"] == d["date"])
    attention = [r for r in reports if r["state"] in ("rejected", "revision_requested")]
    return render(request, "history.html", actor, period=period, days=days, status=status,
                  states=STATE_FILTERS, cap=numbers["daily_cap_minutes"], attention=attention,
                  previous=charts.shift_period(period, -1), following=charts.shift_period(period, 1)
                  if period < today.strftime("%Y-%m") else None)


@router.get("/rekap", response_class=HTMLResponse)
async def recap(request: Request, periode: Annotated[str | None, PeriodQuery] = None,
                actor: Actor = Depends(page_actor),
                svc: Svc = Depends(rpc)):
    period = periode or config.today().strftime("%Y-%m")
    if not actor.employee_id:
        raise ApiError(403, "employees_only", "only employees have a recap")
    data = await svc.scoring.recap(actor, actor.employee_id, period)
    names = {a["code"]: a["name"] for a in await svc.reporting.list_catalogue()}
    per_day: dict[str, int] = {}
    for e in data["entries"]:
        per_day[e["date"]] = per_day.get(e["date"], 0) + e["minutes"]
        e["label"] = names.get(e.get("activity_code") or "", t("entry_" + e.get("kind", "")))
    objections = await svc.scoring.pay_objections(actor, None)
    return render(request, "recap.html", actor, recap=data, period=period,
                  chart=charts.bars(per_day, period), objections=objections)


@router.post("/rekap/keberatan", dependencies=[Depends(same_origin)])
async def file_pay_objection(request: Request, periode: Annotated[str, Form(pattern=PERIOD)],
                             step: Annotated[str, Form(max_length=20)],
                             reason: Annotated[str, Form(max_length=2000)] = "",
                             actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    await svc.scoring.file_pay_objection(actor, {"period": periode, "step": step, "reason": reason})
    return back(request, f"/rekap?periode={periode}", t("flash_pay_objection_filed"))


# --- SKP ---------------------------------------------------------------------------------------

SKP_ROWS = 6  # item rows on the page; more items than that are kept and shown too
SKP_INDICATORS = 10  # indicators per item: the most the contract's SkpItemIn takes
INDICATOR_FIELDS = ("name", "quantity", "unit")  # on the page, each with its label
INDICATOR_KEPT = ("quality", "months")  # targets the page does not show: kept as they were
INDICATOR_KEY = re.compile(r"^item_([0-9]{1,2})_ind_([0-9]{1,2})_(?:name|quantity|unit)$")
YearQuery = Query(ge=2000, le=2100)


def _skp_rows(items: list[dict]) -> list[dict]:
    """The page's rows from an SKP's items: item n, its indicators numbered m."""
    return [{"n": n, "kind": item["kind"], "title": item["title"],
             "parent_item_id": item.get("parent_item_id"),
             "indicators": [{"m": m, **{k: str(v) for k, v in ind.items()}}
                            for m, ind in enumerate(item.get("indicators") or [])]}
            for n, item in enumerate(items)]


def _skp_rows_from(form) -> list[dict]:
    """The rows as posted: every item row n, with the indicators m it still has (one
    ticked "remove", or left empty, is dropped)."""
    numbers: dict[int, set[int]] = {}
    for key in form.keys():
        if (found := INDICATOR_KEY.match(key)) is not None:
            numbers.setdefault(int(found.group(1)), set()).add(int(found.group(2)))
    rows = []
    for n in range(50):
        if f"item_{n}_kind" not in form:
            break
        indicators = []
        for m in sorted(numbers.get(n, ())):
            base = f"item_{n}_ind_{m}_"
            ind = {f: str(form.get(base + f) or "").strip() for f in INDICATOR_FIELDS}
            ind["quantity"] = _indonesian_number(ind["quantity"])
            if form.get(base + "remove") or not any(ind.values()):
                continue
            kept = {k: str(v) for k in INDICATOR_KEPT if (v := form_id(form.get(base + k)))}
            indicators.append({"m": m, **ind, **kept})
        rows.append({"n": n, "kind": str(form.get(f"item_{n}_kind")),
                     "title": str(form.get(f"item_{n}_title") or "").strip(),
                     "parent_item_id": form_id(form.get(f"item_{n}_parent")),
                     "indicators": indicators})
    return rows


def _indonesian_number(text: str) -> str:
    """A target as Indonesians write it (1.250 is a thousand two hundred and fifty,
    2,5 two and a half) in the contract's form; anything else as it was typed."""
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?|[0-9]+,[0-9]+", text):
        return text.replace(".", "").replace(",", ".")
    return text


def _skp_items(rows: list[dict]) -> list[dict]:
    """What the service gets: the rows with a title (an empty one is left out)."""
    items = []
    for row in rows:
        if not row["title"]:
            continue
        item: dict[str, Any] = {"kind": row["kind"], "title": row["title"], "indicators": [
            {k: v for k, v in ind.items() if k != "m"} for ind in row["indicators"]]}
        if row["parent_item_id"] is not None:
            item["parent_item_id"] = row["parent_item_id"]
        items.append(item)
    return items


SKP_FIELD_LABELS = {"title": "skp_title", "kind": "skp_kind", "parent": "skp_parent",
                    "indicators": "skp_indicators", "name": "skp_indicator_name",
                    "quantity": "skp_target", "unit": "skp_unit"}


def _skp_errors(rows: list[dict], details: list) -> tuple[dict[str, str], list[dict]]:
    """The service's reasons on the fields they are about: {field id: reason}, and a
    summary [{id, text}] that names the item, the indicator and the field."""
    sent = [row for row in rows if row["title"]]
    by_field: dict[str, str] = {}
    summary: list[dict] = []
    for detail in details:
        if not isinstance(detail, dict):
            continue
        path = [p for p in str(detail.get("field") or "").split(".") if p]
        if isinstance(detail.get("row"), int):  # the rules number items from 1
            path = ["items", str(detail["row"] - 1), *path]
        if len(path) < 2 or path[0] != "items" or not path[1].isdigit() \
                or int(path[1]) >= len(sent):
            summary.append({"id": "skp_form", "text": messages.reason_text(detail)
                            or messages.REASONS["invalid"]})
            continue
        row, rest = sent[int(path[1])], path[2:]
        n, where = row["n"], [f"{t('skp_item_n')} {rows.index(row) + 1}"]
        code = detail.get("code") or "invalid"
        if rest[:1] == ["indicators"] and len(rest) >= 2 and rest[1].isdigit() \
                and int(rest[1]) < len(row["indicators"]):
            position = int(rest[1])
            ind = row["indicators"][position]
            field = rest[2] if len(rest) > 2 and rest[2] in INDICATOR_FIELDS else "name"
            target, empty = f"item_{n}_ind_{ind['m']}_{field}", not ind.get(field)
            where.append(f"{t('skp_indicator')} {position + 1}")
        elif rest[:1] == ["indicators"]:
            field, target, empty = "indicators", f"item_{n}_indicators", False
            if code == "too_short":
                code = "skp_indicator_required"
        else:
            field = {"parent_item_id": "parent", "kind": "kind"}.get(rest[0] if rest else "",
                                                                     "title")
            target, empty = f"item_{n}_{field}", False
        reason = messages.REASONS["missing"] if empty else \
            messages.reason_only({**detail, "code": code}) or messages.REASONS["invalid"]
        if target not in by_field:
            by_field[target] = reason
            where.append(t(SKP_FIELD_LABELS[field]))
            summary.append({"id": target, "text": f"{', '.join(where)}: {reason}"})
    return by_field, summary


async def _skp_page(request: Request, actor: Actor, svc, year: int, rows=None, errors=None,
                    summary=None, refusal: InvalidInput | None = None, status_code=200):
    try:
        mine = await svc.reporting.get_skp(actor, actor.employee_id, year)
    except ServiceError:
        mine = {"state": None, "items": [], "note": None}
    editable = mine["state"] in (None, "draft", "returned")
    if refusal is not None and not editable:
        raise refusal  # no form to show it in: the error page
    parents = await svc.reporting.superior_skp_items(actor, year)
    if rows is None:
        rows = _skp_rows(mine["items"])
        rows += [{"n": n, "kind": "main", "title": "", "parent_item_id": None, "indicators": []}
                 for n in range(len(rows), max(len(rows) + 1, SKP_ROWS))]
    return render(request, "skp.html", actor, status_code=status_code, skp=mine, year=year,
                  rows=rows, parents=parents, errors=errors or {}, summary=summary or [],
                  problem=refusal and messages.display(refusal.code, refusal.params),
                  max_indicators=SKP_INDICATORS, editable=editable)


@router.get("/skp", response_class=HTMLResponse)
async def skp_page(request: Request, tahun: Annotated[int | None, YearQuery] = None,
                   actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    """Draw up the year's SKP: items cascading from the superior's, each with its
    indicators and their targets, a creative item; save, submit; see the superior's
    note if returned."""
    if not actor.employee_id:
        raise ApiError(403, "employees_only", "only employees have an SKP")
    return await _skp_page(request, actor, svc, tahun or config.today().year)


@router.post("/skp", dependencies=[Depends(same_origin)])
async def save_skp(request: Request, actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    """Save (and submit) the SKP. Refused items come back as the page with what was
    typed still in it and each reason beside its field."""
    if not actor.employee_id:
        raise ApiError(403, "employees_only", "only employees have an SKP")
    form = await request.form()
    year = form_id(form.get("year")) or config.today().year
    if not 2000 <= year <= 2100:
        raise ApiError(422, "invalid_input", "the year is out of range", [
            {"field": "year", "code": "less_than_equal" if year > 2100 else "greater_than_equal",
             "params": {"le": "2100", "ge": "2000"}}])
    rows = _skp_rows_from(form)
    try:
        await svc.reporting.save_skp(actor,
                                     {"year": year, "items": _skp_items(rows)})
    except InvalidInput as err:
        errors, summary = _skp_errors(rows, err.details)
        return await _skp_page(request, actor, svc, year, rows, errors, summary, err,
                               status_code=422)
    if form.get("action") == "submit":
        await svc.reporting.submit_skp(actor, year)
        return back(request, f"/skp?tahun={year}", t("flash_skp_submitted"))
    return back(request, f"/skp?tahun={year}", t("flash_skp_saved"))


@router.get("/skp/tim", response_class=HTMLResponse)
async def team_skps(request: Request, tahun: Annotated[int | None, YearQuery] = None,
                    actor: Actor = Depends(page_role("supervisor")), svc: Svc = Depends(rpc)):
    year = tahun or config.today().year
    rows = []
    for m in await svc.reporting.subordinates(actor):
        try:
            state = (await svc.reporting.get_skp(actor, m["employee_id"],
                                                 year))["state"]
        except ServiceError:
            state = None
        rows.append({**m, "state": state})
    return render(request, "skp_team.html", actor, rows=rows, year=year)


@router.get("/skp/{employee_id}/{year}", response_class=HTMLResponse)
async def skp_of(request: Request, employee_id: PageId,
                 year: Annotated[int, PathParam(ge=2000, le=2100)],
                 actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    found = await svc.reporting.get_skp(actor, employee_id, year)
    names = {m["employee_id"]: m["name"]
             for m in await svc.reporting.subordinates(actor)}
    return render(request, "skp_review.html", actor, skp=found, year=year,
                  person_name=names.get(employee_id, ""))


@router.post("/skp/{employee_id}/{year}", dependencies=[Depends(same_origin)])
async def decide_skp(request: Request, employee_id: PageId,
                     year: Annotated[int, PathParam(ge=2000, le=2100)],
                     decision: Annotated[Literal["approve", "return"], Form()],
                     note: Annotated[str, Form(max_length=1000)] = "",
                     actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    await svc.reporting.decide_skp(actor, employee_id, year,
                                   {"decision": decision, "note": note or None})
    return back(request, f"/skp/tim?tahun={year}", t("flash_skp_" + decision))


# --- superiors -----------------------------------------------------------------------------------

SUPERVISOR = page_role("supervisor")


@router.get("/persetujuan", response_class=HTMLResponse)
async def inbox(request: Request, actor: Actor = Depends(SUPERVISOR), svc: Svc = Depends(rpc)):
    from ..api import inbox_page
    asked = request.query_params.get("mulai", "0")
    start = int(asked) if asked.isascii() and asked.isdigit() and len(asked) < 10 else 0
    tasks, total = await inbox_page(actor, svc, INBOX_PAGE, start)
    people = sorted({t["report"]["employee_name"] for t in tasks})
    person = request.query_params.get("pegawai") or None
    day = request.query_params.get("tanggal") or None
    shown = [t for t in tasks if (person is None or t["report"]["employee_name"] == person)
             and (day is None or t["report"]["date"] == day)]
    # a meeting claim is judged against the whole meeting: who claimed which role
    roles = {}
    for meeting_id in {task["report"].get("meeting_id") for task in shown} - {None}:
        try:
            roles[meeting_id] = (await svc.reporting.meeting_roles(actor,
                                                                   meeting_id))["claims"]
        except ServiceError:
            roles[meeting_id] = []
    return render(request, "inbox.html", actor, tasks=shown, start=start, page=INBOX_PAGE,
                  total=total, people=people, person=person, day=day,
                  presets=REASON_PRESETS, meeting_roles=roles)


DECISIONS = ("approve", "reject", "request_revision")
REASON_PRESETS = ("Bukti tidak sesuai dengan kegiatan", "Bukti tidak terbaca",
                  "Waktu tidak sesuai", "Kegiatan bukan tugas pokok jabatan",
                  "Uraian pekerjaan kurang jelas", "Laporan ganda")


def form_id(text) -> int | None:
    """An id from a form field or query, or None (str.isdigit alone accepts "²")."""
    text = str(text or "")
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        return None
    return int(text) if 1 <= int(text) <= MAX_ID else None


@router.post("/persetujuan", dependencies=[Depends(same_origin)])
async def decide(request: Request, actor: Actor = Depends(SUPERVISOR), svc: Svc = Depends(rpc)):
    form = await request.form()
    action = str(form.get("action", ""))
    if action == "bulk":
        return await _decide_selected(request, form, actor, svc)
    decision, _, raw_id = action.partition(":")
    task_id = form_id(raw_id)
    if decision not in DECISIONS or task_id is None:
        raise ApiError(422, "invalid_input", "unknown action")
    await svc.approval.decide(actor, task_id,
                              _decision_body(form, decision, task_id))
    return back(request, "/persetujuan", t("flash_" + decision))


def _decision_body(form, decision: str, task_id: int) -> dict:
    """The decision with the version this page showed and the reason (preset + text)."""
    body: dict = {"decision": decision}
    version = form_id(form.get(f"version_{task_id}"))
    if version is not None:
        body["version"] = version
    if decision != "approve":
        preset = str(form.get(f"preset_{task_id}") or "").strip()
        free = str(form.get(f"reason_{task_id}") or "").strip()
        body["reason"] = " — ".join(p for p in (preset, free) if p) or None
    return body


async def _decide_selected(request: Request, form, actor: Actor, svc):
    """Approve the ticked tasks; say how many were decided and why each other was not."""
    ids = [i for i in (form_id(v) for v in form.getlist("task_id")) if i is not None]
    if not ids:
        return back(request, "/persetujuan", t("bulk_none_selected"), "error")
    versions = {i: v for i in ids if (v := form_id(form.get(f"version_{i}"))) is not None}
    results = await svc.approval.decide_many(actor,
                                             {"task_ids": ids, "versions": versions})
    refused = [r for r in results if r.get("error")]
    text = t("bulk_done").format(done=len(results) - len(refused), total=len(results))
    return back(request, "/persetujuan", text, "error" if refused else "ok",
                [f"#{r['task_id']}: " + messages.display(r.get("code") or "conflict",
                                                          r.get("params"))
                 for r in refused])


@router.get("/tim", response_class=HTMLResponse)
async def team(request: Request, actor: Actor = Depends(SUPERVISOR), svc: Svc = Depends(rpc)):
    today = config.today()
    members = await svc.reporting.subordinates(actor)
    waiting = {r["employee_id"]: r for r in await svc.approval.supervisor_dashboard(actor)}
    rows = []
    for m in members:
        reports = await svc.reporting.list_reports(actor,
                                                   today.strftime("%Y-%m"), m["employee_id"])
        rows.append({**m, "reported_today": any(r["date"] == today.isoformat() for r in reports),
                     **{k: waiting.get(m["employee_id"], {}).get(k, 0)
                        for k in ("pending", "oldest_working_days")}})
    return render(request, "team.html", actor, rows=rows)


@router.get("/bukti/{evidence_id}")
async def open_evidence(evidence_id: Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$")],
                        actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    """The full photo or PDF: a link that stays valid while the page is open, because
    each click asks evidence for a fresh short-lived URL (and logs the view)."""
    viewed = await svc.evidence.view(actor, evidence_id)
    return RedirectResponse(viewed["url"], status_code=303)


@router.get("/bukti/bagikan/{token}")
async def open_shared_evidence(token: Annotated[str, PathParam(max_length=120)],
                               svc: Svc = Depends(rpc)):
    """A link in the Progres Harian export that a national reviewer opens without an
    account: evidence checks its signature and day and logs the opening. Any token it
    does not know, damaged in a copy and paste too, is the same "this link is not valid"
    page (no 422 about a path's shape for someone who only clicked)."""
    opened = await svc.evidence.open_shared(token)
    return RedirectResponse(opened["url"], status_code=303,
                            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})


# --- review team -----------------------------------------------------------------------------------

REVIEW_TEAM = page_role("review_team")


@router.get("/keberatan", response_class=HTMLResponse)
async def disputes(request: Request, actor: Actor = Depends(REVIEW_TEAM), svc: Svc = Depends(rpc)):
    queue = await svc.approval.disputes(actor, "open")
    for d in queue:
        evidence_id = d["task"]["report"].get("evidence_id")
        d["evidence_url"] = None
        if evidence_id:
            try:
                d["evidence_url"] = (await svc.evidence.view(actor, evidence_id))["url"]
            except ServiceError:  # the evidence is gone or out of scope: show the rest
                pass
    pay = await svc.scoring.pay_objections(actor, "filed")
    return render(request, "disputes.html", actor, disputes=queue, pay_objections=pay)


@router.post("/keberatan/tpp/{objection_id}", dependencies=[Depends(same_origin)])
async def decide_pay_objection(request: Request, objection_id: PageId,
                               decision: Annotated[Literal["uphold", "dismiss"], Form()],
                               reason: Annotated[str, Form(max_length=1000)] = "",
                               excuse: Annotated[list[str] | None, Form()] = None,
                               minutes: Annotated[int, Form(ge=-20000, le=20000)] = 0,
                               actor: Actor = Depends(REVIEW_TEAM), svc: Svc = Depends(rpc)):
    await svc.scoring.decide_pay_objection(actor, objection_id, {
        "upheld": decision == "uphold", "reason": reason, "excuse_dates": excuse or [],
        "minutes": minutes})
    return back(request, "/keberatan", t("flash_pay_objection_" + ("upheld" if decision == "uphold"
                                                                    else "dismissed")))


@router.post("/keberatan/{dispute_id}", dependencies=[Depends(same_origin)])
async def decide_dispute(request: Request, dispute_id: PageId,
                         decision: Annotated[Literal["uphold", "dismiss"], Form()],
                         reason: Annotated[str, Form(max_length=2000)] = "",
                         actor: Actor = Depends(REVIEW_TEAM), svc: Svc = Depends(rpc)):
    await svc.approval.decide_dispute(actor, dispute_id,
                                      {"decision": decision, "reason": reason})
    return back(request, "/keberatan", t("flash_dispute_" + decision))


# --- admin and finance --------------------------------------------------------------------------------

@router.get("/admin", response_class=HTMLResponse)
async def admin(request: Request, actor: Actor = Depends(page_role(*ADMINS)), svc: Svc = Depends(rpc)):
    today = config.today()
    versions = await svc.reporting.catalogue_versions()
    in_force = {(a["code"], a["version"]) for a in await svc.reporting.list_catalogue()}
    for v in versions:
        v["in_force"] = (v["code"], v["version"]) in in_force
        v["upcoming"] = v["effective_from"] > today.isoformat()
    last_month = charts.shift_period(today.strftime("%Y-%m"), -1)
    numbers = await svc.reporting.rule_set_on(
        today.isoformat(), None if actor.has("city_admin") else actor.agency_id)
    # a month closes after the input deadline: day N of the month after it
    year, month = (int(x) for x in charts.shift_period(last_month, 1).split("-"))
    closable_from = dt.date(year, month, min(numbers["input_deadline_day"], 28)) + \
        dt.timedelta(days=1)
    payroll = await svc.scoring.rule_set_in_force(actor.agency_id
                                                  if not actor.has("city_admin") else None, today.isoformat())
    closings = await svc.scoring.closings(actor)
    availability, windows = None, []
    if actor.has("city_admin", "agency_admin"):
        windows = await svc.reporting.grace_windows(actor)
        try:
            availability = await clients(request, 3).availability.status(actor)
        except Exception:  # noqa: BLE001  (the monitor away or slow: the page opens, saying so)
            availability = None
    return render(request, "admin.html", actor, catalogue=versions, last_month=last_month,
                  closable_from=closable_from, can_close=today >= closable_from,
                  payroll=payroll, payroll_json=json.dumps(payroll["body"], indent=2),
                  closings=closings, today=today, availability=availability, grace_windows=windows,
                  agency_names={w["agency_id"]: w["agency_name"] for w in windows if w["agency_name"]})


@router.post("/admin/masa-tambahan/{window_id}/cabut", dependencies=[Depends(same_origin)])
async def revoke_grace_window(request: Request, window_id: PageId,
                              reason: Annotated[str, Form(max_length=1000)] = "",
                              actor: Actor = Depends(page_role("city_admin", "agency_admin")),
                              svc: Svc = Depends(rpc)):
    await svc.reporting.revoke_grace_window(actor, window_id, reason)
    return back(request, "/admin#availability", "Masa tambahan dicabut; OPD-nya diberi tahu.")


def install(app) -> None:
    from fastapi.staticfiles import StaticFiles
    app.mount("/static", StaticFiles(directory=str(Path(__file__).with_name("static"))), "static")
    # an asset, not a page: beside the static files
    app.add_api_route("/sw.js", service_worker(), methods=["GET"], include_in_schema=False)
    app.include_router(router)
    from .leaders import router as leaders  # it builds on this module's render and guards
    app.include_router(leaders)
    from .sandbox import router as sandbox
    app.include_router(sandbox)
    from .integrity import router as integrity
    app.include_router(integrity)
    from .notifications import router as notifications
    app.include_router(notifications)
    from .national import router as national
    app.include_router(national)
    app.state.error_page = error_page

    @app.exception_handler(LoginRequired)
    async def _login(_request, _exc):
        return RedirectResponse("/masuk", status_code=303)
