"""The channel adapters against a real SMTP server and local stand-ins of the WhatsApp
Cloud API and the Telegram Bot API that check each request's shape (tests/support/
providers.py): what is sent, and each failure as a ChannelError with the reason."""
import email
import socket
import threading

import pytest

from services.notifications import channels
from services.notifications.channels import ChannelError
from tests.support.infra import free_port
from tests.support.providers import Mailbox, Providers

TEXT = "Laporan Entri data tanggal 2 Desember 2026 ditolak oleh atasan.\nAlasan:    \u201cburam\u201d."


@pytest.fixture(scope="module")
def providers():
    p = Providers().start()
    yield p
    p.stop()


@pytest.fixture(scope="module")
def mailbox():
    m = Mailbox().start()
    yield m
    m.stop()


def adapters(providers, mailbox) -> dict:
    return channels.from_environment({**providers.env(), **mailbox.env()})


def test_nothing_is_configured_without_settings():
    assert channels.from_environment({}) == {}


def test_an_email_goes_by_smtp_with_a_stable_message_id(providers, mailbox):
    message_id = adapters(providers, mailbox)["email"].send(
        "sari@pemkot.go.id", "Laporan ditolak", TEXT, "http://kota.test/laporan/7", "ekinerja-delivery-5")
    received = email.message_from_string(mailbox.messages[-1]["data"])
    assert mailbox.messages[-1]["to"] == ["sari@pemkot.go.id"]
    assert received["Subject"] == "E-Kinerja: Laporan ditolak"
    assert received["Message-ID"] == message_id == "<ekinerja-delivery-5@pemkot.test>"
    body = received.get_payload(decode=True).decode()
    assert "\u201cburam\u201d" in body and "Buka: http://kota.test/laporan/7" in body


def test_a_recipient_the_server_refuses_is_a_channel_error(providers, mailbox):
    with pytest.raises(ChannelError) as refused:
        adapters(providers, mailbox)["email"].send("x@nowhere.invalid", "t", "x", None, "k")
    assert refused.value.reason.startswith("SMTP 550") and refused.value.code == "address_refused"


def test_whatsapp_sends_a_template_whose_parameters_the_api_accepts(providers, mailbox):
    wamid = adapters(providers, mailbox)["whatsapp"].send("6281234567890", "Laporan ditolak", TEXT,
                                                           "http://kota.test/laporan/7", "k")
    (request,) = [r for r in providers.of("whatsapp") if r["payload"]["to"] == "6281234567890"]
    assert wamid.startswith("wamid.")
    template = request["payload"]["template"]
    assert template["name"] == "ekinerja_notifikasi" and template["language"] == {"code": "id"}
    title, text = (p["text"] for p in template["components"][0]["parameters"])
    assert title == "Laporan ditolak" and text.endswith("Buka: http://kota.test/laporan/7")


def test_whatsapp_refusals_and_outages_carry_the_providers_reason(providers, mailbox):
    whatsapp = adapters(providers, mailbox)["whatsapp"]
    with pytest.raises(ChannelError) as refused:
        whatsapp.send("+6281234567890", "t", "x", None, "k")  # the API wants digits only
    assert refused.value.reason == "WhatsApp HTTP 400: (#100) Invalid parameter: to"
    assert refused.value.code == "address_refused"
    providers.fail_next["whatsapp"] = [503]
    with pytest.raises(ChannelError) as down:
        whatsapp.send("6281234567890", "t", "x", None, "k")
    assert down.value.reason.startswith("WhatsApp HTTP 503") and down.value.code == "provider_down"
    wrong_token = channels.from_environment({**providers.env(), "NOTIFY_WHATSAPP_TOKEN": "nope"})["whatsapp"]
    with pytest.raises(ChannelError) as unauthorised:
        wrong_token.send("6281234567890", "t", "x", None, "k")
    assert "HTTP 401" in unauthorised.value.reason and unauthorised.value.code == "provider_config"


def test_telegram_sends_the_title_text_and_link(providers, mailbox):
    message_id = adapters(providers, mailbox)["telegram"].send("123456789", "Laporan ditolak", TEXT,
                                                               "http://kota.test/laporan/7", "k")
    request = providers.of("telegram")[-1]
    assert request["payload"]["chat_id"] == 123456789 and message_id.isdigit()
    assert request["payload"]["text"].startswith("Laporan ditolak\n\n") and "kota.test/laporan/7" in \
        request["payload"]["text"]
    providers.refused_chats.add("555")
    with pytest.raises(ChannelError) as refused:
        adapters(providers, mailbox)["telegram"].send("555", "t", "x", None, "k")
    assert refused.value.reason == "Telegram HTTP 400: Bad Request: chat not found"
    assert refused.value.code == "address_refused"


def test_a_provider_that_does_not_answer_in_time_is_a_channel_error(monkeypatch):
    # a socket that accepts and never answers: the adapter gives up at its timeout
    silent = socket.socket()
    silent.bind(("127.0.0.1", free_port()))
    silent.listen()
    held = []
    threading.Thread(target=lambda: held.append(silent.accept()), daemon=True).start()
    monkeypatch.setattr(channels, "TIMEOUT", 0.5)
    port = silent.getsockname()[1]
    telegram = channels.from_environment({"NOTIFY_TELEGRAM_BOT_TOKEN": "1:x",
                                          "NOTIFY_TELEGRAM_API_URL": f"http://127.0.0.1:{port}"})["telegram"]
    try:
        with pytest.raises(ChannelError) as slow:
            telegram.send("1", "t", "x", None, "k")
        assert slow.value.reason == "Telegram: ReadTimeout"
    finally:
        silent.close()


def test_the_bot_answers_start_with_the_chat_id_to_copy_once(providers, mailbox):
    telegram = adapters(providers, mailbox)["telegram"]
    providers.person_sends(424242, "/start")
    providers.person_sends(424242, "halo")
    offset, answered = telegram.answer_start(0)
    assert answered == 1
    assert telegram.answer_start(offset) == (offset, 0)  # confirmed: not answered again
    (reply,) = [r for r in providers.of("telegram") if r["payload"]["chat_id"] == 424242]
    assert reply["payload"]["text"].startswith("ID obrolan Anda: 424242")


def test_a_long_text_is_shortened_on_whatsapp_and_the_link_kept(providers, mailbox):
    adapters(providers, mailbox)["whatsapp"].send("6289900001111", "Laporan ditolak", "alasan " * 400,
                                                   "https://kota.test/laporan/7", "k")
    (request,) = [r for r in providers.of("whatsapp") if r["payload"]["to"] == "6289900001111"]
    text = request["payload"]["template"]["components"][0]["parameters"][1]["text"]
    assert len(text) <= 1000 and text.endswith("\u2026 Buka: https://kota.test/laporan/7")
