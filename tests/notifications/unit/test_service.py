"""NotificationsService with worker_factory: notices from events, grouped and once
each, quiet hours, the deliverers' bookkeeping, the daily notices and preferences."""
import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import select

from ekinerja_contract import clock, events
from ekinerja_contract.errors import InvalidInput
from ekinerja_contract.nameko_ext import RETRY_DELAYS
from ekinerja_contract.services import Monitoring
from services.notifications import texts
from services.notifications.channels import ChannelError
from services.notifications.models import Base, Delivery, Notification
from services.notifications.service import NotificationsService
from tests.support.clock import city, frozen
from tests.support.factories import rule_set_published, submitted_data
from tests.support.rpc import local
from tests.support.stores import outbox_types, sqlite_store

SARI = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
HEAD = {"account_id": 1, "employee_id": 1, "agency_id": 1, "roles": ["employee", "supervisor"]}


class FakeMonitoring:
    def __init__(self):
        self.unreported_rows, self.waiting, self.people = {}, [], {1: [1, 2, 3]}

    def unreported(self, period):
        return self.unreported_rows.get(period, [])

    def waiting_by_approver(self):
        return self.waiting

    def members(self, agency_id):
        return self.people.get(agency_id, [])


class FakeChannel:
    """Answers as an adapter does: a provider id, or ChannelError with the reason."""

    def __init__(self):
        self.sent, self.refuse = [], None

    def send(self, address, title, text, link, message_key):
        if self.refuse:
            raise ChannelError(*self.refuse)
        self.sent.append((address, title, text, link))
        return f"msg-{len(self.sent)}"


def ev(type_, at, **data):
    with frozen(at):
        return events.build(type_, data, events.REGISTRY[type_].source).model_dump(mode="json")


@pytest.fixture
def service(tmp_path):
    svc = worker_factory(NotificationsService, db=sqlite_store(Base.metadata, "notifications", tmp_path / "n.db"),
                         monitoring=local(Monitoring, FakeMonitoring()))
    svc.providers = {"whatsapp": FakeChannel(), "email": FakeChannel()}
    svc.public_url = "https://ekinerja.kota.test"
    with frozen(city(2026, 12, 1, 9)):
        svc.on_report_submitted(ev("report.submitted", city(2026, 12, 1, 9), **submitted_data(
            report_id=7, employee_id=2, date="2026-12-01", activity_name="Menyusun surat")))
    return svc


def rejected(at, reason="bukti buram", report_id=7):
    return ev("approval.rejected", at, task_id=report_id, report_id=report_id, employee_id=2, agency_id=1,
              decided_by=1, date="2026-12-01", reason=reason)


def bell(svc, actor=SARI, at=city(2026, 12, 2, 10)):
    with frozen(at):
        return svc.notifications(actor)


def test_a_rejection_reaches_the_bell_with_its_reason_once(service):
    body = rejected(city(2026, 12, 1, 14))
    with frozen(city(2026, 12, 1, 14)):
        service.on_rejected(body)
        service.on_rejected(body)  # redelivered
    listed = bell(service)
    assert listed["unread"] == 1 and len(listed["items"]) == 1
    item = listed["items"][0]
    assert item["title"] == "Laporan ditolak" and item["link"] == "/laporan/7"
    assert "Menyusun surat tanggal 1 Desember 2026" in item["text"] and "bukti buram" in item["text"]
    assert bell(service, HEAD)["items"] == []  # nobody else's


def test_outside_channels_only_where_the_person_gave_an_address(service):
    with frozen(city(2026, 12, 1, 10)):
        service.set_preferences(SARI, {"contacts": {"whatsapp": "0812-3456-7890"}})
        service.on_rejected(rejected(city(2026, 12, 1, 14)))
    assert outbox_types(service.db).count("notification.due") == 1
    with service.db.session() as s:
        (delivery,) = s.scalars(select(Delivery)).all()
    assert (delivery.channel, delivery.state) == ("whatsapp", "due")


def test_quiet_hours_hold_outside_messages_but_not_the_bell(service):
    with frozen(city(2026, 12, 1, 10)):
        service.set_preferences(SARI, {"contacts": {"email": "sari@pemkot.go.id"},
                                       "quiet_start": "20:00", "quiet_end": "06:30"})
    with frozen(city(2026, 12, 1, 22)):
        service.on_rejected(rejected(city(2026, 12, 1, 22)))
        assert service.release_waiting() == 0
    assert bell(service, at=city(2026, 12, 1, 22))["unread"] == 1
    assert "notification.due" not in outbox_types(service.db)
    with frozen(city(2026, 12, 2, 6, 30)):
        assert service.release_waiting() == 1
        assert service.release_waiting() == 0  # told once
    assert outbox_types(service.db).count("notification.due") == 1


def due_of(service):
    with service.db.session() as s:
        delivery = s.scalars(select(Delivery)).one()
    return ev("notification.due", city(2026, 12, 1, 14), delivery_id=delivery.id,
              notification_id=delivery.notification_id, person_id=2, channel=delivery.channel,
              kind="report_rejected")


def test_a_delivery_is_sent_once_even_when_redelivered(service):
    with frozen(city(2026, 12, 1, 14)):
        service.set_preferences(SARI, {"contacts": {"whatsapp": "081234567890"}})
        service.on_rejected(rejected(city(2026, 12, 1, 14)))
        body = due_of(service)
        service.deliver_email(body)  # not its channel
        service.deliver_whatsapp(body)
        service.deliver_whatsapp(body)
    sent = service.providers["whatsapp"].sent
    assert len(sent) == 1 and sent[0][0] == "6281234567890" and sent[0][3] == "https://ekinerja.kota.test/laporan/7"
    assert service.providers["email"].sent == []
    assert outbox_types(service.db).count("notification.sent") == 1


def test_a_refusing_provider_is_retried_then_marks_the_channel_failing(service):
    with frozen(city(2026, 12, 1, 14)):
        service.set_preferences(SARI, {"contacts": {"whatsapp": "081234567890"}})
        service.on_rejected(rejected(city(2026, 12, 1, 14)))
        body = due_of(service)
        service.providers["whatsapp"].refuse = ("WhatsApp HTTP 400: (#131030) Recipient not allowed",
                                                "address_refused")
        for attempt in range(len(RETRY_DELAYS) + 1):  # as the handler's retries bring it back
            with pytest.raises(ChannelError):
                service.deliver_whatsapp(body)
            failing = service.preferences(SARI)["channels"][1]
            assert (failing["failing_reason"] is not None) == (attempt == len(RETRY_DELAYS))
    assert failing["channel"] == "whatsapp"
    assert failing["failing_reason"] == ("WhatsApp menolak: nomor ini tidak dapat menerima pesan WhatsApp. "
                                         "Periksa nomornya, lalu simpan lagi.")  # Indonesian, not the provider's
    assert outbox_types(service.db).count("notification.failed") == 1
    # replayed from the dead-letter queue once the cause is fixed: sent, and no longer failing
    service.providers["whatsapp"].refuse = None
    with frozen(city(2026, 12, 1, 15)):
        service.deliver_whatsapp(body)
    assert service.preferences(SARI)["channels"][1]["failing_reason"] is None
    assert len(service.providers["whatsapp"].sent) == 1


def test_reminders_of_a_day_are_one_notice_that_counts_them(service):
    for task in (1, 2, 3):
        with frozen(city(2026, 12, 2, 8)):
            service.on_task_reminded(ev("approval.task_reminded", city(2026, 12, 2, 8), task_id=task,
                                        report_id=task, employee_id=2, approver_id=1, waiting_working_days=3))
    (item,) = bell(service, HEAD)["items"]
    assert item["count"] == 3 and item["text"].startswith("3 laporan bawahan sudah menunggu")


def test_escalation_tells_the_new_decider_and_the_one_passed_over(service):
    with frozen(city(2026, 12, 2, 8)):
        service.on_task_escalated(ev("approval.task_escalated", city(2026, 12, 2, 8), task_id=1, report_id=7,
                                     employee_id=3, approver_id=2, escalated_to=1, waiting_working_days=5))
    assert bell(service, HEAD)["items"][0]["title"] == "Laporan dialihkan kepada Anda"
    assert bell(service)["items"][0]["title"] == "Laporan dialihkan ke atasan Anda"


def test_approvals_come_as_one_digest_the_next_morning(service):
    for report, day in ((7, 1), (8, 1), (9, 2)):
        with frozen(city(2026, 12, day, 15)):
            service.on_approved(ev("approval.approved", city(2026, 12, day, 15), task_id=report, report_id=report,
                                   employee_id=2, agency_id=1, decided_by=1, date="2026-12-01",
                                   activity_code="SURAT", minutes=60, counted_minutes=60, points="5",
                                   rupiah=7500))
    with frozen(city(2026, 12, 3, 7)):
        service.run_daily()
        service.run_daily()  # once a day
    (item,) = bell(service, at=city(2026, 12, 3, 8))["items"]
    assert item["text"] == "3 laporan Anda disetujui atasan dari 1 Desember 2026 sampai 2 Desember 2026."


def test_the_daily_notices_for_superiors_and_the_deadline(service):
    service.on_rule_set_published(rule_set_published(input_deadline_day=5))
    # 17:00 UTC on the 26th is 01:00 on the 27th in the city
    service.monitoring.fake.waiting = [{"approver_id": 1, "count": 4, "oldest": "2026-11-26T17:00:00+00:00"}]
    service.monitoring.fake.unreported_rows = {"2026-11": [{"employee_id": 2, "agency_id": 1, "missing": 2},
                                                           {"employee_id": 3, "agency_id": 1, "missing": 0}]}
    with frozen(city(2026, 12, 2, 7, 5)):  # three days before 5 December
        service.run_daily()
    assert bell(service, HEAD)["items"][0]["text"] == \
        "4 laporan bawahan menunggu keputusan Anda; yang terlama dikirim 27 November 2026."
    (deadline,) = bell(service)["items"]
    assert deadline["title"] == "Batas input laporan November 2026 tinggal 3 hari"
    assert "5 Desember 2026" in deadline["text"] and "2 hari kerja" in deadline["text"]
    assert bell(service, {**SARI, "employee_id": 3})["items"] == []


def test_a_decision_on_a_report_this_service_never_heard_of_still_reads_well(service):
    with frozen(city(2026, 12, 1, 14)):
        service.on_rejected(rejected(city(2026, 12, 1, 14), report_id=99))
    assert bell(service)["items"][0]["text"].startswith("Laporan tanggal 1 Desember 2026 ditolak")


def test_a_grace_window_and_a_pay_slip_reach_the_people_concerned(service):
    with frozen(city(2026, 12, 6, 9)):
        service.on_grace_window_opened(ev("reporting.grace_window_opened", city(2026, 12, 6, 9), agency_id=1,
                                          period="2026-11", until="2026-12-08", reason="server padam",
                                          opened_by=90))
        service.on_payroll_line(ev("payroll.line", city(2026, 12, 6, 9), period="2026-11", snapshot_version=1,
                                   employee_id=2, nip="1990", name="Sari", agency_id=1, job_class=7,
                                   ceiling=5000000, performance="0.9", discipline="1", gross=4500000,
                                   cpns_factor="1", tax=225000, insurance=45000, net=4230000,
                                   rule_sets=["default v1"]))
    titles = [i["title"] for i in bell(service, at=city(2026, 12, 6, 10))["items"]]
    assert titles == ["Slip TPP November 2026 siap", "Masa tambahan input laporan November 2026"]
    assert len(bell(service, {**SARI, "employee_id": 3}, at=city(2026, 12, 6, 10))["items"]) == 1


def test_marking_read_touches_only_ones_own(service):
    with frozen(city(2026, 12, 1, 14)):
        service.on_rejected(rejected(city(2026, 12, 1, 14)))
    own = bell(service)["items"][0]["id"]
    with frozen(city(2026, 12, 2, 10)):
        assert service.mark_read(HEAD, [own]) == {"marked": 0, "unread": 0}
        assert service.mark_read(SARI, [own]) == {"marked": 1, "unread": 0}


def test_a_kind_turned_off_writes_nothing_and_a_bad_number_changes_nothing(service):
    with frozen(city(2026, 12, 1, 10)):
        service.set_preferences(SARI, {"contacts": {"email": "sari@pemkot.go.id"},
                                       "choices": {"report_rejected": []}})
        with pytest.raises(InvalidInput) as refused:
            service.set_preferences(SARI, {"contacts": {"email": "", "whatsapp": "12345"},
                                           "quiet_start": "25:00"})
        assert refused.value.details[0]["field"] == "whatsapp"
        service.on_rejected(rejected(city(2026, 12, 1, 14)))
    prefs = service.preferences(SARI)
    assert prefs["channels"][0]["address"] == "sari@pemkot.go.id"  # the e-mail was not removed
    assert prefs["quiet_start"] == "21:00"
    assert bell(service)["items"] == []


def test_an_address_for_a_channel_this_city_lacks_is_refused(service):
    with pytest.raises(InvalidInput) as refused:
        service.set_preferences(SARI, {"contacts": {"telegram": "12345"}})
    assert refused.value.details[0]["code"] == "channel_unavailable"


def test_new_quiet_hours_retime_what_waits(service):
    with frozen(city(2026, 12, 1, 10)):
        service.set_preferences(SARI, {"contacts": {"email": "sari@pemkot.go.id"}})
    with frozen(city(2026, 12, 1, 23)):
        service.on_rejected(rejected(city(2026, 12, 1, 23)))
        assert service.release_waiting() == 0
        service.set_preferences(SARI, {"quiet_start": "00:00", "quiet_end": "00:00"})  # none
        assert service.release_waiting() == 1


def test_a_second_copy_of_a_due_waits_while_it_is_sent_and_sends_after_a_dead_senders_lease(service):
    from services.notifications.service import SEND_LEASE, DeliveryBusy
    with frozen(city(2026, 12, 1, 14)):
        service.set_preferences(SARI, {"contacts": {"whatsapp": "081234567890"}})
        service.on_rejected(rejected(city(2026, 12, 1, 14)))
        body = due_of(service)
        with service.db.unit_of_work() as uow:  # a worker claimed it and died mid-send
            row = uow.session.scalars(select(Delivery)).one()
            row.state, row.claimed_at = "sending", clock.now()  # as a worker writes it (UTC)
        with pytest.raises(DeliveryBusy):
            service.deliver_whatsapp(body)
    assert service.providers["whatsapp"].sent == []
    with frozen(city(2026, 12, 1, 14) + SEND_LEASE + SEND_LEASE):
        service.deliver_whatsapp(body)
    assert len(service.providers["whatsapp"].sent) == 1


def test_saving_the_same_address_again_clears_its_failing_mark(service):
    with frozen(city(2026, 12, 1, 14)):
        service.set_preferences(SARI, {"contacts": {"whatsapp": "081234567890"}})
        service.on_rejected(rejected(city(2026, 12, 1, 14)))
        body = due_of(service)
        service.providers["whatsapp"].refuse = ("WhatsApp HTTP 503", "provider_down")
        for _ in range(len(RETRY_DELAYS) + 1):
            with pytest.raises(ChannelError):
                service.deliver_whatsapp(body)
        assert "tidak dapat dihubungi" in service.preferences(SARI)["channels"][1]["failing_reason"]
        service.set_preferences(SARI, {"contacts": {"whatsapp": "0812-3456-7890"}})
        assert service.preferences(SARI)["channels"][1]["failing_reason"] is None


@pytest.mark.parametrize("text", ["21:00Z", "21:00+08", "25:00", "jam 9"])
def test_quiet_hours_are_a_city_time_of_day(service, text):
    with pytest.raises(InvalidInput) as refused:
        service.set_preferences(SARI, {"quiet_start": text, "quiet_end": "06:00"})
    assert refused.value.code == "quiet_hours_invalid"


def test_a_revoked_approval_and_a_returned_skp_are_told_with_the_reason(service):
    with frozen(city(2026, 12, 3, 9)):
        service.on_approval_revoked(ev("approval.approval_revoked", city(2026, 12, 3, 9), task_id=7, report_id=7,
                                       employee_id=2, agency_id=1, decided_by=5, date="2026-12-01",
                                       reason="foto sama dengan laporan lain", activity_code="SURAT",
                                       minutes=60, counted_minutes=60, points="5", rupiah=7500))
        service.on_skp_returned(ev("skp.returned", city(2026, 12, 3, 9), skp_id=4, employee_id=2, year=2027,
                                   decided_by=1, note="target kuantitas terlalu rendah"))
    skp, revoked = bell(service, at=city(2026, 12, 3, 10))["items"]
    assert revoked["title"] == "Persetujuan laporan dibatalkan" and "foto sama dengan laporan lain" in revoked["text"]
    assert skp["title"] == "SKP 2027 dikembalikan" and skp["link"] == "/skp"


def test_a_test_message_goes_now_once_a_minute_and_only_where_there_is_an_address(service):
    with frozen(city(2026, 12, 1, 23)):  # inside quiet hours: asked for, so it goes
        assert service.send_test(SARI, "whatsapp") == {"sent": False, "channel": "whatsapp"}  # no number yet
        service.set_preferences(SARI, {"contacts": {"whatsapp": "081234567890"}})
        assert service.send_test(SARI, "whatsapp")["sent"] is True
        assert service.send_test(SARI, "whatsapp")["sent"] is False  # one a minute
        assert service.send_test(SARI, "telegram")["sent"] is False  # not configured here
    assert outbox_types(service.db).count("notification.due") == 1
    assert bell(service)["items"] == []  # not a notice for the bell
    body = due_of(service)
    with frozen(city(2026, 12, 1, 23)):
        service.deliver_whatsapp(body)
    assert service.providers["whatsapp"].sent[0][1] == "Pesan uji"


def test_the_review_teams_word_on_an_objection_to_pay_is_told_with_its_reason(service):
    with frozen(city(2026, 12, 12, 9)):
        service.on_pay_objection_decided(ev(
            "payroll.objection_decided", city(2026, 12, 12, 9), objection_id=3, employee_id=2,
            agency_id=1, period="2026-11", step="discipline", upheld=True,
            reason="surat tugas wali kota sah", correction_version=2))
        service.on_pay_objection_decided(ev(
            "payroll.objection_decided", city(2026, 12, 12, 9), objection_id=4, employee_id=2,
            agency_id=1, period="2026-11", step="tax", upheld=False,
            reason="tarif sesuai golongan", correction_version=None))
    dismissed, upheld = bell(service, at=city(2026, 12, 12, 10))["items"]
    assert upheld["title"] == "Keberatan atas TPP November 2026 diterima"
    assert "rincian disiplin" in upheld["text"] and "versi 2" in upheld["text"]
    assert upheld["link"] == "/rekap?periode=2026-11"
    assert dismissed["title"] == "Keberatan atas TPP November 2026 ditolak"
    assert "tarif sesuai golongan" in dismissed["text"]


def flagged(report_id=7, approver_id=1, employee_id=2, signal="photo_reused"):
    return ev("integrity.flagged", city(2026, 12, 1, 10), signal_id=(report_id or 0) * 10 + 1, signal=signal,
              report_id=report_id, employee_id=employee_id, agency_id=1, approver_id=approver_id,
              period="2026-12", weight=40, risk=40,
              reason="Foto bukti sama persis dengan foto laporan pegawai lain (Budi, 1 Desember 2026).")


def test_a_flag_reaches_the_approver_once_and_the_employee_never(service):
    with frozen(city(2026, 12, 1, 10)):
        service.on_integrity_flagged(flagged())
        service.on_integrity_flagged(flagged())  # the same report and signal flagged again
        service.on_integrity_flagged(flagged(report_id=None))  # a month's pattern: the desk's
    with service.db.session() as s:
        notes = list(s.scalars(select(Notification).where(Notification.kind == "integrity_flagged")))
    assert [(n.person_id, n.link) for n in notes] == [(1, "/persetujuan")]
    title, text = texts.render(notes[0].kind, notes[0].params)
    assert title == "Laporan bawahan ditandai untuk diperiksa"
    assert "Budi" in text and "bukan hukuman" in text and "{" not in text
