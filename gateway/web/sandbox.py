"""The sandbox page: a city admin tries a draft Perwali on the last closed months
(services/scoring/sandbox.py) and reads who gains, who loses and what it costs against
the pagu, as a chart and tables, and downloads the workbook for the approval file.
The draft is the rule set's JSON body, started from the rule set in force or from one
of the regional variants (ekinerja_contract/rule_variants); a wrong field is listed in
Indonesian under the form, which keeps what was typed."""
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from ekinerja_contract import config
from ekinerja_contract.errors import InvalidInput
from ekinerja_contract.rule_set import about, variant, variant_names
from ekinerja_contract.schemas import Actor

from .. import messages
from ..api import Svc, file_response, rpc
from . import charts
from .routes import page_role, render, same_origin

router = APIRouter(include_in_schema=False)
CITY_ADMIN = page_role("city_admin")
Months = Annotated[int, Form(ge=1, le=12)]


async def _start(svc: Svc, example: str | None) -> str:
    if example in variant_names():
        body = variant(example).model_dump(mode="json")
    else:
        body = (await svc.scoring.rule_set_in_force(None, config.today().isoformat()))["body"]
    return json.dumps(body, indent=2, ensure_ascii=False)


def _page(request, actor, draft: str, months: int, example: str | None = None, result=None,
          problems=None, status_code=200):
    examples = [(name, variant(name).name, about(name)) for name in variant_names()]
    chart = None
    if result and result["agencies"]:
        chart = charts.paired_bars([{"label": a["agency_code"] + " " + a["agency_name"],
                                     "old": a["old_gross"], "new": a["new_gross"],
                                     "budget": a["budget"]} for a in result["agencies"]],
                                   "TPP kotor per OPD: berlaku lawan draf")
    return render(request, "sandbox.html", actor, draft=draft, months=months, example=example,
                  examples=examples, result=result, problems=problems or [], chart=chart,
                  status_code=status_code)


def _parse(draft: str):
    try:
        return json.loads(draft), []
    except ValueError as error:
        return None, [f"JSON draf tidak dapat dibaca: baris {getattr(error, 'lineno', '?')}, "
                      f"kolom {getattr(error, 'colno', '?')}"]


def _problems(error: InvalidInput) -> list[str]:
    out = []
    for detail in error.details:
        text = messages.reason_text(detail) or messages.display(error.code, error.params)
        where = str(detail.get("field") or "")
        out.append(f"{where}: {text}" if where and where not in text else text)
    return out or [messages.display(error.code, error.params)]


@router.get("/admin/simulasi", response_class=HTMLResponse)
async def sandbox_form(request: Request, contoh: Annotated[str | None, Query(max_length=40)] = None,
                       actor: Actor = Depends(CITY_ADMIN), svc: Svc = Depends(rpc)):
    return _page(request, actor, await _start(svc, contoh), 3, contoh)


@router.post("/admin/simulasi", response_class=HTMLResponse, dependencies=[Depends(same_origin)])
async def sandbox_run(request: Request, draft: Annotated[str, Form(max_length=200_000)],
                      months: Months = 3, contoh: Annotated[str, Form(max_length=40)] = "",
                      actor: Actor = Depends(CITY_ADMIN), svc: Svc = Depends(rpc)):
    example = contoh if contoh in variant_names() else None  # what the draft was started from
    body, problems = _parse(draft)
    if problems:
        return _page(request, actor, draft, months, example, problems=problems, status_code=422)
    try:
        result = await svc.scoring.sandbox(actor, body, months)
    except InvalidInput as error:
        return _page(request, actor, draft, months, example, problems=_problems(error), status_code=422)
    return _page(request, actor, draft, months, example, result=result)


@router.post("/admin/simulasi.xlsx", dependencies=[Depends(same_origin)])
async def sandbox_xlsx(request: Request, draft: Annotated[str, Form(max_length=200_000)],
                       months: Months = 3, actor: Actor = Depends(CITY_ADMIN),
                       svc: Svc = Depends(rpc)) -> Response:
    body, problems = _parse(draft)
    if problems:
        return _page(request, actor, draft, months, problems=problems, status_code=422)
    try:
        return file_response(await svc.scoring.sandbox_xlsx(actor, body, months))
    except InvalidInput as error:
        return _page(request, actor, draft, months, problems=_problems(error), status_code=422)
