"""Evidence service: entrypoints only; rules in rules.py, bytes in backends.py."""
import hashlib
import uuid

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc
from nameko.web.handlers import http
from sqlalchemy import select, text
from werkzeug.wrappers import Response

from ekinerja_contract import config
from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Forbidden, InvalidInput, NotFound, ServiceError
from ekinerja_contract.events import parse
from ekinerja_contract.nameko_ext import Database, event_handler
from ekinerja_contract.schemas import Actor

from . import backends, rules
from .models import Base, Evidence, EvidenceView


class ObjectStore(DependencyProvider):
    """The configured backend; the bucket (or folder) is created before any entrypoint runs."""

    def setup(self):
        self.settings = dict(self.container.config.get("EVIDENCE") or {})
        self.backend = backends.from_config(self.settings, config.data_dir())
        self.max_bytes = int(self.settings.get("MAX_BYTES") or 10 * 1024 * 1024)
        self.ttl = int(self.settings.get("URL_TTL_SECONDS") or 300)
        # In setup, not start: nameko starts extensions concurrently, so an RPC
        # could otherwise be served before the bucket exists.
        self.backend.ensure_bucket()

    def get_dependency(self, worker_ctx):
        return self


class EvidenceService:
    name = "evidence"
    db = Database(Base.metadata)
    store = ObjectStore()

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True,
                "backend": type(self.store.backend).__name__}

    @rpc
    def create_upload(self, actor, filename, content_type, size):
        """Announce an upload: returns the evidence id and a short-lived PUT URL."""
        actor = _employee(actor)
        filename = rules.check_filename(filename)
        rules.check_declared(int(size), content_type, self.store.max_bytes)
        evidence_id = str(uuid.uuid4())
        key = backends.new_key()
        with self.db.unit_of_work() as uow:
            uow.session.add(Evidence(id=evidence_id, owner_id=actor.employee_id, object_key=key,
                                     filename=filename, content_type=content_type,
                                     size=int(size), status="pending", created_at=utcnow()))
        return {"evidence_id": evidence_id, "max_bytes": self.store.max_bytes,
                "upload_url": self.store.backend.upload_url(key, self.store.ttl)}

    @rpc
    def confirm_upload(self, actor, evidence_id, sha256=None):
        """Check what landed (size, SHA-256, type by magic bytes) and keep it or drop it."""
        actor = _employee(actor)
        with self.db.session() as s:
            ev = s.get(Evidence, evidence_id)
        if ev is None or ev.owner_id != actor.employee_id:
            raise NotFound("no such upload")
        if ev.status != "pending":
            return _evidence_dict(ev)
        try:
            real_type, digest, size = self._check_landed(ev, sha256)
        except ServiceError:
            self._discard(ev)
            raise
        with self.db.unit_of_work() as uow:
            same = uow.session.scalar(select(Evidence).where(
                Evidence.owner_id == ev.owner_id, Evidence.sha256 == digest,
                Evidence.status.in_(("stored", "linked"))).limit(1))
            row = uow.session.get(Evidence, evidence_id)
            if same is not None:
                uow.session.delete(row)
            else:
                row.status, row.sha256, row.size = "stored", digest, size
                row.content_type, row.stored_at = real_type, utcnow()
                uow.emit("evidence.stored", dict(evidence_id=row.id, owner_id=row.owner_id,
                                                 sha256=digest, size=size,
                                                 content_type=real_type))
        if same is not None:
            self.store.backend.delete(ev.object_key)
            return {**_evidence_dict(same), "duplicate": True}
        return _evidence_dict(row)

    def _check_landed(self, ev, claimed_sha256):
        size = self.store.backend.size(ev.object_key)
        if size is None:
            raise InvalidInput("nothing was uploaded", [{"field": "file", "reason": "missing"}])
        digest, head, total = hashlib.sha256(), b"", 0
        for chunk in self.store.backend.read(ev.object_key):
            if len(head) < rules.SNIFF_BYTES:
                head += chunk[:rules.SNIFF_BYTES - len(head)]
            digest.update(chunk)
            total += len(chunk)
        real_type = rules.check_stored(head, total, digest.hexdigest(), ev.size,
                                       claimed_sha256, self.store.max_bytes)
        return real_type, digest.hexdigest(), total

    def _discard(self, ev):
        self.store.backend.delete(ev.object_key)
        with self.db.unit_of_work() as uow:
            row = uow.session.get(Evidence, ev.id)
            if row is not None:
                uow.session.delete(row)

    @rpc
    def describe(self, evidence_id):
        """For other services: who owns it, its hash and state."""
        with self.db.session() as s:
            ev = s.get(Evidence, evidence_id)
            if ev is None:
                raise NotFound(f"evidence {evidence_id} not found")
            return _evidence_dict(ev)

    @rpc
    def view(self, actor, evidence_id):
        """A short-lived download URL for someone allowed to see it; logged."""
        actor = Actor.model_validate(actor)
        with self.db.unit_of_work() as uow:
            ev = uow.session.get(Evidence, evidence_id)
            if ev is None or ev.status not in ("stored", "linked"):
                raise NotFound(f"evidence {evidence_id} not found")
            if not rules.may_view(actor, ev.owner_id, ev.approver_id):
                raise Forbidden("you may not see this evidence")
            uow.session.add(EvidenceView(evidence_id=ev.id, account_id=actor.account_id,
                                         viewed_at=utcnow()))
            return {**_evidence_dict(ev),
                    "url": self.store.backend.download_url(ev.object_key, self.store.ttl)}

    @event_handler("reporting", "report.submitted")
    def on_report_submitted(self, body):
        self.db.consume(body, _link)

    # --- the local backend's signed URLs ------------------------------------------
    @http("PUT", "/uploads/<path:key>")
    def receive_upload(self, request, key):
        local = self.store.backend
        if not isinstance(local, backends.LocalBackend) or not local.valid(
                "PUT", key, request.args.get("expires"), request.args.get("signature")):
            return 403, "invalid or expired upload URL"
        length = request.content_length
        if length is None:
            return 411, "Content-Length required"
        try:
            local.receive(key, request.stream, length, self.store.max_bytes)
        except ValueError as exc:
            return 400, str(exc)
        return 200, ""

    @http("GET", "/files/<path:key>")
    def serve_file(self, request, key):
        local = self.store.backend
        if not isinstance(local, backends.LocalBackend) or not local.valid(
                "GET", key, request.args.get("expires"), request.args.get("signature")):
            return 403, "invalid or expired URL"
        with self.db.session() as s:
            ev = s.scalar(select(Evidence).where(Evidence.object_key == key))
        if ev is None:
            return 404, "not found"
        return Response(local.read(key), mimetype=ev.content_type)


def _link(uow, envelope):
    report = parse(envelope)
    if not report.evidence_id:
        return
    ev = uow.session.get(Evidence, report.evidence_id)
    if ev is None:
        raise NotFound(f"evidence {report.evidence_id} of report {report.report_id} not found")
    ev.status, ev.report_id, ev.approver_id = "linked", report.report_id, report.approver_id
    uow.emit("evidence.linked", dict(evidence_id=ev.id, report_id=report.report_id,
                                     owner_id=ev.owner_id))


def _employee(actor) -> Actor:
    actor = Actor.model_validate(actor)
    if actor.employee_id is None:
        raise Forbidden("only employees upload evidence")
    return actor


def _evidence_dict(ev: Evidence) -> dict:
    return {"id": ev.id, "owner_id": ev.owner_id, "filename": ev.filename,
            "content_type": ev.content_type, "size": ev.size, "sha256": ev.sha256,
            "status": ev.status, "report_id": ev.report_id}
