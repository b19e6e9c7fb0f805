"""The notifications service as a real process on real RabbitMQ and PostgreSQL, with a
real SMTP server and local stand-ins of WhatsApp's and Telegram's APIs that check each
request (tests/support/providers.py): a decision redelivered reaches each channel once,
a provider's outage is retried with growing delays, and one that keeps refusing ends in
the dead-letter queue with the person's channel shown as failing."""
import email
import time

import pytest

from ekinerja_contract import dead_letters, events
from tests.support.bus import Watcher, publish
from tests.support.providers import Mailbox, Providers
from tests.support.stack import Stack
from tools.supervisor import wait_until

pytestmark = pytest.mark.integration

SARI = {"account_id": 2, "employee_id": 2, "agency_id": 1, "roles": ["employee"]}
DEWI = {"account_id": 3, "employee_id": 3, "agency_id": 1, "roles": ["employee"]}


@pytest.fixture(scope="module")
def outside():
    providers, mailbox = Providers().start(), Mailbox().start()
    yield providers, mailbox
    providers.stop()
    mailbox.stop()


DELAYS = (1, 2, 3)  # the handler's retry delays here, shorter than production's


@pytest.fixture(scope="module")
def stack(amqp_uri, outside, tmp_path_factory):
    providers, mailbox = outside
    # no daily notices here (they ask monitoring, which this module does not run)
    env = {**providers.env(), **mailbox.env(), "NOTIFY_TICK_SECONDS": "1", "NOTIFY_DIGEST_HOUR": "24",
           "EKINERJA_PUBLIC_URL": "https://ekinerja.kota.test",
           "EKINERJA_RETRY_DELAYS": ",".join(map(str, DELAYS))}  # the real ones: test_redelivery
    stack = Stack(amqp_uri, tmp_path_factory.mktemp("logs"), env)
    try:
        yield stack.start_services("notifications")
    finally:
        stack.close()


def rejected(report_id: int, employee_id: int, reason: str) -> dict:
    return events.build("approval.rejected", dict(
        task_id=report_id, report_id=report_id, employee_id=employee_id, agency_id=1, decided_by=1,
        date="2026-12-01", reason=reason), "approval").model_dump(mode="json")


def everywhere(stack, actor, whatsapp: str, telegram: str, mail: str):
    stack.rpc.call("notifications", "set_preferences", actor, {
        "contacts": {"email": mail, "whatsapp": whatsapp, "telegram": telegram},
        "quiet_start": "00:00", "quiet_end": "00:00"})  # no quiet hours: the test runs at any hour


def test_a_rejection_redelivered_reaches_each_channel_once(stack, amqp_uri, outside):
    providers, mailbox = outside
    everywhere(stack, SARI, "0812-3456-7890", "123456789", "sari@pemkot.go.id")
    watcher = Watcher(amqp_uri, "notifications", "notification.sent")
    dues = Watcher(amqp_uri, "notifications", "notification.due")
    publish(amqp_uri, rejected(9101, 2, "bukti rapat belum dilampirkan"), times=3)
    sent = watcher.wait_for(3, timeout=20)
    # and each delivery's own message twice more, at once (the outbox sends at least once)
    for due in dues.wait_for(3, timeout=5):
        publish(amqp_uri, due, times=2)
    watcher.drain(3.0)  # the redeliveries' chance to send again
    assert sorted(e["data"]["channel"] for e in watcher.received) == ["email", "telegram", "whatsapp"]
    watcher.close()
    dues.close()
    assert all(e["data"]["attempts"] == 1 for e in sent)

    (mail,) = [m for m in mailbox.messages if "sari@pemkot.go.id" in m["to"]]
    message = email.message_from_string(mail["data"])
    assert message["Subject"] == "E-Kinerja: Laporan ditolak"
    assert "bukti rapat belum dilampirkan" in message.get_payload(decode=True).decode()
    (whatsapp,) = [r for r in providers.of("whatsapp") if r["payload"]["to"] == "6281234567890"]
    title, text = (p["text"] for p in whatsapp["payload"]["template"]["components"][0]["parameters"])
    assert title == "Laporan ditolak" and text.endswith("Buka: https://ekinerja.kota.test/laporan/9101")
    (telegram,) = [r for r in providers.of("telegram") if r["payload"]["chat_id"] == 123456789]
    assert "bukti rapat belum dilampirkan" in telegram["payload"]["text"]

    bell = stack.rpc.call("notifications", "notifications", SARI)
    assert bell["unread"] == 1 and bell["items"][0]["title"] == "Laporan ditolak"


def test_an_outage_is_retried_and_a_refusal_ends_in_the_dead_letter_queue(stack, amqp_uri, outside):
    providers, _mailbox = outside
    everywhere(stack, DEWI, "081298765432", "555000", "dewi@pemkot.go.id")
    providers.fail_next["whatsapp"] = [503, 503]  # two outages, then it answers
    providers.refused_chats.add("555000")  # Telegram: "chat not found", for good
    watcher = Watcher(amqp_uri, "notifications", "notification.*")
    started = time.monotonic()
    publish(amqp_uri, rejected(9102, 3, "uraian terlalu singkat"))

    def whatsapp_sent():
        return [e for e in watcher.drain(0.2) if e["type"] == "notification.sent"
                and e["data"]["channel"] == "whatsapp" and e["data"]["person_id"] == 3]
    wait_until(whatsapp_sent, 30, "WhatsApp after two outages")
    (sent,) = whatsapp_sent()
    assert sent["data"]["attempts"] == 3 and time.monotonic() - started >= DELAYS[0] + DELAYS[1] - 0.5
    attempts = [r["status"] for r in providers.of("whatsapp", accepted=None) if r["payload"]["to"] == "6281298765432"]
    assert attempts == [503, 503, 200]

    found: list[dict] = []
    wait_until(lambda: found.extend(d for d in dead_letters.list_dead_letters(amqp_uri)
                                    if "deliver_telegram" in (d["queue"] or "")) or found, 60,
               "Telegram's delivery in the dead-letter queue")
    assert "chat not found" in found[0]["error"] and found[0]["retries"] == 3
    failed = [e for e in watcher.drain(0.5) if e["type"] == "notification.failed"]
    assert [(e["data"]["channel"], e["data"]["attempts"]) for e in failed] == [("telegram", 4)]
    watcher.close()
    telegram = next(c for c in stack.rpc.call("notifications", "preferences", DEWI)["channels"]
                    if c["channel"] == "telegram")
    assert telegram["failing_reason"].startswith("Telegram menolak: bot tidak dapat mengirim ke ID obrolan ini")
    assert len([r for r in providers.of("telegram", accepted=None) if r["payload"]["chat_id"] == 555000]) == 4
