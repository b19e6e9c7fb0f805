"""SyncService with worker_factory against the local national stand-in (real HTTP) and
the real reporting and scoring services behind their typed clients (SQLite): what is
owed from which event, pushed once per version, retried, refused, dead-lettered,
removed again, and each day's reconciliation."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import func, select, update

from ekinerja_contract import clock, config, events
from ekinerja_contract.errors import Forbidden
from ekinerja_contract.nameko_ext import RETRY_DELAYS
from ekinerja_contract.services import Approval, Evidence, Reporting, Scoring
from services.reporting.memory import Memory
from services.reporting.models import Base as ReportingBase
from services.reporting.service import ReportingService
from services.scoring.models import Base as ScoringBase
from services.scoring.service import ScoringService
from services.sync import national as national_client
from services.sync.models import Base, SyncItem
from services.sync.service import NotReady, PushBusy, SyncService
from tests.reporting.conftest import ADMIN, TODAY, City, FakeApproval, FakeEvidence
from tests.support.clock import city, frozen
from tests.support.factories import org_chart, placed, report_approved
from tests.support.national import NationalServer
from tests.support.rpc import local
from tests.support.stores import sqlite_store


@pytest.fixture
def server():
    s = NationalServer().start()
    yield s
    s.stop()


@pytest.fixture
def world(tmp_path, monkeypatch, server):
    monkeypatch.setattr(config, "today", lambda: TODAY)
    monkeypatch.setenv("EKINERJA_PUBLIC_URL", "https://ekinerja.kota.test")
    reporting = worker_factory(ReportingService, memory=Memory(0),
                               db=sqlite_store(ReportingBase.metadata, "reporting", tmp_path / "r.db"),
                               evidence=local(Evidence, FakeEvidence()),
                               approval=local(Approval, FakeApproval()))
    town = City(reporting)
    scoring = worker_factory(ScoringService, reporting=org_chart({town.ids["sari"]: town.ids["kadis"]}),
                             db=sqlite_store(ScoringBase.metadata, "scoring", tmp_path / "s.db"))
    svc = worker_factory(SyncService, db=sqlite_store(Base.metadata, "sync", tmp_path / "y.db"),
                         reporting=local(Reporting, reporting), scoring=local(Scoring, scoring),
                         config={"SYNC": server.env() | {"NATIONAL_URL": server.url,
                                                         "NATIONAL_TOKEN": server.env()["SYNC_NATIONAL_TOKEN"]}})
    return town, scoring, svc


def approve(town, day="2026-11-18", start="08:00", at=None):
    r = town.service.submit_report(town.actor("sari"), town.report("sari", date=day, start=start,
                                                                   end=f"{int(start[:2]) + 1:02d}:00"))
    body = report_approved(r["id"], employee_id=town.ids["sari"], decided_by=town.ids["kadis"], date=day)
    if at is not None:
        body["time"] = at
    town.service.on_approved(body)
    return r, body


def outbox(svc, event_type=None) -> list[dict]:
    with svc.db.session() as s:
        t = svc.db._outbox
        q = select(t.c.event_type, t.c.envelope).order_by(t.c.created_at)
        return [r.envelope for r in s.execute(q) if event_type in (None, r.event_type)]


def item(svc, key) -> SyncItem:
    with svc.db.session() as s:
        return s.scalar(select(SyncItem).where(SyncItem.key == key))


def push_all(svc):
    for due in outbox(svc, "sync.due"):
        svc.push(due)


def test_off_by_default_it_hears_an_approval_and_keeps_nothing(world):
    town, _, svc = world
    svc.config = {"SYNC": {"NATIONAL_URL": ""}}
    _, body = approve(town)
    svc.on_approved(body)
    assert outbox(svc) == [] and item(svc, "laporan-1") is None
    assert svc.health()["enabled"] is False


def test_an_approved_report_reaches_the_national_side_once_in_its_shape(world, server):
    town, _, svc = world
    r, body = approve(town)
    svc.on_approved(body)
    svc.on_approved(body)  # redelivered: one item, one message
    [due] = outbox(svc, "sync.due")
    svc.push(due)
    svc.push(due)  # redelivered: done already, nothing sent
    held = server.progress()[f"laporan-{r['id']}"]
    assert held["nip"] == "199003212015032001" and held["penilai"]["nip"] == "197805152005011003"
    assert held["tanggal"] == "2026-11-18" and held["jamMulai"] == "08:00"
    assert len(server.pushes(status=201)) == 1
    row = item(svc, f"laporan-{r['id']}")
    assert (row.state, row.national_id, row.attempts) == ("acknowledged", held["id"], 1)
    [ack] = outbox(svc, "sync.acknowledged")
    assert ack["data"]["national_id"] == held["id"]


def test_a_lost_answer_is_the_same_request_again_and_one_record(world, server):
    town, _, svc = world
    r, body = approve(town)
    svc.on_approved(body)
    [due] = outbox(svc, "sync.due")
    client = national_client.National(server.url, server.env()["SYNC_NATIONAL_TOKEN"])
    key = f"laporan-{r['id']}.{due['data']['version']}"
    first = client.push("progres", svc._payload("progres", {"report_id": r["id"]}), key)  # answer "lost"
    svc.push(due)
    assert item(svc, f"laporan-{r['id']}").national_id == first
    assert len(server.progress()) == 1


def test_the_national_side_down_is_retried_then_failed_and_dead_lettered(world, server):
    town, _, svc = world
    r, body = approve(town)
    svc.on_approved(body)
    [due] = outbox(svc, "sync.due")
    server.fail_next = [503] * (len(RETRY_DELAYS) + 1)
    for attempt in range(len(RETRY_DELAYS) + 1):  # the handler's first try and each retry
        with pytest.raises(national_client.NationalError):
            svc.push(due)
        assert item(svc, f"laporan-{r['id']}").state == ("failed" if attempt == len(RETRY_DELAYS) else "pending")
    [failed] = outbox(svc, "sync.failed")
    assert failed["data"]["attempts"] == len(RETRY_DELAYS) + 1 and "503" in failed["data"]["reason"]
    assert svc.resend_failed(ADMIN) == {"resent": 1}  # the national side is back
    push_all(svc)
    assert item(svc, f"laporan-{r['id']}").state == "acknowledged" and len(server.progress()) == 1


def test_a_refused_payload_is_recorded_with_its_reason_and_not_retried(world, server):
    town, _, svc = world
    r, body = approve(town)
    svc.on_approved(body)
    server.fail_next = [422]
    push_all(svc)  # no raise: the same payload would be refused again
    row = item(svc, f"laporan-{r['id']}")
    assert row.state == "refused" and "422" in row.last_error
    assert [e["data"]["key"] for e in outbox(svc, "sync.refused")] == [f"laporan-{r['id']}"]
    assert svc.status(ADMIN)["stuck"][0]["key"] == f"laporan-{r['id']}"


def test_a_revoked_approval_is_removed_there_and_an_older_event_changes_nothing(world, server):
    town, _, svc = world
    r, body = approve(town)
    svc.on_approved(body)
    push_all(svc)
    revoked = events.build("approval.approval_revoked", dict(
        task_id=r["id"], report_id=r["id"], employee_id=town.ids["sari"], agency_id=1, decided_by=99,
        reason="bukti palsu", date="2026-11-18", activity_code="ENTRI-DATA", minutes=60,
        counted_minutes=60, points="5.00", rupiah=7500), "approval").model_dump(mode="json")
    svc.on_approval_revoked(revoked)
    svc.on_approved(body | {"id": "0" * 8 + body["id"][8:]})  # the approval again, late: older
    push_all(svc)
    assert server.progress() == {} and item(svc, f"laporan-{r['id']}").state == "deleted"


def test_an_evaluation_goes_to_siasns_periodic_path_in_its_shape(world, server):
    town, scoring, svc = world
    sari, kadis = town.ids["sari"], town.ids["kadis"]
    scoring.on_placement_changed(placed(kadis, "197805152005011003", grade="IV/b", name="I Made Wirawan",
                                        position_name="Kepala Dinas"))
    scoring.on_placement_changed(placed(sari, "199003212015032001", superior=kadis, name="Ni Luh Sari"))
    scoring.set_appraisal({"account_id": kadis, "employee_id": kadis, "agency_id": 1, "roles": ["employee"]},
                          sari, 2026, "above", "as_expected", 10, 12)
    with scoring.db.session() as s:
        t = scoring.db._outbox
        [set_event] = [r.envelope for r in s.execute(select(t.c.envelope).where(
            t.c.event_type == "appraisal.periodic_set"))]
    svc.on_periodic_set(set_event)
    push_all(svc)
    held = server.record("/kinerja-periodik", f"penilaian-{sari}-2026-10-12")
    assert held["bulanMulaiPenilaian"] == 10 and held["penilaiNipNrp"] == "197805152005011003"
    assert item(svc, f"penilaian-{sari}-2026-10-12").state == "acknowledged"


def test_the_days_reconciliation_names_each_difference_and_owes_the_missing_again(world, server):
    town, _, svc = world
    sent, body = approve(town, start="08:00")
    svc.on_approved(body)
    push_all(svc)
    never, _ = approve(town, start="10:00")  # its event was dead-lettered: no item here
    with server.lock:  # and something the national side holds that we do not
        server.held["/progres-harian"]["laporan-999"] = {"id": "n-999", "idLokal": "laporan-999",
                                                         "nip": "199003212015032001", "tanggal": "2026-11-18"}
    with frozen(city(2026, 11, 19, 3)):
        run = svc.reconcile(ADMIN, "2026-11-18")
    assert (run["held"], run["acknowledged"], run["national"]) == (2, 1, 2)
    [sari] = run["people"]
    assert [m["key"] for m in sari["missing"]] == [f"laporan-{never['id']}"]
    assert sari["missing"][0]["why"] == "belum dikirim"
    assert [e["key"] for e in sari["extra"]] == ["laporan-999"]
    push_all(svc)  # the missing one was owed again
    assert set(server.progress()) == {f"laporan-{sent['id']}", f"laporan-{never['id']}", "laporan-999"}
    lines = svc.reconciliation_export(ADMIN, "2026-11-18")
    import base64
    text = base64.b64decode(lines["base64"]).decode("utf-8-sig")
    assert "tidak ada di nasional" in text and "hanya ada di nasional" in text
    assert svc.reconciliation(ADMIN, "2026-11-18")["people"] == run["people"]


def test_only_a_city_admin_reads_or_runs_the_reconciliation(world):
    _, _, svc = world
    agency_admin = {"account_id": 5, "agency_id": 1, "roles": ["agency_admin"]}
    for call in (lambda: svc.status(agency_admin), lambda: svc.reconcile(agency_admin, "2026-11-18"),
                 lambda: svc.reconciliation(agency_admin, "2026-11-18"),
                 lambda: svc.resend_failed(agency_admin)):
        with pytest.raises(Forbidden):
            call()
    assert svc.reconciliation(ADMIN, "2026-11-17") is None
    assert dt.date.fromisoformat("2026-11-18")


def test_a_push_before_reporting_applied_the_approval_waits_and_goes_once_it_has(world, server):
    town, _, svc = world
    r = town.service.submit_report(town.actor("sari"), town.report("sari"))
    body = report_approved(r["id"], employee_id=town.ids["sari"], decided_by=town.ids["kadis"], date="2026-11-18")
    svc.on_approved(body)  # sync heard it first: reporting's own copy is still queued
    [due] = outbox(svc, "sync.due")
    with pytest.raises(NotReady):
        svc.push(due)
    assert (item(svc, f"laporan-{r['id']}").state, item(svc, f"laporan-{r['id']}").problem) == ("pending", "not_ready")
    town.service.on_approved(body)
    svc.push(due)  # the handler's retry
    assert item(svc, f"laporan-{r['id']}").state == "acknowledged" and len(server.progress()) == 1


def test_a_revoke_during_the_approvals_push_waits_for_its_answer_then_removes_it(world, server):
    town, _, svc = world
    r, body = approve(town)
    svc.on_approved(body)
    [v1] = outbox(svc, "sync.due")
    key = f"laporan-{r['id']}"
    with svc.db.unit_of_work() as uow:  # the approval's push is out (claimed, not answered)
        uow.session.execute(update(SyncItem).where(SyncItem.key == key).values(
            state="sending", claimed_at=clock.now()))
    svc.on_approval_revoked(revoked(town, r))
    v2 = outbox(svc, "sync.due")[-1]
    with pytest.raises(PushBusy):  # not beside the approval's push
        svc.push(v2)
    national_id = national_client.National(server.url, server.env()["SYNC_NATIONAL_TOKEN"]).push(
        "progres", svc._payload("progres", {"report_id": r["id"]}), f"{key}.{v1['data']['version']}")
    svc._done(events.parse_body(v1), national_id)  # its answer: the id is kept for the revoke
    svc.push(v2)
    assert server.progress() == {} and item(svc, key).state == "deleted"


def test_a_revoke_after_a_lost_answer_finds_the_national_id_by_the_days_list(world, server):
    town, _, svc = world
    r, body = approve(town)
    svc.on_approved(body)
    [v1] = outbox(svc, "sync.due")
    key = f"laporan-{r['id']}"
    national_client.National(server.url, server.env()["SYNC_NATIONAL_TOKEN"]).push(
        "progres", svc._payload("progres", {"report_id": r["id"]}), f"{key}.{v1['data']['version']}")
    assert item(svc, key).national_id is None  # the answer never came back
    svc.on_approval_revoked(revoked(town, r))
    svc.push(outbox(svc, "sync.due")[-1])
    assert server.progress() == {}


def test_an_item_whose_message_was_lost_is_owed_again_by_the_tick_and_the_day_runs_once(world, server):
    town, _, svc = world
    with frozen(city(2026, 11, 19, 1)):
        r, body = approve(town)
        body["time"] = clock.now().isoformat()
        svc.on_approved(body)  # its sync.due never arrives
    with frozen(city(2026, 11, 19, 1, 10)):
        svc.tick()
        assert len(outbox(svc, "sync.due")) == 1  # not stale yet, and before the day's hour
    with frozen(city(2026, 11, 19, 3)):
        svc.tick()
        dues = outbox(svc, "sync.due")
        assert len(dues) >= 2 and dues[-1]["data"]["version"] != dues[0]["data"]["version"]
        svc.push(dues[-1])
        from services.sync.models import DailyClaim, Reconciliation
        with svc.db.session() as s:
            assert s.get(DailyClaim, dt.date(2026, 11, 19)) is not None
            runs = s.scalar(select(func.count()).select_from(Reconciliation))
        svc.tick()  # the same day again: no second run
        with svc.db.session() as s:
            assert s.scalar(select(func.count()).select_from(Reconciliation)) == runs
    assert item(svc, f"laporan-{r['id']}").state == "acknowledged"


def test_an_entry_typed_in_by_hand_there_is_listed_not_a_crash(world, server):
    town, _, svc = world
    with server.lock:
        server.held["/progres-harian"]["x"] = {"id": 4711, "nip": None, "tanggal": "2026-11-18"}
    run = svc.reconcile(ADMIN, "2026-11-18")
    [stranger] = run["people"]
    assert stranger["extra"] == [{"key": "(tanpa ID lokal: 4711)", "national_id": "4711"}]


def test_without_the_sites_address_a_photos_link_cannot_go_and_says_why(world, server, monkeypatch):
    town, _, svc = world
    monkeypatch.delenv("EKINERJA_PUBLIC_URL")
    fake = town.service.evidence.fake
    photo = fake.add(town.ids["sari"])
    r = town.service.submit_report(town.actor("sari"), town.report("sari", evidence_id=photo))
    fake.records[photo]["status"] = "linked"
    body = report_approved(r["id"], employee_id=town.ids["sari"], decided_by=town.ids["kadis"], date="2026-11-18")
    town.service.on_approved(body)
    svc.on_approved(body)
    push_all(svc)  # no raise: retrying cannot help until an operator sets it
    row = item(svc, f"laporan-{r['id']}")
    assert (row.state, row.problem) == ("failed", "no_public_url") and server.progress() == {}


def revoked(town, r) -> dict:
    return events.build("approval.approval_revoked", dict(
        task_id=r["id"], report_id=r["id"], employee_id=town.ids["sari"], agency_id=1, decided_by=99,
        reason="bukti palsu", date="2026-11-18", activity_code="ENTRI-DATA", minutes=60,
        counted_minutes=60, points="5.00", rupiah=7500), "approval").model_dump(mode="json")
