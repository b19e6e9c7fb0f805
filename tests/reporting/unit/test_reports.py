"""Daily reports through the service's entrypoints: every rule, nothing half-written."""
import pytest

from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput
from tests.reporting.conftest import ADMIN
from tests.support.factories import (
    period_closed,
    report_approved,
    revision_requested,
    rule_set_published,
)
from tests.support.stores import outbox_types
from tools import demo_data


def submit(city, username="sari", **over):
    return city.service.submit_report(city.actor(username), city.report(username, **over))


def test_a_report_goes_to_the_direct_superior_with_the_catalogue_values(city):
    r = submit(city)
    assert (r["state"], r["approver_id"], r["points"], r["rupiah"]) == (
        "submitted", city.ids["kadis"], "2.00", 3000)
    assert outbox_types(city.service.db)[-1] == "report.submitted"


def test_a_head_reports_to_the_approver_the_citys_rule_set_names(city):
    r = submit(city, "kadis")  # no superior in the org chart
    assert (r["state"], r["approver_id"]) == ("submitted", city.ids["sekda"])
    # approval asks the same when it reroutes after a placement change
    assert city.service.approver_of(city.ids["kadis"], "2026-11-18") == city.ids["sekda"]
    assert city.service.approver_of(city.ids["sari"], "2026-11-18") == city.ids["kadis"]
    assert city.service.approver_of(city.ids["sekda"], "2026-11-18") is None
    # the Sekda approves (an inbox, the supervisor's pages) and may see the head's work
    assert "supervisor" in city.service.get_account("sekda")["roles"]
    assert city.service.may_see_employee(city.actor("sekda"), city.ids["kadis"])
    assert city.service.may_see_employee(city.actor("sekda"), city.ids["sari"])
    assert not city.service.may_see_employee(city.actor("kadis"), city.ids["sekda"])


def test_a_report_nobody_may_approve_is_refused_before_anything_is_written(city):
    before = outbox_types(city.service.db)
    with pytest.raises(Conflict) as refused:  # the Sekda is the head approver: not his own
        submit(city, "sekda")
    assert refused.value.code == "no_approver"
    assert city.service.list_reports(city.actor("sekda"), "2026-11") == []
    assert outbox_types(city.service.db) == before
    # a draft waits for no one; sending it is refused the same way
    draft = city.service.save_draft(city.actor("sekda"), city.report("sekda"))
    with pytest.raises(Conflict, match="nobody can approve"):
        city.service.submit_draft(city.actor("sekda"), draft["id"])


def test_an_agencys_own_rule_set_beats_the_citys_and_a_redelivery_changes_nothing(city):
    agency_rules = rule_set_published(7, "2026-11-01", agency_id=2, daily_cap_minutes=300,
                                      input_deadline_day=3)
    city.service.on_rule_set_published(agency_rules)
    city.service.on_rule_set_published(agency_rules)  # the same message again
    city.service.on_rule_set_published(rule_set_published(  # the same set, a new message
        7, "2026-11-01", agency_id=2, daily_cap_minutes=200))
    assert city.service.rule_set_on("2026-11-18", 2)["daily_cap_minutes"] == 300
    assert city.service.rule_set_on("2026-11-18", 1)["daily_cap_minutes"] == 450  # the city's
    assert city.service.rule_set_on("2026-10-31", 2)["input_deadline_day"] == 5  # before it


def test_a_future_date_is_refused_and_nothing_is_written(city):
    before = outbox_types(city.service.db)
    with pytest.raises(InvalidInput):
        submit(city, date="2026-11-21")
    assert outbox_types(city.service.db) == before


def test_past_the_input_deadline_only_a_grace_window_lets_work_in(city, monkeypatch):
    # today is 2026-11-20: October closed for input on 5 November
    with pytest.raises(Conflict, match="deadline"):
        submit(city, date="2026-10-30")
    city.service.open_grace_window(ADMIN, {
        "agency_id": 1, "period": "2026-10", "until": "2026-11-22",
        "reason": "server down on 4-5 November"})
    assert submit(city, date="2026-10-30")["state"] == "submitted"


def test_a_window_the_system_opened_by_itself_is_audited_and_an_admin_revokes_it(city):
    window = {"agency_id": 1, "period": "2026-10", "until": "2026-11-22",
              "reason": "Dibuka otomatis: ketersediaan 80% di bawah 99%."}
    opened = city.service.open_grace_window_automatically(window, {"probes": 50}, "availability:1:2026-10")
    again = city.service.open_grace_window_automatically(window, {"probes": 50}, "availability:1:2026-10")
    assert opened == again and opened["automatic"] is True  # once per key
    assert submit(city, date="2026-10-30")["state"] == "submitted"
    (row,) = city.service.grace_windows(ADMIN)
    assert (row["opened_by"], row["automatic"], row["revoked_at"]) == (0, True, None)
    with pytest.raises(InvalidInput):
        city.service.revoke_grace_window(ADMIN, row["id"], "salah")
    revoked = city.service.revoke_grace_window(ADMIN, row["id"], "gangguan tidak terjadi di jam kerja")
    assert revoked["revoke_reason"] == "gangguan tidak terjadi di jam kerja"
    with pytest.raises(Conflict, match="deadline"):
        submit(city, date="2026-10-29")
    with pytest.raises(Conflict):
        city.service.revoke_grace_window(ADMIN, row["id"], "dua kali dicabut tidak bisa")
    from services.reporting.models import AuditEntry
    with city.service.db.session() as s:
        audit = {a.action: a for a in s.query(AuditEntry)}
    assert audit["grace_window.opened_automatically"].detail["measured"] == {"probes": 50}
    assert audit["grace_window.revoked"].actor_account_id == ADMIN["account_id"]
    types = outbox_types(city.service.db)
    assert types.count("reporting.grace_window_opened") == 1
    assert types.count("reporting.grace_window_revoked") == 1


def test_a_closed_period_never_changes(city):
    city.service.on_period_closed(period_closed("2026-11", agency_id=1))
    with pytest.raises(Conflict, match="closed"):
        submit(city)


def test_overlapping_time_is_refused_but_back_to_back_is_fine(city):
    submit(city, start="08:00", end="09:00")
    with pytest.raises(Conflict, match="overlaps"):
        submit(city, start="08:30", end="09:30")
    assert submit(city, start="09:00", end="10:00")["state"] == "submitted"


def test_minutes_beyond_the_daily_cap_are_accepted_but_not_counted(city):
    submit(city, start="07:00", end="14:00")  # 420
    r = submit(city, start="14:00", end="15:00")
    assert (r["minutes"], r["counted_minutes"]) == (60, 30)
    assert "tidak dihitung" in r["notice"]


def test_the_daily_cap_is_data_with_an_effective_date(city):
    city.service.on_rule_set_published(rule_set_published(
        2, "2026-11-01", daily_cap_minutes=420, input_deadline_day=10))
    submit(city, start="07:00", end="14:00")
    assert submit(city, start="14:00", end="15:00")["counted_minutes"] == 0


def test_evidence_is_required_where_the_catalogue_says_so(city):
    with pytest.raises(InvalidInput, match="evidence"):
        submit(city, activity_code="SURAT-DINAS")
    ev = city.service.evidence.fake.add(city.ids["sari"])
    assert submit(city, activity_code="SURAT-DINAS", evidence_id=ev)["state"] == "submitted"


def test_ones_own_evidence_on_a_second_report_is_refused(city):
    mine = city.service.evidence.fake.add(city.ids["sari"], sha="b" * 64)
    submit(city, activity_code="SURAT-DINAS", evidence_id=mine)
    with pytest.raises(Conflict, match="another of your reports"):
        submit(city, activity_code="SURAT-DINAS", evidence_id=mine, start="10:00", end="11:00")


def test_another_employees_same_photo_is_accepted_for_the_integrity_checks_to_flag(city):
    mine = city.service.evidence.fake.add(city.ids["sari"], sha="b" * 64)
    theirs = city.service.evidence.fake.add(city.ids["agus"], sha="b" * 64)
    submit(city, activity_code="SURAT-DINAS", evidence_id=mine)
    report = submit(city, "agus", activity_code="SURAT-DINAS", evidence_id=theirs,
                    start="10:00", end="11:00")
    assert report["state"] == "submitted"


def test_someone_elses_evidence_cannot_be_claimed(city):
    theirs = city.service.evidence.fake.add(city.ids["agus"], sha="c" * 64)
    with pytest.raises(Forbidden):
        submit(city, activity_code="SURAT-DINAS", evidence_id=theirs)


def test_an_activity_the_position_may_not_claim_is_refused(city):
    city.service.publish_catalogue(ADMIN, {"activity_types": [
        {"code": "TELAAH", "name": "Menyusun telaahan staf", "output_unit": "telaah",
         "standard_minutes": 60, "points": "6", "rupiah": 9000, "evidence_required": False,
         "min_job_class": 9, "effective_from": "2026-01-01"}]})
    with pytest.raises(Forbidden, match="job classes"):
        submit(city, activity_code="TELAAH")  # sari is class 7
    assert submit(city, "kadis", activity_code="TELAAH")["state"] == "submitted"


def test_creative_work_counts_only_under_a_creative_item(city):
    city.service.publish_catalogue(ADMIN, {"activity_types": [
        {"code": "INOVASI", "name": "Mengembangkan inovasi", "output_unit": "kegiatan",
         "standard_minutes": 120, "points": "15", "rupiah": 20000, "evidence_required": False,
         "creative": True, "effective_from": "2026-01-01"}]})
    with pytest.raises(InvalidInput, match="creative"):
        submit(city, activity_code="INOVASI")
    assert submit(city, activity_code="INOVASI", skp_item_id=city.item("sari", "creative"))


def test_a_report_must_name_an_item_of_the_employees_own_approved_skp(city):
    with pytest.raises(InvalidInput):
        submit(city, skp_item_id=city.item("agus"))


def test_a_catalogue_change_is_a_new_version_and_old_reports_keep_their_values(city):
    before = submit(city)
    entry = next(a for a in demo_data.CATALOGUE["activity_types"] if a["code"] == "ENTRI-DATA")
    city.service.publish_catalogue(ADMIN, {"activity_types": [
        {**entry, "points": "3.00", "effective_from": "2026-11-19"}]})
    after = submit(city, date="2026-11-19")
    assert (before["points"], before["activity_version"]) == ("2.00", 1)
    assert (after["points"], after["activity_version"]) == ("3.00", 2)
    listed = city.service.list_reports(city.actor("sari"), "2026-11")
    assert [r["points"] for r in listed] == ["2.00", "3.00"]


def test_draft_submit_withdraw_and_the_slot_is_free_again(city):
    draft = city.service.save_draft(city.actor("sari"), city.report())
    assert draft["state"] == "draft" and draft["counted_minutes"] == 0
    submitted = city.service.submit_draft(city.actor("sari"), draft["id"])
    assert submitted["state"] == "submitted" and submitted["counted_minutes"] == 60
    withdrawn = city.service.withdraw_report(city.actor("sari"), draft["id"])
    assert withdrawn["state"] == "withdrawn"
    assert submit(city)["state"] == "submitted"  # the same slot again


def test_a_decided_report_cannot_be_withdrawn(city):
    r = submit(city)
    city.service.approval.fake.decided.add(r["id"])
    with pytest.raises(Conflict):
        city.service.withdraw_report(city.actor("sari"), r["id"])


def test_revision_then_resubmit(city):
    r = submit(city)
    city.service.on_revision_requested(revision_requested(r["id"], employee_id=city.ids["sari"]))
    revised = city.service.revise_report(city.actor("sari"), r["id"],
                                         city.report(description="Entri data, dengan foto layar"))
    assert revised["state"] == "revision_requested"
    again = city.service.resubmit_report(city.actor("sari"), r["id"])
    assert again["state"] == "submitted"
    assert outbox_types(city.service.db)[-2:] == ["report.revised", "report.resubmitted"]


def test_only_the_owner_touches_a_report(city):
    r = submit(city)
    with pytest.raises(Exception) as err:
        city.service.withdraw_report(city.actor("agus"), r["id"])
    assert type(err.value).__name__ == "NotFound"


def test_an_approval_from_the_bus_marks_the_report_approved_once(city):
    r = submit(city)
    body = report_approved(r["id"], employee_id=city.ids["sari"])
    city.service.on_approved(body)
    city.service.on_approved(body)
    assert city.service.get_report(city.actor("sari"), r["id"])["state"] == "approved"
