"""Reporting rules as plain functions: no broker, no database."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from ekinerja_contract.errors import Conflict, InvalidInput

DEFAULT_DAILY_CAP_MINUTES = 450

# Which action may move a report from which state, and where it lands.
TRANSITIONS = {
    ("draft", "submit"): "submitted",
    ("submitted", "withdraw"): "withdrawn",
    ("submitted", "approve"): "approved",
    ("submitted", "reject"): "rejected",
    ("submitted", "request_revision"): "revision_requested",
    ("revision_requested", "resubmit"): "submitted",
    ("rejected", "dispute"): "disputed",
    ("disputed", "uphold"): "approved",
    ("disputed", "dismiss"): "dismissed",
}
LIVE_STATES = {"draft", "submitted", "approved", "revision_requested", "disputed"}


def next_state(state: str, action: str) -> str:
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise Conflict(f"a report that is {state} does not allow '{action}'",
                       [{"field": "state", "reason": state}]) from None


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
                               [{"field": "role", "reason": "not applicable"}])
        return Decimal(1)
    if role is None:
        raise InvalidInput("choose your role in this activity",
                           [{"field": "role", "reason": f"one of {sorted(role_weights)}"}])
    if role not in role_weights:
        raise InvalidInput(f"role {role!r} is not defined for this activity",
                           [{"field": "role", "reason": f"one of {sorted(role_weights)}"}])
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
                           [{"field": "date", "reason": f"after today ({today.isoformat()})"}])


def pick_version(versions: list, on: dt.date):
    """The catalogue version in force on a date: latest effective_from <= date."""
    in_force = [v for v in versions if v.effective_from <= on]
    return max(in_force, key=lambda v: (v.effective_from, v.version)) if in_force else None
