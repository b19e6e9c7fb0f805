import pytest

from ekinerja_contract.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from ekinerja_contract.schemas import Actor
from services.evidence import rules
from tools.demo_data import tiny_jpeg

MB = 1024 * 1024


def test_type_is_judged_by_magic_bytes():
    assert rules.sniff(tiny_jpeg()) == "image/jpeg"
    assert rules.sniff(b"\x89PNG\r\n\x1a\nrest") == "image/png"
    assert rules.sniff(b"%PDF-1.7\n") == "application/pdf"
    assert rules.sniff(b"MZ\x90\x00 an exe named photo.jpg") is None


@pytest.mark.parametrize("name", ["../etc/passwd", "a/b.jpg", "a\\b.jpg", "foto\x00.jpg",
                                  "foto\n.jpg", "", "   ", "x" * 201])
def test_bad_file_names_are_refused(name):
    with pytest.raises(InvalidInput):
        rules.check_filename(name)


def test_ordinary_names_pass_even_in_indonesian():
    assert rules.check_filename(" Surat Undangan Rapat (final).jpg ") == \
        "Surat Undangan Rapat (final).jpg"


def test_declared_size_and_type_are_checked_before_upload():
    rules.check_declared(5 * MB, "image/jpeg", 10 * MB)
    with pytest.raises(InvalidInput):
        rules.check_declared(0, "image/jpeg", 10 * MB)
    with pytest.raises(PayloadTooLarge):
        rules.check_declared(10 * MB + 1, "image/jpeg", 10 * MB)
    with pytest.raises(UnsupportedMediaType):
        rules.check_declared(100, "application/x-msdownload", 10 * MB)


def test_what_landed_must_match_what_was_announced():
    head = tiny_jpeg()[:8]
    assert rules.check_stored(head, 159, "ab", 159, "ab", MB) == "image/jpeg"
    with pytest.raises(InvalidInput):  # truncated
        rules.check_stored(head, 100, "ab", 159, None, MB)
    with pytest.raises(InvalidInput):  # altered in transit
        rules.check_stored(head, 159, "ab", 159, "cd", MB)
    with pytest.raises(UnsupportedMediaType):  # right name, wrong bytes
        rules.check_stored(b"GIF89a..", 159, "ab", 159, None, MB)


def test_evidence_is_visible_to_owner_approver_review_team_only():
    owner = Actor(account_id=1, employee_id=10, roles=["employee"])
    approver = Actor(account_id=2, employee_id=20, roles=["employee", "supervisor"])
    other_supervisor = Actor(account_id=3, employee_id=30, roles=["employee", "supervisor"])
    review = Actor(account_id=4, employee_id=40, roles=["employee", "review_team"])
    assert rules.may_view(owner, 10, [20])
    assert rules.may_view(approver, 10, [20])
    assert not rules.may_view(other_supervisor, 10, [20])
    assert rules.may_view(review, 10, [20])


def test_exif_capture_time_gps_and_a_thumbnail_are_read_from_a_photo():
    import io
    from tests.support.photos import jpeg_with_exif
    facts = rules.photo_facts(io.BytesIO(jpeg_with_exif(gps=(-8.65, 115.2167))))
    assert facts["captured_at"].isoformat() == "2026-11-16T09:30:00"
    assert (round(facts["gps_lat"], 3), round(facts["gps_lon"], 3)) == (-8.65, 115.217)
    assert facts["thumbnail"].startswith(b"\xff\xd8") and len(facts["thumbnail"]) < 20000


def test_a_damaged_image_behind_the_right_magic_bytes_is_refused():
    import io
    with pytest.raises(UnsupportedMediaType):
        rules.photo_facts(io.BytesIO(b"\xff\xd8\xff\xe0" + b"\x00" * 200))
