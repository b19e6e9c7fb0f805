"""Reporting rules as plain functions: no broker, no database."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput
from ekinerja_contract.rule_set import default_body

# The numbers themselves live in the city's rule set (ekinerja_contract/rule_set.py).
DEFAULTS = default_body()
DEFAULT_DAILY_CAP_MINUTES = DEFAULTS.daily_cap_minutes

# Which action may move a report from which state, and where it lands.
TRANSITIONS = {
    ("draft", "submit"): "submitted",
    ("draft", "revise"): "draft",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("submitted", "request_revision"): "revision_requested",
    ("revision_requested", "revise"): "revision_requested",
    ("revision_requested", "resubmit"): "submitted",
    ("revision_requested", "withdraw"): "withdrawn",
    ("rejected", "dispute"): "disputed",
    ("disputed", "uphold"): "approved",
    ("disputed", "dismiss"): "dismissed",
    ("approved", "revoke"): "revoked",
}
# A live report holds its time slot and its evidence; the others gave them up.
LIVE_STATES = {"draft", "submitted", "approved", "revision_requested", "disputed"}
# Reports whose minutes count toward the daily cap.
COUNTED_STATES = {"submitted", "approved", "revision_requested", "disputed"}


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise Conflict(f"a report that is {state} does not allow '{action}'",
                       [{"field": "state", "reason": state}],
                       code="report_state", params={"state": state, "action": action}) from None


def minutes_between(start: dt.time, end: dt.time) -> int:
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def overlaps(a: tuple[dt.time, dt.time], b: tuple[dt.time, dt.time]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def counted_minutes(minutes: int, already_counted_today: int,
                    daily_cap: int = DEFAULT_DAILY_CAP_MINUTES) -> int:
    """Minutes beyond the daily cap are accepted but do not count."""
    return max(0, min(minutes, daily_cap - already_counted_today))


def role_weight(role_weights: dict | None, role: str | None) -> Decimal:
    """A role's weight depends on the role alone, never on who holds it."""
    if not role_weights:
        if role is not None:
            raise InvalidInput("this activity has no roles; leave role empty",
                               [{"field": "role", "reason": "not applicable"}], code="activity_has_no_roles")
        return Decimal(1)
    if role is None:
        raise InvalidInput("choose your role in this activity",
                           [{"field": "role", "reason": f"one of {sorted(role_weights)}"}],
                           code="role_required")
    if role not in role_weights:
        raise InvalidInput(f"role {role!r} is not defined for this activity",
                           [{"field": "role", "reason": f"one of {sorted(role_weights)}"}],
                           code="role_unknown", params={"role": role})
    return Decimal(str(role_weights[role]))


def report_value(points: Decimal, rupiah: int, role_weights: dict | None,
                 role: str | None, quantity: int) -> tuple[Decimal, int]:
    """Points and rupiah one report earns once approved."""
    weight = role_weight(role_weights, role) * quantity
    value_points = (Decimal(points) * weight).quantize(Decimal("0.01"), ROUND_HALF_UP)
    value_rupiah = int((Decimal(rupiah) * weight).quantize(Decimal(1), ROUND_HALF_UP))
    return value_points, value_rupiah


def check_report_date(date: dt.date, today: dt.date) -> None:
    if date > today:
        raise InvalidInput("a report cannot be dated in the future",
                           [{"field": "date", "reason": f"after today ({today.isoformat()})"}],
                           code="report_in_future")


def input_deadline(date: dt.date, deadline_day: int) -> dt.date:
    """The last day to report work done on `date`: day N of the next month."""
    first_next = dt.date(date.year + (date.month == 12), date.month % 12 + 1, 1)
    return first_next.replace(day=deadline_day)


def check_input_open(date: dt.date, today: dt.date, deadline_day: int, closed: bool,
                     grace_until: dt.date | None) -> None:
    """A closed period never changes here; past the deadline only inside a grace window."""
    if closed:
        raise Conflict(f"the period {date:%Y-%m} is closed; ask for a correction",
                       [{"field": "date", "reason": "period closed"}],
                       code="period_closed", params={"period": f"{date:%Y-%m}"})
    deadline = input_deadline(date, deadline_day)
    if today > deadline and not (grace_until and today <= grace_until):
        raise Conflict(f"the input deadline for {date:%Y-%m} was {deadline.isoformat()}",
                       [{"field": "date", "reason": "past the input deadline"}],
                       code="deadline_passed",
                       params={"period": f"{date:%Y-%m}", "deadline": deadline.isoformat()})


def check_may_claim(activity, job_class: int, position_code: str) -> None:
    """Which positions or job classes may claim an activity type."""
    if not (activity.min_job_class <= job_class <= activity.max_job_class):
        raise Forbidden(f"{activity.name} is for job classes {activity.min_job_class}"
                        f"-{activity.max_job_class}", code="activity_job_class",
                        params={"activity": activity.name, "min_class": activity.min_job_class,
                                "max_class": activity.max_job_class})
    if activity.position_codes and position_code not in activity.position_codes:
        raise Forbidden(f"your position may not claim {activity.name}",
                        code="activity_position", params={"activity": activity.name})


def check_skp_item(item_kind: str, skp_state: str, activity_creative: bool) -> None:
    if skp_state != "approved":
        raise InvalidInput("your SKP for this year is not approved yet",
                           [{"field": "skp_item_id", "reason": f"SKP is {skp_state}"}],
                           code="skp_not_approved")
    if activity_creative and item_kind != "creative":
        raise InvalidInput("creative work counts only under a creative SKP item",
                           [{"field": "skp_item_id", "reason": "not a creative item"}],
                           code="creative_item_required")


def pick_version(versions: list, on: dt.date):
    """The catalogue version in force on a date: latest effective_from <= date."""
    in_force = [v for v in versions if v.effective_from <= on]
    return max(in_force, key=lambda v: (v.effective_from, v.version)) if in_force else None


# --- organisation ----------------------------------------------------------------

def nip_problem(nip: str, today: dt.date) -> str | None:
    """Why an NIP is not plausible, or None. Layout: birth date YYYYMMDD, start
    (TMT CPNS) YYYYMM, sex 1/2, sequence 001-999."""
    if len(nip) != 18 or not nip.isdigit():
        return "must be 18 digits"
    try:
        born = dt.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return "digits 1-8 are not a valid birth date"
    start_year, start_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= start_month <= 12:
        return "digits 9-14 are not a valid start month"
    if not (today.year - 70 <= born.year <= today.year - 17):
        return "birth year is not plausible for a civil servant"
    if not (born.year + 17 <= start_year <= today.year):
        return "start year must be at least 17 years after birth and not in the future"
    if nip[14] not in "12":
        return "digit 15 (sex) must be 1 or 2"
    if nip[15:18] == "000":
        return "digits 16-18 (sequence) must not be 000"
    return None


def holder_on(placements: list, on: dt.date):
    """Who holds a position on a date: an acting official (Plt/Plh) whose range
    covers it takes precedence over the definitive holder."""
    current = [p for p in placements
               if p.start_date <= on and (p.end_date is None or on <= p.end_date)]
    acting = [p for p in current if p.kind in ("plt", "plh")]
    pool = acting or [p for p in current if p.kind == "definitive"]
    return max(pool, key=lambda p: p.start_date) if pool else None


# --- SKP ---------------------------------------------------------------------------

SKP_TRANSITIONS = {
    ("draft", "submit"): "submitted",
    ("returned", "submit"): "submitted",
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "returned",
}
SKP_EDITABLE = {"draft", "returned"}


def next_skp_state(state: str, action: str) -> str:
    try:
        return SKP_TRANSITIONS[(state, action)]
    except KeyError:
        raise Conflict(f"an SKP that is {state} does not allow '{action}'",
                       [{"field": "state", "reason": state}],
                       code="skp_state", params={"state": state, "action": action}) from None


def check_skp_items(items, has_superior: bool, superior_item_ids: set[int]) -> None:
    """Main items cascade from one of the superior's items; the others stand alone."""
    problems = []
    for i, item in enumerate(items, 1):
        if item.kind == "main" and has_superior:
            if item.parent_item_id is None:
                problems.append({"row": i, "field": "parent_item_id", "code": "skp_parent_required",
                                 "reason": "a main item must cascade from your superior's SKP"})
            elif item.parent_item_id not in superior_item_ids:
                problems.append({"row": i, "field": "parent_item_id", "code": "skp_parent_unknown",
                                 "reason": "not an item of your superior's SKP for that year"})
        elif item.parent_item_id is not None and not (item.kind == "main" and has_superior):
            problems.append({"row": i, "field": "parent_item_id", "code": "skp_parent_not_allowed",
                             "reason": f"a {item.kind} item has no parent"
                             if item.kind != "main" else "you have no superior to cascade from"})
    if problems:
        raise InvalidInput("the SKP items have errors", problems, code="skp_items_invalid")
