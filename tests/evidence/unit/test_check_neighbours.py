"""Evidence's check on the real local backend and SQLite: each photo is fingerprinted as
it is checked and its look-alikes, anyone's, are announced with their reports
(evidence.checked 1.1); photos kept before the fingerprints existed get theirs from
their thumbnails (the backfill), so a copy uploaded now finds them."""
import hashlib
import io
import json
import types

from PIL import Image
from sqlalchemy import select

from ekinerja_contract.envelope import utcnow
from services.evidence import backends, evidence, rules
from services.evidence.models import Base, Evidence, PhotoPrint
from tests.support.photos import exif_with, phone_photo
from tests.support.stores import sqlite_store


def setup(tmp_path):
    db = sqlite_store(Base.metadata, "evidence", tmp_path / "e.db")
    backend = backends.LocalBackend(tmp_path / "files", "http://127.0.0.1:1", b"k")
    backend.ensure_bucket()
    store = types.SimpleNamespace(backend=backend, max_pixels=rules.MAX_PIXELS,
                                  max_decode_bytes=rules.MAX_DECODE_BYTES)
    return db, store


def stored(db, store, evidence_id, owner_id, data, **extra):
    key = backends.new_key()
    store.backend.put_bytes(key, data, "image/jpeg")
    with db.unit_of_work() as uow:
        uow.session.add(Evidence(id=evidence_id, owner_id=owner_id, object_key=key, filename="f.jpg",
                                 content_type="image/jpeg", size=len(data),
                                 sha256=hashlib.sha256(data).hexdigest(), status="stored", viewers=[],
                                 created_at=utcnow(), **extra))


def announced(db, evidence_id):
    with db.session() as s:
        t = db._outbox
        for (envelope,) in s.execute(select(t.c.envelope).where(t.c.event_type == "evidence.checked")):
            envelope = json.loads(envelope) if isinstance(envelope, str) else envelope
            if envelope["data"]["evidence_id"] == evidence_id:
                return envelope["data"]
    raise AssertionError(f"no evidence.checked for {evidence_id}")


def copy_of(data: bytes, taken="2026:11:16 09:30:00") -> bytes:
    out = io.BytesIO()  # forwarded: smaller, re-encoded, the EXIF kept
    img = Image.open(io.BytesIO(data))
    img.resize((img.width * 9 // 10, img.height * 9 // 10)).save(out, "JPEG", quality=70,
                                                                 exif=exif_with(taken, (-8.65, 115.2167)))
    return out.getvalue()


def test_a_copy_finds_the_original_with_its_report_and_the_photos_exif_is_announced(tmp_path):
    db, store = setup(tmp_path)
    original = phone_photo((800, 600))
    stored(db, store, "asli", 2, original)
    evidence.check(db, store, "asli")
    assert announced(db, "asli")["similar"] == []
    with db.unit_of_work() as uow:  # Sari's report takes it
        row = uow.session.get(Evidence, "asli")
        row.status, row.report_id = "linked", 41
    stored(db, store, "salinan", 3, copy_of(original))
    evidence.check(db, store, "salinan")
    checked = announced(db, "salinan")
    [near] = checked["similar"]
    assert (near["evidence_id"], near["owner_id"], near["report_id"], near["same_bytes"]) == ("asli", 2, 41, False)
    assert near["phash_distance"] <= 11
    assert checked["photo"]["exif_present"] and checked["photo"]["captured_at"] == "2026-11-16T09:30:00"
    assert checked["photo"]["unchecked"] == []
    # the very same bytes again, by someone else: the same picture, said so
    stored(db, store, "sama", 4, original)
    evidence.check(db, store, "sama")
    assert {(n["evidence_id"], n["same_bytes"]) for n in announced(db, "sama")["similar"]} >= {("asli", True)}


def upright_copy(data: bytes) -> bytes:
    """What a messenger forwards: turned upright, EXIF gone, re-encoded."""
    from PIL import ImageOps
    out = io.BytesIO()
    ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB").save(out, "JPEG", quality=75)
    return out.getvalue()


def test_photos_kept_before_the_fingerprints_get_theirs_and_are_found(tmp_path):
    db, store = setup(tmp_path)
    old = phone_photo((600, 800), orientation=6)  # a phone held upright: stored sideways
    thumb = rules.photo_facts(io.BytesIO(old))["thumbnail"]  # as the check stored it: no EXIF
    store.backend.put_bytes("thumbs/lama.jpg", thumb, "image/jpeg")
    stored(db, store, "lama", 2, old, thumbnail_key="thumbs/lama.jpg", checked_at=utcnow())
    with db.unit_of_work() as uow:
        row = uow.session.get(Evidence, "lama")
        row.status, row.report_id = "linked", 7
    stored(db, store, "rusak", 2, old, thumbnail_key="thumbs/hilang.jpg", checked_at=utcnow())  # thumbnail gone
    state = evidence.Backfill()
    assert evidence.backfill_fingerprints(db, store, state) == 1
    assert state.unreadable == {"rusak"} and evidence.backfill_fingerprints(db, store, state) == 0
    stored(db, store, "baru", 3, upright_copy(old))
    evidence.check(db, store, "baru")
    assert [(n["evidence_id"], n["report_id"]) for n in announced(db, "baru")["similar"]] == [("lama", 7)]
    with db.session() as s:
        assert {p.evidence_id for p in s.scalars(select(PhotoPrint))} == {"lama", "baru"}
