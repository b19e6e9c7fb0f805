"""The OpenAPI document is complete (a response model and the error shape on every
route), the answers through those models are what the services sent, the docs work
offline and can be switched off, and /metrics can want a token. No broker: the app is
built in process (its lifespan never runs) and RPC answers come from a stand-in."""
import datetime as dt
import json
import os
import re
import subprocess
import sys
import time
from decimal import Decimal
from types import SimpleNamespace

import httpx
import pytest
from fastapi.testclient import TestClient
from kombu.utils import json as kombu_json

from ekinerja_contract import replies as responses
from gateway.app import create_app
from gateway.auth import issue_token
from gateway.settings import Settings

SECRET = "test-openapi-secret-" + "x" * 32
SUCCESS = ("200", "201", "202")
FILE_TYPES = {"text/csv", "application/pdf",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
ERROR_REF = "#/components/schemas/ErrorOut"


@pytest.fixture(scope="module")
def doc():
    return create_app(Settings(jwt_secret=SECRET)).openapi()


def operations(doc):
    for path, methods in doc["paths"].items():
        if path.startswith("/api/v1/"):
            for method, op in methods.items():
                yield f"{method.upper()} {path}", op


def test_every_api_operation_documents_its_success_schema(doc):
    ops = list(operations(doc))
    assert len(ops) > 45
    for name, op in ops:
        ok = [op["responses"][s] for s in SUCCESS if s in op["responses"]]
        assert len(ok) == 1, name
        content = ok[0].get("content", {})
        files = FILE_TYPES & set(content)
        if files:
            assert "application/json" not in content, name
            continue
        schema = content["application/json"]["schema"]
        assert schema.get("$ref") or schema.get("items", {}).get("$ref") or schema.get("anyOf"), \
            (name, schema)


def test_every_api_operation_documents_its_errors_with_the_error_shape(doc):
    for name, op in operations(doc):
        documented = op["responses"]
        needs = {"401", "503", "504"}
        # 422 wherever there is something to validate (FastAPI's own rule) and on every
        # POST/PUT (the JSON depth guard); a GET without parameters cannot be invalid.
        if op.get("parameters") or op.get("requestBody") or not name.startswith("GET"):
            needs.add("422")
        assert needs <= set(documented), (name, sorted(documented))
        for status, response in documented.items():
            if status not in SUCCESS:
                assert response["content"]["application/json"]["schema"] == {"$ref": ERROR_REF}, \
                    (name, status)
    error = doc["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"status", "code", "reason_code", "message",
                                      "display_message", "details"}


def test_every_response_model_lets_extra_fields_through():
    from pydantic import BaseModel
    models = [m for m in vars(responses).values()
              if isinstance(m, type) and issubclass(m, BaseModel) and m is not BaseModel]
    assert len(models) > 40
    for model in models:
        assert model.model_config.get("extra") == "allow", model.__name__


def test_the_error_shape_is_what_errors_body_builds():
    from gateway.errors import body
    built = body(422, "report_overlap", "overlaps", [{"field": "start", "code": "overlap",
                                                      "reason": "overlapping time",
                                                      "params": {"x": "1"}}],
                 {"report_id": 3}, kind="conflict")
    assert responses.ErrorOut.model_validate(built).model_dump(mode="json",
                                                               exclude_unset=True) == built
    # a service's details as they cross the bus (nameko makes every value text)
    from nameko.exceptions import safe_for_serialization
    rows = body(422, "import_invalid", "2 problems", safe_for_serialization(
        [{"row": 4, "column": "nip", "reason": "required"}, {"row": None, "reason": "loops"}]))
    assert responses.ErrorOut.model_validate(rows).model_dump(mode="json",
                                                              exclude_unset=True) == rows


# --- real service shapes through the real routes ----------------------------------------

def _report_row(**over):
    row = dict(id=7, employee_id=3, date=dt.date(2026, 11, 2), start=dt.time(8), end=dt.time(10),
               skp_item_id=11, meeting_id=None, role=None, quantity=1,
               description="Menyusun laporan", evidence_id="0" * 8 + "-0000-0000-0000-" + "0" * 12,
               minutes=120, counted_minutes=90, points=Decimal("12.50"), rupiah=15000,
               state="submitted", decision_reason=None, objection_reason=None,
               dispute_decision_reason=None, approver_id=2)
    return SimpleNamespace(**{**row, **over})


ACTIVITY = SimpleNamespace(code="RAPAT", name="Rapat koordinasi", version=2, id=5)


def _report_dict(**over):
    from services.reporting import reports
    return reports.as_dict(_report_row(**over), ACTIVITY)


def _submitted_facts():
    from ekinerja_contract.events import ReportSubmitted
    return ReportSubmitted(
        report_id=7, employee_id=3, employee_name="Sari", agency_id=1, approver_id=2,
        skp_item_id=11, date=dt.date(2026, 11, 2), start=dt.time(8), end=dt.time(10),
        activity_code="RAPAT", activity_name="Rapat koordinasi", activity_version=2, role=None,
        quantity=1, description="Menyusun laporan", evidence_id=None, evidence_sha256=None,
        minutes=120, counted_minutes=90, points=Decimal("12.50"), rupiah=15000,
    ).model_dump(mode="json")


def _task(**over):
    from services.approval import tasks
    row = dict(id=21, report_id=7, employee_id=3, approver_id=2, state="pending", round=1,
               report=_submitted_facts(),
               submitted_at=dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC),
               escalated_to=None, decided_at=None, decided_by=None, reason=None)
    return tasks.as_dict(SimpleNamespace(**{**row, **over}))


def _dispute():
    from services.approval import tasks
    return tasks.dispute_dict(SimpleNamespace(
        id=4, task_id=21, report_id=7, employee_id=3, heard_by="review_team",
        reason="Foto sudah jelas menunjukkan kegiatan", state="open", decided_by=None,
        decision_reason=None, filed_at=dt.datetime(2026, 11, 5, tzinfo=dt.UTC)))


def _audit():
    from services.approval import tasks
    return tasks.audit_dict(SimpleNamespace(
        task_id=21, report_id=7, actor_id=None, action="open", state_before=None,
        state_after="pending", detail="for approver 2", origin=None,
        at=dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC)))


def _evidence(**over):
    from services.evidence import evidence
    row = dict(id="0" * 8 + "-0000-0000-0000-" + "0" * 12, owner_id=3, filename="foto.jpg",
               content_type="image/jpeg", size=2048, sha256="a" * 64, status="stored",
               report_id=None, captured_at=dt.datetime(2026, 11, 2, 9, 30), gps_lat=-8.65,
               gps_lon=115.21, reused_by_other=False, locked_until=None, checked_at=None,
               problem=None)
    return evidence.as_dict(SimpleNamespace(**{**row, **over}))


def _recap():
    """As services/scoring/service.py recap builds it."""
    from services.scoring import payroll, rules
    entry = SimpleNamespace(kind="activity", points=Decimal("12.50"), rupiah=15000, minutes=90)
    totals = rules.recap([entry])
    profile = rules.Profile(3, "199001012015031001", "Sari", 1, 7, "PNS", "III/a")
    line = rules.compute(profile, "2026-11", lambda day: payroll.DEFAULT_RULES,
                         {dt.date(2026, 11, 2): rules.DayWork(90, Decimal("12.50"), 15000)},
                         {dt.date(2026, 11, 2): [rules.AttendanceMark("arrival", 12)]},
                         as_of=dt.date(2026, 11, 20))
    return {"employee_id": 3, "period": "2026-11", "closed": False,
            **{k: v if isinstance(v, int) else str(v) for k, v in totals.items()},
            "tpp": line,
            "entries": [{"id": 1, "date": "2026-11-02", "kind": "activity", "points": "12.50",
                         "activity_code": "RAPAT", "rupiah": 15000, "minutes": 90,
                         "report_id": 7, "reason": None}]}


def _skp(monkeypatch):
    from services.reporting import skp, storage
    monkeypatch.setattr(storage, "skp_items", lambda s, skp_id: [SimpleNamespace(
        id=31, kind="main", title="Laporan bulanan tersusun", parent_item_id=None,
        indicators=[{"name": "Laporan", "quantity": "12", "unit": "dokumen", "quality": 100,
                     "months": 12}])])
    return skp.as_dict(None, SimpleNamespace(id=9, employee_id=3, year=2026, state="draft",
                                             note=None))


def _meeting_claims():
    from services.reporting import meetings
    meeting = meetings.as_dict(SimpleNamespace(
        id=2, organiser_id=2, activity_code="RAPAT", title="Rapat koordinasi", place="Aula",
        date=dt.date(2026, 11, 3), start=dt.time(9), end=dt.time(11), expected=[3, 4],
        roles={"3": "chair"}))
    return {**meeting, "claims": [{"employee_id": 3, "name": "Sari", "role": "participant",
                                   "state": "submitted", "report_id": 7}], "not_claimed": [4]}


def _yearly(value, amount):
    """As services/scoring/service.py answers a budget ceiling or an agency's predikat."""
    from services.scoring.service import _yearly_dict
    return _yearly_dict(SimpleNamespace(agency_id=1, year=2027, set_by=1, **{value: amount},
                                        set_at=dt.datetime(2026, 12, 2, 3, tzinfo=dt.UTC)), value)


def _catalogue():
    from services.reporting import catalogue
    return [catalogue.as_dict(SimpleNamespace(
        code="RAPAT", version=2, name="Rapat koordinasi", output_unit="kegiatan",
        standard_minutes=60, points=Decimal("2.00"), rupiah=5000, evidence_required=True,
        creative=False, role_weights={"chair": "1.5", "participant": "1"}, min_job_class=1,
        max_job_class=17, position_codes=None, effective_from=dt.date(2026, 1, 1)))]


class FakeRpc:
    """Answers as the bus delivers them: through kombu's JSON, as the real client does."""
    connected = True

    def __init__(self, answers):
        self.answers = answers

    async def call_async(self, service, method, *args, _correlation_id=None, **kwargs):
        if method == "token_version":
            return 0
        answer = self.answers[(service, method)]
        if isinstance(answer, Exception):  # as the real client raises a contract error
            raise answer
        return kombu_json.loads(kombu_json.dumps(answer))


class FakeStorage:
    async def put(self, url, content, headers):
        async for _ in content:
            pass
        return SimpleNamespace(status_code=200)


ADMIN = {"account_id": 1, "username": "sari", "name": "Sari", "employee_id": 3,
         "agency_id": 1, "roles": ["city_admin", "employee", "review_team", "finance"],
         "token_version": 0}


@pytest.fixture
def api(monkeypatch):
    app = create_app(Settings(jwt_secret=SECRET))
    answers = {}
    app.state.rpc = FakeRpc(answers)
    app.state.http = FakeStorage()
    client = TestClient(app, raise_server_exceptions=False)
    client.headers["Authorization"] = "Bearer " + issue_token(ADMIN, SECRET, 10)
    client.answers = answers
    return client


def _cases(monkeypatch):
    """(method, url, body, (service, method) -> what the service returns)."""
    report, dispute = _report_dict(), _dispute()
    over_cap = {**_report_dict(), "notice": "30 menit melebihi batas harian dan tidak dihitung"}
    job = {"id": 1, "period": "2026-10", "agency_id": None, "state": "queued", "done": 0,
           "total": 0, "snapshot_id": None, "error": None}
    person = {"employee_id": 2, "name": "Made", "nip": "198001012005011001"}
    decision = {"decision": "approve"}
    report_in = {"skp_item_id": 11, "activity_code": "RAPAT", "date": "2026-11-02",
                 "start": "08:00", "end": "10:00", "description": "Menyusun laporan"}
    return [
        ("post", "/api/v1/auth/logout", None, ("reporting", "revoke_tokens"), {"token_version": 4}),
        ("post", "/api/v1/admin/accounts/sari/unlock", None, ("reporting", "unlock_account"),
         {"username": "sari", "cleared": True}),
        ("get", "/api/v1/catalogue", None, ("reporting", "list_catalogue"), _catalogue()),
        ("post", "/api/v1/admin/catalogue", {"activity_types": [{
            "code": "RAPAT", "name": "Rapat koordinasi", "output_unit": "kegiatan",
            "standard_minutes": 60, "points": "2", "rupiah": 5000,
            "effective_from": "2026-01-01"}]},
         ("reporting", "publish_catalogue"), {"published": [{"code": "RAPAT", "version": 3}]}),
        ("get", f"/api/v1/evidence/{_evidence()['id']}", None, ("evidence", "view"),
         {**_evidence(), "url": "http://127.0.0.1:9/files/x?signature=y"}),
        ("post", "/api/v1/reports", report_in, ("reporting", "submit_report"), over_cap),
        ("post", "/api/v1/reports/drafts", report_in, ("reporting", "save_draft"),
         _report_dict(state="draft", counted_minutes=0, evidence_id=None)),
        ("get", "/api/v1/reports?period=2026-11", None, ("reporting", "list_reports"),
         [report, _report_dict(id=8, state="approved", decision_reason="ok")]),
        ("get", "/api/v1/reports/7", None, ("reporting", "get_report"), report),
        ("post", "/api/v1/reports/7/withdraw", None, ("reporting", "withdraw_report"),
         _report_dict(state="withdrawn", counted_minutes=0)),
        ("post", "/api/v1/approvals/21/decision", decision, ("approval", "decide"),
         _task(state="approved", decided_by=2,
               decided_at=dt.datetime(2026, 11, 3, tzinfo=dt.UTC))),
        ("post", "/api/v1/approvals/bulk-approve", {"task_ids": [21, 22]},
         ("approval", "decide_many"),
         [{"task_id": 21, "state": "approved"},
          {"task_id": 22, "error": "Forbidden", "code": "own_work", "message": "no",
           "params": {}}]),
        ("post", "/api/v1/approvals/21/dispute", {"reason": "Foto sudah jelas sekali"},
         ("approval", "file_dispute"), dispute),
        ("get", "/api/v1/disputes", None, ("approval", "disputes"),
         [{**dispute, "task": _task(state="rejected", reason="tidak jelas"),
           "history": [_audit()]}]),
        ("get", "/api/v1/approvals/audit?report_id=7", None, ("approval", "audit"), [_audit()]),
        ("get", "/api/v1/dashboards/supervisor", None, ("approval", "supervisor_dashboard"),
         [{"employee_id": 3, "name": None, "pending": 2, "oldest_working_days": 4}]),
        ("get", "/api/v1/dashboards/agency", None, ("approval", "agency_dashboard"),
         [{"approver_id": None, "pending": 2, "waiting_employees": [3, 4],
           "oldest_working_days": 4, "escalated": 1}]),
        ("post", "/api/v1/payroll/closings", {"period": "2026-10"}, ("scoring", "close_period"),
         job),
        ("get", "/api/v1/payroll/closings/1", None, ("scoring", "close_job"),
         {**job, "state": "failed", "error": "boom"}),
        ("get", "/api/v1/admin/payroll-rule-sets", None, ("scoring", "list_rule_sets"),
         [{"id": 1, "agency_id": None, "effective_from": "2026-01-01",
           "body": {"mode": "standard", "ceilings": {"7": 3000000}}}]),
        ("get", "/api/v1/predikat/2026", None, ("scoring", "predikat_report"),
         {"year": 2026, "agency_id": 1, "counts": {"Baik": 2}, "warnings": [],
          "employees": [{"employee_id": 3, "predikat": "Baik", "result": "above",
                         "behaviour": "as_expected"}]}),
        ("get", "/api/v1/predikat/2027", None, ("scoring", "predikat_report"),
         {"year": 2027, "agency_id": 1, "organisation_predikat": "Istimewa", "counts": {},
          "warnings": [], "employees": []}),
        ("put", "/api/v1/budgets/1/2027", {"ceiling": 12_500_000_000}, ("scoring", "set_budget"),
         _yearly("ceiling", 12_500_000_000)),
        ("get", "/api/v1/budgets/2027", None, ("scoring", "budgets"),
         [_yearly("ceiling", 10**15 - 1)]),
        ("put", "/api/v1/agencies/1/predikat/2027", {"predikat": "Butuh Perbaikan"},
         ("scoring", "set_organisation_predikat"), _yearly("predikat", "Butuh Perbaikan")),
        ("get", "/api/v1/recap?period=2026-11", None, ("scoring", "recap"), _recap()),
        ("get", "/api/v1/employees/3/superior", None, ("reporting", "superior_for"), person),
        ("get", "/api/v1/employees/2/superior", None, ("reporting", "superior_for"), None),
        ("get", "/api/v1/team", None, ("reporting", "subordinates"), [person]),
        ("get", "/api/v1/employees/3/skp/2026", None, ("reporting", "get_skp"),
         _skp(monkeypatch)),
        ("get", "/api/v1/meetings/2/claims", None, ("reporting", "meeting_claims"),
         _meeting_claims()),
        ("post", "/api/v1/admin/grace-windows", {"agency_id": 1, "period": "2026-10",
                                                 "until": "2026-11-10",
                                                 "reason": "listrik padam dua hari"},
         ("reporting", "open_grace_window"),
         {"agency_id": 1, "period": "2026-10", "until": "2026-11-10",
          "reason": "listrik padam dua hari"}),
    ]


def test_answers_through_the_response_models_are_what_the_services_sent(api, monkeypatch):
    for method, url, body, key, answer in _cases(monkeypatch):
        api.answers.clear()
        api.answers[key] = answer
        r = api.request(method.upper(), url, json=body)
        assert r.status_code < 300, (url, r.status_code, r.text)
        assert r.json() == json.loads(json.dumps(answer, default=str)), url


@pytest.mark.parametrize("url, body, field", [
    ("/api/v1/budgets/1/2027", {"ceiling": -1}, "ceiling"),
    ("/api/v1/budgets/1/2027", {"ceiling": 10**15}, "ceiling"),
    ("/api/v1/budgets/1/2027", {"ceiling": "1000"}, "ceiling"),
    ("/api/v1/budgets/1/2027", {"ceiling": 1000.0}, "ceiling"),
    ("/api/v1/budgets/1/2027", {"ceiling": True}, "ceiling"),
    ("/api/v1/budgets/1/2027", {}, "ceiling"),
    ("/api/v1/budgets/1/1999", {"ceiling": 1000}, "year"),
    ("/api/v1/budgets/0/2027", {"ceiling": 1000}, "agency_id"),
    ("/api/v1/agencies/1/predikat/2027", {"predikat": "Sangat Baik"}, "predikat"),
    ("/api/v1/agencies/1/predikat/2101", {"predikat": "Baik"}, "year"),
    ("/api/v1/budgets/1/2026/realisation/4", {"percent": "banyak"}, "percent"),
    ("/api/v1/budgets/1/2026/realisation/4", {"percent": "250"}, "percent"),
    ("/api/v1/budgets/1/2026/realisation/5", {"percent": "80"}, "quarter"),
    ("/api/v1/payroll/tax-profiles/2", {"ptkp": "K/9", "monthly_salary": 1}, "ptkp"),
    ("/api/v1/payroll/tax-profiles/2", {"ptkp": "K/1", "monthly_salary": "lima juta"}, "monthly_salary"),
])
def test_a_budget_or_an_agencys_predikat_is_refused_naming_the_field(api, url, body, field):
    r = api.put(url, json=body)  # refused before any service is asked (none answers here)
    assert r.status_code == 422, r.text
    assert field in [str(d["field"]).rsplit(".", 1)[-1] for d in r.json()["error"]["details"]]


def test_pay_inputs_are_refused_in_indonesian_naming_the_field(api):
    r = api.put("/api/v1/budgets/1/2026/realisation/4", json={"percent": "banyak"})
    assert r.status_code == 422
    (detail,) = r.json()["error"]["details"]
    assert (detail["field"], detail["display_reason"]) == ("percent", "Harus berupa angka")
    r = api.post("/api/v1/payroll/conditions", json={
        "employee_id": 2, "kind": "mpp", "start_date": "2026-12-20", "end_date": "2026-12-01",
        "reference": "SK 1"})
    assert r.status_code == 422
    assert [d["display_short"] for d in r.json()["error"]["details"]] == [
        "tanggal selesai tidak boleh sebelum tanggal mulai"]


def test_only_the_city_and_finance_set_budgets_and_only_the_city_an_agencys_predikat(api):
    employee = {**ADMIN, "roles": ["employee"]}
    api.headers["Authorization"] = "Bearer " + issue_token(employee, SECRET, 10)
    for method, url, body in (("put", "/api/v1/budgets/1/2027", {"ceiling": 1000}),
                              ("get", "/api/v1/budgets/2027", None),
                              ("put", "/api/v1/agencies/1/predikat/2027", {"predikat": "Baik"})):
        assert api.request(method.upper(), url, json=body).status_code == 403, url
    finance = {**ADMIN, "roles": ["finance"]}
    api.headers["Authorization"] = "Bearer " + issue_token(finance, SECRET, 10)
    assert api.put("/api/v1/agencies/1/predikat/2027", json={"predikat": "Baik"}).status_code == 403


def test_the_inbox_adds_thumbnails_and_flags_and_keeps_the_task(api):
    task = _task()
    task["report"]["evidence_id"] = "e" * 8 + "-0000-0000-0000-" + "0" * 12
    api.answers[("approval", "inbox")] = {"tasks": [task], "total": 1}
    api.answers[("evidence", "thumbnail_urls")] = {task["report"]["evidence_id"]: {
        "url": "http://127.0.0.1:9/t.jpg", "content_type": "image/jpeg",
        "captured_at": None, "gps": [-8.6, 115.2]}}
    flag = {"signal_id": 3, "signal": "photo_reused", "name": "Foto dipakai pegawai lain",
            "reason": "Foto bukti sama persis dengan foto laporan pegawai lain (Budi, 2 November 2026).",
            "weight": 40, "checkable": True, "state": "open", "evidence": {"reports": []}}
    integrity = {"risk": 40, "flags": [flag], "month_risk": 40, "month_flags": []}
    api.answers[("integrity", "report_flags")] = {str(task["report_id"]): integrity}
    r = api.get("/api/v1/approvals/inbox")
    assert r.status_code == 200, r.text
    assert r.headers["X-Total-Count"] == "1"
    (got,) = r.json()
    assert got == {**json.loads(json.dumps(task)), "thumbnail_url": "http://127.0.0.1:9/t.jpg",
                   "evidence": {"content_type": "image/jpeg", "captured_at": None,
                                "gps": [-8.6, 115.2]},
                   "flags": ["over_daily_cap"], "integrity": integrity}


def test_the_inbox_answers_without_the_integrity_checks_when_they_cannot(api):
    from ekinerja_contract.errors import Unavailable
    task = _task()
    api.answers[("approval", "inbox")] = {"tasks": [task], "total": 1}
    api.answers[("integrity", "report_flags")] = Unavailable("database unavailable",
                                                              code="database_unavailable")
    r = api.get("/api/v1/approvals/inbox")
    assert r.status_code == 200, r.text
    assert r.json()[0]["integrity"] == {"risk": 0, "flags": [], "month_risk": 0, "month_flags": [],
                                        "available": False}


def test_an_upload_answers_the_evidence_record(api):
    api.answers[("evidence", "create_upload")] = {"evidence_id": _evidence()["id"],
                                                  "max_bytes": 1000,
                                                  "upload_url": "http://127.0.0.1:9/up"}
    api.answers[("evidence", "confirm_upload")] = {**_evidence(), "duplicate": True}
    r = api.post("/api/v1/evidence?filename=foto.jpg", content=b"\xff\xd8\xff" + b"0" * 20,
                 headers={"Content-Type": "image/jpeg"})
    assert r.status_code == 201, r.text
    assert r.json() == {**_evidence(), "duplicate": True}


def test_me_and_login_answer_every_field(api):
    r = api.get("/api/v1/me")
    assert r.status_code == 200, r.text
    assert r.json() == {"account_id": 1, "employee_id": 3, "agency_id": 1,
                        "roles": ADMIN["roles"], "origin": "testclient"}
    from gateway.auth import _DUMMY_HASH
    api.answers[("reporting", "login_state")] = {
        "account": {**ADMIN, "password_hash": _DUMMY_HASH}, "retry_after": 0}
    api.answers[("reporting", "record_login")] = {"retry_after": 0}
    r = api.post("/api/v1/auth/login", json={"username": "sari",
                                             "password": "not-a-real-password"})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"access_token", "token_type", "expires_in", "user"}
    assert r.json()["token_type"] == "bearer" and r.json()["user"]["username"] == "sari"


def test_an_answer_that_breaks_its_model_is_a_server_error_in_the_error_shape(api):
    api.answers[("reporting", "get_report")] = {"id": "not a number"}
    r = api.get("/api/v1/reports/7")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "service_error"


def test_errors_answer_in_the_documented_shape(api):
    del api.headers["Authorization"]
    r = api.get("/api/v1/reports?period=2026-11")
    assert r.status_code == 401
    responses.ErrorOut.model_validate(r.json())
    r = api.get("/api/v1/reports?period=13")
    assert r.status_code in (401, 422)
    responses.ErrorOut.model_validate(r.json())


# --- docs: offline, switchable ------------------------------------------------------------

def test_the_docs_pages_load_only_the_gateways_own_assets():
    client = TestClient(create_app(Settings(jwt_secret=SECRET)))
    for page in ("/docs", "/redoc"):
        r = client.get(page)
        assert r.status_code == 200
        urls = re.findall(r'(?:src|href)="([^"]+)"', r.text)
        assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
        assert "https://" not in r.text.replace("https://redocly", ""), page
        for url in urls:
            if url.startswith("/static/docs/"):
                asset = client.get(url)
                assert asset.status_code == 200 and len(asset.content) > 1000, url
    assert "'self'" in client.get("/redoc").headers["Content-Security-Policy"]
    assert client.get("/openapi.json").json()["openapi"].startswith("3.")


def test_gateway_docs_off_removes_the_docs_and_the_document(monkeypatch):
    monkeypatch.setenv("GATEWAY_DOCS", "off")
    client = TestClient(create_app(Settings(jwt_secret=SECRET)))
    for path in ("/docs", "/redoc", "/openapi.json", "/static/docs/swagger-ui.css"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["error"]["status"] == 404
    assert client.get("/healthz").status_code == 200
    assert client.get("/static/app.js").status_code == 200  # the pages' assets stay


def test_the_metrics_want_their_token_when_one_is_set(monkeypatch):
    assert TestClient(create_app(Settings(jwt_secret=SECRET))).get("/metrics").status_code == 200
    monkeypatch.setenv("GATEWAY_METRICS_TOKEN", "s3cret-metrics-token")
    client = TestClient(create_app(Settings(jwt_secret=SECRET)))
    for headers in ({}, {"Authorization": "Bearer wrong"},
                    {"Authorization": "s3cret-metrics-token"}):
        r = client.get("/metrics", headers=headers)
        assert r.status_code == 401, headers
        assert r.headers["WWW-Authenticate"] == "Bearer"
        responses.ErrorOut.model_validate(r.json())
    r = client.get("/metrics", headers={"Authorization": "Bearer s3cret-metrics-token"})
    assert r.status_code == 200 and "ekinerja_http_requests_total" in r.text


def test_the_docs_render_in_chromium_without_the_internet():
    """The gateway as a process (no broker, no lifespan): /docs and /redoc in Debian's
    Chromium with every request that leaves 127.0.0.1 refused."""
    from playwright.sync_api import sync_playwright

    from tests.support.browser import ARGS, CHROMIUM
    from tests.support.infra import free_port
    started = time.monotonic()
    port = free_port()
    env = {**os.environ, "GATEWAY_JWT_SECRET": SECRET, "GATEWAY_DOCS": "on",
           "AMQP_URI": "amqp://guest:guest@127.0.0.1:1//"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "gateway.app:app", "--port",
                             str(port), "--lifespan", "off", "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/openapi.json").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, "the gateway exited"
            time.sleep(0.1)
        outside = []

        def only_local(route):
            if route.request.url.startswith(base):
                return route.continue_()
            outside.append(route.request.url)
            return route.abort()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                page = browser.new_page()
                page.route("**/*", only_local)
                page.goto(f"{base}/docs")
                page.wait_for_selector(".opblock", timeout=30_000)
                assert page.locator(".opblock").count() > 10
                assert page.locator(".opblock").count() >= 45
                page.goto(f"{base}/redoc")
                page.wait_for_selector("[data-section-id]", timeout=30_000)
                assert page.locator("[data-section-id]").count() > 10
            finally:
                browser.close()
        assert outside == [], outside
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    print(f"docs rendered offline in {time.monotonic() - started:.1f}s")
