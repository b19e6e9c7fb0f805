"""Whether the system kept its promise to an agency before an input deadline: plain
functions, no I/O. The promise is the rule set's `objective` (data, per agency)."""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ekinerja_contract.indonesian import number


@dataclass
class Probe:
    ok: bool
    latency_ms: int


@dataclass
class Verdict:
    breached: bool
    reasons: list[str] = field(default_factory=list)  # Indonesian, for the window's reason
    figures: dict = field(default_factory=dict)


def deadline_of(today: dt.date, deadline_day: int) -> dt.date:
    """This month's input deadline (for last month's reports)."""
    return today.replace(day=deadline_day)


def previous_period(day: dt.date) -> str:
    first = day.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def p95(values: list[int]) -> int | None:
    """The nearest-rank 95th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def judge(probes: list[Probe], requests: int, errors: int, objective) -> Verdict:
    """Breached when the probes' availability or latency, or the agency's own error rate,
    missed the objective; each only with enough samples to say so."""
    figures: dict = {"probes": len(probes), "probes_ok": sum(p.ok for p in probes),
                     "requests": requests, "errors": errors}
    reasons = []
    if len(probes) >= objective.min_samples:
        availability = Decimal(figures["probes_ok"] * 100) / len(probes)
        latency = p95([p.latency_ms for p in probes if p.ok])
        figures |= {"availability_percent": str(availability.quantize(Decimal("0.01"))),
                    "p95_ms": latency}
        if availability < objective.availability_percent:
            reasons.append(f"ketersediaan {number(availability, 2)}% di bawah "
                           f"{number(objective.availability_percent)}%")
        if latency is not None and latency > objective.p95_ms:
            reasons.append(f"waktu tanggap p95 {number(latency)} ms di atas {number(objective.p95_ms)} ms")
    if requests >= objective.min_samples:
        rate = Decimal(errors * 100) / requests
        figures["error_percent"] = str(rate.quantize(Decimal("0.01")))
        if rate > objective.max_error_percent:
            reasons.append(f"{number(rate, 2)}% permintaan pegawai OPD gagal (batas "
                           f"{number(objective.max_error_percent)}%)")
    return Verdict(bool(reasons), reasons, figures)


def reason_text(verdict: Verdict, hours: int) -> str:
    return (f"Dibuka otomatis: dalam {hours} jam sebelum batas input, "
            + "; ".join(verdict.reasons) + ".")
