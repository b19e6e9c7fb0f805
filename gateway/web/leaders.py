"""The leaders' pages: the city (BKPSDM, the mayor's office), an agency (its head and
admins), a team (its superior). One call to monitoring per page; here only the shape a
person reads: tiles, charts (inline SVG) and, under each chart, the table it draws
(dashboard_tables.py, which is also what the downloads hold).

Every group links one level down (agency → unit → people) and every count of people
links to the list of those people."""
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from ekinerja_contract import config, periods
from ekinerja_contract.schemas import Actor

from ..api import Svc, rpc
from ..errors import ApiError
from . import charts, formatting
from .dashboard_tables import tables
from .routes import form_id, page_actor, render

router = APIRouter(include_in_schema=False)
SLUGS = {"kota": "city", "opd": "agency", "tim": "team"}
LISTS = {"semua": "all", "belum_lapor": "nothing_filed", "tertinggal": "behind",
         "menunggu": "waiting_on", "predikat": "predikat", "tim_dari": "team_of",
         "dibayar": "paid"}
TITLES = {"city": "Pantauan Kota", "agency": "Pantauan OPD", "team": "Pantauan Tim"}
# The filter form sends every field, an untouched select as "": that is "all", not an error
Text = Annotated[str | None, Query(max_length=20)]


def _id(value: str | None, name: str) -> int | None:
    if not value:
        return None
    if (found := form_id(value)) is None:
        raise ApiError(422, "invalid_input", f"{name} must be a whole number from 1")
    return found


def _period(value: str | None) -> str:
    if not value:
        return config.today().strftime("%Y-%m")
    periods.bounds(value)  # or the contract's InvalidInput, period_format / period_year
    return value


def pictures(body: dict, by_key: dict) -> dict:
    """The charts of the page, from the same rows as its tables."""
    comp = by_key["kepatuhan"]
    # no links inside a chart (an image to assistive technology: axe's nested-interactive);
    # the table under it links every row
    out = {"kepatuhan": charts.share_bars(
        [{"label": r["label"], "value": r["share"]} for r in comp["rows"][:30]],
        "Pengisian hari kerja per kelompok", target=0.8)}
    debt = [r for r in body["approval_debt"]["approvers"] if r["pending"]][:20]
    out["persetujuan"] = charts.count_bars(
        [{"label": r["name"] or "tanpa atasan", "value": r["pending"],
          "warn": (r["oldest_days"] or 0) > 3} for r in debt], "Laporan menunggu per atasan")
    if body["cost"] is not None:
        trend = [{**m, "gross_text": formatting.rupiah(m["gross"]),
                  "short": formatting.month(m["period"])[:3]} for m in body["cost"]["trend"]]
        out["biaya"] = charts.month_bars(trend, "TPP kotor per bulan dan pagu per bulan")
    curve = body["predikat"]
    limits: dict[str, tuple] = {}
    organisations = {a["organisation"] for a in curve["agencies"] if a["organisation"]}
    if len(organisations) == 1:  # one pattern to draw (an agency's page, or a uniform city)
        for rule in curve["pattern"][organisations.pop()]:
            if len(rule["of"]) == 1:
                low = float(rule["min"]) if "min" in rule else None
                high = float(rule["max"]) if "max" in rule else None
                limits[rule["of"][0]] = (low, high)
    out["predikat"] = charts.predikat_curve({k: float(v or 0) for k, v in curve["shares"].items()},
                                            limits, "Sebaran predikat pegawai")
    out["keadilan"] = charts.intervals(
        [{"label": r["name"] or "?", **r["approval"]} for r in body["fairness"]["appraisers"][:20]],
        "Persentase disetujui per penilai dengan selang 95%")
    return out


Slug = Literal["kota", "opd", "tim"]


@router.get("/pantauan/orang", response_class=HTMLResponse)
async def people_page(request: Request, cakupan: Slug = "tim",
                      daftar: Literal["semua", "belum_lapor", "tertinggal", "menunggu",
                                      "predikat", "tim_dari", "dibayar"] = "semua",
                      bulan: Text = None, opd: Text = None, unit: Text = None, atasan: Text = None,
                      predikat: Annotated[Literal["Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang",
                                                  "Sangat Kurang"] | None, Query()] = None,
                      actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    period, agency, unit_id = _period(bulan), _id(opd, "opd"), _id(unit, "unit")
    found = await svc.monitoring.people(actor, SLUGS[cakupan], period, LISTS[daftar], agency,
                                        unit_id, _id(atasan, "atasan"), predikat)
    back = f"/pantauan/{cakupan}?" + urlencode({k: v for k, v in (
        ("bulan", period), ("opd", agency), ("unit", unit_id)) if v is not None})
    return render(request, "leaders_people.html", actor, found=found, period=period, slug=cakupan,
                  daftar=daftar, predikat=predikat, back=back)


@router.get("/pantauan/{slug}", response_class=HTMLResponse)
async def dashboard_page(request: Request, slug: Slug, bulan: Text = None, opd: Text = None,
                         unit: Text = None, actor: Actor = Depends(page_actor),
                         svc: Svc = Depends(rpc)):
    body = await svc.monitoring.dashboard(actor, SLUGS[slug], _period(bulan), _id(opd, "opd"),
                                          _id(unit, "unit"))
    by_key = {t["key"]: t for t in tables(body)}
    agency_name = next((a["name"] for a in body["filters"]["agencies"]
                        if a["id"] == body["agency_id"]), None)
    here = {"bulan": body["period"], "opd": body["agency_id"] if slug != "tim" else None,
            "unit": body["unit_id"]}
    query = urlencode({k: v for k, v in here.items() if v is not None})
    api = {"period": body["period"], "agency_id": here["opd"], "unit_id": body["unit_id"]}
    export = f"/api/v1/dashboards/leaders/{body['audience']}/export"
    export_query = urlencode({k: v for k, v in api.items() if v is not None})
    return render(request, "leaders.html", actor, body=body, slug=slug, tables=by_key,
                  pictures=pictures(body, by_key), title=TITLES[body["audience"]],
                  agency_name=agency_name, query=query, export=export, export_query=export_query)
