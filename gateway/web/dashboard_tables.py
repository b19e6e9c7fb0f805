"""The leaders' pages' tables: the figures each chart draws, as rows, and the same tables
as the XLSX and CSV downloads. Shared by the pages (gateway/web/leaders.py) and the API's
download route, so that what a person reads and what they download are one thing."""
import csv
import io
from decimal import Decimal
from urllib.parse import urlencode

from openpyxl import Workbook
from openpyxl.styles import Font

from ekinerja_contract.sheets import neutralise, typed_row

from . import formatting

VERDICT = {"few": "data terlalu sedikit", "above": "lebih tinggi dari rekan (yakin 95%)",
           "below": "lebih rendah dari rekan (yakin 95%)", "in_line": "sejalan dengan rekan",
           "no_peers": "tidak ada pembanding"}
# points per subordinate: a band of the peers' spread, not an interval of a rate
SPREAD = {**VERDICT, "above": "di atas sebaran rekan", "below": "di bawah sebaran rekan"}
RULE = {"max": "paling banyak", "min": "paling sedikit", "min_count": "harus ada (orang)"}
SLUG_OF = {"city": "kota", "agency": "opd", "team": "tim"}


def _link(slug: str, period: str, **params) -> str:
    query = {"bulan": period, **{k: v for k, v in params.items() if v is not None}}
    return f"/pantauan/{slug}?{urlencode(query)}"


def _people_link(slug: str, period: str, daftar: str, **params) -> str:
    query = {"cakupan": slug, "bulan": period, "daftar": daftar,
             **{k: v for k, v in params.items() if v is not None}}
    return f"/pantauan/orang?{urlencode(query)}"


def tables(body: dict) -> list[dict]:
    """Each section's table: {key, title, columns: [(key, label, kind)], rows, links}.
    kind: text | int | number | share | rupiah | hours. links: per row, column key -> href."""
    period, agency, unit = body["period"], body["agency_id"], body["unit_id"]
    slug = SLUG_OF[body["audience"]]
    out = []
    comp = body["compliance"]
    level_label = {"agency": "OPD", "unit": "Unit kerja", "person": "Pegawai"}
    rows: list[dict] = []
    links: list[dict] = []
    for g in comp["groups"]:
        rows.append({"label": g["label"], "people": g["people"], "filled": g["filled"],
                     "possible": g["possible"], "share": g["share"], "nothing_filed": g["nothing_filed"],
                     "behind": g["behind"]})
        scope = dict(opd=agency, unit=unit)
        down: str | None
        if g["level"] == "agency":
            down, scope = _link("opd", period, opd=g["id"]), dict(opd=g["id"])
        elif g["level"] == "unit":
            if g["id"] is None:  # "Tanpa unit": no list holds just them
                links.append({})
                continue
            down, scope = _link(slug, period, opd=agency, unit=g["id"]), dict(opd=agency, unit=g["id"])
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
        "links": [dict.fromkeys(("pending", "waiting_employees"), _people_link(
            slug, period, "menunggu", opd=agency, unit=unit, atasan=r["approver_id"]))
            if r["approver_id"] else {} for r in debt["approvers"]]})

    if debt["agencies"]:
        out.append({"key": "persetujuan_opd", "title": "Utang persetujuan per OPD", "columns": [
            ("agency", "OPD", "text"), ("pending", "Menunggu", "int"),
            ("approvers", "Atasan dengan tunggakan", "int"), ("oldest_days", "Terlama (hari)", "int"),
            ("median_hours", "Median waktu putus", "hours"), ("p90_hours", "p90 waktu putus", "hours"),
            ("escalated", "Eskalasi", "int")], "rows": debt["agencies"],
            "links": [{"agency": _link("opd", period, opd=a["agency_id"]),
                       "pending": _people_link(slug, period, "menunggu", opd=a["agency_id"])}
                      if a["agency_id"] else {} for a in debt["agencies"]]})
    out.append({"key": "terhambat", "title": "OPD terhambat pembayaran", "columns": [
        ("agency", "OPD", "text"), ("pending", "Laporan bulan ini belum diputus", "int"),
        ("by", "Ditahan oleh", "text")],
        "rows": [{"agency": b["agency"], "pending": b["pending"],
                  "by": ", ".join(f'{x["name"] or "tanpa atasan"} ({x["pending"]})' for x in b["by"][:5])}
                 for b in body["blocked"]],
        "links": [{"agency": _link("opd", period, opd=b["agency_id"]),
                   "pending": _people_link(slug, period, "menunggu", opd=b["agency_id"])}
                  for b in body["blocked"]]})

    cost = body["cost"]
    if cost is not None:
        out.append({"key": "biaya", "title": "Biaya TPP 12 bulan", "columns": [
            ("period", "Bulan", "text"), ("people", "Pegawai dibayar", "int"),
            ("gross", "TPP kotor", "rupiah"), ("net", "TPP bersih", "rupiah"),
            ("ceiling", "Pagu per bulan", "rupiah"), ("share", "Terhadap pagu", "share")],
            # a month not closed yet has no TPP: "—", not Rp 0
            "rows": [{**m, "period": formatting.month(m["period"]),
                      "gross": m["gross"] if m["people"] else None,
                      "net": m["net"] if m["people"] else None} for m in cost["trend"]],
            "links": [dict.fromkeys(("people", "gross"), _people_link(
                slug, m["period"], "dibayar", opd=agency, unit=unit)) if m["people"] else {}
                for m in cost["trend"]]})
        if cost["agencies"]:
            out.append({"key": "biaya_opd", "title": "TPP bulan ini per OPD", "columns": [
                ("agency", "OPD", "text"), ("gross", "TPP kotor", "rupiah"),
                ("monthly_ceiling", "Pagu per bulan", "rupiah"), ("share", "Terhadap pagu", "share")],
                "rows": [{**a, "gross": a["gross"] if a["closed"] else None} for a in cost["agencies"]],
                "links": [{"agency": _link("opd", period, opd=a["agency_id"]),
                           **({"gross": _people_link(slug, period, "dibayar", opd=a["agency_id"])}
                              if a["closed"] else {})} for a in cost["agencies"]]})

    curve = body["predikat"]
    out.append({"key": "predikat", "title": f"Kurva predikat {curve['year']}", "columns": [
        ("predikat", "Predikat", "text"), ("count", "Pegawai", "int"), ("share", "Persentase", "share")],
        "rows": [{"predikat": k, "count": v, "share": curve["shares"][k]}
                 for k, v in curve["counts"].items()],
        "links": [{"count": _people_link(slug, period, "predikat", opd=agency, unit=unit, predikat=k)}
                  if v else {} for k, v in curve["counts"].items()]})
    deviations = [{"agency": a["agency"], "organisation": a["organisation"],
                   "of": " + ".join(d["of"]), "rule": RULE[d["rule"]],
                   # decimals cross the bus as text ("0.70")
                   "limit": (f'{formatting.number(Decimal(str(d["limit"])) * 100)}%'
                             if d["rule"] != "min_count" else formatting.number(d["limit"])),
                   "found": f'{formatting.number(Decimal(str(d["found_share"])) * 100, 1)}% '
                            f'({d["found"]} orang)'}
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
                  "per_head_verdict": SPREAD[f["points_per_subordinate"]["verdict"]]} for f in fair],
        "links": [dict.fromkeys(("name", "team"), _people_link(
            slug, period, "tim_dari", opd=agency, unit=unit, atasan=f["approver_id"])) for f in fair]})
    return out


def _interval(c: dict) -> str:
    if c["low"] is None:
        return "—"
    return f'{formatting.number(round(c["low"] * 100))}–{formatting.number(round(c["high"] * 100))}%'


def _value(row: dict, key: str, kind: str):
    value = row.get(key)
    if kind == "share" and value is not None:
        return round(float(value), 4)
    if kind in ("hours", "number") and value is not None:
        return round(float(value), 1)
    return value


def to_csv(table: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(label) for _, label, _ in table["columns"]])
    for row in table["rows"]:
        writer.writerow([neutralise(_value(row, key, kind)) for key, _, kind in table["columns"]])
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(sections: list[dict], period: str) -> bytes:
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
