"""ScoringService with worker_factory: the ledger counts each approval once."""
import pytest
from nameko.testing.services import worker_factory

from ekinerja_contract.errors import NotFound
from services.scoring.models import Base
from services.scoring.service import ScoringService
from tests.support.factories import approver_credited, org_chart, report_approved
from tests.support.stores import sqlite_store

STAFF = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
HEAD = {"account_id": 1, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}


@pytest.fixture
def service(tmp_path):
    return worker_factory(ScoringService, reporting=org_chart({2: 1}), db=sqlite_store(Base.metadata, "scoring",
                                                           tmp_path / "s.db"))


def test_recap_sums_approved_activities_exactly(service):
    service.on_report_approved(report_approved(1, points="5.00", rupiah=7500))
    service.on_report_approved(report_approved(2, points="12.00", rupiah=18000))
    service.on_report_approved(report_approved(3, points="1.00", rupiah=1000, date="2026-12-01"))  # next month
    recap = service.recap(STAFF, 2, "2026-11")
    assert (recap["activity_points"], recap["rupiah"], recap["activities"]) == ("17.00", 25500, 2)
    assert recap["counted_minutes"] == 120


def test_a_redelivered_approval_is_counted_once(service):
    body = report_approved(1)
    for _ in range(3):
        service.on_report_approved(body)
    assert len(service.recap(STAFF, 2, "2026-11")["entries"]) == 1


def test_approver_points_show_in_the_superiors_recap(service):
    service.on_approver_credited(approver_credited(1))
    service.on_approver_credited(approver_credited(2))
    recap = service.recap(HEAD, 1, "2026-11")
    assert recap["approver_points"] == "4.00" and recap["rupiah"] == 0


def test_an_employee_cannot_read_someone_elses_recap(service):
    with pytest.raises(NotFound):  # nor learn that the id exists
        service.recap(STAFF, 1, "2026-11")
