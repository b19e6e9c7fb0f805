"""Issue 18, hostile input: EXIF is the uploader's to write. Malformed, huge or
contradictory EXIF never stops the check: the photo keeps its thumbnail and fingerprint,
and what could not be read is named (`unchecked`), for the integrity checks to mark
"tidak dapat diperiksa"."""
import io
import struct

import pytest
from PIL import Image

from ekinerja_contract.errors import UnsupportedMediaType
from services.evidence import evidence, rules
from tests.support.photos import exif_with, jpeg_with_exif


def _with_app1(payload: bytes) -> bytes:
    """A plain JPEG with `payload` as its EXIF (APP1) segment, right after the SOI."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 200)).save(out, "JPEG", quality=85)
    data = out.getvalue()
    segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return data[:2] + segment + data[2:]


@pytest.mark.parametrize("payload", [
    b"Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff" + b"\x01" * 40,  # 65,535 entries, 40 bytes
    b"Exif\x00\x00MM\x00*\xff\xff\xff\xf0",  # its first directory far past the end
    b"Exif\x00\x00" + b"\xde\xad\xbe\xef" * 100,  # no TIFF header at all
])
def test_malformed_exif_keeps_the_photo_and_says_what_was_not_read(payload):
    facts = rules.photo_facts(io.BytesIO(_with_app1(payload)))
    assert facts["thumbnail"].startswith(b"\xff\xd8") and facts["fingerprint"] is not None
    assert facts["captured_at"] is None and facts["gps_lat"] is None
    # a segment that is there and cannot be read is not "no EXIF": it is unreadable
    assert evidence._photo_facts(facts, True)["unchecked"] == ["exif"]


def test_huge_exif_is_read_within_its_segment():
    exif = exif_with("2026:11:16 09:30:00", (-8.65, 115.2167))
    exif[0x010E] = "x" * 60000  # ImageDescription: the segment's whole 64 KB
    out = io.BytesIO()
    Image.new("RGB", (320, 240)).save(out, "JPEG", exif=exif)
    facts = rules.photo_facts(io.BytesIO(out.getvalue()))
    assert facts["captured_at"].isoformat() == "2026-11-16T09:30:00" and facts["fingerprint"]


def test_contradictory_exif_dates_are_kept_as_written_for_the_checks_to_judge():
    exif = exif_with("2026:11:16 09:30:00", (-8.65, 115.2167))
    exif[306] = "2026:11:10 07:00:00"  # "changed" six days before it was taken
    exif[305] = "Adobe Photoshop 25.0 (Windows)"
    exif[271], exif[272] = "samsung", "SM-A546E"
    out = io.BytesIO()
    Image.new("RGB", (320, 240)).save(out, "JPEG", exif=exif)
    facts = rules.photo_facts(io.BytesIO(out.getvalue()))
    photo = evidence._photo_facts(facts, True)
    assert photo["modified_at"].isoformat() == "2026-11-10T07:00:00"
    assert photo["captured_at"].isoformat() == "2026-11-16T09:30:00"
    assert (photo["software"], photo["camera"]) == ("Adobe Photoshop 25.0 (Windows)", "samsung SM-A546E")
    assert photo["unchecked"] == [] and photo["exif_present"] is True


def test_a_photo_without_exif_says_so():
    out = io.BytesIO()
    Image.new("RGB", (320, 240)).save(out, "JPEG")
    photo = evidence._photo_facts(rules.photo_facts(io.BytesIO(out.getvalue())), True)
    assert photo["exif_present"] is False and photo["unchecked"] == []


def test_a_truncated_jpeg_is_damaged_never_a_crash():
    data = jpeg_with_exif(grain=30, size=(800, 600))
    with pytest.raises(UnsupportedMediaType):
        rules.photo_facts(io.BytesIO(data[:len(data) // 3]))


def test_a_picture_the_hashes_cannot_read_is_still_a_photo(monkeypatch):
    from services.evidence import perceptual

    def broken(img):
        raise ValueError("no")
    monkeypatch.setattr(perceptual, "fingerprint", broken)
    facts = rules.photo_facts(io.BytesIO(jpeg_with_exif()))
    assert facts["thumbnail"] and facts["fingerprint"] is None
    assert evidence._photo_facts(facts, False)["unchecked"] == ["fingerprint"]
