"""Property: no sequence of events (approvals, upheld disputes, rejections,
redeliveries, in any order) makes a recap count a report that was never approved,
or count one twice."""
import itertools
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nameko.testing.services import worker_factory

from ekinerja_contract import events
from services.scoring.models import Base
from services.scoring.service import ScoringService
from tests.support.factories import org_chart, report_approved
from tests.support.stores import sqlite_store

STAFF = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
steps = st.lists(st.tuples(st.sampled_from(["approve", "uphold", "reject", "redeliver"]),
                           st.integers(1, 6)), max_size=30)
_db = itertools.count()


def points_of(report_id):
    return Decimal(report_id)  # each report has its own, recognisable value


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_recap_counts_each_approved_report_exactly_once(tmp_path, sequence):
    service = worker_factory(ScoringService, reporting=org_chart({}), db=sqlite_store(
        Base.metadata, "scoring", tmp_path / f"p{next(_db)}.db"))
    sent, approved = [], set()
    for action, report_id in sequence:
        if action == "approve":
            body = report_approved(report_id, points=str(points_of(report_id)), rupiah=report_id)
            service.on_report_approved(body)
            approved.add(report_id)
        elif action == "uphold":
            body = events.build("approval.dispute_upheld", dict(
                dispute_id=report_id, task_id=report_id, report_id=report_id, employee_id=2,
                agency_id=1, heard_by="review_team", decided_by=7, reason="bukti sah",
                date="2026-11-02", activity_code="SURAT", minutes=60, counted_minutes=60,
                points=str(points_of(report_id)), rupiah=report_id), "approval").model_dump(mode="json")
            service.on_dispute_upheld(body)
            approved.add(report_id)
        elif action == "reject":
            continue  # scoring never hears of rejections: nothing may count
        else:
            if not sent:
                continue
            body = sent[report_id % len(sent)]
            handler = (service.on_dispute_upheld if body["type"] == "approval.dispute_upheld"
                       else service.on_report_approved)
            handler(body)
            continue
        sent.append(body)
    recap = service.recap(STAFF, 2, "2026-11")
    counted = [e["report_id"] for e in recap["entries"] if e["kind"] == "activity"]
    assert sorted(counted) == sorted(approved)
    assert Decimal(recap["activity_points"]) == sum((points_of(r) for r in approved), Decimal(0))
