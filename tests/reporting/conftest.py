"""A reporting service on SQLite through nameko's worker_factory, with the demo
city loaded: no broker; evidence and approval replaced by small fakes."""
import copy
import datetime as dt

import pytest
from nameko.testing.services import worker_factory

from ekinerja_contract import config
from ekinerja_contract.errors import Conflict, NotFound
from ekinerja_contract.services import Approval, Evidence
from services.reporting.memory import Memory
from services.reporting.models import Base
from services.reporting.service import ReportingService
from tests.support.factories import rule_set_published
from tests.support.rpc import local
from tests.support.stores import sqlite_store
from tools import demo_data

TODAY = dt.date(2026, 11, 20)
ADMIN = {"account_id": 99, "employee_id": None, "agency_id": None, "roles": ["city_admin"]}


class FakeEvidence:
    def __init__(self):
        self.records = {}

    def add(self, owner_id, sha="a" * 64, status="stored"):
        evidence_id = f"{len(self.records):08d}-0000-0000-0000-000000000000"
        self.records[evidence_id] = {"id": evidence_id, "owner_id": owner_id, "sha256": sha,
                                     "status": status}
        return evidence_id

    def describe(self, evidence_id):
        if evidence_id not in self.records:
            raise NotFound(f"evidence {evidence_id} not found", code="evidence_not_found")
        return self.records[evidence_id]

    def share_links(self, actor, evidence_ids):
        """As evidence's: a token for each linked record the caller may share (the owner,
        a city or agency admin here), signed as evidence signs them; others left out."""
        from services.evidence import rules
        until = config.today() + dt.timedelta(days=400)
        return {i: {"token": rules.share_token(b"k" * 32, i, until), "until": until.isoformat()}
                for i in evidence_ids if self.records.get(i, {}).get("status") == "linked"
                and (actor.get("employee_id") == self.records[i]["owner_id"]
                     or {"city_admin", "agency_admin"} & set(actor.get("roles", [])))}

    def checked_facts(self, evidence_id):
        """As evidence's: the record after its full check (a stored one becomes checked)."""
        record = self.describe(evidence_id)
        if record["status"] == "stored":
            record["checked"] = True
        return record


class FakeApproval:
    def __init__(self):
        self.decided = set()

    def cancel_task(self, report_id):
        if report_id in self.decided:
            raise Conflict("the report was already approved",
                           [{"field": "state", "reason": "approved"}],
                           code="task_decided", params={"state": "approved"})
        return {"report_id": report_id, "state": "cancelled"}


class City:
    """The demo city, loaded through the service's own entrypoints."""

    def __init__(self, service):
        self.service = service
        employees = []
        for org in (demo_data.ORGANISATION, demo_data.CITY_HALL):  # DISKOMINFO is agency 1
            org = copy.deepcopy(org)
            for e in org["employees"]:
                e.pop("password")
                e["password_hash"] = "x"
                e["since"] = "2026-01-01"
            service.load_organisation(ADMIN, org)
            employees += org["employees"]
        # the city's rule set names the Sekda as the approver of agency heads
        service.on_rule_set_published(rule_set_published(head_approver=demo_data.HEAD_APPROVER))
        service.publish_catalogue(ADMIN, demo_data.CATALOGUE)
        self.ids = {e["username"]: service.get_account(e["username"])["employee_id"]
                    for e in employees}
        self.head_skp = self.approve_skp("kadis", demo_data.skp_items(), ADMIN)
        parents = [i["id"] for i in self.head_skp["items"]]
        self.skp = {u: self.approve_skp(u, demo_data.skp_items(parents), self.actor("kadis"))
                    for u in ("sari", "agus")}
        self.skp["kadis"] = self.head_skp
        self.skp["sekda"] = self.approve_skp("sekda", demo_data.skp_items(), ADMIN)

    def actor(self, username):
        roles = ["employee", "supervisor"] if username == "kadis" else ["employee"]
        return {"account_id": self.ids[username], "employee_id": self.ids[username],
                "agency_id": 1, "roles": roles}

    def approve_skp(self, username, items, decider):
        me = self.actor(username)
        self.service.save_skp(me, {"year": 2026, "items": items})
        self.service.submit_skp(me, 2026)
        return self.service.decide_skp(decider, self.ids[username], 2026, {"decision": "approve"})

    def item(self, username, kind="main"):
        return next(i["id"] for i in self.skp[username]["items"] if i["kind"] == kind)

    def report(self, username="sari", **over):
        body = {"skp_item_id": self.item(username), "activity_code": "ENTRI-DATA",
                "date": "2026-11-18", "start": "08:00", "end": "09:00",
                "description": "Entri data kepegawaian"}
        body.update(over)
        return body


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(config, "today", lambda: TODAY)
    return TODAY


@pytest.fixture
def service(tmp_path, today):
    store = sqlite_store(Base.metadata, "reporting", tmp_path / "reporting.db")
    # nothing remembered: each test's changes are read at once (memory.py is tested apart)
    return worker_factory(ReportingService, db=store, evidence=local(Evidence, FakeEvidence()),
                          approval=local(Approval, FakeApproval()), memory=Memory(0))


@pytest.fixture
def city(service):
    return City(service)
