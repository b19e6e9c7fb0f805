"""Evidence use cases: announce and confirm an upload, check it whole (apart from the
upload), lock on link, show, verify, purge unlinked uploads, audit a sample.

An upload's request reads as little as it can: where the store checked the bytes against
the uploader's SHA-256 (signed into the upload URL), one HEAD and the first 128 KB (type,
EXIF, pixel count); otherwise one read of the whole object for the SHA-256. Decoding the
photo for its thumbnail, which finds a damaged one, happens in `check`: evidence's own
handler of evidence.stored does it, and reporting asks for it (checked_facts) when a report
names evidence it has not yet heard was checked, so nothing reaches an approver unchecked."""
import datetime as dt
import hashlib
import logging
import os
import re
import tempfile
import uuid
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import InvalidInput, NotFound, ServiceError
from ekinerja_contract.events import ReportSubmitted, parse
from ekinerja_contract.schemas import Actor

from . import backends, near_duplicates, rules
from .models import Evidence, EvidenceView, PhotoPrint, ShareKey

log = logging.getLogger(__name__)
KEPT = ("stored", "linked")
UNLINKED = ("pending", "stored", "damaged")  # removed when not linked in time
SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")


def get(s, evidence_id: str) -> Evidence:
    row = s.get(Evidence, evidence_id)
    if row is None:
        raise NotFound(f"evidence {evidence_id} not found", code="evidence_not_found")
    return row


def create_upload(uow, store, actor: Actor, filename, content_type, size,
                  sha256: str | None = None) -> dict:
    filename = rules.check_filename(filename)
    if sha256 is not None and not SHA256_HEX.fullmatch(str(sha256)):
        raise InvalidInput("sha256 must be 64 hexadecimal digits",
                           [{"field": "sha256", "reason": str(sha256)[:80]}],
                           code="evidence_digest_invalid")
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise InvalidInput("size must be a number of bytes",
                           [{"field": "size", "reason": str(size)}],
                           code="evidence_size_invalid") from None
    rules.check_declared(size, content_type, store.max_bytes)
    sha256 = sha256.lower() if sha256 else None
    evidence_id, key = str(uuid.uuid4()), backends.new_key()
    uow.session.add(Evidence(id=evidence_id, owner_id=actor.employee_id, object_key=key,
                             filename=filename, content_type=content_type, size=size,
                             declared_sha256=sha256, status="pending", viewers=[],
                             created_at=utcnow()))
    ticket = store.backend.upload_ticket(key, store.ttl, sha256)
    return {"evidence_id": evidence_id, "max_bytes": store.max_bytes,
            "upload_url": ticket.url, "upload_headers": ticket.headers}


def _not_uploaded() -> InvalidInput:
    return InvalidInput("nothing was uploaded", [{"field": "file", "reason": "missing"}],
                        code="evidence_not_uploaded")


def _inspect_landed(backend, row: Evidence, claimed_sha256, max_bytes):
    """The real type, SHA-256, size and first bytes of what landed. Trusted from the store
    when it checked the uploader's SHA-256 itself; read back whole (streamed, only the
    head kept) when it did not. A declared PDF is scanned whole anyway: then its "head" is
    all of it, from the one read."""
    landed = backend.landed(row.object_key)
    if landed is None:
        raise _not_uploaded()
    keep = max_bytes + 1 if row.content_type == "application/pdf" else rules.HEAD_BYTES
    if row.declared_sha256 and landed.verified_sha256 == row.declared_sha256:
        head = (_whole(backend, row.object_key, max_bytes) if keep > rules.HEAD_BYTES
                else backend.read_head(row.object_key, rules.HEAD_BYTES))
        digest, total = row.declared_sha256, landed.size
    else:
        chunks = backend.read(row.object_key)
        if chunks is None:
            raise _not_uploaded()
        sha, head, total = hashlib.sha256(), b"", 0
        for chunk in chunks:
            if len(head) < keep:
                head += chunk[:keep - len(head)]
            sha.update(chunk)
            total += len(chunk)
            if total > max_bytes:
                break
        digest = sha.hexdigest()
    real_type = rules.check_stored(head, total, digest, row.size, claimed_sha256, max_bytes)
    return real_type, digest, total, head


def confirm(db, store, actor: Actor, evidence_id: str, claimed_sha256) -> dict:
    with db.session() as s:
        row = s.get(Evidence, evidence_id)
    if row is None or row.owner_id != actor.employee_id:
        raise NotFound("no such upload", code="upload_not_found")
    if row.status != "pending":
        return as_dict(row)
    facts: dict = {}
    try:
        real_type, digest, size, head = _inspect_landed(store.backend, row, claimed_sha256,
                                                        store.max_bytes)
        if real_type.startswith("image/"):
            facts = rules.header_facts(head, size <= len(head), store.max_pixels)
        elif real_type == "application/pdf":
            # a PDF is scanned now, whole (PDFs are few and small next to photos): its
            # uploader hears at once that a script or an attachment is refused
            rules.check_pdf(head if len(head) >= size else
                            _whole(store.backend, row.object_key, store.max_bytes))
    except ServiceError:
        _discard(db, store, row)
        raise
    with db.unit_of_work() as uow:
        s = uow.session
        # the same bytes kept before (one statement): the uploader's own, or others'
        same = list(s.scalars(select(Evidence).where(Evidence.sha256 == digest,
                                                     Evidence.status.in_(KEPT))))
        mine = next((e for e in same if e.owner_id == row.owner_id), None)
        if mine is not None:  # the same bytes again: the existing record, flagged
            s.delete(s.get(Evidence, evidence_id))
            duplicate = as_dict(mine)
        else:
            # another's same bytes are no longer refused nor marked here: the integrity
            # checks flag the reuse once a second report uses it (evidence.checked's
            # `similar` says who else holds the picture)
            current = s.get(Evidence, evidence_id)
            current.status, current.sha256, current.size = "stored", digest, size
            current.content_type, current.stored_at = real_type, utcnow()
            current.captured_at, current.gps_lat, current.gps_lon = (
                facts.get("captured_at"), facts.get("gps_lat"), facts.get("gps_lon"))
            uow.emit("evidence.stored", dict(evidence_id=current.id, owner_id=current.owner_id,
                                             sha256=digest, size=size, content_type=real_type))
            if real_type == "application/pdf":  # scanned above: nothing left to check
                _checked(uow, current, None, similar=_same_bytes(same, current))
            duplicate = None
            result = as_dict(current)
    if duplicate is not None:
        store.backend.delete(row.object_key)
        return {**duplicate, "duplicate": True}
    return result


def _whole(backend, key: str, max_bytes: int) -> bytes:
    chunks = backend.read(key)
    if chunks is None:
        raise _not_uploaded()
    data = bytearray()
    for chunk in chunks:
        data += chunk
        if len(data) > max_bytes:
            break
    return bytes(data)


MAX_SIMILAR = 20


def _same_bytes(same, row: Evidence) -> list[dict]:
    return [dict(evidence_id=e.id, owner_id=e.owner_id, dhash_distance=0, phash_distance=0,
                 same_bytes=True, report_id=e.report_id)
            for e in same if e.id != row.id][:MAX_SIMILAR]


def _photo_facts(facts: dict, fingerprinted: bool) -> dict:
    """The EXIF facts evidence.checked 1.1 carries, and what could not be read."""
    unchecked = (["exif"] if facts.get("exif_unreadable") else []) + (
        [] if fingerprinted else ["fingerprint"])
    return {k: facts.get(k) for k in ("exif_present", "camera", "software", "captured_at",
                                      "modified_at", "gps_lat", "gps_lon")} | {
        "exif_present": bool(facts.get("exif_present")), "unchecked": unchecked}


def _checked(uow, row: Evidence, problem: str | None, photo: dict | None = None,
             similar: list[dict] | None = None) -> None:
    row.checked_at, row.problem = utcnow(), problem
    if problem:
        row.status = "damaged"
    uow.emit("evidence.checked", dict(evidence_id=row.id, owner_id=row.owner_id,
                                      sha256=row.sha256, content_type=row.content_type,
                                      problem=problem, photo=photo, similar=similar or []))


def _neighbours(s, row: Evidence, fp: tuple[int, int] | None) -> list[dict]:
    """Kept photos of anyone, any month, that look like this one (or are its very bytes),
    closest first; this photo's fingerprint remembered for those to come."""
    same = list(s.scalars(select(Evidence).where(Evidence.sha256 == row.sha256,
                                                 Evidence.id != row.id,
                                                 Evidence.status.in_(KEPT))))
    found = {e["evidence_id"]: e for e in _same_bytes(same, row)}
    if fp is not None:
        for evidence_id, owner_id, d, p in near_duplicates.lookup(s, fp, exclude=row.id):
            found.setdefault(evidence_id, dict(evidence_id=evidence_id, owner_id=owner_id,
                                               dhash_distance=d, phash_distance=p))
        if s.get(PhotoPrint, row.id) is None:
            near_duplicates.remember(s, row.id, row.owner_id, fp)
    closest = sorted(found.values(), key=lambda e: (e["phash_distance"], e["dhash_distance"]))[:MAX_SIMILAR]
    linked = dict(s.execute(select(Evidence.id, Evidence.report_id).where(
        Evidence.id.in_([e["evidence_id"] for e in closest]))).tuples().all()) if closest else {}
    return [{**e, "report_id": linked.get(e["evidence_id"])} for e in closest]


BACKFILL_BATCH, BACKFILL_BUDGET_S = 100, 20.0


class Backfill:
    """Where this process's backfill stands: photos whose thumbnail it could not read, and
    the creation time it has covered up to (so a finished backfill scans only what is new)."""

    def __init__(self):
        self.unreadable: set[str] = set()
        self.since: dt.datetime | None = None


def backfill_fingerprints(db, store, state: Backfill) -> int:
    """Photos kept before the fingerprints existed get theirs, from the thumbnail made at
    their check, turned upright by the original's EXIF orientation (the thumbnail carries
    none), so a copy uploaded now finds them whatever their month. Batches for up to
    BACKFILL_BUDGET_S a call; no event (nothing about them changed). Another instance
    doing the same row is harmless: the second insert is dropped. Returns how many."""
    import time
    done, started = 0, time.monotonic()
    while time.monotonic() - started < BACKFILL_BUDGET_S:
        with db.session() as s:
            q = select(Evidence.id, Evidence.owner_id, Evidence.thumbnail_key, Evidence.object_key,
                       Evidence.created_at).outerjoin(
                PhotoPrint, PhotoPrint.evidence_id == Evidence.id).where(
                PhotoPrint.evidence_id.is_(None), Evidence.status.in_(KEPT),
                Evidence.thumbnail_key.is_not(None))
            if state.since is not None:
                q = q.where(Evidence.created_at >= state.since)
            q = q.order_by(Evidence.created_at).limit(BACKFILL_BATCH + len(state.unreadable))
            rows = [r for r in s.execute(q) if r.id not in state.unreadable][:BACKFILL_BATCH]
        if not rows:
            break
        for evidence_id, owner_id, thumbnail_key, object_key, _ in rows:
            fp = _thumbnail_print(store.backend, thumbnail_key, object_key)
            if fp is None:  # its thumbnail is gone or unreadable: not asked again by this process
                state.unreadable.add(evidence_id)
                continue
            try:
                with db.unit_of_work() as uow:
                    if uow.session.get(PhotoPrint, evidence_id) is None:
                        near_duplicates.remember(uow.session, evidence_id, owner_id, fp)
                        done += 1
            except IntegrityError:
                pass  # another instance fingerprinted it meanwhile
        state.since = _utc(rows[-1].created_at)
    return done


def _utc(moment: dt.datetime) -> dt.datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


# EXIF orientation -> the turn that shows the picture upright (as ImageOps.exif_transpose)
_UPRIGHT = {2: "FLIP_LEFT_RIGHT", 3: "ROTATE_180", 4: "FLIP_TOP_BOTTOM", 5: "TRANSPOSE",
            6: "ROTATE_270", 7: "TRANSVERSE", 8: "ROTATE_90"}


def _thumbnail_print(backend, key: str, original_key: str) -> tuple[int, int] | None:
    import io

    from PIL import Image

    from . import perceptual
    chunks = backend.read(key)
    if chunks is None:
        return None
    try:
        with Image.open(io.BytesIO(b"".join(chunks))) as img:
            img.load()
            turn = _UPRIGHT.get(_orientation(backend, original_key) or 1)
            return perceptual.fingerprint(img.transpose(getattr(Image.Transpose, turn)) if turn else img)
    except Exception:  # noqa: BLE001 - a thumbnail we wrote ourselves; if it is broken, skip it
        return None


def _orientation(backend, key: str) -> int | None:
    """The original's EXIF orientation, from its first bytes only."""
    import io

    from PIL import Image
    try:
        with Image.open(io.BytesIO(backend.read_head(key, rules.HEAD_BYTES))) as img:
            return int(img.getexif().get(274) or 1)
    except Exception:  # noqa: BLE001 - no readable header: taken as upright
        return None


def check(db, store, evidence_id: str) -> dict:
    """Read a stored upload whole, once: decode the photo (its thumbnail is made, damage
    found), as evidence.stored's handler does and as reporting asks when a report names
    evidence not yet checked. The reading, decoding and the thumbnail's upload happen
    outside any transaction (a worker holds no connection while it waits on the store);
    the result is written under the row's lock, by whichever of the two comes first (the
    other's work is the same bytes under the same key). A damaged one becomes `damaged`,
    its bytes removed; it can never be linked."""
    with db.session() as s:
        row = s.get(Evidence, evidence_id)
    if row is None:
        raise NotFound(f"evidence {evidence_id} not found", code="evidence_not_found")
    if row.checked_at is not None or row.status != "stored":
        return as_dict(row)
    problem, facts = None, {}
    try:
        facts = _photo(store, row)
    except ServiceError as exc:
        log.info("evidence %s damaged: %s", evidence_id, exc)
        problem = exc.code
    thumbnail = f"thumbs/{evidence_id}.jpg" if facts.get("thumbnail") else None
    if thumbnail:  # stored before the check commits: whoever sees it checked finds it
        store.backend.put_bytes(thumbnail, facts["thumbnail"], "image/jpeg")
    elif facts.get("no_thumbnail"):
        log.info("evidence %s kept without a thumbnail: %s", evidence_id, facts["no_thumbnail"])
    with db.unit_of_work() as uow:
        current = uow.session.get(Evidence, evidence_id, with_for_update=True)
        if current is None:
            raise NotFound(f"evidence {evidence_id} not found", code="evidence_not_found")
        if current.checked_at is not None or current.status != "stored":
            return as_dict(current)  # the other one was first
        photo, similar = None, []
        if problem is None:
            current.thumbnail_key = thumbnail
            if current.captured_at is None and current.gps_lat is None:  # header past the head
                current.captured_at, current.gps_lat, current.gps_lon = (
                    facts.get("captured_at"), facts.get("gps_lat"), facts.get("gps_lon"))
            if current.content_type.startswith("image/"):
                photo = _photo_facts(facts, facts.get("fingerprint") is not None)
            similar = _neighbours(uow.session, current, facts.get("fingerprint"))
        _checked(uow, current, problem, photo, similar)
        result = as_dict(current)
    if problem:
        store.backend.delete(current.object_key)
    return result


def _photo(store, row: Evidence) -> dict:
    if not row.content_type.startswith("image/"):
        return {}
    chunks = store.backend.read(row.object_key)
    if chunks is None:
        raise _not_uploaded()
    with tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024) as spool:
        for chunk in chunks:
            spool.write(chunk)
        spool.seek(0)
        return rules.photo_facts(spool, store.max_pixels, store.max_decode_bytes)


def _discard(db, store, row: Evidence) -> None:
    """A refused upload leaves nothing behind: neither bytes nor record."""
    store.backend.delete(row.object_key)
    with db.unit_of_work() as uow:
        current = uow.session.get(Evidence, row.id)
        if current is not None:
            uow.session.delete(current)


def let_approver_see(db, evidence_id: str, approver_id: int | None) -> Evidence | None:
    """The report's approver among the viewers at once; the row as it now is."""
    with db.unit_of_work() as uow:
        row = uow.session.get(Evidence, evidence_id)
        if approver_id is not None and row is not None and row.status in KEPT and (
                approver_id not in (row.viewers or [])):
            row.viewers = sorted(set(row.viewers or []) | {approver_id})
    return row


def lock_before_link(db, store, evidence_id: str, row: Evidence | None = None) -> None:
    """Move the staging object under lock before the link commits (idempotent: a crash
    in between is finished by the redelivery). `row`: read a moment ago."""
    if row is None:
        with db.session() as s:
            row = s.get(Evidence, evidence_id)
    if row is None or row.status != "stored":
        return
    until = utcnow() + dt.timedelta(days=store.retention_days)
    final, version = store.backend.lock(row.object_key, row.sha256, until)
    with db.unit_of_work() as uow:
        current = uow.session.get(Evidence, evidence_id)
        current.object_key, current.version_id, current.locked_until = final, version, until


def link(uow, store, envelope) -> None:
    # only report.submitted is routed here (service.on_report_submitted)
    report = cast(ReportSubmitted, parse(envelope))
    if not report.evidence_id:
        return
    row = uow.session.get(Evidence, report.evidence_id)
    if row is None:
        raise NotFound(f"evidence {report.evidence_id} of report {report.report_id} not found",
                       code="evidence_not_found")
    row.status, row.report_id, row.agency_id = "linked", report.report_id, report.agency_id
    row.viewers = sorted(set(row.viewers or []) | ({report.approver_id} - {None}))
    uow.emit("evidence.linked", dict(evidence_id=row.id, report_id=report.report_id,
                                     owner_id=row.owner_id))


def open_to_review(uow, report_id: int, why: str) -> None:
    """A dispute or an approval lets the review team in scope open this evidence; a
    dispute outranks an approval (a dismissed one stays readable for its record)."""
    for row in uow.session.scalars(select(Evidence).where(Evidence.report_id == report_id)):
        if row.review != "disputed":
            row.review = why


def revoke_links(uow, report_id: int) -> None:
    """The report's approval was revoked: what it shared with the national side closes."""
    for row in uow.session.scalars(select(Evidence).where(Evidence.report_id == report_id)):
        row.revoked_at = row.revoked_at or utcnow()


def add_viewer(uow, report_id: int, employee_id: int | None) -> None:
    if employee_id is None:
        return
    for row in uow.session.scalars(select(Evidence).where(Evidence.report_id == report_id)):
        row.viewers = sorted(set(row.viewers or []) | {employee_id})


def view(uow, store, actor: Actor, evidence_id: str) -> dict:
    row = uow.session.get(Evidence, evidence_id)
    if row is None or row.status not in KEPT:
        raise NotFound(f"evidence {evidence_id} not found", code="evidence_not_found")
    if not rules.may_view(actor, row.owner_id, row.viewers, row.review, row.agency_id,
                          store.review_scope):
        # the same answer as for evidence that does not exist
        raise NotFound(f"evidence {evidence_id} not found", code="evidence_not_found")
    uow.session.add(EvidenceView(evidence_id=row.id, account_id=actor.account_id, viewed_at=utcnow()))
    uow.emit("evidence.viewed", dict(evidence_id=row.id, owner_id=row.owner_id,
                                     viewer_id=actor.employee_id))
    return {**as_dict(row), "url": store.backend.download_url(
        row.object_key, store.ttl, row.content_type,
        rules.content_disposition(row.content_type, row.filename))}


SHARE_DAYS = 400  # a national reviewer's link lasts over a year's assessment cycle


def share_key(db) -> bytes:
    """The one signing key, made by whichever instance needs it first (id 1: a second
    instance racing to make it fails on the key and reads the first one's)."""
    for _ in range(2):
        with db.session() as s:
            row = s.get(ShareKey, 1)
            if row is not None:
                return bytes.fromhex(row.secret)
        try:
            with db.unit_of_work() as uow:
                uow.session.add(ShareKey(id=1, secret=os.urandom(32).hex(), created_at=utcnow()))
        except IntegrityError:
            continue
    with db.session() as s:
        return bytes.fromhex(s.get(ShareKey, 1).secret)


def share_links(s, store, key: bytes, actor: Actor, evidence_ids, today: dt.date) -> dict:
    """A long-lived link's token per piece of evidence the actor may share: kept and on a
    report (linked); others are left out, as if they did not exist."""
    until = today + dt.timedelta(days=SHARE_DAYS)
    out = {}
    for row in s.scalars(select(Evidence).where(Evidence.id.in_(list(evidence_ids)[:5000]))):
        shareable = row.status == "linked" and row.revoked_at is None
        if shareable and rules.may_share(actor, row.owner_id, row.viewers, row.review, row.agency_id,
                                         store.review_scope):
            out[row.id] = {"token": rules.share_token(key, row.id, until), "until": until.isoformat()}
    return out


def open_shared(uow, store, key: bytes, token: str, today: dt.date) -> dict:
    """A fresh short-lived download URL for a valid shared link; every opening is logged."""
    evidence_id = rules.shared_evidence_id(key, token, today)
    row = uow.session.get(Evidence, evidence_id) if evidence_id else None
    if row is None or row.status != "linked" or row.revoked_at is not None:
        raise NotFound("this evidence link is not valid", code="evidence_link_invalid")
    until = dt.datetime.strptime(token.split(".")[1], "%Y%m%d").date()
    uow.session.add(EvidenceView(evidence_id=row.id, account_id=0, viewed_at=utcnow(),
                                 via_link_until=until))
    return {"url": store.backend.download_url(
        row.object_key, store.ttl, row.content_type,
        rules.content_disposition(row.content_type, row.filename))}


def thumbnail_urls(s, store, actor: Actor, evidence_ids) -> dict:
    out = {}
    for row in s.scalars(select(Evidence).where(Evidence.id.in_(list(evidence_ids)[:500]))):
        if row.thumbnail_key and rules.may_view(actor, row.owner_id, row.viewers, row.review,
                                                row.agency_id, store.review_scope):
            out[row.id] = {"url": store.backend.download_url(row.thumbnail_key, store.ttl,
                                                             "image/jpeg", "inline"),
                           "content_type": row.content_type,
                           "captured_at": row.captured_at.isoformat() if row.captured_at else None,
                           "gps": [row.gps_lat, row.gps_lon] if row.gps_lat is not None else None}
    return out


def verify(backend, row: Evidence) -> dict:
    chunks = backend.read(row.object_key)
    if chunks is None:
        return {"evidence_id": row.id, "ok": False, "found": "missing"}
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    ok = digest.hexdigest() == row.sha256
    return {"evidence_id": row.id, "ok": ok, "found": None if ok else "altered",
            "sha256": digest.hexdigest()}


def purge(db, store, now: dt.datetime) -> int:
    cutoff = now - dt.timedelta(days=store.staging_days)
    with db.session() as s:
        stale = list(s.scalars(select(Evidence).where(Evidence.status.in_(UNLINKED),
                                                      Evidence.created_at < cutoff).limit(1000)))
    for row in stale:
        store.backend.delete(row.object_key)
        if row.thumbnail_key:
            store.backend.delete(row.thumbnail_key)
        with db.unit_of_work() as uow:
            current = uow.session.get(Evidence, row.id)
            if current is not None and current.status in UNLINKED:
                uow.session.delete(current)
                uow.session.query(PhotoPrint).filter(PhotoPrint.evidence_id == row.id).delete()
                uow.emit("evidence.expired", dict(evidence_id=row.id, owner_id=row.owner_id))
    return len(stale)


def audit(db, store) -> dict:
    with db.session() as s:
        sample = list(s.scalars(select(Evidence).where(Evidence.status == "linked")
                                .order_by(func.random()).limit(store.audit_sample)))
    failed = 0
    for row in sample:
        result = verify(store.backend, row)
        if not result["ok"]:
            failed += 1
            with db.unit_of_work() as uow:
                uow.emit("evidence.integrity_failed", dict(
                    evidence_id=row.id, report_id=row.report_id, expected_sha256=row.sha256,
                    found=result["found"]))
    return {"checked": len(sample), "failed": failed}


def as_dict(ev: Evidence) -> dict:
    return {"id": ev.id, "owner_id": ev.owner_id, "filename": ev.filename,
            "content_type": ev.content_type, "size": ev.size, "sha256": ev.sha256,
            "status": ev.status, "report_id": ev.report_id,
            "checked": ev.checked_at is not None, "problem": ev.problem,
            "captured_at": ev.captured_at.isoformat() if ev.captured_at else None,
            "gps": [ev.gps_lat, ev.gps_lon] if ev.gps_lat is not None else None,
            # deprecated (2026-12): another's reuse is the integrity checks' to flag, to the
            # approvers only; never told to the uploader, whatever an old row says
            "reused_by_other": False,
            "locked_until": ev.locked_until.isoformat() if ev.locked_until else None}
