"""The soak's short form (the 30-minute one is `scripts/soak`): the city's 1x month-end
peak for a city of 1,000 employees, for half a minute, sampled every 10 s. It shows the
soak runs end to end and that nothing is lost on the way: no error answered, every
accepted report has its approval task, every approval its ledger entry, and the queues
and outboxes are empty afterwards. Whether memory, files and connections stay flat is
read from the long form's figures (docs/RELIABILITY.md), not asserted here: half a
minute cannot tell a leak from a warm-up."""
import pytest

from bench import soak

pytestmark = pytest.mark.e2e


def test_half_a_minute_at_the_peak_loses_nothing_and_leaves_nothing_queued():
    result = soak.soak(minutes=0.5, employees=1000)
    soak.record(result, "soak-short", "Soak, short form (tests/drills/test_soak.py)")
    assert result["accepted"] > 50
    assert result["errors"] == 0, result["by_status"]
    # every report (the demo city's too) has its task; each approval its one ledger entry
    assert result["reports"] >= result["accepted"] and result["tasks"] == result["reports"]
    assert result["ledger"] == result["approved"] > 0
    assert result["after"]["queue_depth"] == 0 and result["after"]["outbox_unsent"] == 0
