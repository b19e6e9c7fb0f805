"""Judging the system against an agency's objective, without a broker."""
import datetime as dt
from decimal import Decimal

from ekinerja_contract.rule_set import Objective
from services.availability import rules
from services.availability.rules import Probe

OBJECTIVE = Objective(availability_percent=Decimal("99"), max_error_percent=Decimal("2"), p95_ms=2000,
                      window_hours=24, min_samples=10)


def probes(ok, failed=0, latency=100):
    return [Probe(True, latency)] * ok + [Probe(False, 10_000)] * failed


def test_a_kept_promise_is_not_breached():
    verdict = rules.judge(probes(100), 1000, 5, OBJECTIVE)
    assert not verdict.breached and verdict.figures["availability_percent"] == "100.00"
    assert verdict.figures["error_percent"] == "0.50"


def test_availability_latency_and_the_agencys_own_errors_each_breach():
    down = rules.judge(probes(97, 3), 0, 0, OBJECTIVE)  # 97 % < 99 %
    assert down.breached and down.reasons == ["ketersediaan 97% di bawah 99%"]
    slow = rules.judge(probes(100, latency=2500), 0, 0, OBJECTIVE)
    assert slow.reasons == ["waktu tanggap p95 2.500 ms di atas 2.000 ms"]
    failing = rules.judge(probes(100), 200, 10, OBJECTIVE)  # 5 % of the agency's requests
    assert failing.reasons == ["5% permintaan pegawai OPD gagal (batas 2%)"]


def test_too_few_samples_say_nothing():
    assert not rules.judge(probes(5, 4), 9, 9, OBJECTIVE).breached


def test_p95_is_the_nearest_rank():
    assert rules.p95(list(range(1, 101))) == 95
    assert rules.p95([7]) == 7 and rules.p95([]) is None


def test_the_deadline_and_its_period():
    assert rules.deadline_of(dt.date(2026, 12, 5), 5) == dt.date(2026, 12, 5)
    assert rules.previous_period(dt.date(2026, 1, 5)) == "2025-12"
