"""Evidence service: entrypoints only; rules in rules.py, bytes in backends.py,
use cases in evidence.py."""
from nameko.extensions import DependencyProvider
from nameko.web.handlers import http
from sqlalchemy import text
from werkzeug.wrappers import Response

from ekinerja_contract import config
from ekinerja_contract.envelope import utcnow
from ekinerja_contract.errors import Forbidden, NotFound
from ekinerja_contract.events import parse, parse_body
from ekinerja_contract.nameko_ext import Database, Metrics, event_handler, rpc, timer
from ekinerja_contract.schemas import Actor

from . import backends, evidence, rules
from .models import Base


class ObjectStore(DependencyProvider):
    """The configured backend and its numbers; the bucket (or folder) is created before
    any entrypoint runs (in setup: nameko starts extensions concurrently)."""

    def setup(self):
        cfg = dict(self.container.config.get("EVIDENCE") or {})
        # a connection to the store for each worker that may wait on it
        self.backend = backends.from_config(cfg, config.data_dir(),
                                            int(self.container.config.get("max_workers") or 10))
        self.max_bytes = int(cfg.get("MAX_BYTES") or 10 * 1024 * 1024)
        self.ttl = int(cfg.get("URL_TTL_SECONDS") or 300)
        self.retention_days = int(cfg.get("RETENTION_DAYS") or 1826)
        self.staging_days = int(cfg.get("STAGING_DAYS") or 7)
        self.audit_sample = int(cfg.get("AUDIT_SAMPLE") or 20)
        self.max_pixels = int(cfg.get("MAX_PIXELS") or rules.MAX_PIXELS)
        self.max_decode_bytes = int(cfg.get("MAX_DECODE_BYTES") or rules.MAX_DECODE_BYTES)
        self.review_scope = str(cfg.get("REVIEW_SCOPE") or "agency")
        self.backfill = evidence.Backfill()  # this process's progress through old photos
        self.backend.ensure_bucket()

    def get_dependency(self, worker_ctx):
        return self


class EvidenceService:
    name = "evidence"
    db = Database(Base.metadata)
    metrics = Metrics()
    store = ObjectStore()

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True, "backend": type(self.store.backend).__name__}

    # --- upload -----------------------------------------------------------------------
    @rpc
    def create_upload(self, actor, filename, content_type, size, idempotency_key=None,
                      sha256=None):
        """Announce an upload: returns the evidence id, a short-lived PUT URL and the
        headers the PUT must carry. With the uploader's SHA-256 the store checks the bytes
        against it as they arrive."""
        actor = _employee(actor)
        return self.db.once(idempotency_key, f"{actor.account_id}:upload", lambda uow:
                            evidence.create_upload(uow, self.store, actor, filename,
                                                   content_type, size, sha256))

    @rpc
    def confirm_upload(self, actor, evidence_id, sha256=None):
        """Check what landed (size, SHA-256, type by magic bytes, the image's header; a PDF
        whole) and keep it, or remove it and say why. The photo is decoded apart (check)."""
        return evidence.confirm(self.db, self.store, _employee(actor), evidence_id, sha256)

    @rpc
    def checked_facts(self, evidence_id):
        """For reporting, about evidence it has not yet heard was checked: who owns it, its
        hash and state, after the full check (done now if the handler below has not yet)."""
        return evidence.check(self.db, self.store, evidence_id)

    @event_handler("evidence", "evidence.stored")
    def on_stored(self, body):
        """The full check of each upload, off its request (idempotent: a checked one is
        left as it is; one removed meanwhile has nothing left to check)."""
        try:
            evidence.check(self.db, self.store, parse_body(body).evidence_id)
        except NotFound:
            return

    # --- reading ---------------------------------------------------------------------------
    @rpc
    def describe(self, evidence_id):
        """For other services: who owns it, its hash and state."""
        with self.db.session() as s:
            return evidence.as_dict(evidence.get(s, evidence_id))

    @rpc
    def view(self, actor, evidence_id):
        """A short-lived download URL for someone allowed to see it; every view is logged."""
        with self.db.unit_of_work() as uow:
            return evidence.view(uow, self.store, Actor.model_validate(actor), evidence_id)

    @rpc
    def share_links(self, actor, evidence_ids):
        """Links a national reviewer opens without an account (Progres Harian), valid
        SHARE_DAYS: {evidence_id: {token, until}} for what the caller may share."""
        actor = Actor.model_validate(actor)
        key = evidence.share_key(self.db)
        with self.db.session() as s:
            return evidence.share_links(s, self.store, key, actor, evidence_ids, config.today())

    @rpc
    def open_shared(self, token):
        """A shared link opened: a fresh short-lived URL; every opening is logged."""
        key = evidence.share_key(self.db)
        with self.db.unit_of_work() as uow:
            return evidence.open_shared(uow, self.store, key, str(token), config.today())

    @rpc
    def thumbnail_urls(self, actor, evidence_ids):
        """Thumbnails for an approval inbox: only those the caller may see."""
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            return evidence.thumbnail_urls(s, self.store, actor, evidence_ids)

    @rpc
    def verify(self, actor, evidence_id):
        """Re-read an object and compare its SHA-256 with the recorded one."""
        actor = Actor.model_validate(actor)
        if not actor.has("review_team", "city_admin"):
            raise Forbidden("auditors only", code="evidence_auditors_only")
        with self.db.session() as s:
            row = evidence.get(s, evidence_id)
        return evidence.verify(self.store.backend, row)

    # --- what other services tell ------------------------------------------------------------
    @event_handler("reporting", "report.submitted")
    def on_report_submitted(self, body):
        report = parse_body(body)
        if not report.evidence_id:
            return  # nothing of ours to link: no state, no inbox row needed
        # the approver first (one UPDATE): their inbox may list the task before the lock
        # (a copy, a retention, a delete in the store) is done
        row = evidence.let_approver_see(self.db, report.evidence_id, report.approver_id)
        evidence.lock_before_link(self.db, self.store, report.evidence_id, row)
        self.db.consume(body, lambda uow, env: evidence.link(uow, self.store, env))

    @event_handler("approval", "approval.task_escalated")
    def on_task_escalated(self, body):
        self.db.consume(body, lambda uow, env: evidence.add_viewer(
            uow, parse(env).report_id, parse(env).escalated_to))

    @event_handler("approval", "approval.dispute_filed")
    def on_dispute_filed(self, body):
        self.db.consume(body, lambda uow, env: evidence.open_to_review(
            uow, parse(env).report_id, "disputed"))

    @event_handler("approval", "approval.approved")
    def on_approved(self, body):
        self.db.consume(body, lambda uow, env: evidence.open_to_review(
            uow, parse(env).report_id, "approved"))

    @event_handler("approval", "approval.approval_revoked")
    def on_approval_revoked(self, body):
        self.db.consume(body, lambda uow, env: evidence.revoke_links(uow, parse(env).report_id))

    @event_handler("approval", "approval.task_rerouted")
    def on_task_rerouted(self, body):
        self.db.consume(body, lambda uow, env: evidence.add_viewer(
            uow, parse(env).report_id, parse(env).approver_id))

    # --- housekeeping --------------------------------------------------------------------------
    @timer("EVIDENCE.PURGE_SECONDS", 3600)
    def purge_staging(self):
        """Uploads never linked to a submitted report in time are removed."""
        return evidence.purge(self.db, self.store, utcnow())

    @timer("EVIDENCE.AUDIT_SECONDS", 3600)
    def audit_sample(self):
        """Re-read a random sample of locked evidence; publish what is missing or altered."""
        return evidence.audit(self.db, self.store)

    @timer("EVIDENCE.BACKFILL_SECONDS", 300)
    def backfill_fingerprints(self):
        """Photos kept before the near-duplicate fingerprints existed get theirs, a batch
        at a time, from their thumbnails (until none is left)."""
        return evidence.backfill_fingerprints(self.db, self.store, self.store.backfill)

    @rpc
    def run_housekeeping(self):
        """Both timers' work now (operations), by the city's clock: nothing on the bus
        can tell evidence another time."""
        return {"purged": evidence.purge(self.db, self.store, utcnow()),
                "audit": evidence.audit(self.db, self.store),
                "fingerprinted": evidence.backfill_fingerprints(self.db, self.store, self.store.backfill)}

    # --- the local backend's signed URLs ---------------------------------------------------------
    @http("PUT", "/uploads/<path:key>")
    def receive_upload(self, request, key):
        local = self.store.backend
        sha256 = request.args.get("sha256") or ""
        if not isinstance(local, backends.LocalBackend) or not local.valid(
                "PUT", key, request.args.get("expires"), request.args.get("signature"),
                sha256=sha256):
            return 403, "invalid or expired upload URL"
        length = request.content_length
        if length is None:
            return 411, "Content-Length required"
        try:
            local.receive(key, request.stream, length, self.store.max_bytes, sha256 or None)
        except backends.ChecksumMismatch as exc:
            return 400, f"{exc.CODE}: {exc}"
        except ValueError as exc:
            return 400, str(exc)
        return 200, ""

    @http("GET", "/files/<path:key>")
    def serve_file(self, request, key):
        """The bytes with the type and disposition the signed URL names (as S3's presigned
        GET does), never sniffed by the browser and never run as a page (CSP)."""
        local = self.store.backend
        served = {name: request.args.get(f"response-{name}") for name in backends.SERVED_HEADERS}
        if not isinstance(local, backends.LocalBackend) or not local.valid(
                "GET", key, request.args.get("expires"), request.args.get("signature"),
                backends.served_as(served)):
            return _plain(403, "invalid or expired URL")
        chunks = local.read(key)
        if chunks is None:
            return _plain(404, "not found")
        return Response(chunks, headers={
            **rules.HARDENING_HEADERS,
            # a URL signed before the type travelled in it: bytes to save, not to show
            "Content-Type": served["content-type"] or "application/octet-stream",
            "Content-Disposition": served["content-disposition"] or "attachment"})


def _plain(status: int, text: str) -> Response:
    return Response(text, status=status, mimetype="text/plain", headers=rules.HARDENING_HEADERS)


def _employee(actor) -> Actor:
    actor = Actor.model_validate(actor)
    if actor.employee_id is None:
        raise Forbidden("only employees upload evidence", code="evidence_employees_only")
    return actor

