"""Monitoring's arithmetic as plain functions: the calendar of a month, percentiles from
a latency histogram, how sure a comparison with peers is, and the predikat pattern."""
import datetime as dt
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

PREDIKAT_ORDER = ("Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang", "Sangat Kurang")
PATTERN = json.loads((Path(__file__).with_name("predikat_pattern.json")).read_text())["patterns"]

# Upper edges, in hours, of the decision-time histogram; one more bucket beyond the last.
# Hours, not working days: a superior who decides overnight is as quick as one who
# decides in the afternoon, and a weekend shows as the wait the employee sees.
LATENCY_BUCKETS_HOURS = (1, 2, 4, 8, 24, 48, 72, 120, 168, 336, 720)
MIN_DECISIONS = 10  # fewer decisions than this: a rate says too little to compare
MIN_TEAM = 3  # fewer subordinates than this: points per subordinate say too little
Z = 1.96  # 95%


def working_days(first: dt.date, last: dt.date, holidays: frozenset[dt.date]) -> list[dt.date]:
    """Monday to Friday from first to last (inclusive) that are not holidays."""
    days = (first + dt.timedelta(days=n) for n in range((last - first).days + 1))
    return [d for d in days if d.weekday() < 5 and d not in holidays]


def empty_histogram() -> list[int]:
    return [0] * (len(LATENCY_BUCKETS_HOURS) + 1)


def bucket_of(hours: float) -> int:
    for n, edge in enumerate(LATENCY_BUCKETS_HOURS):
        if hours <= edge:
            return n
    return len(LATENCY_BUCKETS_HOURS)


def add_histograms(histograms: Iterable[list[int]]) -> list[int]:
    total = empty_histogram()
    for h in histograms:
        for n, count in enumerate(h):
            total[n] += count
    return total


def percentile(histogram: list[int], q: float) -> float | None:
    """The q-quantile (0..1) of the hours in a histogram, interpolated inside its
    bucket; None when it is empty. Past the last edge it answers that edge (a floor)."""
    total = sum(histogram)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for n, count in enumerate(histogram):
        if count and seen + count >= rank:
            if n == len(LATENCY_BUCKETS_HOURS):
                return float(LATENCY_BUCKETS_HOURS[-1])
            low = LATENCY_BUCKETS_HOURS[n - 1] if n else 0.0
            return low + (LATENCY_BUCKETS_HOURS[n] - low) * (rank - seen) / count
        seen += count
    return float(LATENCY_BUCKETS_HOURS[-1])


def wilson(k: int, n: int) -> tuple[float, float]:
    """The 95% Wilson interval of a rate k/n (sound at small n, unlike k/n ± 2 s.e.)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Comparison:
    value: float | None
    low: float | None
    high: float | None
    peers: float | None
    verdict: str  # few | above | below | in_line | no_peers

    def as_dict(self) -> dict:
        return {"value": self.value, "low": self.low, "high": self.high, "peers": self.peers,
                "verdict": self.verdict}


def compare_rate(k: int, n: int, peer_k: int, peer_n: int) -> Comparison:
    """One appraiser's rate against the pooled rate of their peers: above or below only
    when the peers' rate lies outside the appraiser's 95% interval."""
    if n == 0:
        return Comparison(None, None, None, peer_k / peer_n if peer_n else None, "few")
    low, high = wilson(k, n)
    peers = peer_k / peer_n if peer_n else None
    if n < MIN_DECISIONS:
        verdict = "few"
    elif peers is None:
        verdict = "no_peers"
    elif peers < low:
        verdict = "above"
    elif peers > high:
        verdict = "below"
    else:
        verdict = "in_line"
    return Comparison(k / n, low, high, peers, verdict)


def compare_mean(value: float, team: int, peers: int, peer_sum: float,
                 peer_squares: float) -> Comparison:
    """Points per subordinate against peers' values (given as their count, sum and sum of
    squares): above or below when it sits more than 1.96 standard deviations from their
    mean, and only for a big enough team among enough peers."""
    if peers == 0:
        return Comparison(value, None, None, None, "no_peers" if team >= MIN_TEAM else "few")
    mean = peer_sum / peers
    sd = math.sqrt(max(0.0, peer_squares / peers - mean * mean))
    low, high = mean - Z * sd, mean + Z * sd
    if team < MIN_TEAM or peers < MIN_TEAM:
        verdict = "few"
    elif value > high:
        verdict = "above"
    elif value < low:
        verdict = "below"
    else:
        verdict = "in_line"
    return Comparison(value, low, high, mean, verdict)


def predikat_deviations(counts: dict[str, int], organisation: str | None) -> list[dict]:
    """Where an agency's predikat distribution leaves the pattern its own predikat sets:
    [{of, rule: max|min|min_count, limit, found_share, found}]; no organisation predikat,
    no pattern to hold it to."""
    total = sum(counts.values())
    if organisation is None or total == 0:
        return []
    out = []
    for rule in PATTERN[organisation]:
        found = sum(counts.get(p, 0) for p in rule["of"])
        share = Decimal(found) / total
        for kind in ("max", "min", "min_count"):
            if kind not in rule:
                continue
            limit = Decimal(str(rule[kind]))
            broken = (share > limit if kind == "max" else share < limit if kind == "min"
                      else found < limit)
            if broken:
                out.append({"of": rule["of"], "rule": kind, "limit": limit,
                            "found_share": share, "found": found})
    return out


def share(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / whole).quantize(Decimal("0.0001")) if whole else None
