"""Monitoring's arithmetic, without a broker or a database."""
import datetime as dt
from decimal import Decimal

from services.monitoring import rules


def test_working_days_leave_out_weekends_and_holidays():
    days = rules.working_days(dt.date(2026, 12, 1), dt.date(2026, 12, 31),
                              frozenset({dt.date(2026, 12, 25)}))
    assert len(days) == 22 and dt.date(2026, 12, 25) not in days
    assert all(d.weekday() < 5 for d in days)


def test_percentiles_from_the_histogram_interpolate_inside_a_bucket():
    hist = rules.empty_histogram()
    for hours in (0.5, 3, 3, 3, 20, 30, 30, 30, 30, 100):
        hist[rules.bucket_of(hours)] += 1
    # 10 decisions: the 5th falls in (8, 24], the 9th in (24, 48]
    assert 8 < rules.percentile(hist, 0.5) <= 24
    assert 24 < rules.percentile(hist, 0.9) <= 48
    assert rules.percentile(rules.empty_histogram(), 0.5) is None


def test_a_wait_past_the_last_edge_is_reported_as_that_floor():
    hist = rules.empty_histogram()
    hist[rules.bucket_of(5000)] += 1
    assert rules.percentile(hist, 0.5) == 720


def test_a_small_team_is_not_over_read():
    # 5 of 5 approved while peers approve 80%: too few decisions to say anything
    assert rules.compare_rate(5, 5, 800, 1000).verdict == "few"
    # 100 of 100 against 80% of 10,000: clearly above
    c = rules.compare_rate(100, 100, 8000, 10000)
    assert c.verdict == "above" and c.low > 0.8
    # 82 of 100 against 80%: the interval holds the peers' rate
    assert rules.compare_rate(82, 100, 8000, 10000).verdict == "in_line"
    assert rules.compare_rate(50, 100, 8000, 10000).verdict == "below"


def test_the_wilson_interval_holds_the_rate_and_stays_in_bounds():
    low, high = rules.wilson(0, 20)
    assert low == 0 and 0.1 < high < 0.2
    low, high = rules.wilson(20, 20)
    assert high == 1 and 0.8 < low < 0.9


def test_points_per_subordinate_compare_with_peers_by_spread():
    peers = [100.0, 110.0, 90.0, 105.0, 95.0]
    given = (len(peers), sum(peers), sum(v * v for v in peers))
    assert rules.compare_mean(300.0, 6, *given).verdict == "above"
    c = rules.compare_mean(102.0, 6, *given)
    assert c.verdict == "in_line" and c.peers == 100.0
    assert round(c.high - c.peers, 3) == round(1.96 * 7.0711, 3)  # population sd of the five
    assert rules.compare_mean(300.0, 2, *given).verdict == "few"
    assert rules.compare_mean(300.0, 6, 0, 0.0, 0.0).verdict == "no_peers"


def test_the_pattern_of_a_baik_agency_needs_someone_below_baik():
    counts = {"Sangat Baik": 2, "Baik": 8}
    found = rules.predikat_deviations(counts, "Baik")
    rules_broken = {(tuple(d["of"]), d["rule"]) for d in found}
    assert (("Baik",), "max") in rules_broken  # 80% > 70%
    assert (("Butuh Perbaikan", "Kurang"), "min_count") in rules_broken
    ok = {"Sangat Baik": 2, "Baik": 7, "Butuh Perbaikan": 1}
    assert rules.predikat_deviations(ok, "Baik") == []
    assert rules.predikat_deviations(counts, None) == []


def test_an_istimewa_agency_may_have_most_but_not_all_sangat_baik():
    assert rules.predikat_deviations({"Sangat Baik": 7, "Baik": 3}, "Istimewa") == []
    [d] = rules.predikat_deviations({"Sangat Baik": 8, "Baik": 2}, "Istimewa")
    assert d["found_share"] == Decimal("0.8") and d["limit"] == Decimal("0.70")
