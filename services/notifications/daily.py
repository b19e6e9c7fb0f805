"""The daily notices, written once per city day from NOTIFY.DIGEST_HOUR on, by whichever
instance's timer gets there first: yesterday's approvals, the approvals waiting on each
superior, and the input deadline three days and one day ahead."""
import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select

from ekinerja_contract import clock, periods
from ekinerja_contract.rule_set import default_body, in_force

from . import rules
from .models import ApprovalHeard, DailyRun, DeadlineRule
from .notices import notify


def claim(uow, job: str, day: dt.date) -> bool:
    """The job's row for the day, written with its notices: two instances both writing
    it make one commit fail (the primary key), so one set of notices stands."""
    if uow.session.get(DailyRun, (job, day)) is not None:
        return False
    uow.session.add(DailyRun(job=job, day=day, done_at=clock.now()))
    uow.session.flush()
    return True


def approved_digests(uow, today: dt.date, configured: frozenset[str]) -> int:
    """One notice per employee for the approvals heard before today."""
    s = uow.session
    heard = s.scalars(select(ApprovalHeard).where(
        ApprovalHeard.digested.is_(False), ApprovalHeard.decided_on < today).with_for_update()).all()
    days: dict[int, list[dt.date]] = defaultdict(list)
    for row in heard:
        days[row.employee_id].append(row.decided_on)
        row.digested = True
    for employee_id, decided in days.items():
        notify(uow, employee_id, "approved_digest", f"approved:{today}",
               {"first_day": min(decided).isoformat(), "last_day": max(decided).isoformat()},
               "/riwayat", configured, count=len(decided))
    return len(days)


def approvals_waiting(uow, today: dt.date, configured: frozenset[str], waiting: list[dict]) -> int:
    """Each superior with work waiting: how much, and since when."""
    for w in waiting:
        oldest = clock.local_date(dt.datetime.fromisoformat(w["oldest"])).isoformat() if w["oldest"] else None
        notify(uow, w["approver_id"], "approvals_waiting", f"waiting:{today}", {"oldest": oldest},
               "/persetujuan", configured, count=w["count"])
    return len(waiting)


def deadline_notices(uow, today: dt.date, configured: frozenset[str],
                     unreported_of: Callable[[str], list[dict]]) -> int:
    """Three days and one day before a month's input deadline: everyone with working
    days of that month still unreported (monitoring's count), with how many."""
    # before scoring's rule set is heard, the contract's default (its one owner)
    fallback = default_body().input_deadline_day
    known = uow.session.scalars(select(DeadlineRule)).all()  # read once: a city is 10,000 rows below
    deadline_days = {r.deadline_day for r in known} or {fallback}
    sent = 0
    for period in rules.deadline_periods(today):
        if not any(rules.days_left(today, period, d) for d in deadline_days):
            continue  # no agency's deadline is 3 or 1 days off: nobody to ask about
        _first, end = periods.bounds(period)
        by_agency: dict[int, int] = {}
        for row in unreported_of(period):
            if row["agency_id"] not in by_agency:  # the rule in force at the month's end
                rule = in_force(known, row["agency_id"], end - dt.timedelta(days=1))
                by_agency[row["agency_id"]] = rule.deadline_day if rule else fallback
            day = by_agency[row["agency_id"]]
            left = rules.days_left(today, period, day)
            if left is None or not row["missing"]:
                continue
            notify(uow, row["employee_id"], "deadline_near", f"deadline:{period}:{left}",
                   {"month": period, "deadline": rules.input_deadline(period, day).isoformat(),
                    "days_left": left, "missing": row["missing"]}, "/laporan/baru", configured)
            sent += 1
    return sent
