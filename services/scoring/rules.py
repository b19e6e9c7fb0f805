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

from ekinerja_contract.indonesian import number, rupiah

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
    minutes: int = 0  # late (arrival), early (departure; negative: stayed after the end)
    excused: bool = False
    leave_type: str | None = None  # a leave's kind (rule_set.LeaveType); duty_travel: DL


@dataclass
class Condition:
    """A spell without TPP: one of rule_set.Condition, or a disciplinary punishment
    (`punishment_light|medium|heavy`, its months from the rule set, `end` unused)."""
    kind: str
    start: dt.date
    end: dt.date | None = None
    reference: str = ""  # the decree (SK) behind it


@dataclass
class MonthFacts:
    """What a month's pay depends on besides work and attendance, from scoring's tables."""
    conditions: list[Condition] = field(default_factory=list)
    has_skp: bool = True
    unassessed: list[str] = field(default_factory=list)  # subordinates the appraiser left
    budget_realisation: Decimal | None = None  # the agency's quarter, percent
    ptkp: str | None = None  # TK/0 ... K/3, for PPh 21 TER
    monthly_salary: int = 0


@dataclass
class RuleRef:
    id: int
    version: str
    body: "RuleSetBody"


@dataclass
class Step:
    """One line of the way from the ceiling to net: what it is, the article behind it,
    the rupiah it adds (+), takes (-) or stands at (a subtotal), and the records behind it."""
    key: str
    label: str
    clause: str
    amount: int
    kind: str = "add"  # base | add | subtract | total
    refs: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "clause": self.clause, "amount": self.amount,
                "kind": self.kind, "refs": self.refs}


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
    amount: int
    deductions: list = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    unexcused_days: int = 0
    big_leave_days: int = 0


def money(value) -> int:
    return int(Decimal(value).quantize(Decimal(1), ROUND_HALF_UP))


def percent(value) -> str:
    return f"{number(Decimal(value).quantize(Decimal('0.01')))}%"


def period_days(period: str) -> list[dt.date]:
    year, month = map(int, period.split("-"))
    day, days = dt.date(year, month, 1), []
    while day.month == month:
        days.append(day)
        day += dt.timedelta(days=1)
    return days


def is_working_day(day: dt.date, body) -> bool:
    return day.weekday() < 5 and day not in body.holidays


def clause(body, key: str, what: str = "") -> str:
    """'Perwali 12/2026 pasal 7: terlambat 31–60 menit 1%': the regulation, its article for
    the rule (`clauses[key]`, or the general one of `key`'s family) and what it says."""
    article = body.clauses.get(key) or body.clauses.get(key.split(".")[0], "")
    if not (article or what):
        return ""  # no article to cite: the line names its regulation once, above
    where = f"{body.name} {article}".strip()
    return f"{where}: {what}" if what else where


def step_for(minutes: int, steps):
    """The step a lateness falls in, and its range in words ('31–60 menit')."""
    low = 1
    for step in steps:
        if step.up_to_minutes is None or minutes <= step.up_to_minutes:
            span = f"> {low - 1} menit" if step.up_to_minutes is None else f"{low}–{step.up_to_minutes} menit"
            return step, span
        low = step.up_to_minutes + 1
    return steps[-1], f"> {low - 1} menit"


def lateness_percent(minutes: int, body) -> Decimal:
    return step_for(minutes, body.lateness)[0].percent


LEAVE_WORDS = {"annual": "cuti tahunan", "sick": "cuti sakit", "maternity": "cuti melahirkan",
               "big": "cuti besar", "important": "cuti karena alasan penting",
               "duty_travel": "dinas luar", None: "cuti"}


def day_deductions(marks: list[AttendanceMark], body, leave_ordinal: int = 1) -> list[tuple]:
    """Discipline deductions of one working day: (reason, percent, clause). `leave_ordinal`:
    which day of its kind of leave this is in the month (free days come first)."""
    leave = next((m for m in marks if m.kind == "leave"), None)
    if leave is not None:
        rule = body.leave.get(leave.leave_type) if leave.leave_type else None
        if rule is None or rule.free_days is None or leave_ordinal <= rule.free_days \
                or rule.percent_per_day == 0:
            return []
        what = f"{LEAVE_WORDS[leave.leave_type]} hari ke-{leave_ordinal}"
        return [(what, rule.percent_per_day, clause(
            body, f"leave.{leave.leave_type}",
            f"{LEAVE_WORDS[leave.leave_type]} lebih dari {rule.free_days} hari "
            f"{percent(rule.percent_per_day)} per hari"))]
    if any(m.kind == "absence" and m.excused for m in marks):
        return []
    if any(m.kind == "absence" for m in marks):
        return [("tanpa keterangan", body.absence_percent,
                 clause(body, "absence", f"tidak masuk tanpa keterangan {percent(body.absence_percent)}"))]
    arrivals = [m for m in marks if m.kind == "arrival"]
    if not arrivals:
        return [("tidak ada catatan hadir", body.missing_record_percent,
                 clause(body, "missing_record",
                        f"tidak ada catatan hadir {percent(body.missing_record_percent)}"))]
    # an excused mark (a duty elsewhere, a corrected record) costs nothing
    late = max((m.minutes for m in arrivals if not m.excused), default=0)
    departure = max((m.minutes for m in marks if m.kind == "departure" and not m.excused),
                    default=None)
    early = max(departure or 0, 0)
    made_up = ""
    if body.flexi_minutes:  # the late minutes within the flexi are owed at the end of the day
        within = min(max(late, 0), body.flexi_minutes)
        stayed = max(-(departure or 0), 0) if departure is not None else 0
        late -= within
        if within > stayed:
            early += within - stayed
            made_up = f" (kurang {within - stayed} menit dari jam fleksibel)"
    out = []
    if late > 0:
        step, span = step_for(late, body.lateness)
        extra = f" di luar {body.flexi_minutes} menit fleksibel" if body.flexi_minutes else ""
        out.append((f"terlambat {late} menit{extra}", step.percent,
                    clause(body, "lateness", f"terlambat {span} {percent(step.percent)}")))
    if early > 0:
        step, span = step_for(early, body.early_leave or body.lateness)
        out.append((f"pulang cepat {early} menit{made_up}", step.percent,
                    clause(body, "early_leave", f"pulang sebelum waktunya {span} {percent(step.percent)}")))
    return out


def grade_group(grade: str | None) -> str:
    return (grade or "I").split("/")[0].strip().upper() or "I"


TER_CATEGORY = {"TK/0": "A", "TK/1": "A", "K/0": "A", "TK/2": "B", "TK/3": "B", "K/1": "B",
                "K/2": "B", "K/3": "C"}


def ter_percent(steps, gross: int) -> Decimal:
    return next(s.percent for s in steps if s.up_to is None or gross <= s.up_to)


def tax_step(body, profile: Profile, facts: MonthFacts, base: int) -> Step:
    """PPh 21 on the TPP: a final rate by grade, or TER (PP 58/2023) on the month's salary
    plus this TPP, less what the salary's own TER already took."""
    if body.tax_method == "final_by_grade":
        group = grade_group(profile.grade)
        rate = body.tax_percent_by_grade.get(group, ZERO)
        return Step("tax", f"PPh 21 golongan {group}: {percent(rate)} × {rupiah(base)}",
                    clause(body, "tax", f"tarif golongan {group} {percent(rate)}"),
                    -money(base * rate / 100), "subtract")
    category = TER_CATEGORY.get(facts.ptkp or "", "A")
    steps, salary = body.ter[category], facts.monthly_salary
    with_tpp, alone = ter_percent(steps, salary + base), ter_percent(steps, salary)
    amount = money((salary + base) * with_tpp / 100) - money(salary * alone / 100)
    known = f"PTKP {facts.ptkp}" if facts.ptkp else "PTKP belum tercatat"
    return Step("tax", f"PPh 21 TER kategori {category} ({known}): {percent(with_tpp)} × "
                       f"{rupiah(salary + base)} − {percent(alone)} × gaji {rupiah(salary)}",
                clause(body, "tax", f"TER kategori {category}"), -amount, "subtract",
                {"ptkp": facts.ptkp, "monthly_salary": salary})


def exclusions(body, period: str, segments: list[Segment], performance: Decimal,
               facts: MonthFacts) -> list[tuple[str, str]]:
    """Why no TPP is paid for the month at all: (reason, clause), none when it is paid."""
    rules_ = body.exclusions
    days = period_days(period)
    first, last = days[0], days[-1]
    out = []
    names = {"mpp": "masa persiapan pensiun (MPP)", "uang_tunggu": "menerima uang tunggu",
             "detention": "ditahan", "cltn": "cuti di luar tanggungan negara (CLTN)",
             "temporary_dismissal": "diberhentikan sementara"}
    for c in facts.conditions:
        if c.kind.startswith("punishment_"):
            level = c.kind.removeprefix("punishment_")
            months = rules_.punishment_months.get(level, 0)  # type: ignore[call-overload]
            until = _add_months(c.start, months)
            if months and c.start <= last and first < until:
                word = {"light": "ringan", "medium": "sedang", "heavy": "berat"}[level]
                out.append((f"hukuman disiplin {word} sejak {c.start.isoformat()} {c.reference}".strip(),
                            clause(body, f"exclusion.punishment_{level}",
                                   f"hukuman disiplin {word}: {months} bulan tanpa TPP")))
        elif c.kind in rules_.conditions and c.start <= last and (c.end is None or c.end >= first):
            out.append((f"{names[c.kind]} {c.reference}".strip(),
                        clause(body, f"exclusion.{c.kind}", f"{names[c.kind]} tidak menerima TPP")))
    big = sum(s.big_leave_days for s in segments)
    if rules_.big_leave_over_days is not None and big > rules_.big_leave_over_days:
        out.append((f"cuti besar {big} hari", clause(
            body, "exclusion.big_leave", f"cuti besar lebih dari {rules_.big_leave_over_days} hari")))
    if rules_.min_performance_percent is not None and performance * 100 < rules_.min_performance_percent:
        out.append((f"capaian kinerja {percent(performance * 100)}", clause(
            body, "exclusion.performance", f"capaian di bawah {percent(rules_.min_performance_percent)}")))
    absent = sum(s.unexcused_days for s in segments)
    if rules_.max_unexcused_days is not None and absent >= rules_.max_unexcused_days:
        out.append((f"{absent} hari tanpa keterangan", clause(
            body, "exclusion.absence", f"{rules_.max_unexcused_days} hari atau lebih tanpa keterangan")))
    if rules_.require_skp and not facts.has_skp:
        out.append(("tidak ada SKP yang disetujui tahun ini", clause(body, "exclusion.skp", "tanpa SKP")))
    if rules_.appraiser_must_assess and facts.unassessed:
        who = ", ".join(facts.unassessed[:3]) + (f" dan {len(facts.unassessed) - 3} lainnya"
                                                 if len(facts.unassessed) > 3 else "")
        out.append((f"belum menilai bawahan: {who}", clause(
            body, "exclusion.appraiser", "pejabat penilai yang tidak menilai bawahannya")))
    return out


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after `day`'s."""
    n = day.year * 12 + day.month - 1 + months
    return dt.date(n // 12, n % 12 + 1, 1)


def compute(profile: Profile, period: str, rule_on, work: dict[dt.date, DayWork],
            attendance: dict[dt.date, list[AttendanceMark]], as_of: dt.date | None = None,
            facts: MonthFacts | None = None) -> dict:
    """One employee's TPP for a month, with every step from the ceiling to net. `rule_on(day)`
    gives the RuleRef in force. With `as_of` (an estimate during the month) a day after it
    has no attendance yet to judge, so it is never deducted for a missing record."""
    facts = facts or MonthFacts()
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
    ordinals = _leave_ordinals(attendance, days)
    segments = [_segment(refs[rule_id], seg_days, total_working, profile, work, attendance, as_of,
                         ordinals, facts)
                for rule_id, seg_days in by_rule.items()]
    last = rule_on(days[-1]).body
    gross = sum(s.amount for s in segments)
    performance = _weighted(segments, "performance")
    steps = [step for s in segments for step in s.steps]
    steps.append(Step("gross", "TPP kotor", clause(last, "split"), gross, "total"))
    excluded = exclusions(last, period, segments, performance, facts)
    if excluded:
        steps.append(Step("exclusion", "TPP tidak dibayar: " + "; ".join(r for r, _ in excluded),
                          excluded[0][1], -gross, "subtract",
                          {"reasons": [{"reason": r, "clause": c} for r, c in excluded]}))
        gross = 0
    factor = last.cpns_factor if profile.status == "CPNS" else Decimal(1)
    after_factor = money(gross * factor)
    if factor != 1:
        steps.append(Step("cpns", f"CPNS menerima {percent(factor * 100)}",
                          clause(last, "cpns", f"CPNS {percent(factor * 100)}"),
                          after_factor - gross, "subtract"))
    tax = tax_step(last, profile, facts, after_factor)
    insured = min(after_factor, last.insurance_base_cap)
    insurance = Step("insurance", f"Iuran BPJS Kesehatan {percent(last.insurance_percent)} × "
                                  f"{rupiah(insured)}",
                     clause(last, "insurance", f"{percent(last.insurance_percent)} dari dasar paling "
                                               f"tinggi {rupiah(last.insurance_base_cap)}"),
                     -money(insured * last.insurance_percent / 100), "subtract")
    net = after_factor + tax.amount + insurance.amount
    steps += [tax, insurance, Step("net", "TPP bersih", "", net, "total")]
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
        "performance": str(performance),
        "discipline": str(_weighted(segments, "discipline")),
        "gross": gross, "cpns_factor": str(factor), "after_factor": after_factor,
        "tax": -tax.amount, "insurance": -insurance.amount, "net": net,
        "excluded": [r for r, _ in excluded],
        "regulation": last.name,
        "rule_sets": sorted({s.rule_set for s in segments}),
        "segments": [_segment_dict(s) for s in segments],
        "steps": [s.as_dict() for s in steps],
    }


def _leave_ordinals(attendance, days) -> dict[dt.date, int]:
    """Each leave day's place among the month's days of the same kind of leave."""
    seen: dict[str | None, int] = defaultdict(int)
    out = {}
    for d in days:
        leave = next((m for m in attendance.get(d, []) if m.kind == "leave"), None)
        if leave is not None:
            seen[leave.leave_type] += 1
            out[d] = seen[leave.leave_type]
    return out


def _segment(ref: RuleRef, seg_days: list[dt.date], total_working: int, profile: Profile,
             work: dict[dt.date, DayWork], attendance: dict[dt.date, list[AttendanceMark]],
             as_of: dt.date | None, ordinals: dict[dt.date, int], facts: MonthFacts) -> Segment:
    """The part of a month under one rule set: its share of the working days, what was
    achieved against its standard, its discipline deductions, each share's rupiah."""
    body = ref.body
    working = [d for d in seg_days if is_working_day(d, body)]
    share = Decimal(len(working)) / Decimal(total_working)
    achieved, rupiah_, worked_days = _achieved(body, seg_days, work)
    away = [d for d in working if _leave_reduces(attendance.get(d, []), body)]
    standard = body.monthly_standard * Decimal(len(working) - len(away)) / Decimal(total_working)
    performance = min(achieved / standard, Decimal(1)) if standard > 0 else ZERO
    judged = [d for d in working if as_of is None or d <= as_of]
    deductions = [(d, reason, pct, why) for d in judged
                  for reason, pct, why in day_deductions(attendance.get(d, []), body, ordinals.get(d, 1))]
    deduction_percent = min(sum((p for _, _, p, _ in deductions), ZERO), Decimal(100))
    discipline = Decimal(1) - deduction_percent / 100
    ceiling = Decimal(body.ceilings[profile.job_class]) * share
    part = f" ({ref.version}, {len(working)} dari {total_working} hari kerja)" if share != 1 else ""
    unit = "menit" if body.standard_unit == "minutes" else "poin"
    steps = [Step("ceiling", f"Pagu TPP kelas jabatan {profile.job_class}{part}",
                  clause(body, "ceiling"), money(ceiling), "base")]
    if body.performance_share:
        if body.mode == "standard":
            value = ceiling * body.performance_share * performance
            how = (f"{percent(body.performance_share * 100)} × capaian {number(achieved)} dari "
                   f"{number(standard.quantize(Decimal('0.01')))} {unit} ({percent(performance * 100)})")
        else:
            value = min(Decimal(rupiah_), ceiling * body.performance_share)
            how = f"nilai rupiah aktivitas {rupiah(rupiah_)}, paling banyak " \
                  f"{percent(body.performance_share * 100)} pagu"
        refs: dict = {"days": worked_days}
        if away:
            refs["leave_days"] = [d.isoformat() for d in away]
            how += f"; standar dikurangi {len(away)} hari cuti"
        steps.append(Step("performance", f"Kinerja{part}: {how}", clause(body, "performance"),
                          money(value), "add", refs))
    if body.discipline_share:
        steps.append(Step(
            "discipline", f"Disiplin{part}: {percent(body.discipline_share * 100)} × "
                          f"(100% − potongan {percent(deduction_percent)})",
            clause(body, "discipline"), money(ceiling * body.discipline_share * discipline), "add",
            {"attendance": [{"date": d.isoformat(), "reason": r, "percent": str(p), "clause": c}
                            for d, r, p, c in deductions]}))
    if body.fixed_share:
        steps.append(Step("fixed", f"Bagian tetap{part}: {percent(body.fixed_share * 100)} pagu",
                          clause(body, "split"), money(ceiling * body.fixed_share)))
    if body.budget_share:
        steps.append(_budget_step(body, part, ceiling, facts, as_of))
    amount = sum(s.amount for s in steps if s.kind == "add")
    unexcused = sum(1 for d in judged for m in attendance.get(d, [])
                    if m.kind == "absence" and not m.excused)
    big = sum(1 for d in working for m in attendance.get(d, [])
              if m.kind == "leave" and m.leave_type == "big")
    return Segment(ref.version, len(working), share, standard, achieved, performance,
                   deduction_percent, discipline, ceiling, amount,
                   [(d.isoformat(), r, str(p), c) for d, r, p, c in deductions], steps,
                   unexcused, big)


def _budget_step(body, part: str, ceiling: Decimal, facts: MonthFacts, as_of) -> Step:
    """The share paid by the agency's budget realisation in the quarter (at most 100%).
    Unknown at the close, the line cannot be frozen; unknown in an estimate, it counts 0."""
    realised = facts.budget_realisation
    if realised is None:
        if as_of is None:
            raise ValueError("realisasi anggaran OPD untuk triwulan ini belum diisi")
        return Step("budget", f"Realisasi anggaran{part}: belum diisi", clause(body, "budget_realisation"), 0)
    counted = min(realised, Decimal(100))
    return Step("budget", f"Realisasi anggaran{part}: {percent(body.budget_share * 100)} × "
                          f"realisasi {percent(counted)}",
                clause(body, "budget_realisation"),
                money(ceiling * body.budget_share * counted / 100), "add",
                {"budget_realisation": str(realised)})


def _leave_reduces(marks, body) -> bool:
    leave = next((m for m in marks if m.kind == "leave"), None)
    rule = body.leave.get(leave.leave_type) if leave is not None and leave.leave_type else None
    return bool(rule and rule.reduces_standard)


def _achieved(body, days: list[dt.date], work: dict[dt.date, DayWork]) -> tuple[Decimal, int, dict]:
    """Minutes within the daily cap (or points) and rupiah of the approved work, and what
    each day counted (the page links each day to its reports)."""
    achieved, rupiah_, counted = ZERO, 0, {}
    for d in days:
        w = work.get(d)
        if w is None:
            continue
        if body.standard_unit == "minutes":
            today = Decimal(min(w.minutes, body.daily_cap_minutes))
        else:
            today = w.points + w.approver_points
        achieved += today
        rupiah_ += w.rupiah
        counted[d.isoformat()] = str(today)
    return achieved, rupiah_, counted


def _weighted(segments, attr) -> Decimal:
    return sum((getattr(s, attr) * s.share for s in segments), ZERO).quantize(Decimal("0.0001"))


def _segment_dict(s: Segment) -> dict:
    q = Decimal("0.0001")
    return {"rule_set": s.rule_set, "working_days": s.working_days, "share": str(s.share.quantize(q)),
            "standard": str(s.standard.quantize(Decimal("0.01"))), "achieved": str(s.achieved),
            "performance": str(s.performance.quantize(q)),
            "deduction_percent": str(s.deduction_percent), "discipline": str(s.discipline.quantize(q)),
            "ceiling": money(s.ceiling), "amount": s.amount, "deductions": s.deductions}


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
