"""The agencies' yearly TPP budget ceilings (pagu), their own predikat, and the event an
employee's appraisal announces, through ScoringService's entrypoints (worker_factory,
SQLite): who may set and read them, what is refused with field errors, what is emitted."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory
from pydantic import ValidationError
from sqlalchemy import func, select

from ekinerja_contract import config
from ekinerja_contract.errors import Forbidden, InvalidInput
from ekinerja_contract.nameko_ext import invalid_input
from services.scoring.models import AgencyBudget, Base, OrganisationPredikat
from services.scoring.service import ScoringService
from tests.support.factories import org_chart, placed
from tests.support.stores import sqlite_store

ADMIN = {"account_id": 99, "roles": ["city_admin"]}
FINANCE = {"account_id": 98, "roles": ["finance"]}
AGENCY_ADMIN = {"account_id": 50, "agency_id": 1, "roles": ["agency_admin"]}
OTHER_AGENCY_ADMIN = {"account_id": 51, "agency_id": 2, "roles": ["agency_admin"]}
STAFF = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
HEAD = {"account_id": 1, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}


@pytest.fixture
def service(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "today", lambda: dt.date(2026, 12, 10))
    svc = worker_factory(ScoringService, reporting=org_chart({2: 1}),
                         db=sqlite_store(Base.metadata, "scoring", tmp_path / "s.db"))
    svc.on_placement_changed(placed(1, "197805152005011003", job_class=14, grade="IV/b"))
    svc.on_placement_changed(placed(2, "199003212015032001", job_class=7, grade="III/b", superior=1))
    return svc


def emitted(service, event_type):
    """The data of each event of a type in the outbox, oldest first."""
    with service.db.session() as s:
        t = service.db._outbox
        rows = s.execute(select(t.c.envelope).where(t.c.event_type == event_type)
                         .order_by(t.c.created_at)).all()
    return [r.envelope for r in rows]


def rows(service, model):
    with service.db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


# --- an employee's predikat -------------------------------------------------------------

def test_an_appraisal_announces_the_predikat_with_its_appraiser(service):
    service.set_appraisal(HEAD, 2, 2026, "above", "as_expected")
    (sent,) = emitted(service, "appraisal.predikat_set")
    assert sent["version"] == "1.0" and sent["source"] == "scoring"
    assert sent["data"] == {"employee_id": 2, "agency_id": 1, "year": 2026, "predikat": "Baik",
                            "appraiser_id": 1}
    service.set_appraisal(ADMIN, 2, 2026, "below", "below")  # a city admin: no employee id
    assert emitted(service, "appraisal.predikat_set")[-1]["data"] == {
        "employee_id": 2, "agency_id": 1, "year": 2026, "predikat": "Sangat Kurang",
        "appraiser_id": None}


def test_a_refused_appraisal_announces_nothing(service):
    with pytest.raises(Forbidden):
        service.set_appraisal(STAFF, 2, 2026, "above", "above")  # nobody appraises themself
    with pytest.raises(InvalidInput):
        service.set_appraisal(HEAD, 2, 2026, "great", "above")
    assert emitted(service, "appraisal.predikat_set") == []


# --- budget ceilings --------------------------------------------------------------------

def test_finance_sets_a_ceiling_and_setting_it_again_changes_it(service):
    got = service.set_budget(FINANCE, 1, 2027, 12_500_000_000)
    assert {k: got[k] for k in ("agency_id", "year", "ceiling", "set_by")} == {
        "agency_id": 1, "year": 2027, "ceiling": 12_500_000_000, "set_by": 98}
    assert dt.datetime.fromisoformat(got["set_at"])
    again = service.set_budget(ADMIN, 1, 2027, 13_000_000_000)
    assert (again["ceiling"], again["set_by"]) == (13_000_000_000, 99)
    assert rows(service, AgencyBudget) == 1
    assert [e["data"] for e in emitted(service, "payroll.budget_set")] == [
        {"agency_id": 1, "year": 2027, "ceiling": 12_500_000_000, "set_by": 98},
        {"agency_id": 1, "year": 2027, "ceiling": 13_000_000_000, "set_by": 99}]


def test_only_the_city_admin_and_finance_set_a_ceiling(service):
    for actor in (AGENCY_ADMIN, HEAD, STAFF):
        with pytest.raises(Forbidden) as refused:
            service.set_budget(actor, 1, 2027, 1_000_000)
        assert refused.value.code == "roles_required"
    assert rows(service, AgencyBudget) == 0 and emitted(service, "payroll.budget_set") == []


@pytest.mark.parametrize("year, ceiling, field, code", [
    (2027, -1, "ceiling", "greater_than_equal"),
    (2027, 10**15, "ceiling", "less_than"),
    (2027, 1.5, "ceiling", "int_type"),
    (2027, 1_000_000.0, "ceiling", "int_type"),
    (2027, "1000000", "ceiling", "int_type"),
    (2027, True, "ceiling", "int_type"),
    (2027, None, "ceiling", "int_type"),
    (1999, 1_000_000, "year", "greater_than_equal"),
    (2101, 1_000_000, "year", "less_than_equal"),
])
def test_a_ceiling_is_a_whole_number_of_rupiah_for_a_year_of_this_era(service, year, ceiling,
                                                                       field, code):
    with pytest.raises(ValidationError) as refused:  # the rpc entrypoint: InvalidInput
        service.set_budget(FINANCE, 1, year, ceiling)
    error = invalid_input(refused.value)
    assert [(d["field"], d["code"]) for d in error.details] == [(field, code)]
    assert rows(service, AgencyBudget) == 0


def test_the_largest_ceiling_and_zero_are_kept_exactly(service):
    service.set_budget(FINANCE, 1, 2027, 10**15 - 1)
    service.set_budget(FINANCE, 2, 2027, 0)
    assert [(b["agency_id"], b["ceiling"]) for b in service.budgets(FINANCE, 2027)] == [
        (1, 10**15 - 1), (2, 0)]


def test_the_city_and_finance_list_every_agency_an_agency_admin_their_own(service):
    service.set_budget(FINANCE, 2, 2027, 9_000_000_000)
    service.set_budget(FINANCE, 1, 2027, 12_000_000_000)
    service.set_budget(FINANCE, 1, 2026, 11_000_000_000)
    for actor in (ADMIN, FINANCE):
        assert [(b["agency_id"], b["ceiling"]) for b in service.budgets(actor, 2027)] == [
            (1, 12_000_000_000), (2, 9_000_000_000)]
    assert [(b["agency_id"], b["year"]) for b in service.budgets(AGENCY_ADMIN, 2027)] == [(1, 2027)]
    assert [b["agency_id"] for b in service.budgets(OTHER_AGENCY_ADMIN, 2026)] == []
    assert service.budgets(ADMIN, 2028) == []
    with pytest.raises(Forbidden):
        service.budgets(STAFF, 2027)
    with pytest.raises(Forbidden) as refused:  # an agency admin of no agency sees nothing
        service.budgets({"account_id": 52, "roles": ["agency_admin"]}, 2027)
    assert refused.value.code == "agency_scope"


@pytest.mark.parametrize("year", [1999, 2101, "2027", True, None])
def test_listing_wants_a_year_of_this_era(service, year):
    with pytest.raises(InvalidInput) as refused:
        service.budgets(FINANCE, year)
    assert refused.value.code == "year_range"
    assert refused.value.details[0]["field"] == "year"


# --- the organisation's predikat ---------------------------------------------------------

def test_the_city_sets_an_agencys_predikat_and_the_report_shows_it(service):
    assert service.predikat_report(AGENCY_ADMIN, 2026, 1)["organisation_predikat"] is None
    got = service.set_organisation_predikat(ADMIN, 1, 2026, "Istimewa")
    assert {k: got[k] for k in ("agency_id", "year", "predikat", "set_by")} == {
        "agency_id": 1, "year": 2026, "predikat": "Istimewa", "set_by": 99}
    service.set_organisation_predikat(ADMIN, 1, 2026, "Baik")
    assert rows(service, OrganisationPredikat) == 1
    assert [e["data"] for e in emitted(service, "appraisal.organisation_predikat_set")] == [
        {"agency_id": 1, "year": 2026, "predikat": "Istimewa", "set_by": 99},
        {"agency_id": 1, "year": 2026, "predikat": "Baik", "set_by": 99}]
    report = service.predikat_report(AGENCY_ADMIN, 2026, 1)
    assert report["organisation_predikat"] == "Baik"
    assert service.predikat_report(AGENCY_ADMIN, 2027, 1)["organisation_predikat"] is None
    assert service.predikat_report(ADMIN, 2026, 2)["organisation_predikat"] is None


def test_only_the_city_admin_sets_an_agencys_predikat(service):
    for actor in (FINANCE, AGENCY_ADMIN, HEAD):
        with pytest.raises(Forbidden):
            service.set_organisation_predikat(actor, 1, 2026, "Istimewa")
    assert emitted(service, "appraisal.organisation_predikat_set") == []


@pytest.mark.parametrize("agency_id, year, predikat, field", [
    (1, 2026, "Sangat Baik", "predikat"),  # an employee's word, not an organisation's
    (1, 2026, "istimewa", "predikat"),
    (1, 1999, "Baik", "year"),
    (0, 2026, "Baik", "agency_id"),
])
def test_an_agencys_predikat_is_one_of_five_for_a_year_of_this_era(service, agency_id, year,
                                                                  predikat, field):
    with pytest.raises(ValidationError) as refused:
        service.set_organisation_predikat(ADMIN, agency_id, year, predikat)
    assert [d["field"] for d in invalid_input(refused.value).details] == [field]
    assert rows(service, OrganisationPredikat) == 0
