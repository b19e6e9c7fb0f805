"""The integrity checks as plain functions: what each signal looks at, when it fires, and
its reason in Indonesian with the evidence behind it. No I/O; the numbers come from
checks.json (`Checks`), so a city tunes them without a release.

A signal never penalises anyone: it adds its weight to the risk score of a report or of
an employee's month, and the approver and the review team read the reason."""
import datetime as dt
import functools
import json
import math
import os
import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ekinerja_contract import indonesian as ind

REPORT_SIGNALS = ("photo_reused", "photo_shared_meeting", "photo_repeated", "exif_time_mismatch",
                  "exif_missing", "exif_edited", "outside_geofence", "rubber_stamp",
                  "minutes_above_standard")
MONTH_SIGNALS = ("rubber_stamping", "cap_chasing", "repeated_description", "peer_outlier")
NAMES = {  # as the pages name them
    "photo_reused": "Foto dipakai pegawai lain",
    "photo_shared_meeting": "Foto bersama rapat",
    "photo_repeated": "Foto dipakai ulang",
    "exif_time_mismatch": "Waktu foto tidak cocok",
    "exif_missing": "Foto tanpa EXIF",
    "exif_edited": "EXIF/foto disunting",
    "outside_geofence": "Di luar lokasi kantor",
    "rubber_stamp": "Disetujui tanpa dibuka",
    "rubber_stamping": "Menyetujui beruntun",
    "cap_chasing": "Tepat di batas menit",
    "repeated_description": "Uraian berulang",
    "minutes_above_standard": "Menit jauh di atas standar",
    "peer_outlier": "Jauh di atas rekan sejabatan",
}
UNCHECKABLE = "tidak dapat diperiksa"


class Checks(BaseModel):
    """checks.json: weights by signal and every tolerance."""
    model_config = ConfigDict(extra="ignore")
    weights: dict[str, int]
    capture_tolerance_minutes: int = Field(ge=0)
    modified_after_capture_seconds: int = Field(ge=0)
    editors: list[str]
    geofence_radius_m: int = Field(gt=0)
    burst_decisions: int = Field(ge=2)
    burst_seconds: int = Field(gt=0)
    cap_days: int = Field(ge=1)
    repeated_days: int = Field(ge=2)
    repeated_min_length: int = Field(ge=1)
    standard_factor: float = Field(gt=1)
    peer_factor: float = Field(gt=1)
    peer_min: int = Field(ge=1)

    def weight(self, signal: str) -> int:
        return int(self.weights.get(signal, 0))


def load_checks(path: str | None = None) -> Checks:
    """checks.json, or the deployment's own (INTEGRITY_CHECKS); read once per process."""
    return _read(path or os.environ.get("INTEGRITY_CHECKS") or str(Path(__file__).with_name("checks.json")))


@functools.lru_cache(maxsize=4)
def _read(path: str) -> Checks:
    return Checks.model_validate(json.loads(Path(path).read_text()))


@dataclass(frozen=True)
class Found:
    """A signal that fired (or could not be checked: `checkable` False, weight 0)."""
    signal: str
    reason: str
    evidence: dict = field(default_factory=dict)
    checkable: bool = True


@dataclass(frozen=True)
class ReportFacts:
    report_id: int
    employee_id: int
    date: dt.date
    start: dt.time
    end: dt.time
    meeting_id: int | None = None
    content_type: str | None = None


@dataclass(frozen=True)
class Neighbour:
    """Another report whose photo is the same picture or looks like it."""
    report_id: int
    employee_id: int
    employee_name: str
    date: dt.date | None  # None: a report from before these checks ran
    meeting_id: int | None
    phash_distance: int
    same_bytes: bool


@dataclass(frozen=True)
class Office:
    name: str
    lat: float
    lon: float
    radius_m: int | None = None


def risk(checks: Checks, found: Iterable[Found]) -> int:
    """0-100: the weights of the signals that fired, capped."""
    return min(100, sum(checks.weight(f.signal) for f in found if f.checkable))


# --- the photo ----------------------------------------------------------------------------

def _alike(n: Neighbour) -> str:
    if n.same_bytes:
        return "sama persis"
    if n.phash_distance == 0:
        return "sama (gambar yang sama, disimpan ulang)"
    return f"sangat mirip (beda {n.phash_distance} dari 64 bit)"


def photo_reuse(report: ReportFacts, neighbours: list[Neighbour], fingerprinted: bool) -> list[Found]:
    """Another employee's report with the same picture: reuse, unless both claim the same
    meeting (one photo of the room, shared by its attendees). The employee's own other
    report with it: the same evidence for two pieces of work."""
    out: list[Found] = []
    others = [n for n in neighbours if n.employee_id != report.employee_id]
    shared = [n for n in others if report.meeting_id is not None and n.meeting_id == report.meeting_id]
    reused = [n for n in others if n not in shared]
    own = [n for n in neighbours if n.employee_id == report.employee_id]
    if reused:
        first = reused[0]
        more = f" dan {len(reused) - 1} laporan lain" if len(reused) > 1 else ""
        out.append(Found("photo_reused", (
            f"Foto bukti {_alike(first)} dengan foto laporan pegawai lain ({first.employee_name}, "
            f"{_when(first)}){more}."), {"reports": [_ref(n) for n in reused]}))
    if shared:
        out.append(Found("photo_shared_meeting", (
            f"Foto bersama rapat: dipakai juga oleh {len(shared)} peserta rapat yang sama."),
            {"reports": [_ref(n) for n in shared]}))
    if own:
        first = own[0]
        out.append(Found("photo_repeated", (
            f"Foto bukti {_alike(first)} dengan foto laporan lain pegawai ini "
            f"({_when(first)})."), {"reports": [_ref(n) for n in own]}))
    if not fingerprinted:
        out.append(Found("photo_reused", f"Kemiripan foto {UNCHECKABLE}: gambar tidak dapat dibaca.",
                         checkable=False))
    return out


def _when(n: Neighbour) -> str:
    return ind.date(n.date) if n.date else f"laporan #{n.report_id}"


def _ref(n: Neighbour) -> dict:
    return {"report_id": n.report_id, "employee_id": n.employee_id, "employee_name": n.employee_name,
            "date": n.date.isoformat() if n.date else None, "phash_distance": n.phash_distance,
            "same_bytes": n.same_bytes}


def exif(report: ReportFacts, photo: dict, checks: Checks) -> list[Found]:
    """Capture time against the report's date and hours; a camera photo (JPEG) with no
    EXIF; EXIF edited after capture (an editor's name in Software, or DateTime well after
    DateTimeOriginal)."""
    if "exif" in (photo.get("unchecked") or []):
        why = f"{UNCHECKABLE}: data EXIF rusak atau tidak terbaca."
        return [Found("exif_time_mismatch", f"Waktu pengambilan foto {why}", checkable=False),
                Found("exif_edited", f"Penyuntingan EXIF {why}", checkable=False)]
    out: list[Found] = []
    if not photo.get("exif_present"):
        if report.content_type == "image/jpeg":
            out.append(Found("exif_missing", "Foto kamera tanpa data EXIF: waktu dan lokasi "
                                             "pengambilan tidak tercatat."))
        return out
    captured = _moment(photo.get("captured_at"))
    if captured is not None:
        tolerance = dt.timedelta(minutes=checks.capture_tolerance_minutes)
        begin = dt.datetime.combine(report.date, report.start) - tolerance
        end = dt.datetime.combine(report.date, report.end) + tolerance
        if not begin <= captured <= end:
            out.append(Found("exif_time_mismatch", (
                f"Foto diambil {ind.camera_time(captured)}, di luar waktu kegiatan "
                f"({ind.date(report.date)} {ind.time(report.start)}–{ind.time(report.end)}, "
                f"toleransi {checks.capture_tolerance_minutes} menit)."),
                {"captured_at": captured.isoformat(), "tolerance_minutes": checks.capture_tolerance_minutes}))
    software = (photo.get("software") or "").strip()
    editor = next((e for e in checks.editors if e in software.lower()), None)
    modified = _moment(photo.get("modified_at"))
    if editor:
        out.append(Found("exif_edited", f"Foto terakhir disimpan oleh aplikasi penyunting ({software}).",
                         {"software": software}))
    elif captured is not None and modified is not None:
        late = (modified - captured).total_seconds()
        if late > checks.modified_after_capture_seconds:
            out.append(Found("exif_edited", (
                f"Berkas foto diubah {_span(late)} setelah foto diambil "
                f"({ind.camera_time(modified)})."),
                {"captured_at": captured.isoformat(), "modified_at": modified.isoformat()}))
        elif late < -checks.modified_after_capture_seconds:
            out.append(Found("exif_edited", (
                f"Tanggal EXIF saling bertentangan: berkas diubah {_span(-late)} sebelum foto diambil."),
                {"captured_at": captured.isoformat(), "modified_at": modified.isoformat()}))
    return out


def _moment(value) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value is not None else None
    try:
        return dt.datetime.fromisoformat(str(value)).replace(tzinfo=None)
    except ValueError:
        return None


def _span(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{round(seconds / 86400)} hari"
    if seconds >= 2 * 3600:
        return f"{round(seconds / 3600)} jam"
    return f"{max(1, round(seconds / 60))} menit"


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def location(photo: dict, offices: list[Office], duty_travel: bool, checks: Checks) -> list[Found]:
    """The photo's GPS against the agency's offices (each with its radius, else the
    default). Exempt on a day of duty travel (DL) and for an agency with no office
    recorded; a photo without GPS says nothing here."""
    if duty_travel or not offices or "exif" in (photo.get("unchecked") or []):
        return []
    lat, lon = photo.get("gps_lat"), photo.get("gps_lon")
    if lat is None or lon is None:
        return []
    nearest = min(offices, key=lambda o: distance_m(lat, lon, o.lat, o.lon))
    metres = distance_m(lat, lon, nearest.lat, nearest.lon)
    radius = nearest.radius_m or checks.geofence_radius_m
    if metres <= radius:
        return []
    far = f"{ind.number(metres / 1000, 1)} km" if metres >= 1000 else f"{round(metres)} m"
    return [Found("outside_geofence", (
        f"Lokasi foto {far} dari kantor terdekat ({nearest.name}, radius {radius} m)."),
        {"gps": [lat, lon], "office": nearest.name, "distance_m": round(metres), "radius_m": radius})]


# --- the claim ------------------------------------------------------------------------------

def minutes_above_standard(minutes: int, quantity: int, standard: int | None,
                           checks: Checks) -> list[Found]:
    if not standard or standard <= 0:
        return []
    per_unit = minutes / max(quantity, 1)
    ratio = per_unit / standard
    if ratio <= checks.standard_factor:
        return []
    return [Found("minutes_above_standard", (
        f"{round(per_unit)} menit per kegiatan, {ind.number(ratio, 1)}× menit standar katalog "
        f"({standard} menit)."), {"minutes_per_unit": round(per_unit), "standard_minutes": standard})]


def burst_members(times: list[dt.datetime], n: int, seconds: int) -> set[int]:
    """Indices of `times` (sorted) that lie in some window of `seconds` holding at least
    `n` of them: decisions in a burst."""
    members: set[int] = set()
    lo = 0
    for hi in range(len(times)):
        while (times[hi] - times[lo]).total_seconds() > seconds:
            lo += 1
        if hi - lo + 1 >= n:
            members.update(range(lo, hi + 1))
    return members


def rubber_stamp(in_burst: bool, opened: bool, burst: int, checks: Checks) -> list[Found]:
    if not in_burst or opened:
        return []
    return [Found("rubber_stamp", (
        f"Disetujui dalam rentetan {burst} persetujuan dalam {checks.burst_seconds} detik, "
        f"tanpa membuka bukti."), {"burst": burst, "seconds": checks.burst_seconds})]


def rubber_stamping(unopened_in_bursts: int, days: list[dt.date], checks: Checks) -> list[Found]:
    """An approver's month: many decisions at machine speed with the evidence never opened."""
    if unopened_in_bursts < checks.burst_decisions:
        return []
    return [Found("rubber_stamping", (
        f"Menyetujui {unopened_in_bursts} laporan bulan ini dalam rentetan cepat "
        f"(≥ {checks.burst_decisions} dalam {checks.burst_seconds} detik) tanpa membuka bukti, "
        f"pada {_dates(days)}."), {"decisions": unopened_in_bursts, "days": [d.isoformat() for d in days]})]


def cap_chasing(day_minutes: dict[dt.date, int], cap: int, monthly_standard: int | None,
                checks: Checks) -> list[Found]:
    """Claims that land exactly on the daily cap, day after day (or the month exactly on
    its standard)."""
    on_cap = sorted(d for d, m in day_minutes.items() if m == cap)
    total = sum(day_minutes.values())
    out = []
    if len(on_cap) >= checks.cap_days:
        out.append(Found("cap_chasing", (
            f"Jumlah menit tepat {cap} menit (batas harian) pada {len(on_cap)} hari bulan ini: "
            f"{_dates(on_cap)}."), {"cap_minutes": cap, "days": [d.isoformat() for d in on_cap]}))
    elif monthly_standard and total == monthly_standard and len(day_minutes) >= checks.cap_days:
        out.append(Found("cap_chasing", (
            f"Jumlah menit bulan ini tepat sama dengan standar bulanan ({ind.number(total)} menit)."),
            {"monthly_standard": monthly_standard, "total_minutes": total}))
    return out


_SPACE = re.compile(r"\s+")


def normalise(description: str) -> str:
    return _SPACE.sub(" ", description.strip().lower().rstrip(".")).strip()


def repeated_description(by_text: dict[str, set[dt.date]], checks: Checks) -> list[Found]:
    """The same description on many days of the month (a template, or a bot)."""
    worst = max(((t, d) for t, d in by_text.items() if len(t) >= checks.repeated_min_length),
                key=lambda td: len(td[1]), default=None)
    if worst is None or len(worst[1]) < checks.repeated_days:
        return []
    text, days = worst
    shown = text if len(text) <= 80 else text[:77] + "…"
    return [Found("repeated_description", (
        f"Uraian yang sama pada {len(days)} hari bulan ini: “{shown}”."),
        {"description": text, "days": sorted(d.isoformat() for d in days)})]


def peer_outlier(own: dict[str, float], peers: dict[str, list[float]], names: dict[str, str],
                 checks: Checks) -> list[Found]:
    """Minutes per unit of an activity far above the median of peers in the same position
    (at least `peer_min` of them) over the same month."""
    worst = None
    for code, mine in own.items():
        others = peers.get(code) or []
        if len(others) < checks.peer_min:
            continue
        median = statistics.median(others)
        if median > 0 and mine / median > checks.peer_factor and (
                worst is None or mine / median > worst[1]):
            worst = (code, mine / median, median, len(others))
    if worst is None:
        return []
    code, ratio, median, n = worst
    return [Found("peer_outlier", (
        f"Menit per kegiatan “{names.get(code, code)}” {ind.number(ratio, 1)}× median {n} rekan "
        f"sejabatan ({round(median)} menit)."),
        {"activity_code": code, "own_minutes": round(own[code]), "peer_median": round(median), "peers": n})]


def _dates(days: list[dt.date]) -> str:
    shown = ", ".join(ind.short_date(d) for d in days[:6])
    return shown + (f" dan {len(days) - 6} hari lain" if len(days) > 6 else "")
