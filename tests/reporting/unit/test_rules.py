import datetime as dt
from decimal import Decimal

import pytest

from ekinerja_contract.errors import Conflict, InvalidInput
from services.reporting import rules

WEIGHTS = {"chair": "1.5", "speaker": "1.25", "note_taker": "1.1", "participant": "1.0"}
t = dt.time


def test_meeting_chair_speaker_and_participant_weigh_differently():
    values = {role: rules.report_value(Decimal("8"), 12000, WEIGHTS, role, 1)
              for role in ("chair", "speaker", "participant")}
    assert values["chair"] == (Decimal("12.00"), 18000)
    assert values["speaker"] == (Decimal("10.00"), 15000)
    assert values["participant"] == (Decimal("8.00"), 12000)


def test_participant_weight_does_not_depend_on_rank():
    # The value takes no employee, position or job class: a head of agency and
    # a clerk attending as participants earn the same by construction.
    head = rules.report_value(Decimal("8"), 12000, WEIGHTS, "participant", 1)
    clerk = rules.report_value(Decimal("8"), 12000, WEIGHTS, "participant", 1)
    assert head == clerk


def test_role_is_required_for_meetings_and_refused_for_plain_work():
    with pytest.raises(InvalidInput):
        rules.report_value(Decimal("8"), 12000, WEIGHTS, None, 1)
    with pytest.raises(InvalidInput):
        rules.report_value(Decimal("5"), 7500, None, "chair", 1)
    with pytest.raises(InvalidInput):
        rules.report_value(Decimal("8"), 12000, WEIGHTS, "guest", 1)


def test_quantity_multiplies_value_and_rounds_half_up():
    assert rules.report_value(Decimal("2.25"), 3333, None, None, 3) == (Decimal("6.75"), 9999)
    assert rules.report_value(Decimal("1.11"), 1, {"participant": "1.005"}, "participant", 1) == (
        Decimal("1.12"), 1)


def test_minutes_beyond_the_daily_cap_do_not_count():
    assert rules.counted_minutes(60, 0) == 60
    assert rules.counted_minutes(60, 420) == 30
    assert rules.counted_minutes(60, 450) == 0
    assert rules.counted_minutes(60, 400, daily_cap=420) == 20


def test_overlap_is_strict_so_back_to_back_reports_are_fine():
    assert rules.overlaps((t(8), t(9)), (t(8, 30), t(10)))
    assert not rules.overlaps((t(8), t(9)), (t(9), t(10)))
    assert rules.overlaps((t(8), t(12)), (t(9), t(10)))


def test_future_dates_are_refused():
    today = dt.date(2026, 11, 27)
    rules.check_report_date(today, today)
    with pytest.raises(InvalidInput):
        rules.check_report_date(today + dt.timedelta(days=1), today)


@pytest.mark.parametrize("state,action", [
    ("approved", "approve"), ("rejected", "approve"), ("draft", "approve"),
    ("withdrawn", "submit"), ("approved", "withdraw"), ("dismissed", "dispute")])
def test_forbidden_transitions_are_refused(state, action):
    with pytest.raises(Conflict):
        rules.next_state(state, action)


def test_allowed_transitions():
    assert rules.next_state("draft", "submit") == "submitted"
    assert rules.next_state("submitted", "approve") == "approved"
    assert rules.next_state("revision_requested", "resubmit") == "submitted"
    assert rules.next_state("disputed", "uphold") == "approved"


def test_catalogue_version_in_force_is_the_latest_effective_one():
    class V:
        def __init__(self, version, effective_from):
            self.version, self.effective_from = version, effective_from
    versions = [V(1, dt.date(2026, 1, 1)), V(2, dt.date(2026, 7, 1))]
    assert rules.pick_version(versions, dt.date(2026, 6, 30)).version == 1
    assert rules.pick_version(versions, dt.date(2026, 7, 1)).version == 2
    assert rules.pick_version(versions, dt.date(2025, 12, 31)) is None
