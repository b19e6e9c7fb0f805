"""Scoring rules as plain functions: how ledger lines add up to a recap."""
from decimal import Decimal


def recap(entries) -> dict:
    """Totals of one person's ledger lines for a period, by kind."""
    totals = {"activity_points": Decimal(0), "approver_points": Decimal(0),
              "rupiah": 0, "counted_minutes": 0, "activities": 0}
    for e in entries:
        if e.kind == "approver_credit":
            totals["approver_points"] += e.points
        else:
            totals["activity_points"] += e.points
            totals["rupiah"] += e.rupiah
            totals["counted_minutes"] += e.minutes
            totals["activities"] += 1 if e.kind == "activity" else (-1 if e.kind == "reversal" else 0)
    totals["points"] = totals["activity_points"] + totals["approver_points"]
    return totals
