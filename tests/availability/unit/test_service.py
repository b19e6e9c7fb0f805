"""AvailabilityService with worker_factory (SQLite), the real reporting service behind
its typed client: the probe against a real HTTP server (its own process), the gateway's counts, and the
deadline judged once, opening an audited grace window only where the objective broke."""
import datetime as dt
import socket
import subprocess
import sys

import pytest
from nameko.exceptions import RemoteError
from nameko.testing.services import worker_factory
from sqlalchemy import select

from ekinerja_contract.services import Approval, Evidence, Reporting
from services.availability.models import Base, Decision, Probe
from services.availability.service import AvailabilityService
from services.reporting.memory import Memory
from services.reporting.models import Base as ReportingBase
from services.reporting.models import GraceWindow
from services.reporting.service import ReportingService
from tests.reporting.conftest import ADMIN, City, FakeApproval, FakeEvidence
from tests.support.clock import city, frozen
from tests.support.factories import placed, rule_set_published
from tests.support.infra import free_port
from tests.support.rpc import local
from tests.support.stores import sqlite_store
from tools.supervisor import wait_until

OBJECTIVE = {"availability_percent": "99", "max_error_percent": "2", "p95_ms": 2000,
             "window_hours": 2, "min_samples": 3, "grace_days": 2, "automatic": True}


# The gateway stand-in: a separate process answering every GET with the status in a file
# (a thread in this process would share eventlet's hub with the service under test).
GATEWAY = """
import http.server, pathlib, sys
status = pathlib.Path(sys.argv[2])
class Answer(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(int(status.read_text() or 200))
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Answer).serve_forever()
"""


class Gateway:
    def __init__(self, tmp_path):
        self.port, self.status = free_port(), tmp_path / "status"
        self.status.write_text("200")
        self.proc = subprocess.Popen([sys.executable, "-c", GATEWAY, str(self.port), str(self.status)])
        wait_until(lambda: socket.create_connection(("127.0.0.1", self.port), 1).close() is None,
                   10, "the gateway stand-in")

    def answer(self, status: int) -> None:
        self.status.write_text(str(status))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


@pytest.fixture
def gateway(tmp_path):
    g = Gateway(tmp_path)
    yield g
    g.stop()


@pytest.fixture
def world(tmp_path, gateway):
    with frozen(city(2026, 12, 1, 9)):
        reporting = worker_factory(ReportingService, memory=Memory(0),
                                   db=sqlite_store(ReportingBase.metadata, "reporting", tmp_path / "r.db"),
                                   evidence=local(Evidence, FakeEvidence()),
                                   approval=local(Approval, FakeApproval()))
        City(reporting)  # agencies 1 (DISKOMINFO) and 2 (the city hall)
        svc = worker_factory(AvailabilityService, db=sqlite_store(Base.metadata, "availability", tmp_path / "a.db"),
                             reporting=local(Reporting, reporting),
                             config={"AVAILABILITY": {"PROBE_URL": f"http://127.0.0.1:{gateway.port}",
                                                      "PROBE_TIMEOUT": 2}})
        # agency 1's input deadline is the 5th, agency 2's the 10th (its own rule set)
        svc.on_rule_set_published(rule_set_published(1, objective=OBJECTIVE))
        svc.on_rule_set_published(rule_set_published(2, agency_id=2, input_deadline_day=10,
                                                     objective=OBJECTIVE))
        for employee, agency in ((1, 1), (2, 2)):
            svc.on_placement_changed(placed(employee, f"19900101201501100{employee}", agency_id=agency))
    svc.gateway = gateway
    return svc, reporting


def probe_at(svc, at, status):
    svc.gateway.answer(status)
    with frozen(at):
        svc.probe()


def windows(reporting):
    with reporting.db.session() as s:
        return [(w.agency_id, w.period, w.until, w.automatic, w.opened_by)
                for w in s.scalars(select(GraceWindow))]


def test_a_breach_before_a_deadline_opens_a_grace_window_for_that_agency_only_once(world):
    svc, reporting = world
    for minute in range(0, 60, 10):  # 22:00-23:00 on the 5th: fine, then down until midnight
        probe_at(svc, city(2026, 12, 5, 22, minute), 200)
        probe_at(svc, city(2026, 12, 5, 23, minute), 503)
    with frozen(city(2026, 12, 5, 23, 59)):
        svc.tick()  # before the deadline passed: nothing judged
    assert windows(reporting) == []
    with frozen(city(2026, 12, 6, 0, 1)):
        svc.tick()
        svc.tick()  # again: judged once
    assert windows(reporting) == [(1, "2026-11", dt.date(2026, 12, 7), True, 0)]
    with svc.db.session() as s:
        (decision,) = s.scalars(select(Decision))
        assert (decision.agency_id, decision.breached, decision.state) == (1, True, "opened")
        assert decision.figures["probes"] == 12 and decision.figures["availability_percent"] == "50.00"
        assert decision.reasons == ["ketersediaan 50% di bawah 99%"]
    with reporting.db.session() as s:
        (w,) = s.scalars(select(GraceWindow))
        assert w.reason.startswith("Dibuka otomatis: dalam 2 jam sebelum batas input, ketersediaan 50%")
    status = svc.status(ADMIN)
    assert status["decisions"][0]["state"] == "opened"


def test_a_kept_promise_opens_nothing_and_the_agencys_own_errors_count(world):
    svc, reporting = world
    for minute in range(0, 60, 10):
        probe_at(svc, city(2026, 12, 10, 22, minute), 200)
        probe_at(svc, city(2026, 12, 10, 23, minute), 200)
    minute = city(2026, 12, 10, 23, 30).astimezone(dt.UTC).isoformat()
    svc.record_traffic([{"agency_id": 2, "minute": minute, "requests": 50, "errors": 1}])
    svc.record_traffic([{"agency_id": 2, "minute": minute, "requests": 50, "errors": 0}])  # a second gateway
    with frozen(city(2026, 12, 11, 0, 2)):
        svc.tick()
    with svc.db.session() as s:
        (decision,) = s.scalars(select(Decision).where(Decision.agency_id == 2))
    assert (decision.breached, decision.state) == (False, "kept")
    assert (decision.figures["requests"], decision.figures["errors"]) == (100, 1)
    assert windows(reporting) == []


def test_a_window_owed_while_reporting_was_away_is_opened_on_a_later_tick(world, monkeypatch):
    svc, reporting = world
    for minute in range(0, 60, 20):
        probe_at(svc, city(2026, 12, 5, 23, minute), 503)
    away = reporting.open_grace_window_automatically
    monkeypatch.setattr(reporting, "open_grace_window_automatically",
                        lambda *a: (_ for _ in ()).throw(RuntimeError("reporting away")))
    with frozen(city(2026, 12, 6, 0, 1)), pytest.raises(RemoteError, match="reporting away"):
        svc.tick()  # judged, and the window owed
    with svc.db.session() as s:
        assert s.scalar(select(Decision.state)) == "opening"
    monkeypatch.setattr(reporting, "open_grace_window_automatically", away)
    with frozen(city(2026, 12, 6, 0, 2)):
        svc.tick()
    assert len(windows(reporting)) == 1


def test_a_probe_without_an_answer_is_a_failed_probe(world):
    svc, _ = world
    svc.config = {"AVAILABILITY": {"PROBE_URL": "http://127.0.0.1:9", "PROBE_TIMEOUT": 1}}
    with frozen(city(2026, 12, 5, 23)):
        svc.probe()
    with svc.db.session() as s:
        (p,) = s.scalars(select(Probe))
    assert (p.ok, p.status) == (False, 0)
