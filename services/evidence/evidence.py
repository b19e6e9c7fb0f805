"""Evidence use cases: announce and confirm an upload, lock on link, show, verify,
purge unlinked uploads, audit a sample."""
import datetime as dt
import hashlib
import logging
import tempfile
import uuid
from typing import cast

from sqlalchemy import func, select

from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import InvalidInput, NotFound, ServiceError
from ekinerja_contract.events import ReportSubmitted, parse
from ekinerja_contract.schemas import Actor

from . import backends, rules
from .models import Evidence, EvidenceView

log = logging.getLogger(__name__)
KEPT = ("stored", "linked")


def get(s, evidence_id: str) -> Evidence:
    row = s.get(Evidence, evidence_id)
    if row is None:
        raise NotFound(f"evidence {evidence_id} not found", code="evidence_not_found")
    return row


def create_upload(uow, store, actor: Actor, filename, content_type, size) -> dict:
    filename = rules.check_filename(filename)
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise InvalidInput("size must be a number of bytes",
                           [{"field": "size", "reason": str(size)}],
                           code="evidence_size_invalid") from None
    rules.check_declared(size, content_type, store.max_bytes)
    evidence_id, key = str(uuid.uuid4()), backends.new_key()
    uow.session.add(Evidence(id=evidence_id, owner_id=actor.employee_id, object_key=key,
                             filename=filename, content_type=content_type, size=size,
                             status="pending", viewers=[], created_at=utcnow()))
    return {"evidence_id": evidence_id, "max_bytes": store.max_bytes,
            "upload_url": store.backend.upload_url(key, store.ttl)}


def _read_landed(backend, row: Evidence, claimed_sha256, max_bytes):
    """Stream what landed: SHA-256, first bytes, and a spooled copy for Pillow."""
    chunks = backend.read(row.object_key)
    if chunks is None:
        raise InvalidInput("nothing was uploaded", [{"field": "file", "reason": "missing"}],
                           code="evidence_not_uploaded")
    digest, head, total = hashlib.sha256(), b"", 0
    spool = tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024)
    for chunk in chunks:
        if len(head) < rules.SNIFF_BYTES:
            head += chunk[:rules.SNIFF_BYTES - len(head)]
        digest.update(chunk)
        total += len(chunk)
        if total > max_bytes:
            break
        spool.write(chunk)
    real_type = rules.check_stored(head, total, digest.hexdigest(), row.size, claimed_sha256,
                                   max_bytes)
    spool.seek(0)
    return real_type, digest.hexdigest(), total, spool


def confirm(db, store, actor: Actor, evidence_id: str, claimed_sha256) -> dict:
    with db.session() as s:
        row = s.get(Evidence, evidence_id)
    if row is None or row.owner_id != actor.employee_id:
        raise NotFound("no such upload", code="upload_not_found")
    if row.status != "pending":
        return as_dict(row)
    facts = {}
    try:
        real_type, digest, size, spool = _read_landed(store.backend, row, claimed_sha256,
                                                      store.max_bytes)
        with spool:
            if real_type.startswith("image/"):
                facts = rules.photo_facts(spool, store.max_pixels, store.max_decode_bytes)
                if facts.get("no_thumbnail"):
                    log.info("evidence %s kept without a thumbnail: %s", evidence_id,
                             facts["no_thumbnail"])
            elif real_type == "application/pdf":
                rules.check_pdf(spool.read())  # at most max_bytes
    except ServiceError:
        _discard(db, store, row)
        raise
    with db.unit_of_work() as uow:
        s = uow.session
        mine = s.scalar(select(Evidence).where(Evidence.owner_id == row.owner_id,
                                               Evidence.sha256 == digest,
                                               Evidence.status.in_(KEPT)).limit(1))
        if mine is not None:  # the same bytes again: the existing record, flagged
            s.delete(s.get(Evidence, evidence_id))
            duplicate = as_dict(mine)
        else:
            others = list(s.scalars(select(Evidence).where(Evidence.sha256 == digest,
                                                           Evidence.owner_id != row.owner_id,
                                                           Evidence.status.in_(KEPT))))
            current = s.get(Evidence, evidence_id)
            current.status, current.sha256, current.size = "stored", digest, size
            current.content_type, current.stored_at = real_type, utcnow()
            current.captured_at, current.gps_lat, current.gps_lon = (
                facts.get("captured_at"), facts.get("gps_lat"), facts.get("gps_lon"))
            if facts.get("thumbnail"):
                current.thumbnail_key = f"thumbs/{evidence_id}.jpg"
            if others:
                current.reused_by_other = True
                for other in others:
                    other.reused_by_other = True
                uow.emit("evidence.reuse_detected", dict(
                    sha256=digest, evidence_ids=[current.id] + [o.id for o in others],
                    owner_ids=sorted({current.owner_id} | {o.owner_id for o in others})))
            uow.emit("evidence.stored", dict(evidence_id=current.id, owner_id=current.owner_id,
                                             sha256=digest, size=size, content_type=real_type))
            duplicate = None
            result = as_dict(current)
    if duplicate is not None:
        store.backend.delete(row.object_key)
        return {**duplicate, "duplicate": True}
    if facts.get("thumbnail"):
        store.backend.put_bytes(f"thumbs/{evidence_id}.jpg", facts["thumbnail"], "image/jpeg")
    return result


def _discard(db, store, row: Evidence) -> None:
    """A refused upload leaves nothing behind: neither bytes nor record."""
    store.backend.delete(row.object_key)
    with db.unit_of_work() as uow:
        current = uow.session.get(Evidence, row.id)
        if current is not None:
            uow.session.delete(current)


def lock_before_link(db, store, evidence_id: str) -> None:
    """Move the staging object under lock before the link commits (idempotent: a crash
    in between is finished by the redelivery)."""
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
    return {**as_dict(row), "url": store.backend.download_url(
        row.object_key, store.ttl, row.content_type,
        rules.content_disposition(row.content_type, row.filename))}


def thumbnail_urls(s, store, actor: Actor, evidence_ids) -> dict:
    out = {}
    for row in s.scalars(select(Evidence).where(Evidence.id.in_(list(evidence_ids)[:500]))):
        if row.thumbnail_key and rules.may_view(actor, row.owner_id, row.viewers, row.review,
                                                row.agency_id, store.review_scope):
            out[row.id] = {"url": store.backend.download_url(row.thumbnail_key, store.ttl,
                                                             "image/jpeg", "inline"),
                           "reused": row.reused_by_other, "content_type": row.content_type,
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
        stale = list(s.scalars(select(Evidence).where(Evidence.status.in_(("pending", "stored")),
                                                      Evidence.created_at < cutoff).limit(1000)))
    for row in stale:
        store.backend.delete(row.object_key)
        if row.thumbnail_key:
            store.backend.delete(row.thumbnail_key)
        with db.unit_of_work() as uow:
            current = uow.session.get(Evidence, row.id)
            if current is not None and current.status in ("pending", "stored"):
                uow.session.delete(current)
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
            "captured_at": ev.captured_at.isoformat() if ev.captured_at else None,
            "gps": [ev.gps_lat, ev.gps_lon] if ev.gps_lat is not None else None,
            "reused_by_other": bool(ev.reused_by_other),
            "locked_until": ev.locked_until.isoformat() if ev.locked_until else None}
