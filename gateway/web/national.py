"""The national side's page for the city's admins (/admin/nasional): the exports in the
national shapes (BKN's Progres Harian, SIASN's evaluations), whether the sync adapter is
on and where to, what is stuck, and a day's reconciliation person by person."""
import datetime as dt
import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from ekinerja_contract import config
from ekinerja_contract.schemas import Actor

from ..api import EXPORT_TIMEOUT, Svc, clients, progress_file, rpc
from .routes import back, page_role, render, same_origin

router = APIRouter(include_in_schema=False)
PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
CITY_ADMIN = page_role("city_admin")
STATES = {"pending": "menunggu dikirim", "sending": "sedang dikirim", "acknowledged": "diterima",
          "refused": "ditolak", "failed": "gagal dikirim", "deleted": "dihapus di nasional"}
KINDS = {"progres": "Progres Harian", "periodik": "Penilaian periodik", "tahunan": "Penilaian tahunan"}
# Why an item did not reach the national side, as the admin reads it (the national side's
# own words, often English, stay under "Rincian teknis").
PROBLEMS = {"unreachable": "e-Kinerja nasional tidak dapat dihubungi",
            "busy": "e-Kinerja nasional sedang sibuk atau bermasalah",
            "refused": "ditolak e-Kinerja nasional: datanya dianggap tidak sesuai",
            "not_ready": "laporan belum tercatat disetujui di e-Kinerja kota",
            "no_public_url": ("alamat situs (EKINERJA_PUBLIC_URL) belum diatur, sehingga tautan bukti "
                              "tidak dapat dibuka"),
            "internal": "gangguan di e-Kinerja kota"}


def _day(text, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        return default


@router.get("/admin/nasional", response_class=HTMLResponse)
async def national_page(request: Request, actor: Actor = Depends(CITY_ADMIN), svc: Svc = Depends(rpc)):
    today = config.today()
    day = _day(request.query_params.get("tanggal"), today - dt.timedelta(days=1))
    status = await svc.sync.status(actor)
    run = await svc.sync.reconciliation(actor, day.isoformat())
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return render(request, "national.html", actor, status=status, run=run, day=day,
                  last_month=last_month, year=today.year, states=STATES, kinds=KINDS, problems=PROBLEMS)


@router.get("/admin/nasional/progres-harian")
async def progress_download(request: Request, actor: Actor = Depends(CITY_ADMIN)):
    """The city's month as one file, here rather than at the API's address so that a
    refusal (too many rows for XLSX) is a page in Indonesian."""
    month, fmt = request.query_params.get("bulan", ""), request.query_params.get("format", "xlsx")
    if not PERIOD.match(month) or fmt not in ("csv", "xlsx"):
        return back(request, "/admin/nasional", "Pilih bulan (misalnya 2026-11) dan formatnya.", "error")
    return await progress_file(clients(request, EXPORT_TIMEOUT), actor, month, fmt)


@router.post("/admin/nasional/periksa", dependencies=[Depends(same_origin)])
async def reconcile_now(request: Request, actor: Actor = Depends(CITY_ADMIN), svc: Svc = Depends(rpc)):
    form = await request.form()
    day = _day(form.get("tanggal"), config.today() - dt.timedelta(days=1))
    run = await svc.sync.reconcile(actor, day.isoformat())
    people = len(run["people"])
    text = (f"Rekonsiliasi {day.isoformat()} selesai: {run['held']} laporan disetujui, "
            + (f"{people} pegawai dengan selisih." if people else "tidak ada selisih."))
    if run["error"]:
        text += (" Daftar dari e-Kinerja nasional tidak dapat diambil; yang dibandingkan adalah"
                 " yang sudah diterima.")
    return back(request, f"/admin/nasional?tanggal={day.isoformat()}", text)


@router.post("/admin/nasional/kirim-ulang", dependencies=[Depends(same_origin)])
async def resend(request: Request, actor: Actor = Depends(CITY_ADMIN), svc: Svc = Depends(rpc)):
    sent = (await svc.sync.resend_failed(actor))["resent"]
    text = (f"{sent} data dikirim ulang ke e-Kinerja nasional." if sent
            else "Tidak ada data yang gagal atau ditolak.")
    return back(request, "/admin/nasional", text)
