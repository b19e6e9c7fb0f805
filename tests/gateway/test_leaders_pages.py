"""The leaders' pages drawn from real figures (monitoring's views over a SQLite read model),
without a browser: every audience, with and without units, budgets and predikat, renders;
and the downloads hold the same tables."""
import io

import pytest
from openpyxl import load_workbook
from starlette.requests import Request

from gateway.web import dashboard_tables, leaders
from gateway.web.routes import templates
from tests.monitoring.unit.test_service import (
    CITY_ADMIN,
    HEAD,
    decide,
    ev,
    page,
    placed,
    service,  # noqa: F401 (the fixture)
    submit,
)
from tests.support.clock import city


def html(body: dict) -> str:
    by_key = {t["key"]: t for t in dashboard_tables.tables(body)}
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": [], "query_string": b""})
    return templates.env.get_template("leaders.html").render(
        request=request, actor=None, flash=None, body=body, slug=dashboard_tables.SLUG_OF[body["audience"]],
        tables=by_key, pictures=leaders.pictures(body, by_key), title="Pantauan", agency_name=None,
        query="", export="/api/v1/x", export_query="")


@pytest.fixture
def busy(service):  # noqa: F811
    nowhere = placed(7, 1, unit=None)  # someone in no unit
    nowhere["data"]["unit_name"] = None
    service.on_placement_changed(nowhere)
    service.on_placement_changed(placed(8, 1, unit=11))
    submit(service, 1, 2, "2026-12-01", city(2026, 12, 1, 8))
    submit(service, 2, 7, "2026-12-02", city(2026, 12, 2, 8))
    decide(service, 1, 2, city(2026, 12, 1, 11))
    service.on_budget_set(ev("payroll.budget_set", city(2026, 1, 5), agency_id=1, year=2026,
                             ceiling=120_000_000, set_by=90))
    service.on_predikat_set(ev("appraisal.predikat_set", city(2026, 12, 1), employee_id=2,
                               agency_id=1, year=2026, predikat="Baik", appraiser_id=1))
    service.on_organisation_predikat_set(ev("appraisal.organisation_predikat_set", city(2026, 12, 1),
                                            agency_id=1, year=2026, predikat="Baik", set_by=90))
    return service


@pytest.mark.parametrize("who, audience, narrow", [
    (CITY_ADMIN, "city", {}), (CITY_ADMIN, "city", {"agency_id": 1}),
    (CITY_ADMIN, "agency", {"agency_id": 1}), (CITY_ADMIN, "agency", {"agency_id": 1, "unit_id": 10}),
    (HEAD, "agency", {}), (HEAD, "team", {})])
def test_every_page_renders_with_its_charts_and_tables(busy, who, audience, narrow):
    text = html(page(busy, who, audience, **narrow))
    assert text.count("<svg") >= 3 and 'id="tabel-kepatuhan"' in text
    assert "Tanpa unit" in text or audience == "team" or narrow.get("unit_id") or audience == "city"


def test_an_empty_month_renders(service):  # noqa: F811
    text = html(page(service, CITY_ADMIN, "city"))
    assert "Tidak ada laporan yang menunggu." in text


def test_the_download_holds_the_pages_tables(busy):
    sections = dashboard_tables.tables(page(busy, CITY_ADMIN, "agency", agency_id=1))
    book = load_workbook(io.BytesIO(dashboard_tables.to_xlsx(sections, "2026-12")))
    assert book.sheetnames == [t["title"][:31] for t in sections]
    rows = list(book["Kepatuhan pengisian"].iter_rows(values_only=True))
    assert rows[1][0] == "Unit kerja" and {r[0] for r in rows[2:]} >= {"Bidang 10", "Tanpa unit"}
    csv_text = dashboard_tables.to_csv(sections[0]).decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Unit kerja,Pengisian")
