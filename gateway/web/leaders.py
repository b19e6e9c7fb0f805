"""The leaders' pages: the city (BKPSDM, the mayor's office), an agency (its head and
admins), a team (its superior). One call to monitoring per page; here only the shape a
person reads: tiles, charts (inline SVG) and, under each chart, the table it draws, which
is also what the CSV and XLSX downloads hold.

Every group links one level down (agency → unit → people) and every count of people
links to the list of those people."""
import csv
import io
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from openpyxl import Workbook
from openpyxl.styles import Font

from ekinerja_contract import config
from ekinerja_contract.schemas import MAX_ID, Actor
from ekinerja_contract.sheets import neutralise, typed_row

from ..api import Svc, rpc
from . import charts, formatting
from .routes import PeriodQuery, page_actor, render

router = APIRouter(include_in_schema=False)
SLUGS = {"kota": "city", "opd": "agency", "tim": "team"}
LISTS = {"semua": "all", "belum_lapor": "nothing_filed", "tertinggal": "behind", "menunggu": "waiting_on"}
IdQuery = Query(ge=1, le=MAX_ID)
VERDICT = {"few": "data terlalu sedikit", "above": "lebih tinggi dari rekan (yakin 95%)",
           "below": "lebih rendah dari rekan (yakin 95%)", "in_line": "sejalan dengan rekan",
           "no_peers": "tidak ada pembanding"}
RULE = {"max": "paling banyak", "min": "paling sedikit", "min_count": "harus ada (orang)"}
TITLES = {"city": "Pantauan Kota", "agency": "Pantauan OPD", "team": "Pantauan Tim"}


def _link(slug: str, period: str, **params) -> str:
    query = {"bulan": period, **{k: v for k, v in params.items() if v is not None}}
    return f"/pantauan/{slug}?{urlencode(query)}"


def _people_link(slug: str, period: str, daftar: str, **params) -> str:
    query = {"cakupan": slug, "bulan": period, "daftar": daftar,
             **{k: v for k, v in params.items() if v is not None}}
    return f"/pantauan/orang?{urlencode(query)}"


def _hours(value) -> str:
    if value is None:
        return "—"
    return f"{formatting.number(value, 1)} jam" if value < 48 else f"{formatting.number(value / 24, 1)} hari"


def tables(body: dict, slug: str) -> list[dict]:
    """Each section's table: {key, title, columns: [(key, label, kind)], rows, links}.
    kind: text | int | share | rupiah | hours. links: per row, column key -> href."""
    period, agency, unit = body["period"], body["agency_id"], body["unit_id"]
    out = []
    comp = body["compliance"]
    level_label = {"agency": "OPD", "unit": "Unit kerja", "person": "Pegawai"}
    rows, links = [], []
    for g in comp["groups"]:
        rows.append({"label": g["label"], "people": g["people"], "filled": g["filled"],
                     "possible": g["possible"], "share": g["share"], "nothing_filed": g["nothing_filed"],
                     "behind": g["behind"]})
        scope = dict(opd=agency, unit=unit)
        down: str | None
        if g["level"] == "agency":
            down, scope = _link("opd", period, opd=g["id"]), dict(opd=g["id"])
        elif g["level"] == "unit":
            down = _link(slug, period, opd=agency, unit=g["id"]) if g["id"] else None
            scope = dict(opd=agency, unit=g["id"]) if g["id"] else scope
        else:
            down = None  # a person: their numbers are on this row
        links.append({"label": down,
                      "people": _people_link(slug, period, "semua", **scope),
                      "nothing_filed": _people_link(slug, period, "belum_lapor", **scope),
                      "behind": _people_link(slug, period, "tertinggal", **scope)})
    level = comp["groups"][0]["level"] if comp["groups"] else "person"
    if level == "person":  # one row a person: their days, not counts of people
        columns = [("label", "Pegawai", "text"), ("share", "Pengisian", "share"),
                   ("filled", "Hari terisi", "int"), ("possible", "Hari kerja", "int")]
    else:
        columns = [("label", level_label[level], "text"), ("share", "Pengisian", "share"),
                   ("people", "Pegawai", "int"), ("nothing_filed", "Belum mengisi", "int"),
                   ("behind", "Di bawah 80%", "int"), ("filled", "Hari terisi", "int"),
                   ("possible", "Hari kerja × pegawai", "int")]
    out.append({"key": "kepatuhan", "title": "Kepatuhan pengisian", "rows": rows, "links": links,
                "columns": columns})

    debt = body["approval_debt"]
    out.append({"key": "persetujuan", "title": "Utang persetujuan", "columns": [
        ("name", "Atasan", "text"), ("pending", "Menunggu", "int"),
        ("waiting_employees", "Pegawai menunggu", "int"), ("oldest_days", "Terlama (hari)", "int"),
        ("decided", "Diputus bulan ini", "int"), ("median_hours", "Median waktu putus", "hours"),
        ("p90_hours", "p90 waktu putus", "hours"), ("escalated", "Eskalasi", "int")],
        "rows": [{**r, "name": r["name"] or "— tanpa atasan —"} for r in debt["approvers"]],
        "links": [{"waiting_employees": _people_link(slug, period, "menunggu", opd=agency, unit=unit,
                                                     atasan=r["approver_id"])}
                  if r["approver_id"] else {} for r in debt["approvers"]]})

    if debt["agencies"]:
        out.append({"key": "persetujuan_opd", "title": "Utang persetujuan per OPD", "columns": [
            ("agency", "OPD", "text"), ("pending", "Menunggu", "int"),
            ("approvers", "Atasan dengan tunggakan", "int"), ("oldest_days", "Terlama (hari)", "int"),
            ("median_hours", "Median waktu putus", "hours"), ("p90_hours", "p90 waktu putus", "hours"),
            ("escalated", "Eskalasi", "int")], "rows": debt["agencies"],
            "links": [{"agency": _link("opd", period, opd=a["agency_id"])} if a["agency_id"] else {}
                      for a in debt["agencies"]]})
    out.append({"key": "terhambat", "title": "OPD terhambat pembayaran", "columns": [
        ("agency", "OPD", "text"), ("pending", "Laporan bulan ini belum diputus", "int"),
        ("by", "Ditahan oleh", "text")],
        "rows": [{"agency": b["agency"], "pending": b["pending"],
                  "by": ", ".join(f'{x["name"] or "tanpa atasan"} ({x["pending"]})' for x in b["by"][:5])}
                 for b in body["blocked"]],
        "links": [{"agency": _link("opd", period, opd=b["agency_id"])} for b in body["blocked"]]})

    cost = body["cost"]
    if cost is not None:
        ceiling = cost["monthly_ceiling"]
        out.append({"key": "biaya", "title": "Biaya TPP 12 bulan", "columns": [
            ("period", "Bulan", "text"), ("people", "Pegawai dibayar", "int"),
            ("gross", "TPP kotor", "rupiah"), ("net", "TPP bersih", "rupiah"),
            ("ceiling", "Pagu per bulan", "rupiah"), ("share", "Terhadap pagu", "share")],
            # a month not closed yet has no TPP: "—", not Rp 0
            "rows": [{**m, "period": formatting.month(m["period"]), "ceiling": ceiling,
                      "gross": m["gross"] if m["people"] else None,
                      "net": m["net"] if m["people"] else None,
                      "share": (m["gross"] / ceiling) if ceiling and m["people"] else None}
                     for m in cost["trend"]],
            "links": [{} for _ in cost["trend"]]})
        if cost["agencies"]:
            out.append({"key": "biaya_opd", "title": "TPP bulan ini per OPD", "columns": [
                ("agency", "OPD", "text"), ("gross", "TPP kotor", "rupiah"),
                ("monthly_ceiling", "Pagu per bulan", "rupiah"), ("share", "Terhadap pagu", "share")],
                "rows": [{**a, "gross": a["gross"] if cost["closed"] else None} for a in cost["agencies"]],
                "links": [{"agency": _link("opd", period, opd=a["agency_id"])} for a in cost["agencies"]]})

    curve = body["predikat"]
    out.append({"key": "predikat", "title": f"Kurva predikat {curve['year']}", "columns": [
        ("predikat", "Predikat", "text"), ("count", "Pegawai", "int"), ("share", "Persentase", "share")],
        "rows": [{"predikat": k, "count": v, "share": curve["shares"][k]}
                 for k, v in curve["counts"].items()],
        "links": [{} for _ in curve["counts"]]})
    deviations = [{"agency": a["agency"], "organisation": a["organisation"],
                   "of": " + ".join(d["of"]), "rule": RULE[d["rule"]],
                   "limit": (f'{formatting.number(d["limit"] * 100)}%' if d["rule"] != "min_count"
                             else formatting.number(d["limit"])),
                   "found": f'{formatting.number(round(d["found_share"] * 100, 1))}% ({d["found"]} orang)'}
                  for a in curve["agencies"] for d in a["deviations"]]
    out.append({"key": "predikat_pola", "title": "Penyimpangan dari pola distribusi", "columns": [
        ("agency", "OPD", "text"), ("organisation", "Predikat organisasi", "text"),
        ("of", "Predikat pegawai", "text"), ("rule", "Aturan", "text"), ("limit", "Batas", "text"),
        ("found", "Kenyataan", "text")], "rows": deviations, "links": [{} for _ in deviations]})

    fair = body["fairness"]["appraisers"]
    out.append({"key": "keadilan", "title": "Keadilan penilai", "columns": [
        ("name", "Penilai", "text"), ("job_class", "Kelas jabatan", "int"), ("decided", "Keputusan", "int"),
        ("approval", "Disetujui", "share"), ("approval_ci", "Selang 95%", "text"),
        ("approval_peers", "Rekan", "share"), ("approval_verdict", "Kesimpulan", "text"),
        ("rejection", "Ditolak", "share"), ("rejection_verdict", "Kesimpulan tolak", "text"),
        ("revision", "Perbaikan", "share"), ("team", "Bawahan", "int"),
        ("per_head", "Poin per bawahan", "number"), ("per_head_peers", "Rekan", "number"),
        ("per_head_verdict", "Kesimpulan poin", "text")],
        "rows": [{"name": f["name"] or f'Pegawai {f["approver_id"]}', "job_class": f["job_class"],
                  "decided": f["decided"], "approval": f["approval"]["value"],
                  "approval_ci": _interval(f["approval"]), "approval_peers": f["approval"]["peers"],
                  "approval_verdict": VERDICT[f["approval"]["verdict"]],
                  "rejection": f["rejection"]["value"],
                  "rejection_verdict": VERDICT[f["rejection"]["verdict"]],
                  "revision": f["revision"]["value"], "team": f["team"],
                  "per_head": f["points_per_subordinate"]["value"],
                  "per_head_peers": f["points_per_subordinate"]["peers"],
                  "per_head_verdict": VERDICT[f["points_per_subordinate"]["verdict"]]} for f in fair],
        "links": [{} for _ in fair]})
    return out


def _interval(c: dict) -> str:
    if c["low"] is None:
        return "—"
    return f'{formatting.number(round(c["low"] * 100))}–{formatting.number(round(c["high"] * 100))}%'


def pictures(body: dict, by_key: dict) -> dict:
    """The charts of the page, from the same rows as its tables."""
    comp = by_key["kepatuhan"]
    out = {"kepatuhan": charts.share_bars(
        [{"label": r["label"], "value": r["share"], "href": link["label"]}
         for r, link in zip(comp["rows"][:30], comp["links"][:30], strict=False)],
        "Pengisian hari kerja per kelompok", target=0.8)}
    debt = [r for r in body["approval_debt"]["approvers"] if r["pending"]][:20]
    out["persetujuan"] = charts.count_bars(
        [{"label": r["name"] or "tanpa atasan", "value": r["pending"],
          "warn": (r["oldest_days"] or 0) > 3} for r in debt], "Laporan menunggu per atasan")
    if body["cost"] is not None:
        trend = [{**m, "gross_text": formatting.rupiah(m["gross"]),
                  "short": formatting.month(m["period"])[:3]} for m in body["cost"]["trend"]]
        out["biaya"] = charts.month_bars(trend, body["cost"]["monthly_ceiling"],
                                         "TPP kotor per bulan dan pagu per bulan")
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
        [{"label": r["name"] or "?", **r["approval"]} for r in body["fairness"][:20]],
        "Persentase disetujui per penilai dengan selang 95%")
    return out


async def _dashboard(svc: Svc, actor: Actor, slug: str, bulan, opd, unit) -> dict:
    period = bulan or config.today().strftime("%Y-%m")
    return await svc.monitoring.dashboard(actor, SLUGS[slug], period, opd, unit)


Slug = Literal["kota", "opd", "tim"]


@router.get("/pantauan/orang", response_class=HTMLResponse)
async def people_page(request: Request, cakupan: Slug = "tim",
                      daftar: Literal["semua", "belum_lapor", "tertinggal", "menunggu"] = "semua",
                      bulan: Annotated[str | None, PeriodQuery] = None,
                      opd: Annotated[int | None, IdQuery] = None, unit: Annotated[int | None, IdQuery] = None,
                      atasan: Annotated[int | None, IdQuery] = None,
                      actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    period = bulan or config.today().strftime("%Y-%m")
    found = await svc.monitoring.people(actor, SLUGS[cakupan], period, LISTS[daftar], opd, unit, atasan)
    return render(request, "leaders_people.html", actor, found=found, period=period, slug=cakupan,
                  daftar=daftar, back=_link(cakupan, period, opd=opd, unit=unit))


@router.get("/pantauan/{slug}", response_class=HTMLResponse)
async def dashboard_page(request: Request, slug: Slug, bulan: Annotated[str | None, PeriodQuery] = None,
                         opd: Annotated[int | None, IdQuery] = None,
                         unit: Annotated[int | None, IdQuery] = None,
                         actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    body = await _dashboard(svc, actor, slug, bulan, opd, unit)
    sections = tables(body, slug)
    by_key = {t["key"]: t for t in sections}
    agency_name = next((a["name"] for a in body["filters"]["agencies"]
                        if a["id"] == body["agency_id"]), None)
    here = {"bulan": body["period"], "opd": body["agency_id"] if slug != "tim" else None,
            "unit": body["unit_id"]}
    query = urlencode({k: v for k, v in here.items() if v is not None})
    return render(request, "leaders.html", actor, body=body, slug=slug, tables=by_key,
                  pictures=pictures(body, by_key), title=TITLES[body["audience"]],
                  agency_name=agency_name, query=query)


@router.get("/pantauan/{slug}/unduh")
async def download(slug: Slug, format: Literal["csv", "xlsx"] = "xlsx",
                   tabel: Annotated[str | None, Query(pattern=r"^[a-z_]{1,30}$")] = None,
                   bulan: Annotated[str | None, PeriodQuery] = None,
                   opd: Annotated[int | None, IdQuery] = None, unit: Annotated[int | None, IdQuery] = None,
                   actor: Actor = Depends(page_actor), svc: Svc = Depends(rpc)):
    """The page's tables: every one as a sheet of an XLSX, or one (`tabel`) as CSV."""
    body = await _dashboard(svc, actor, slug, bulan, opd, unit)
    sections = tables(body, slug)
    name = f"pantauan-{slug}-{body['period']}"
    if format == "xlsx":
        return Response(_xlsx(sections, body["period"]), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    chosen = next((t for t in sections if t["key"] == (tabel or "kepatuhan")), sections[0])
    return Response(_csv(chosen), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}-{chosen["key"]}.csv"'})


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _value(row: dict, key: str, kind: str):
    value = row.get(key)
    if kind == "share" and value is not None:
        return round(float(value), 4)
    if kind in ("hours", "number") and value is not None:
        return round(float(value), 1)
    return value


def _csv(table: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(label) for _, label, _ in table["columns"]])
    for row in table["rows"]:
        writer.writerow([neutralise(_value(row, key, kind)) for key, _, kind in table["columns"]])
    return out.getvalue().encode("utf-8-sig")


def _xlsx(sections: list[dict], period: str) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for table in sections:
        ws = wb.create_sheet(table["title"][:31])
        typed_row(ws, [neutralise(f'{table["title"]} — {formatting.month(period)}')])
        ws["A1"].font = Font(bold=True, size=13)
        typed_row(ws, [neutralise(label) for _, label, _ in table["columns"]])
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in table["rows"]:
            typed_row(ws, [neutralise(_value(row, key, kind)) for key, _, kind in table["columns"]])
        for n, (_, _, kind) in enumerate(table["columns"], 1):
            if kind == "share":
                for cells in ws.iter_rows(min_row=3, min_col=n, max_col=n):
                    cells[0].number_format = "0.0%"
            ws.column_dimensions[ws.cell(2, n).column_letter].width = 18
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
