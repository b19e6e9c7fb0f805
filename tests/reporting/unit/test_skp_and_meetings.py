"""SKP states and cascading; shared meetings claimed once per person, one chair."""
import itertools

import pytest
from pydantic import ValidationError

from ekinerja_contract.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.reporting.conftest import ADMIN
from tools import demo_data


def test_main_items_must_cascade_from_the_superiors_skp(city):
    sari = city.actor("sari")
    with pytest.raises(InvalidInput, match="SKP items"):
        city.service.save_skp(sari, {"year": 2027, "items": demo_data.skp_items()})


def test_skp_moves_draft_submitted_approved_and_then_cannot_be_edited(city):
    sari = city.actor("sari")
    with pytest.raises(Conflict):
        city.service.save_skp(sari, {"year": 2026, "items": demo_data.skp_items(
            [i["id"] for i in city.head_skp["items"]])})
    with pytest.raises(Conflict):
        city.service.submit_skp(sari, 2026)


def test_a_returned_skp_can_be_changed_and_submitted_again(city):
    parents = [i["id"] for i in city.head_skp["items"]]
    me = city.actor("agus")
    city.service.save_skp(me, {"year": 2027, "items": demo_data.skp_items(parents)[2:]})
    city.service.submit_skp(me, 2027)
    with pytest.raises(ValidationError):  # a note is required
        city.service.decide_skp(city.actor("kadis"), city.ids["agus"], 2027, {"decision": "return"})
    returned = city.service.decide_skp(city.actor("kadis"), city.ids["agus"], 2027,
                                       {"decision": "return", "note": "tambahkan target"})
    assert returned["state"] == "returned"
    city.service.save_skp(me, {"year": 2027, "items": demo_data.skp_items(parents)[2:]})
    assert city.service.submit_skp(me, 2027)["state"] == "submitted"


def test_only_the_direct_superior_decides_and_never_on_their_own(city):
    parents = [i["id"] for i in city.head_skp["items"]]
    me = city.actor("agus")
    city.service.save_skp(me, {"year": 2027, "items": demo_data.skp_items(parents)[2:]})
    city.service.submit_skp(me, 2027)
    with pytest.raises(Forbidden):
        city.service.decide_skp(me, city.ids["agus"], 2027, {"decision": "approve"})
    with pytest.raises(Forbidden):
        city.service.decide_skp(city.actor("sari"), city.ids["agus"], 2027, {"decision": "approve"})


def meeting(city, organiser="kadis", roles=None, **over):
    body = {"activity_code": "RAPAT", "title": "Rapat evaluasi kinerja", "place": "Aula",
            "date": "2026-11-18", "start": "10:00", "end": "11:00",
            "expected": [city.ids["sari"], city.ids["agus"]],
            "roles": {city.ids[u]: r for u, r in (roles or {}).items()}}
    body.update(over)
    return city.service.create_meeting(city.actor(organiser), body)


def confirm(city, meeting_id, roles, organiser="kadis"):
    return city.service.confirm_meeting_roles(city.actor(organiser), meeting_id, {
        "roles": {city.ids[u]: r for u, r in roles.items()}})


_photos = itertools.count()


def claim(city, username, meeting_id, role):
    ev = city.service.evidence.fake.add(city.ids[username], sha=f"{next(_photos):064d}")
    return city.service.submit_report(city.actor(username), {
        "skp_item_id": city.item(username), "activity_code": "RAPAT", "meeting_id": meeting_id,
        "role": role, "description": "Menghadiri rapat evaluasi", "evidence_id": ev})


def test_each_attendee_claims_once_in_one_role(city):
    m = meeting(city)
    first = claim(city, "sari", m["id"], "participant")
    assert (first["date"], first["start"], first["end"]) == ("2026-11-18", "10:00", "11:00")
    with pytest.raises(Conflict, match="already claimed"):
        claim(city, "sari", m["id"], "speaker")


def test_a_role_above_participant_counts_only_when_the_organiser_named_it(city):
    m = meeting(city, roles={"sari": "note_taker"})
    assert claim(city, "sari", m["id"], "note_taker")["role"] == "note_taker"
    with pytest.raises(Forbidden) as refused:  # self-declared: a speaker nobody named
        claim(city, "agus", m["id"], "speaker")
    assert refused.value.code == "meeting_role_unconfirmed"
    confirm(city, m["id"], {"sari": "note_taker", "agus": "speaker"})
    assert claim(city, "agus", m["id"], "speaker")["points"] == "10.00"  # 8 x 1.25
    with pytest.raises(Forbidden):  # only the organiser confirms
        confirm(city, m["id"], {"agus": "chair"}, organiser="sari")


def test_a_second_chair_is_refused(city):
    with pytest.raises(InvalidInput):  # the organiser cannot name two
        meeting(city, roles={"kadis": "chair", "sari": "chair"})
    m = meeting(city, roles={"kadis": "chair"})
    claim(city, "kadis", m["id"], "chair")
    confirm(city, m["id"], {"sari": "chair"})  # renamed, but kadis's claim still stands
    with pytest.raises(Conflict, match="chair"):
        claim(city, "sari", m["id"], "chair")


def test_participants_earn_the_same_whatever_their_rank(city):
    m = meeting(city)
    head = claim(city, "kadis", m["id"], "participant")
    clerk = claim(city, "agus", m["id"], "participant")
    assert (head["points"], head["rupiah"]) == (clerk["points"], clerk["rupiah"]) == ("8.00", 12000)
    chair_meeting = meeting(city, roles={"sari": "chair"}, start="13:00", end="14:00")
    chair = claim(city, "sari", chair_meeting["id"], "chair")
    assert chair["points"] == "12.00"


def test_the_organiser_sees_who_claimed_and_who_did_not(city):
    m = meeting(city, roles={"sari": "note_taker"})
    claim(city, "sari", m["id"], "note_taker")
    seen = city.service.meeting_claims(city.actor("kadis"), m["id"])
    assert [(c["employee_id"], c["role"]) for c in seen["claims"]] == [(city.ids["sari"], "note_taker")]
    assert seen["not_claimed"] == [city.ids["agus"]]
    with pytest.raises(NotFound):  # the same answer as for a meeting that does not exist
        city.service.meeting_claims(city.actor("agus"), m["id"])


def test_a_meeting_activity_is_claimed_only_through_its_meeting(city):
    with pytest.raises(InvalidInput, match="meeting"):
        city.service.submit_report(city.actor("sari"), city.report(activity_code="RAPAT",
                                                                    role="participant"))


def test_a_withdrawn_claim_frees_the_chair(city):
    m = meeting(city, roles={"kadis": "chair"})
    first = claim(city, "kadis", m["id"], "chair")
    city.service.withdraw_report(city.actor("kadis"), first["id"])
    confirm(city, m["id"], {"sari": "chair"})
    assert claim(city, "sari", m["id"], "chair")["role"] == "chair"


def test_the_approver_of_a_claim_sees_who_claimed_which_role(city):
    m = meeting(city, roles={"sari": "chair"})
    claim(city, "sari", m["id"], "chair")
    claim(city, "agus", m["id"], "participant")
    seen = city.service.meeting_roles(city.actor("kadis"), m["id"])  # the approver
    assert sorted((c["name"], c["role"], c["confirmed"]) for c in seen["claims"]) == [
        ("Ni Luh Sari", "chair", True), ("Putu Agus", "participant", True)]
    with pytest.raises(NotFound):  # someone with no part in it
        city.service.meeting_roles(city.actor("made"), m["id"])


def test_admin_only_catalogue(city):
    with pytest.raises(Forbidden):
        city.service.publish_catalogue(city.actor("kadis"), demo_data.CATALOGUE)
    assert not hasattr(city.service, "publish_rule_set")  # scoring owns the rule set


def test_one_visibility_rule_for_every_service_follows_the_live_chart(city):
    """reporting.may_see_employee is what scoring asks before showing a recap."""
    see = city.service.may_see_employee
    assert see(city.actor("kadis"), city.ids["sari"])  # the live superior
    assert see(city.actor("sari"), city.ids["sari"])  # oneself
    assert not see(city.actor("agus"), city.ids["sari"])  # a colleague
    assert not see(city.actor("sari"), city.ids["kadis"])  # upwards
    assert see(ADMIN, city.ids["sari"])
