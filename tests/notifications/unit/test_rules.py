"""The notifications' rules and texts, without a broker."""
import datetime as dt

import pytest

from ekinerja_contract.errors import InvalidInput
from services.notifications import rules, texts


@pytest.mark.parametrize("text, number", [
    ("0812-3456-7890", "6281234567890"), ("+62 812 3456 7890", "6281234567890"),
    ("628123456789", "628123456789"), ("(0857) 1234.5678", "6285712345678")])
def test_an_indonesian_mobile_number_is_kept_as_whatsapp_takes_it(text, number):
    assert rules.phone_number(text) == number


@pytest.mark.parametrize("text", ["021-5551234", "+1 415 555 1234", "0812", "0812345678901234",
                                  "08l2-3456-7890", ""])
def test_anything_else_is_refused_with_a_field_reason(text):
    with pytest.raises(InvalidInput) as refused:
        rules.phone_number(text)
    assert refused.value.code == "contact_invalid"
    assert refused.value.details[0]["code"] == "phone_invalid"


@pytest.mark.parametrize("text, ok", [
    ("sari@pemkot.go.id", True), ("Sari.Dewi+tpp@Mail.Example.COM", True), ("sari@localhost", False),
    ("sari pemkot.go.id", False), ("sari@@pemkot.go.id", False), ("a..b@pemkot.go.id", False),
    ("<sari@pemkot.go.id>", False), ("sari@pemkot.go.id\nBcc: x@y.id", False)])
def test_email_addresses_are_checked_when_entered(text, ok):
    if ok:
        assert rules.email_address(text).endswith(text.rsplit("@", 1)[1].lower())
    else:
        with pytest.raises(InvalidInput):
            rules.email_address(text)


def test_a_telegram_chat_is_a_number():
    assert rules.telegram_chat(" 123456789 ") == "123456789"
    with pytest.raises(InvalidInput):
        rules.telegram_chat("@sari")


def at(h, m=0):
    return dt.datetime(2026, 12, 2, h, m, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_quiet_hours_across_midnight_hold_outside_messages_until_they_end():
    start, end = dt.time(21), dt.time(6)
    assert rules.after_quiet(at(20, 59), start, end) == at(20, 59)
    assert rules.after_quiet(at(21), start, end) == at(6) + dt.timedelta(days=1)
    assert rules.after_quiet(at(2, 30), start, end) == at(6)
    assert rules.after_quiet(at(6), start, end) == at(6)


def test_quiet_hours_within_a_day_and_none():
    assert rules.after_quiet(at(12, 30), dt.time(12), dt.time(13)) == at(13)
    assert rules.after_quiet(at(13, 1), dt.time(12), dt.time(13)) == at(13, 1)
    assert rules.after_quiet(at(2), dt.time(0), dt.time(0)) == at(2)


def test_deadline_notices_fall_three_days_and_one_day_before():
    # November's input deadline is 5 December
    assert rules.input_deadline("2026-11", 5) == dt.date(2026, 12, 5)
    assert rules.deadline_periods(dt.date(2026, 12, 2)) == ["2026-11", "2026-12"]
    assert rules.days_left(dt.date(2026, 12, 2), "2026-11", 5) == 3
    assert rules.days_left(dt.date(2026, 12, 4), "2026-11", 5) == 1
    assert rules.days_left(dt.date(2026, 12, 3), "2026-11", 5) is None
    # a deadline on the 1st: its notices come in the month itself
    assert rules.days_left(dt.date(2026, 12, 29), "2026-12", 1) == 3
    assert rules.days_left(dt.date(2026, 12, 29), "2026-11", 1) is None


def test_choices_default_to_every_channel_and_can_turn_a_kind_off():
    assert rules.channels_for(None, "report_rejected") == ["in_app", "email", "whatsapp", "telegram"]
    assert rules.channels_for({"approved_digest": []}, "approved_digest") == []
    assert rules.check_choices({"report_rejected": ["whatsapp", "in_app"]}) == {
        "report_rejected": ["in_app", "whatsapp"]}
    with pytest.raises(InvalidInput) as refused:
        rules.check_choices({"report_rejected": ["sms"], "nonsense": []})
    assert {d["code"] for d in refused.value.details} == {"notification_channel_unknown",
                                                          "notification_kind_unknown"}


def test_every_kind_and_variant_has_indonesian_text_with_its_facts():
    title, text = texts.render("report_rejected", {"activity": "Menyusun surat", "date": "2026-12-01",
                                                   "reason": "bukti buram"})
    assert title == "Laporan ditolak"
    assert "Menyusun surat tanggal 1 Desember 2026" in text and "bukti buram" in text
    assert texts.render("approved_digest", {"first_day": "2026-12-01", "last_day": "2026-12-01"}, 4)[1] \
        == "4 laporan Anda disetujui atasan pada 1 Desember 2026."
    assert "Rp 4.250.000" in texts.render("tpp_slip_ready", {"month": "2026-11", "gross": 4500000,
                                                             "net": 4250000})[1]
    assert texts.render("tpp_slip_ready", {"month": "2026-11", "variant": "corrected"})[0] \
        == "Slip TPP November 2026 diperbarui"
    assert texts.render("deadline_near", {"month": "2026-11", "days_left": 3, "deadline": "2026-12-05",
                                          "missing": 2})[0] == "Batas input laporan November 2026 tinggal 3 hari"
    for kind, variants in {"dispute_decided": ("upheld", "dismissed"),
                           "task_escalated": ("to_you", "from_you")}.items():
        for variant in variants:
            title, text = texts.render(kind, {"variant": variant})
            assert "{" not in title + text
    for kind in rules.KINDS:
        if kind not in ("dispute_decided", "task_escalated"):
            assert "{" not in "".join(texts.render(kind, {}))
