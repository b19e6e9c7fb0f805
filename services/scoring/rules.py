"""How approved work and attendance become TPP: plain functions, no I/O.

A month is split into segments by the rule set in force on each day. Monthly
numbers (standard, ceiling) are pro-rated by the segment's share of working
days; daily numbers (cap, deductions) use the day's own rule set. Every figure
of the result is kept, so a statement can explain it line by line."""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # for the annotation only: these rules take the body as data
    from ekinerja_contract.rule_set import RuleSetBody

ZERO = Decimal(0)
PREDIKAT = {  # PermenPANRB 6/2022: (work result rating, behaviour rating) -> predikat
    ("above", "above"): "Sangat Baik", ("above", "as_expected"): "Baik",
    ("above", "below"): "Kurang", ("as_expected", "above"): "Baik",
    ("as_expected", "as_expected"): "Baik", ("as_expected", "below"): "Kurang",
    ("below", "above"): "Butuh Perbaikan", ("below", "as_expected"): "Butuh Perbaikan",
    ("below", "below"): "Sangat Kurang",
}


@dataclass
class Profile:
    employee_id: int
    nip: str
    name: str
    agency_id: int
    job_class: int
    status: str
    grade: str | None


@dataclass
class DayWork:
    minutes: int = 0
    points: Decimal = ZERO
    rupiah: int = 0
    approver_points: Decimal = ZERO


@dataclass
class AttendanceMark:
    kind: str  # arrival | departure | absence | leave
    minutes: int = 0  # late (arrival) or early (departure)
    excused: bool = False


@dataclass
class RuleRef:
    id: int
    version: str
    body: "RuleSetBody"


@dataclass
class Segment:
    rule_set: str
    working_days: int
    share: Decimal
    standard: Decimal
    achieved: Decimal
    performance: Decimal
    deduction_percent: Decimal
    discipline: Decimal
    ceiling: Decimal
    amount: Decimal
    deductions: list = field(default_factory=list)


def money(value) -> int:
    return int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP))


def period_days(period: str) -> list[dt.date]:
    year, month = map(int, period.split("-"))
    day, days = dt.date(year, month, 1), []
    while day.month == month:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


def is_working_day(day: dt.date, body) -> bool:
    return day.weekday() < 5 and day not in body.holidays


def lateness_percent(minutes: int, body) -> Decimal:
    for step in body.lateness:
        if step.up_to_minutes is None or minutes <= step.up_to_minutes:
            return step.percent
    return body.lateness[-1].percent


def day_deductions(marks: list[AttendanceMark], body) -> list[tuple[str, Decimal]]:
    """Discipline deductions of one working day, in percent, with the reason."""
    if any(m.kind == "leave" or (m.kind == "absence" and m.excused) for m in marks):
        return []
    if any(m.kind == "absence" for m in marks):
        return [("tanpa keterangan", body.absence_percent)]
    arrivals = [m for m in marks if m.kind == "arrival"]
    if not arrivals:
        return [("tidak ada catatan hadir", body.missing_record_percent)]
    out = []
    late = max(m.minutes for m in arrivals)
    if late > 0:
        out.append((f"terlambat {late} menit", lateness_percent(late, body)))
    early = max((m.minutes for m in marks if m.kind == "departure"), default=0)
    if early > 0:
        out.append((f"pulang cepat {early} menit", lateness_percent(early, body)))
    return out


def grade_group(grade: str | None) -> str:
    return (grade or "I").split("/")[0].strip().upper() or "I"


def compute(profile: Profile, period: str, rule_on, work: dict[dt.date, DayWork],
            attendance: dict[dt.date, list[AttendanceMark]], as_of: dt.date | None = None) -> dict:
    """One employee's TPP for a month. `rule_on(day)` gives the RuleRef in force. With
    `as_of` (an estimate during the month) a day after it has no attendance yet to
    judge, so it is never deducted for a missing record."""
    days = period_days(period)
    by_rule: dict[int, list[dt.date]] = defaultdict(list)
    refs: dict[int, RuleRef] = {}
    for day in days:
        ref = rule_on(day)
        refs[ref.id] = ref
        by_rule[ref.id].append(day)
    total_working = sum(1 for d in days if is_working_day(d, rule_on(d).body))
    if total_working == 0:
        raise ValueError(f"{period} has no working days")
    segments = [_segment(refs[rule_id], seg_days, total_working, profile, work, attendance, as_of)
                for rule_id, seg_days in by_rule.items()]
    last = rule_on(days[-1]).body
    gross = sum((s.amount for s in segments), ZERO)
    factor = last.cpns_factor if profile.status == "CPNS" else Decimal(1)
    after_factor = gross * factor
    tax = after_factor * last.tax_percent_by_grade.get(grade_group(profile.grade), ZERO) / 100
    insurance = min(after_factor, Decimal(last.insurance_base_cap)) * last.insurance_percent / 100
    month_work = [w for d, w in work.items() if d.strftime("%Y-%m") == period]
    return {
        "employee_id": profile.employee_id, "nip": profile.nip, "name": profile.name,
        "agency_id": profile.agency_id, "job_class": profile.job_class,
        "status": profile.status, "grade": profile.grade, "period": period,
        "working_days": total_working,
        "minutes": sum(w.minutes for w in month_work),
        "activity_points": str(sum((w.points for w in month_work), ZERO)),
        "approver_points": str(sum((w.approver_points for w in month_work), ZERO)),
        "activity_rupiah": sum(w.rupiah for w in month_work),
        "ceiling": money(sum((s.ceiling for s in segments), ZERO)),
        "performance": str(_weighted(segments, "performance")),
        "discipline": str(_weighted(segments, "discipline")),
        "gross": money(gross), "cpns_factor": str(factor), "after_factor": money(after_factor),
        "tax": money(tax), "insurance": money(insurance),
        "net": money(after_factor) - money(tax) - money(insurance),
        "rule_sets": sorted({s.rule_set for s in segments}),
        "segments": [_segment_dict(s) for s in segments],
    }


def _segment(ref: RuleRef, seg_days: list[dt.date], total_working: int, profile: Profile,
             work: dict[dt.date, DayWork], attendance: dict[dt.date, list[AttendanceMark]],
             as_of: dt.date | None) -> Segment:
    """The part of a month under one rule set: its share of the working days, what was
    achieved against its standard, its discipline deductions, its amount."""
    body = ref.body
    working = [d for d in seg_days if is_working_day(d, body)]
    share = Decimal(len(working)) / Decimal(total_working)
    achieved, rupiah = _achieved(body, seg_days, work)
    standard = body.monthly_standard * share
    performance = min(achieved / standard, Decimal(1)) if standard > 0 else ZERO
    deductions = [(d, reason, pct) for d in working if as_of is None or d <= as_of
                  for reason, pct in day_deductions(attendance.get(d, []), body)]
    deduction_percent = min(sum((p for _, _, p in deductions), ZERO), Decimal(100))
    discipline = Decimal(1) - deduction_percent / 100
    ceiling = Decimal(body.ceilings[profile.job_class]) * share
    if body.mode == "standard":
        amount = ceiling * (body.performance_share * performance + body.discipline_share * discipline)
    else:
        amount = min(Decimal(rupiah), ceiling * body.performance_share) + \
            ceiling * body.discipline_share * discipline
    return Segment(ref.version, len(working), share, standard, achieved, performance,
                   deduction_percent, discipline, ceiling, amount,
                   [(d.isoformat(), r, str(p)) for d, r, p in deductions])


def _achieved(body, days: list[dt.date], work: dict[dt.date, DayWork]) -> tuple[Decimal, int]:
    """Minutes within the daily cap (or points) and rupiah of the approved work."""
    achieved, rupiah = ZERO, 0
    for d in days:
        w = work.get(d)
        if w is None:
            continue
        if body.standard_unit == "minutes":
            achieved += min(w.minutes, body.daily_cap_minutes)
        else:
            achieved += w.points + w.approver_points
        rupiah += w.rupiah
    return achieved, rupiah


def _weighted(segments, attr) -> Decimal:
    return sum((getattr(s, attr) * s.share for s in segments), ZERO).quantize(Decimal("0.0001"))


def _segment_dict(s: Segment) -> dict:
    q = Decimal("0.0001")
    return {"rule_set": s.rule_set, "working_days": s.working_days, "share": str(s.share.quantize(q)),
            "standard": str(s.standard.quantize(Decimal("0.01"))), "achieved": str(s.achieved),
            "performance": str(s.performance.quantize(q)),
            "deduction_percent": str(s.deduction_percent), "discipline": str(s.discipline.quantize(q)),
            "ceiling": money(s.ceiling), "amount": money(s.amount), "deductions": s.deductions}


def recap(entries) -> dict:
    """Totals of one person's ledger lines for a period, by kind."""
    totals: dict[str, Decimal | int] = {"activity_points": ZERO, "approver_points": ZERO, "rupiah": 0,
                                        "counted_minutes": 0, "activities": 0}
    for e in entries:
        if e.kind == "approver_credit":
            totals["approver_points"] += e.points
        else:
            totals["activity_points"] += e.points
            totals["rupiah"] += e.rupiah
            totals["counted_minutes"] += e.minutes
            totals["activities"] += {"activity": 1, "reversal": -1}.get(e.kind, 0)
    totals["points"] = totals["activity_points"] + totals["approver_points"]
    return totals


def predikat(result_rating: str, behaviour_rating: str) -> str:
    return PREDIKAT[(result_rating, behaviour_rating)]


def distribution_warnings(counts: dict[str, int], limits: dict[str, Decimal]) -> list[str]:
    total = sum(counts.values())
    warnings = []
    for name, limit in limits.items():
        share = Decimal(counts.get(name, 0)) / total if total else ZERO
        if share > limit:
            warnings.append(f"{name}: {counts[name]} dari {total} pegawai ({share:.0%}) "
                            f"melebihi batas {limit:.0%}")
    return warnings
