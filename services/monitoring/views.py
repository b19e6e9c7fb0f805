"""The leaders' figures, read from monitoring's own tables: who may see what, and one
function per section (compliance, approval debt, cost, predikat, fairness).

A scope is the set of people a page is about: the whole city, one agency, or one
superior's team, narrowed by agency and unit. Every figure is grouped one level below the
scope (agencies for the city, units for an agency, people for a team), and every group
names the people behind it through `people()`."""
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import distinct, func, select

from ekinerja_contract import clock, periods
from ekinerja_contract.errors import Forbidden, InvalidInput
from ekinerja_contract.schemas import Actor

from . import rules
from .models import (
    AgencyMonthCost,
    ApproverMonth,
    Budget,
    ClosedMonth,
    Holder,
    LiveReport,
    OrganisationPredikat,
    PayLine,
    Person,
    PersonMonth,
    Predikat,
    PredikatCount,
    ReportDay,
    Task,
)
from .projection import holidays_resolver

AUDIENCES = ("city", "agency", "team")
CRITERIA = ("all", "nothing_filed", "behind", "waiting_on", "predikat", "team_of", "paid")
BEHIND = Fraction(4, 5)  # under 80% of working days filled in: "tertinggal"
TOP = 50  # approvers and appraisers on a page: the longest waits, the flagged first


@dataclass(frozen=True)
class Scope:
    audience: str
    agency_id: int | None
    unit_id: int | None
    superior_id: int | None  # the team's superior
    first: dt.date  # the month's people: placed in it at some point
    last: dt.date
    led: tuple[int, ...] = ()  # the positions the team's superior holds

    def where(self, q):
        q = q.where(Person.placed_from <= self.last,
                    Person.placed_until.is_(None) | (Person.placed_until >= self.first))
        if self.agency_id is not None:
            q = q.where(Person.agency_id == self.agency_id)
        if self.unit_id is not None:
            q = q.where(Person.unit_id == self.unit_id)
        if self.superior_id is not None:
            q = q.where(Person.superior_position_id.in_(self.led))
        return q

    def group_of(self, p: Any) -> tuple[str, int | None, str]:
        """(level, id, label) of the group a person is counted in on this page."""
        if self.audience == "city" and self.agency_id is None:
            return "agency", p.agency_id, p.agency_name or p.agency_code or f"OPD {p.agency_id}"
        if self.audience != "team" and self.unit_id is None:
            return "unit", p.unit_id, p.unit_name or "Tanpa unit"
        return "person", p.employee_id, p.name


def scope_for(s, actor: Actor, audience: str, agency_id: int | None,
              unit_id: int | None, period: str) -> Scope:
    """What this actor may see on this page, or Forbidden: the city for city admins
    (BKPSDM, the mayor's office), an agency for its admin and its head (acting heads
    too), a team for whoever holds the position its members report to."""
    first, end = periods.bounds(period)
    last = end - dt.timedelta(days=1)
    if audience not in AUDIENCES:
        raise InvalidInput("unknown page", [{"field": "audience", "reason": audience}],
                           code="dashboard_audience")
    if audience == "city":
        if not actor.has("city_admin"):
            raise Forbidden("the city's page is for BKPSDM and the mayor's office",
                            code="dashboard_city_scope")
        return Scope("city", agency_id, unit_id, None, first, last)
    if audience == "agency":
        agency_id = agency_id or actor.agency_id
        if agency_id is None:
            raise InvalidInput("which agency?", [{"field": "agency_id", "reason": "missing"}],
                               code="dashboard_agency_missing")
        if not (actor.has("city_admin") or (actor.has("agency_admin") and actor.agency_id == agency_id)
                or _heads(s, actor.employee_id, agency_id)):
            raise Forbidden("an agency's page is for its head and its admins",
                            code="dashboard_agency_scope")
        return Scope("agency", agency_id, unit_id, None, first, last)
    led = tuple(s.scalars(select(Holder.position_id).where(Holder.employee_id == actor.employee_id))) \
        if actor.employee_id is not None else ()
    if not led or s.scalar(select(Person.employee_id).where(
            Person.superior_position_id.in_(led)).limit(1)) is None:
        raise Forbidden("a team's page is for its superior", code="dashboard_team_scope")
    return Scope("team", None, unit_id, actor.employee_id, first, last, led)


def _heads(s, employee_id: int | None, agency_id: int) -> bool:
    """The head of an agency: holds (or acts in) the position at the top of its chart."""
    if employee_id is None:
        return False
    return s.scalar(select(Holder.position_id).where(
        Holder.employee_id == employee_id, Holder.agency_id == agency_id,
        Holder.top.is_(True)).limit(1)) is not None


# A person as the pages read them: a row of these columns (rows, not ORM objects: a city is
# 10,000 of them, and building objects was a fifth of the city page's time).
PERSON_COLUMNS = (Person.employee_id, Person.name, Person.agency_id, Person.agency_code,
                  Person.agency_name, Person.unit_id, Person.unit_name, Person.placed_from)
LISTED_COLUMNS = (Person.nip, Person.position_code, Person.position_name)
Who = Any  # a Row of PERSON_COLUMNS


def _people(s, scope: Scope, period: str, listed: bool = False) -> list[Who]:
    """The scope's people, each with the weekdays of the month they filled in."""
    columns = PERSON_COLUMNS + LISTED_COLUMNS if listed else PERSON_COLUMNS
    return list(s.execute(scope.where(
        select(*columns, func.coalesce(PersonMonth.weekdays_filled, 0).label("weekdays"))
        .outerjoin(PersonMonth, (PersonMonth.employee_id == Person.employee_id)
                   & (PersonMonth.period == period))).order_by(Person.employee_id)))


def _days_filled(s, people: list[Who], period: str, today: dt.date) -> tuple[
        dict[int, int], dict[int, int]]:
    """Per person: the working days so far they filled in, and the working days so far
    (their agency's calendar, from the day they were placed if that was this month)."""
    first, end = periods.bounds(period)
    last = min(end - dt.timedelta(days=1), today)
    holidays = holidays_resolver(s)
    calendars: dict[int, list[dt.date]] = {}
    for agency in {p.agency_id for p in people}:
        # each day judged by the rule set in force on it, as scoring judges a month
        calendars[agency] = [d for d in rules.working_days(first, last, frozenset())
                             if d not in holidays(agency, d)]
    possible = {p.employee_id: len(calendars[p.agency_id]) for p in people}
    # the weekdays filled, less those that are no working day so far: the holidays and
    # the days still to come (each agency's calendar; one query per distinct calendar,
    # over the few dates it leaves out, on the date index)
    filled = {p.employee_id: p.weekdays for p in people}
    by_calendar: dict[tuple[dt.date, ...], list[int]] = defaultdict(list)
    weekdays = rules.working_days(first, end - dt.timedelta(days=1), frozenset())
    for agency, calendar in calendars.items():
        by_calendar[tuple(d for d in weekdays if d not in calendar)].append(agency)
    for left_out, agencies in by_calendar.items():
        if not left_out:
            continue
        q = (select(ReportDay.employee_id, func.count()).join(
            Person, Person.employee_id == ReportDay.employee_id)
            .where(ReportDay.reports > 0, ReportDay.date.in_(left_out), Person.agency_id.in_(agencies))
            .group_by(ReportDay.employee_id))
        for employee_id, n in s.execute(q):
            if employee_id in filled:
                filled[employee_id] -= n
    # placed during the month: held to the days from then, and only those count
    joined = {p.employee_id: p for p in people if p.placed_from > first}
    for p in joined.values():
        possible[p.employee_id] = sum(1 for d in calendars[p.agency_id] if d >= p.placed_from)
    if joined:
        before = (select(ReportDay.employee_id, ReportDay.date).where(
            ReportDay.reports > 0, ReportDay.employee_id.in_(list(joined)),
            ReportDay.date >= first, ReportDay.date < end))
        for employee_id, day in s.execute(before):
            p = joined[employee_id]
            if day < p.placed_from and day in calendars[p.agency_id]:
                filled[employee_id] -= 1
    return filled, possible


# --- compliance ------------------------------------------------------------------------------

def _behind(done: int, possible: int) -> bool:
    """Under BEHIND of the working days so far (in integers: a city is 10,000 of these)."""
    return possible > 0 and done * BEHIND.denominator < possible * BEHIND.numerator


def compliance(s, scope: Scope, people: list[Who], period: str, today: dt.date) -> dict:
    filled, possible_of = _days_filled(s, people, period, today)
    groups: dict[tuple, dict] = {}
    nothing = 0
    total_days = total_possible = 0
    for p in people:
        level, gid, label = scope.group_of(p)
        g = groups.setdefault((level, gid), {"level": level, "id": gid, "label": label,
                                             "people": 0, "filled": 0, "possible": 0,
                                             "nothing_filed": 0, "behind": 0})
        possible, done = possible_of[p.employee_id], filled.get(p.employee_id, 0)
        g["people"] += 1
        g["filled"] += done
        g["possible"] += possible
        total_days += done
        total_possible += possible
        if done == 0 and possible:  # nothing, on days there was something to fill
            g["nothing_filed"] += 1
            nothing += 1
        if _behind(done, possible):
            g["behind"] += 1
    rows = sorted(groups.values(), key=lambda g: (rules.share(g["filled"], g["possible"]) or 0,
                                                   g["label"]))
    for g in rows:
        g["share"] = rules.share(g["filled"], g["possible"])
    return {"working_days": max(possible_of.values(), default=0),
            "people": len(people), "share": rules.share(total_days, total_possible),
            "nothing_filed": nothing, "groups": rows}


# --- approval debt and who blocks pay ---------------------------------------------------------

def _by_id(people: list[Who]) -> dict[int, Who]:
    return {p.employee_id: p for p in people}


@dataclass
class Waiting:
    pending: int
    oldest: dt.datetime | None
    employees: int


@dataclass(frozen=True)
class Deciders:
    """Every decider's month (ApproverMonth columns) and who they are (name, agency, job
    class): read once for a page, by approval debt and fairness both."""
    months: dict[int, Any]
    persons: dict[int, Any]


def deciders(s, period: str) -> Deciders:
    months = {m.approver_id: m for m in s.execute(select(
        ApproverMonth.approver_id, ApproverMonth.approved, ApproverMonth.rejected,
        ApproverMonth.revised, ApproverMonth.points_given, ApproverMonth.escalated,
        ApproverMonth.latency).where(ApproverMonth.period == period))}
    persons = {p.employee_id: p for p in s.execute(select(
        Person.employee_id, Person.name, Person.agency_id, Person.job_class).where(
        Person.employee_id.in_(list(months))))} if months else {}
    return Deciders(months, persons)


def approval_debt(s, scope: Scope, people: list[Who], period: str, now: dt.datetime,
                  known: Deciders | None = None) -> dict:
    """Tasks waiting on the people of the scope's employees, by approver: how many, the
    oldest, the median and p90 time to decide this month, escalations."""
    mine = _by_id(people)
    waiting: dict[int | None, Waiting] = {}
    q = scope.where(select(Task.approver_id, func.count(), func.min(Task.waiting_since),
                           func.count(distinct(Task.employee_id)))
                    .join(Person, Person.employee_id == Task.employee_id)
                    .where(Task.state == "pending").group_by(Task.approver_id))
    for approver_id, n, oldest, employees in s.execute(q):
        waiting[approver_id] = Waiting(n, clock.as_utc(oldest) if oldest else None, employees)
    known = known or deciders(s, period)
    months = known.months
    approvers = set(waiting) | {a for a in months if a in mine or
                                (scope.audience == "team" and a == scope.superior_id)}
    missing = [a for a in approvers if a is not None and a not in known.persons]
    names = {**known.persons, **({p.employee_id: p for p in s.execute(select(
        Person.employee_id, Person.name, Person.agency_id).where(Person.employee_id.in_(missing)))}
        if missing else {})}
    rows: list[dict[str, Any]] = []
    for a in approvers:
        wait, m = waiting.get(a), months.get(a) if a is not None else None
        hist = m.latency if m else rules.empty_histogram()
        person = names.get(a) if a is not None else None
        rows.append({
            "approver_id": a, "name": person.name if person else None,
            "agency_id": person.agency_id if person else None,
            "pending": wait.pending if wait else 0,
            "waiting_employees": wait.employees if wait else 0,
            "oldest_days": _age_days(now, wait.oldest) if wait and wait.oldest else None,
            "decided": m.approved + m.rejected + m.revised if m else 0,
            "median_hours": rules.percentile(hist, 0.5),
            "p90_hours": rules.percentile(hist, 0.9), "escalated": m.escalated if m else 0,
            "latency": hist})
    rows.sort(key=lambda r: (-(r["oldest_days"] or 0), -r["pending"]))
    total = rules.add_histograms(r["latency"] for r in rows)
    return {"pending": sum(r["pending"] for r in rows),
            "oldest_days": max((r["oldest_days"] or 0 for r in rows), default=0),
            "median_hours": rules.percentile(total, 0.5), "p90_hours": rules.percentile(total, 0.9),
            "escalated": sum(r["escalated"] for r in rows), "approvers_total": len(rows),
            "agencies": _debt_by_agency(rows, mine) if scope.audience == "city" else [],
            "approvers": rows[:TOP]}


def _debt_by_agency(rows: list[dict], mine: dict[int, Who]) -> list[dict]:
    """The city's approval debt per agency of the approver."""
    labels = {p.agency_id: p.agency_name or p.agency_code for p in mine.values()}
    groups: dict[int | None, dict] = {}
    for r in rows:
        g = groups.setdefault(r["agency_id"], {"agency_id": r["agency_id"],
                                               "agency": labels.get(r["agency_id"]), "pending": 0,
                                               "approvers": 0, "oldest_days": 0, "escalated": 0,
                                               "latency": rules.empty_histogram()})
        g["pending"] += r["pending"]
        g["approvers"] += 1 if r["pending"] else 0
        g["oldest_days"] = max(g["oldest_days"], r["oldest_days"] or 0)
        g["escalated"] += r["escalated"]
        g["latency"] = rules.add_histograms([g["latency"], r["latency"]])
    out = []
    for g in groups.values():
        hist = g.pop("latency")
        out.append({**g, "median_hours": rules.percentile(hist, 0.5),
                    "p90_hours": rules.percentile(hist, 0.9)})
    return sorted(out, key=lambda g: (-g["oldest_days"], -g["pending"]))


def _age_days(now: dt.datetime, since: dt.datetime) -> int:
    return max(0, (now - clock.as_utc(since)).days)


def blocked(s, scope: Scope, people: list[Who], period: str, today: dt.date) -> list[dict]:
    """Agencies whose month is over but not closed while reports of it still wait for a
    decision: their pay would leave that work out. By whom: the approvers holding them.
    (While the month runs, waiting is the approval debt, not a block.)"""
    first, end = periods.bounds(period)
    if today < end:
        return []
    closed = {c.agency_key for c in s.scalars(select(ClosedMonth).where(ClosedMonth.period == period))}
    if 0 in closed:
        return []  # closed for the whole city
    labels = {p.agency_id: p.agency_name or p.agency_code for p in people}
    q = scope.where(select(Person.agency_id, Task.approver_id, func.count())
                    .join(LiveReport, LiveReport.report_id == Task.report_id)
                    .join(Person, Person.employee_id == Task.employee_id)
                    .where(Task.state == "pending", LiveReport.withdrawn.is_(False),
                           LiveReport.date >= first, LiveReport.date < end)
                    .group_by(Person.agency_id, Task.approver_id))
    agencies: dict[int, dict] = {}
    for agency_id, approver_id, n in s.execute(q):
        if agency_id in closed:
            continue
        a = agencies.setdefault(agency_id, {"agency_id": agency_id, "agency": labels.get(agency_id),
                                            "pending": 0, "by": defaultdict(int)})
        a["pending"] += n
        a["by"][approver_id] += n
    holders = {x for a in agencies.values() for x in a["by"] if x is not None}
    names = dict(s.execute(select(Person.employee_id, Person.name).where(
        Person.employee_id.in_(holders))).all()) if holders else {}
    out = []
    for a in sorted(agencies.values(), key=lambda a: -a["pending"]):
        out.append({**a, "by": [{"approver_id": k, "name": names.get(k) if k else None, "pending": v}
                                for k, v in sorted(a["by"].items(), key=lambda kv: -kv[1])]})
    return out


# --- cost -------------------------------------------------------------------------------------

def cost(s, scope: Scope, people: list[Who], period: str) -> dict:
    """TPP paid (closed months, newest version of each line) against the agencies'
    budget ceilings (a year's pagu ÷ 12 a month, each month by its own year's), this month
    and the eleven before it. Only agencies with a ceiling are set against one."""
    agencies = sorted({p.agency_id for p in people})
    months = _last_months(period, 12)
    whole_agencies = scope.unit_id is None and scope.superior_id is None
    # (agency, month) -> (gross, net, people)
    if whole_agencies:  # the kept sums
        q = select(AgencyMonthCost.agency_id, AgencyMonthCost.period, AgencyMonthCost.gross,
                   AgencyMonthCost.net, AgencyMonthCost.people).where(
            AgencyMonthCost.period.in_(months), AgencyMonthCost.agency_id.in_(agencies))
    else:  # a unit: its people's lines
        q = (select(PayLine.agency_id, PayLine.period, func.sum(PayLine.gross),
                    func.sum(PayLine.net), func.count())
             .where(PayLine.period.in_(months), PayLine.agency_id.in_(agencies),
                    PayLine.employee_id.in_([p.employee_id for p in people]))
             .group_by(PayLine.agency_id, PayLine.period))
    paid = {(a, m): (int(g or 0), int(n or 0), int(c or 0)) for a, m, g, n, c in s.execute(q)}
    years = sorted({int(m[:4]) for m in months})
    budgets = {(b.agency_id, b.year): int(b.ceiling) for b in s.scalars(select(Budget).where(
        Budget.year.in_(years), Budget.agency_id.in_(agencies)))} if whole_agencies else {}
    trend: list[dict[str, Any]] = []
    for m in months:
        year = int(m[:4])
        gross = sum(paid.get((a, m), (0, 0, 0))[0] for a in agencies)
        with_ceiling = [a for a in agencies if (a, year) in budgets]
        ceiling = sum(budgets[(a, year)] for a in with_ceiling) // 12 if with_ceiling else None
        against = sum(paid.get((a, m), (0, 0, 0))[0] for a in with_ceiling)
        people_paid = sum(paid.get((a, m), (0, 0, 0))[2] for a in agencies)
        trend.append({"period": m, "gross": gross,
                      "net": sum(paid.get((a, m), (0, 0, 0))[1] for a in agencies),
                      "people": people_paid, "ceiling": ceiling,
                      "share": rules.share(against, ceiling) if ceiling and people_paid else None})
    this, year = trend[-1], int(period[:4])
    with_ceiling = [a for a in agencies if (a, year) in budgets]
    annual = sum(budgets[(a, year)] for a in with_ceiling) if with_ceiling else None
    this_year = [m for m in months if m.startswith(str(year))]
    ytd = sum(paid.get((a, m), (0, 0, 0))[0] for a in agencies for m in this_year)
    ytd_against = sum(paid.get((a, m), (0, 0, 0))[0] for a in with_ceiling for m in this_year)
    per_agency = []
    if whole_agencies:
        labels = {p.agency_id: p.agency_name or p.agency_code for p in people}
        for a in agencies:
            ceiling = budgets.get((a, year))
            gross, _, n = paid.get((a, period), (0, 0, 0))
            per_agency.append({"agency_id": a, "agency": labels.get(a), "gross": gross,
                               "closed": n > 0,
                               "monthly_ceiling": ceiling // 12 if ceiling is not None else None,
                               "share": rules.share(gross, ceiling // 12) if ceiling and n else None})
        per_agency.sort(key=lambda r: -(r["share"] or 0))
    return {"period": period, "closed": this["people"] > 0, "gross": this["gross"],
            "net": this["net"], "annual_ceiling": annual, "monthly_ceiling": this["ceiling"],
            "share": this["share"], "year_to_date": ytd,
            "year_share": rules.share(ytd_against, annual) if annual else None,
            "agencies_with_ceiling": len(with_ceiling), "agencies_total": len(agencies),
            "trend": trend, "agencies": per_agency}


def _last_months(period: str, n: int) -> list[str]:
    year, month = int(period[:4]), int(period[5:7])
    out = []
    for k in range(n - 1, -1, -1):
        y, m = divmod(year * 12 + month - 1 - k, 12)
        out.append(f"{y:04d}-{m + 1:02d}")
    return out


# --- predikat ---------------------------------------------------------------------------------

def predikat(s, scope: Scope, people: list[Who], year: int) -> dict:
    """The year's predikat distribution, and per agency its deviations from the pattern
    its own predikat sets."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    if scope.unit_id is None and scope.superior_id is None:  # whole agencies: the kept counts
        q = select(PredikatCount.agency_id, PredikatCount.predikat, PredikatCount.people).where(
            PredikatCount.year == year, PredikatCount.agency_id.in_({p.agency_id for p in people}))
    else:
        q = scope.where(select(Predikat.agency_id, Predikat.predikat, func.count())
                        .join(Person, Person.employee_id == Predikat.employee_id)
                        .where(Predikat.year == year).group_by(Predikat.agency_id, Predikat.predikat))
    for agency_id, name, n in s.execute(q):
        counts[agency_id][name] += n
    organisations = {o.agency_id: o.predikat for o in s.scalars(select(OrganisationPredikat).where(
        OrganisationPredikat.year == year))}
    labels = {p.agency_id: p.agency_name or p.agency_code for p in people}
    total: dict[str, int] = defaultdict(int)
    agencies = []
    for agency_id in sorted({p.agency_id for p in people}):
        c = counts.get(agency_id, {})
        for k, v in c.items():
            total[k] += v
        org = organisations.get(agency_id)
        agencies.append({"agency_id": agency_id, "agency": labels.get(agency_id),
                         "organisation": org, "appraised": sum(c.values()),
                         "counts": {k: c.get(k, 0) for k in rules.PREDIKAT_ORDER},
                         # a team is too small a part of its agency to hold to the pattern
                         "deviations": rules.predikat_deviations(c, org)
                         if scope.audience != "team" and scope.unit_id is None else []})
    appraised = sum(total.values())
    return {"year": year, "appraised": appraised, "people": len(people),
            "counts": {k: total.get(k, 0) for k in rules.PREDIKAT_ORDER},
            "shares": {k: rules.share(total.get(k, 0), appraised) for k in rules.PREDIKAT_ORDER},
            "pattern": rules.PATTERN, "agencies": agencies}


# --- fairness ---------------------------------------------------------------------------------

@dataclass
class Pool:
    """What a job class's appraisers did in a month, summed: each appraiser is compared
    with the pool less their own part (peers), without a pass over the peers each."""
    approved: int = 0
    rejected: int = 0
    revised: int = 0
    heads: int = 0  # appraisers with a team
    per_head: float = 0.0  # sums of points per subordinate, and of their squares
    per_head_sq: float = 0.0
    members: int = 0


def fairness(s, scope: Scope, people: list[Who], period: str,
             known: Deciders | None = None) -> dict:
    """Per appraiser in the scope: approval, rejection and revision rates and points given
    per subordinate, each against appraisers of the same job class city-wide, with how
    sure the comparison is."""
    known = known or deciders(s, period)
    months = known.months
    team_sizes = dict(s.execute(select(Holder.employee_id, func.count()).join(
        Person, Person.superior_position_id == Holder.position_id)
        .where(Holder.employee_id.in_(list(months))).group_by(Holder.employee_id)).all()) \
        if months else {}
    job_class = {a: p.job_class for a, p in known.persons.items()}
    mine = _by_id(people)

    def per_head(a: int, m: Any) -> float | None:
        team = team_sizes.get(a, 0)
        return float(m.points_given) / team if team else None

    pools: dict[int, Pool] = defaultdict(Pool)
    for a, m in months.items():
        if a not in job_class:
            continue
        pool = pools[job_class[a]]
        pool.members += 1
        pool.approved, pool.rejected, pool.revised = (
            pool.approved + m.approved, pool.rejected + m.rejected, pool.revised + m.revised)
        if (value := per_head(a, m)) is not None:
            pool.heads += 1
            pool.per_head += value
            pool.per_head_sq += value * value
    rows = []
    for a, m in months.items():
        if not (a in mine or (scope.audience == "team" and a == scope.superior_id)):
            continue
        pool = pools.get(job_class.get(a, -1), Pool())
        mine_in_pool = a in job_class
        n = m.approved + m.rejected + m.revised
        peers = Pool(*((pool.approved - m.approved, pool.rejected - m.rejected,
                        pool.revised - m.revised) if mine_in_pool else (0, 0, 0)))
        peer_n = peers.approved + peers.rejected + peers.revised
        value = per_head(a, m)
        heads, total, squares = pool.heads, pool.per_head, pool.per_head_sq
        if mine_in_pool and value is not None:
            heads, total, squares = heads - 1, total - value, squares - value * value
        rows.append({
            "approver_id": a, "name": (known.persons[a].name if a in known.persons
                                       else mine[a].name if a in mine else None),
            "job_class": job_class.get(a), "peers": pool.members - mine_in_pool, "decided": n,
            "team": team_sizes.get(a, 0),
            "approval": rules.compare_rate(m.approved, n, peers.approved, peer_n).as_dict(),
            "rejection": rules.compare_rate(m.rejected, n, peers.rejected, peer_n).as_dict(),
            "revision": rules.compare_rate(m.revised, n, peers.revised, peer_n).as_dict(),
            "points_per_subordinate": rules.compare_mean(
                value or 0.0, team_sizes.get(a, 0), heads, total, squares).as_dict()})

    def flagged(r: dict) -> bool:
        return any(r[k]["verdict"] in ("above", "below")
                   for k in ("approval", "rejection", "revision", "points_per_subordinate"))
    rows.sort(key=lambda r: (not flagged(r), -r["decided"]))
    return {"total": len(rows), "flagged": sum(1 for r in rows if flagged(r)),
            "appraisers": rows[:TOP]}


# --- the page and the people behind it --------------------------------------------------------

def dashboard(s, actor: Actor, audience: str, agency_id: int | None, unit_id: int | None,
              period: str, today: dt.date, now: dt.datetime) -> dict:
    scope = scope_for(s, actor, audience, agency_id, unit_id, period)
    people = _people(s, scope, period)
    known = deciders(s, period)
    return {"audience": scope.audience, "agency_id": scope.agency_id, "unit_id": scope.unit_id,
            "period": period, "as_of": today.isoformat(), "filters": filters(s, scope),
            "compliance": compliance(s, scope, people, period, today),
            "approval_debt": approval_debt(s, scope, people, period, now, known),
            "blocked": blocked(s, scope, people, period, today),
            "month_open": today < periods.bounds(period)[1],
            "cost": cost(s, scope, people, period) if audience != "team" else None,
            "predikat": predikat(s, scope, people, int(period[:4])),
            "fairness": fairness(s, scope, people, period, known),
            # the page links to the agency's page for its head
            "heads_agency": next((a for a in s.scalars(select(Holder.agency_id).where(
                Holder.employee_id == actor.employee_id, Holder.top.is_(True)).limit(1))), None)
            if actor.employee_id is not None else None}


def filters(s, scope: Scope) -> dict:
    """The agencies and units a page can be narrowed to."""
    q = select(Person.agency_id, Person.agency_name, Person.unit_id, Person.unit_name).distinct()
    if scope.audience == "agency":
        q = q.where(Person.agency_id == scope.agency_id)
    if scope.audience == "team":
        q = q.where(Person.superior_position_id.in_(scope.led))
    agencies, units = {}, {}
    for a, an, u, un in s.execute(q):
        agencies[a] = an or f"OPD {a}"
        if u is not None and (scope.agency_id is None or a == scope.agency_id):
            units[u] = un or f"Unit {u}"
    return {"agencies": sorted(({"id": k, "name": v} for k, v in agencies.items()),
                               key=lambda x: x["name"]),
            "units": sorted(({"id": k, "name": v} for k, v in units.items()), key=lambda x: x["name"])}


def people(s, actor: Actor, audience: str, agency_id: int | None, unit_id: int | None,
           period: str, criterion: str, today: dt.date, approver_id: int | None = None,
           predikat_name: str | None = None, limit: int = 500) -> dict:
    """The people behind a number: everyone in the scope, those who filed nothing, those
    behind (under 80% of working days), those whose work waits on an approver (one, or
    any), those holding one predikat in the period's year, one appraiser's team
    (`team_of`, with approver_id), or those paid for the month (`paid`). Outside a team's
    page each row carries the month's TPP, when it was paid."""
    periods.bounds(period)
    if criterion not in CRITERIA or (criterion == "predikat") != (predikat_name is not None) \
            or (predikat_name is not None and predikat_name not in rules.PREDIKAT_ORDER) \
            or (criterion == "team_of" and approver_id is None):
        raise InvalidInput("unknown list", [{"field": "criterion", "reason": criterion}],
                           code="dashboard_criterion")
    scope = scope_for(s, actor, audience, agency_id, unit_id, period)
    everyone = _people(s, scope, period, listed=True)
    ids = [p.employee_id for p in everyone]
    if predikat_name is not None and ids:
        holding = set(s.scalars(select(Predikat.employee_id).where(
            Predikat.year == int(period[:4]), Predikat.predikat == predikat_name,
            Predikat.employee_id.in_(ids))))
        everyone = [p for p in everyone if p.employee_id in holding]
    if criterion == "team_of" and ids:
        led = select(Holder.position_id).where(Holder.employee_id == approver_id)
        team = set(s.scalars(select(Person.employee_id).where(
            Person.superior_position_id.in_(led), Person.employee_id.in_(ids))))
        everyone = [p for p in everyone if p.employee_id in team]
    pay = {e: (g, n) for e, g, n in s.execute(select(PayLine.employee_id, PayLine.gross, PayLine.net)
                                              .where(PayLine.period == period,
                                                     PayLine.employee_id.in_(ids)))} \
        if ids and scope.audience != "team" else {}  # a superior does not see their team's pay
    if criterion == "paid":
        everyone = [p for p in everyone if p.employee_id in pay]
    filled, possible_of = _days_filled(s, everyone, period, today)
    q = select(Task.employee_id, func.count()).where(
        Task.state == "pending", Task.employee_id.in_([p.employee_id for p in everyone]))
    if approver_id is not None and criterion != "team_of":
        q = q.where(Task.approver_id == approver_id)
    waiting = dict(s.execute(q.group_by(Task.employee_id)).all()) if everyone else {}
    rows = []
    for p in everyone:
        possible, done = possible_of[p.employee_id], filled.get(p.employee_id, 0)
        share = rules.share(done, possible)
        if criterion == "nothing_filed" and (done or not possible):
            continue
        if criterion == "behind" and not _behind(done, possible):
            continue
        if criterion == "waiting_on" and not waiting.get(p.employee_id):
            continue
        gross, net = pay.get(p.employee_id, (None, None))
        rows.append({"employee_id": p.employee_id, "nip": p.nip, "name": p.name,
                     "agency_id": p.agency_id, "agency": p.agency_name or p.agency_code,
                     "unit": p.unit_name, "position": p.position_name or p.position_code,
                     "days_filled": done, "working_days": possible, "share": share,
                     "waiting": waiting.get(p.employee_id, 0), "tpp_gross": gross, "tpp_net": net})
    rows.sort(key=lambda r: (r["share"] or 0, r["name"]))
    return {"criterion": criterion, "total": len(rows), "people": rows[:limit],
            "truncated": len(rows) > limit, "with_pay": scope.audience != "team"}


# --- for the notifications service (not a page: no actor, never through the gateway) ----

def unreported(s, period: str, today: dt.date) -> list[dict]:
    """Everyone of the month with working days so far (their agency's calendar) they
    have not reported, and how many."""
    first, end = periods.bounds(period)
    people = _people(s, Scope("city", None, None, None, first, end - dt.timedelta(days=1)), period)
    filled, possible = _days_filled(s, people, period, today)
    return [{"employee_id": p.employee_id, "agency_id": p.agency_id,
             "missing": possible[p.employee_id] - filled.get(p.employee_id, 0)}
            for p in people if possible[p.employee_id] > filled.get(p.employee_id, 0)]


def waiting_by_approver(s) -> list[dict]:
    """Each approver with tasks waiting: how many, and since when the oldest."""
    return [{"approver_id": a, "count": n, "oldest": oldest and clock.as_utc(oldest).isoformat()}
            for a, n, oldest in s.execute(
        select(Task.approver_id, func.count(), func.min(Task.waiting_since))
        .where(Task.state == "pending", Task.approver_id.is_not(None))
        .group_by(Task.approver_id).order_by(Task.approver_id))]


def members(s, agency_id: int, today: dt.date) -> list[int]:
    """The people placed in an agency today."""
    return list(s.scalars(select(Person.employee_id).where(
        Person.agency_id == agency_id, Person.placed_from <= today,
        Person.placed_until.is_(None) | (Person.placed_until >= today)).order_by(Person.employee_id)))
