"""The review team's integrity desk: cases riskiest first with their reasons (filters by
agency, signal, month and state, with a bar per signal), a post-audit sample of the
month's approved reports, and the two outcomes: cleared with a note (services/integrity)
or the approval revoked through the existing post-audit revocation (services/approval).
Both are recorded; nothing is penalised without a person deciding here."""
import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from ekinerja_contract import config
from ekinerja_contract.errors import InvalidInput
from ekinerja_contract.periods import period_of
from ekinerja_contract.schemas import Actor

from ..api import Svc, rpc
from . import charts
from .routes import form_id, page_role, render, same_origin

router = APIRouter(include_in_schema=False)
DESK = page_role("review_team", "city_admin")
PAGE = 25
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
STATES = {"open": "Terbuka", "cleared": "Dibersihkan", "revoked": "Dicabut", "all": "Semua"}


def _period(text) -> str | None:
    text = str(text or "")
    return text if PERIOD.match(text) else None


@router.get("/integritas", response_class=HTMLResponse)
async def desk(request: Request, actor: Actor = Depends(DESK), svc: Svc = Depends(rpc)):
    q = request.query_params
    checks = await svc.integrity.checks(actor)
    names, weights = checks["names"], checks["weights"]
    signal = q.get("sinyal") if q.get("sinyal") in names else None
    state = q.get("status") if q.get("status") in STATES else "open"
    # the desk opens on this month (a city's year of flags is not one page's work); an
    # emptied month field asks for every month
    period = _period(q.get("bulan")) if "bulan" in q else period_of(config.today())
    agency_id = form_id(q.get("instansi"))
    start = form_id(q.get("mulai")) or 0
    page = await svc.integrity.queue(actor, agency_id, signal, period, state, PAGE, start)
    sample = None
    if q.get("sampel"):
        size = form_id(q.get("jumlah")) or 20
        sample = await svc.integrity.sample(actor, period or period_of(config.today()), min(size, 200),
                                            agency_id, form_id(q.get("acak")))
    agencies = sorted({(c["agency_id"], c["agency_name"] or f"Instansi {c['agency_id']}")
                       for c in page["items"] + (sample["items"] if sample else [])}, key=lambda a: a[1])
    top = max(page["signals"].values(), default=0)
    bars = [(k, names.get(k, k), v, round(v * 100 / top) if top else 0)
            for k, v in sorted(page["signals"].items(), key=lambda kv: -kv[1])]
    chart = charts.count_bars([{"label": name, "value": count, "warn": weights.get(key, 0) >= 30}
                               for key, name, count, _ in bars], "Kasus per tanda") if bars else None
    query = urlencode({k: v for k, v in q.items() if k != "mulai"})
    return render(request, "integrity.html", actor, page=page, sample=sample, names=names,
                  signal=signal, state=state, states=STATES, period=period, agency_id=agency_id,
                  agencies=agencies, start=start, size=PAGE, bars=bars, query=query,
                  weights=weights, chart=chart,
                  this_month=period_of(config.today()))


@router.post("/integritas/bersihkan", dependencies=[Depends(same_origin)])
async def clear(request: Request, note: Annotated[str, Form(max_length=1000)] = "",
                report_id: Annotated[str, Form()] = "", employee_id: Annotated[str, Form()] = "",
                period: Annotated[str, Form()] = "", actor: Actor = Depends(DESK), svc: Svc = Depends(rpc)):
    from .routes import back
    if len(note.strip()) < 5:
        raise InvalidInput("note too short", [{"field": "note", "reason": "too short"}],
                           code="integrity_note_required")
    await svc.integrity.clear(actor, form_id(report_id), form_id(employee_id), _period(period),
                              {"note": note.strip()})
    return back(request, _return_to(request), "Tanda dibersihkan; keputusan Anda dicatat.")


@router.post("/integritas/cabut", dependencies=[Depends(same_origin)])
async def revoke(request: Request, task_id: Annotated[str, Form()] = "",
                 reason: Annotated[str, Form(max_length=1000)] = "",
                 actor: Actor = Depends(DESK), svc: Svc = Depends(rpc)):
    """The post-audit revocation, as the API's `POST /approvals/{task_id}/revoke`."""
    from .routes import back
    task = form_id(task_id)
    if task is None:
        raise InvalidInput("no task", [{"field": "task_id", "reason": "missing"}], code="invalid_input")
    if len(reason.strip()) < 10:
        raise InvalidInput("reason too short", [{"field": "reason", "reason": "too short"}],
                           code="revoke_reason_required")
    await svc.approval.revoke(actor, task, reason.strip())
    return back(request, _return_to(request),
                "Persetujuan dicabut: poinnya dibatalkan dan pegawai diberi tahu; kasus dicatat.")


def _return_to(request: Request) -> str:
    referer = request.headers.get("referer") or ""
    path = referer.split("//", 1)[-1].partition("/")[2]
    return "/" + path if path.startswith("integritas") else "/integritas"
