"""The notifications' rules as plain functions: which kinds exist and how a person's
choices resolve, contacts checked as they are entered, quiet hours, and when the input
deadline's notices are due."""
import datetime as dt
import re

from ekinerja_contract import periods
from ekinerja_contract.errors import InvalidInput

# Every kind, with how the preferences page names it. Order: as the page lists them.
KINDS = {
    "report_rejected": "Laporan ditolak (dengan alasannya)",
    "revision_requested": "Laporan diminta diperbaiki (dengan catatannya)",
    "approved_digest": "Laporan disetujui (ringkasan harian)",
    "dispute_decided": "Keberatan diputuskan",
    "approvals_waiting": "Persetujuan bawahan yang menunggu (ringkasan harian)",
    "task_reminded": "Pengingat persetujuan yang lama menunggu",
    "task_escalated": "Laporan dialihkan karena terlambat diputuskan",
    "deadline_near": "Batas input laporan mendekat",
    "approval_revoked": "Persetujuan laporan dibatalkan setelah pemeriksaan",
    "integrity_flagged": "Laporan bawahan ditandai pemeriksaan integritas",
    "skp_returned": "SKP dikembalikan untuk diubah",
    "grace_window_opened": "Masa tambahan input dibuka",
    "tpp_slip_ready": "Bulan ditutup dan slip TPP siap",
}
OUTSIDE = ("email", "whatsapp", "telegram")
CHANNELS = ("in_app", *OUTSIDE)
DEFAULT_QUIET = (dt.time(21, 0), dt.time(6, 0))
DEADLINE_NOTICE_DAYS = (3, 1)  # days before the input deadline


def channels_for(choices: dict | None, kind: str) -> list[str]:
    """The channels a person gets a kind through: as they chose, else every channel
    (an outside one only once they gave an address for it)."""
    chosen = (choices or {}).get(kind)
    return list(CHANNELS) if chosen is None else [c for c in CHANNELS if c in chosen]


def check_choices(choices: dict) -> dict[str, list[str]]:
    """A person's choices as the page or the API sends them: known kinds and channels."""
    errors = [{"field": f"choices.{kind}", "code": "notification_kind_unknown", "reason": kind}
              for kind in choices if kind not in KINDS]
    errors += [{"field": f"choices.{kind}", "code": "notification_channel_unknown", "reason": c}
               for kind, chosen in choices.items() if kind in KINDS
               for c in (chosen if isinstance(chosen, list) else [chosen]) if c not in CHANNELS]
    if errors:
        raise InvalidInput("unknown kind or channel", errors, code="notification_choices_invalid")
    return {kind: [c for c in CHANNELS if c in chosen] for kind, chosen in choices.items()}


# --- contacts, checked as they are entered ------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                    r"(?=.{4,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-.()]")
_TELEGRAM_CHAT = re.compile(r"^-?[0-9]{1,20}$")


def _refuse(channel: str, code: str, message: str):
    raise InvalidInput(message, [{"field": channel, "code": code, "reason": message}],
                       code="contact_invalid", params={"channel": channel})


def email_address(text: str) -> str:
    """name@domain.tld, as SMTP takes it (no display name, no spaces); kept lower-case
    in the domain."""
    text = text.strip()
    if len(text) > 254 or not _EMAIL.match(text) or ".." in text:
        _refuse("email", "email_invalid", "not an e-mail address (name@domain.tld)")
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def phone_number(text: str) -> str:
    """An Indonesian mobile number for WhatsApp, as its API takes it: 62 and the
    number without the leading 0 ("0812-3456-7890", "+62 812 3456 7890" → 6281234567890)."""
    digits = _PHONE_SEPARATORS.sub("", text.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if not re.fullmatch(r"[0-9]+", digits):  # str.isdigit() takes other scripts' digits too
        _refuse("whatsapp", "phone_invalid", "a phone number has digits only")
    national = digits[2:] if digits.startswith("62") else digits[1:] if digits.startswith("0") else ""
    # mobile numbers begin with 8 and have 9 to 12 digits after the country code
    if not national.startswith("8") or not 9 <= len(national) <= 12:
        _refuse("whatsapp", "phone_invalid", "not an Indonesian mobile number (08…, +628…)")
    return "62" + national


def telegram_chat(text: str) -> str:
    """A Telegram chat id, as the bot tells it on /start (a bot cannot find a person by
    username)."""
    text = text.strip()
    if not _TELEGRAM_CHAT.match(text):
        _refuse("telegram", "telegram_invalid", "a Telegram chat id is a number")
    return text


CHECKS = {"email": email_address, "whatsapp": phone_number, "telegram": telegram_chat}


def quiet_hours(start: dt.time | None, end: dt.time | None) -> tuple[dt.time, dt.time]:
    return (start, end) if start is not None and end is not None else DEFAULT_QUIET


def after_quiet(moment: dt.datetime, start: dt.time, end: dt.time) -> dt.datetime:
    """When an outside message made at `moment` (the city's local time) may go: now,
    or at the end of the quiet hours it falls in. Equal start and end: never quiet."""
    t = moment.time().replace(tzinfo=None)
    if start == end:
        return moment
    if start < end:  # e.g. 12:00-13:00
        quiet = start <= t < end
    else:  # across midnight, e.g. 21:00-06:00
        quiet = t >= start or t < end
    if not quiet:
        return moment
    release = moment.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return release if release > moment else release + dt.timedelta(days=1)


def input_deadline(period: str, deadline_day: int) -> dt.date:
    """The last day to report a month's work: day N of the next month (as reporting)."""
    _first, end = periods.bounds(period)
    return end.replace(day=deadline_day)


def deadline_periods(today: dt.date) -> list[str]:
    """The months whose input deadline can be a few days from today: last month's (its
    deadline is early this month) and this month's (when the deadline day is 1 or 2)."""
    first = today.replace(day=1)
    return [periods.period_of(first - dt.timedelta(days=1)), periods.period_of(today)]


def days_left(today: dt.date, period: str, deadline_day: int) -> int | None:
    """Days until the month's input deadline, when a notice is due today (3 or 1)."""
    left = (input_deadline(period, deadline_day) - today).days
    return left if left in DEADLINE_NOTICE_DAYS else None
