"""Dates, times and numbers the Indonesian way, for the pages and for the messages
sent to people (notifications):
"Rabu, 2 Desember 2026", "2 Des", "09.00", "Rp 1.004.484", "12,5"."""
import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
          "September", "Oktober", "November", "Desember"]
SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]


def _date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def long_date(value) -> str:
    """Rabu, 2 Desember 2026"""
    d = _date(value)
    return f"{DAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year}" if d else str(value or "")


def date(value) -> str:
    """2 Desember 2026"""
    d = _date(value)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}" if d else str(value or "")


def short_date(value) -> str:
    """2 Des"""
    d = _date(value)
    return f"{d.day} {SHORT_MONTHS[d.month - 1]}" if d else str(value or "")


def month(period) -> str:
    """'2026-11' → November 2026"""
    try:
        year, m = str(period).split("-")[:2]
        return f"{MONTHS[int(m) - 1]} {int(year)}"
    except (ValueError, IndexError):
        return str(period or "")


def time(value) -> str:
    """'09:00:00' → 09.00"""
    text = str(value or "")
    return text[:5].replace(":", ".") if len(text) >= 5 and text[2] == ":" else text


def local_datetime(value, zone: str = "Asia/Makassar") -> str:
    """An ISO instant (UTC in the services) as the city's local time: 2 Des 2026 01.42 WITA."""
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(ZoneInfo(zone))
    suffix = {"Asia/Makassar": "WITA", "Asia/Jakarta": "WIB", "Asia/Jayapura": "WIT"}.get(zone, "")
    return f"{short_date(local)} {local.year} {local:%H.%M} {suffix}".rstrip()


def camera_time(value) -> str:
    """EXIF time as the camera wrote it: the phone's own local time, no zone to convert."""
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value or "")
    return f"{short_date(moment)} {moment.year} {moment:%H.%M}"


def number(value, decimals: int | None = None) -> str:
    """12.5 → 12,5; 1004484 → 1.004.484 (trailing zeros of a fraction dropped)."""
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value if value is not None else "")
    if decimals is not None:
        d = round(d, decimals)
    text = f"{d:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def rupiah(value) -> str:
    """Rp 1.004.484 (whole rupiah)."""
    try:
        return "Rp " + number(round(Decimal(str(value))), 0)
    except (InvalidOperation, ValueError):
        return "Rp —"

