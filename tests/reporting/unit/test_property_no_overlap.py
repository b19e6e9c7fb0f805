"""Property: whatever a person does (submit, withdraw, revise, resubmit, and the
approver's answers), their counted reports never overlap and never pass the cap."""
import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ekinerja_contract.errors import ServiceError
from services.reporting import rules, storage
from services.reporting.models import Report
from tests.support.factories import report_approved, revision_requested

SLOTS = [(h, m) for h in range(7, 16) for m in (0, 30)]
actions = st.lists(st.tuples(
    st.sampled_from(["submit", "draft", "withdraw", "revise", "resubmit", "ask_revision",
                     "approve", "submit_draft"]),
    st.integers(0, len(SLOTS) - 1), st.integers(1, 6), st.integers(0, 20)), max_size=25)


def fmt(slot, length):
    h, m = SLOTS[slot]
    start = h * 60 + m
    end = min(start + length * 30, 23 * 60)
    return f"{start // 60:02d}:{start % 60:02d}", f"{end // 60:02d}:{end % 60:02d}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=actions)
def test_no_sequence_leaves_two_counted_reports_overlapping(city, steps):
    me, ids = city.actor("sari"), []
    with city.service.db.session() as s:  # start from a clean day for every example
        for r in storage.live_reports_on(s, city.ids["sari"], dt.date(2026, 11, 17)):
            s.get(Report, r.id).state = "withdrawn"
        s.commit()
    for action, slot, length, pick in steps:
        start, end = fmt(slot, length)
        body = city.report(date="2026-11-17", start=start, end=end)
        target = ids[pick % len(ids)] if ids else None
        try:
            if action in ("submit", "draft"):
                call = city.service.submit_report if action == "submit" else city.service.save_draft
                ids.append(call(me, body)["id"])
            elif target is None:
                continue
            elif action == "withdraw":
                city.service.withdraw_report(me, target)
            elif action == "revise":
                city.service.revise_report(me, target, body)
            elif action == "resubmit":
                city.service.resubmit_report(me, target)
            elif action == "submit_draft":
                city.service.submit_draft(me, target)
            elif action == "ask_revision":
                city.service.on_revision_requested(revision_requested(target))
            elif action == "approve":
                city.service.on_approved(report_approved(target))
        except ServiceError:
            pass  # refused: and a refusal must leave nothing half-written
        with city.service.db.session() as s:
            counted = [r for r in storage.live_reports_on(s, city.ids["sari"], dt.date(2026, 11, 17))
                       if r.state in rules.COUNTED_STATES]
            for i, a in enumerate(counted):
                for b in counted[i + 1:]:
                    assert not rules.overlaps((a.start, a.end), (b.start, b.end)), (a.id, b.id)
            assert sum(r.counted_minutes for r in counted) <= rules.DEFAULT_DAILY_CAP_MINUTES
