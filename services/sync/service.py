"""The sync adapter: a subscriber that pushes approved work (BKN's Progres Harian) and
evaluations (SIASN) to a configurable national endpoint, once each (national.py), and
each day compares what we hold with what the national side lists (rules.reconcile).
Off unless SYNC_NATIONAL_URL is set: then it hears events and does nothing with them."""
import datetime as dt
import logging

from nameko.dependency_providers import Config
from sqlalchemy import func, select, text, update

from ekinerja_contract import clock, events
from ekinerja_contract import config as config_module
from ekinerja_contract.errors import Forbidden, InvalidInput
from ekinerja_contract.nameko_ext import (
    RETRY_DELAYS,
    Database,
    Metrics,
    ServiceRpc,
    event_handler,
    rpc,
    timer,
)
from ekinerja_contract.schemas import SYSTEM_ACTOR, Actor
from ekinerja_contract.services import Reporting, Scoring
from ekinerja_contract.sheets import download

from . import national, reconciliation, rules
from .models import Base, Reconciliation, SyncItem

log = logging.getLogger(__name__)
PUSH_LEASE = dt.timedelta(seconds=30)  # longer than a push may take (national.TIMEOUT)


OWED = ("pending", "sending", "failed")  # states whose version is still to reach the national side
STALE = dt.timedelta(minutes=30)  # owed this long with no push under way: its message was lost


class PushBusy(Exception):
    """Another worker is pushing this item now: this copy of its message comes back
    later (the handler's retry) and finds it done."""


class NotReady(Exception):
    """The item cannot be pushed yet: its payload is not there (reporting has not applied
    the approval yet: retried), or cannot be right until an operator acts (`final`)."""

    def __init__(self, message: str, problem: str, final: bool = False):
        super().__init__(message)
        self.problem, self.final = problem, final


def _city_admin(actor) -> Actor:
    actor = Actor.model_validate(actor)
    if not actor.has("city_admin"):
        raise Forbidden("city admins only", code="admins_only")
    return actor


def _day(value) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput("a day is YYYY-MM-DD", [{"field": "day", "reason": str(value)[:40]}],
                           code="date_format") from None


class SyncService:
    name = "sync"
    db = Database(Base.metadata)
    metrics = Metrics()
    config = Config()
    reporting: Reporting = ServiceRpc(Reporting)  # the approved reports, as national items
    scoring: Scoring = ServiceRpc(Scoring)  # the evaluations, in SIASN's shape

    @property
    def settings(self) -> dict:
        return dict(self.config.get("SYNC") or {})

    @property
    def national(self) -> national.National | None:
        url = str(self.settings.get("NATIONAL_URL") or "")
        if not url:
            return None
        return national.National(url, str(self.settings.get("NATIONAL_TOKEN") or ""))

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True, "enabled": self.national is not None}

    # --- what is owed: from the events --------------------------------------------------
    def _owe(self, body, item):
        """Record (or change) the item an event makes owed, and tell the pusher; nothing
        while the adapter is off."""
        if self.national is None:
            return
        self.db.consume(body, lambda uow, env: _owe(uow, env, *item(events.parse(env))))

    @event_handler("approval", "approval.approved")
    def on_approved(self, body):
        self._owe(body, lambda e: _progress(e, "upsert"))

    @event_handler("approval", "approval.dispute_upheld")
    def on_dispute_upheld(self, body):
        self._owe(body, lambda e: _progress(e, "upsert"))

    @event_handler("approval", "approval.approval_revoked")
    def on_approval_revoked(self, body):
        self._owe(body, lambda e: _progress(e, "delete"))

    @event_handler("scoring", "appraisal.predikat_set")
    def on_predikat_set(self, body):
        self._owe(body, lambda e: _evaluation(e, 1, 12))

    @event_handler("scoring", "appraisal.periodic_set")
    def on_periodic_set(self, body):
        self._owe(body, lambda e: _evaluation(e, e.month_from, e.month_to))

    # --- the pusher: one item at a time, once per version ------------------------------
    @event_handler("sync", "sync.due")
    def push(self, body):
        """Push one item once. Its row is claimed first (a compare-and-set with a lease):
        a second copy of the message finds it done and does nothing, or being pushed and
        waits (raises: the handler brings it back), or its lease run out (the pusher died)
        and pushes it. The Idempotency-Key is the item's key and version, so a push whose
        answer was lost is the same request again. Down or busy: recorded and raised, the
        handler retries (RETRY_DELAYS) and then dead-letters it, and the item is `failed`.
        Refused (the payload is wrong): recorded, not retried."""
        due = events.parse_body(body)
        assert isinstance(due, events.SyncDue)
        client = self.national
        if client is None:
            return
        now = clock.now()
        with self.db.unit_of_work() as uow:
            s = uow.session
            # One push of an item at a time, whatever its version: a change made while a
            # push is out (a revoke during the approval's push) waits until it is answered,
            # so it knows the national id and goes after it, never beside it.
            claimed = s.execute(update(SyncItem).where(
                SyncItem.id == due.item_id, SyncItem.version == due.version,
                SyncItem.state.in_(("pending", "failed", "sending")),
                SyncItem.claimed_at.is_(None) | (SyncItem.claimed_at < now - PUSH_LEASE))
                .values(state="sending", claimed_at=now)).rowcount
            item = s.get(SyncItem, due.item_id)
            if not claimed:
                if item is not None and item.version == due.version and item.state in OWED:
                    raise PushBusy(f"item {item.key} is being pushed by another worker")
                return  # done, changed since (its newer version has its own message), or unknown
            kind, action, ref, day = item.kind, item.action, dict(item.ref), item.day
            national_id, idempotency = item.national_id, f"{item.key}.{item.version}"
            key = item.key
        try:
            if action == "delete":
                national_id = national_id or client.find(kind, key, day)  # an answer lost before
                if national_id is not None:
                    client.delete(kind, national_id, idempotency)
                return self._done(due, None, deleted=True)
            payload = self._payload(kind, ref)
            national_id = client.push(kind, payload, idempotency)
        except NotReady as error:
            self._failed(due, str(error), error.problem, final=error.final)
            if not error.final:
                raise
            return None
        except national.NationalError as error:
            problem = "refused" if not error.retry else ("unreachable" if error.status is None else "busy")
            self._failed(due, str(error), problem, refused=not error.retry)
            if error.retry:
                raise
            return None
        except Exception as error:  # reporting or scoring away, or a bug: counted the same
            self._failed(due, f"{type(error).__name__}: {error}"[:500], "internal")
            raise
        return self._done(due, national_id)

    def _payload(self, kind: str, ref: dict) -> dict:
        if kind == rules.PROGRESS:
            items = self.reporting.progress_items([ref["report_id"]])
            if not items:  # reporting has not applied the approval yet (its own queue)
                raise NotReady(f"report {ref['report_id']} is not approved in reporting yet", "not_ready")
            item = {k: v for k, v in items[0].items() if k not in ("report_id", "employee_id")}
            if item.get("buktiDukung") and not str(item["buktiDukung"]).startswith(("http://", "https://")):
                raise NotReady("EKINERJA_PUBLIC_URL is not set: the evidence link has no address",
                               "no_public_url", final=True)
            return item
        found = self.scoring.siasn_evaluations(SYSTEM_ACTOR, ref["year"], None, ref["employee_id"],
                                               [ref["month_from"], ref["month_to"]])
        listed = found["tahunan" if kind == rules.YEARLY else "periodik"]
        if not listed:
            raise NotReady(f"scoring has no evaluation {ref}", "not_ready")
        return listed[0]

    def _done(self, due: events.SyncDue, national_id: str | None, deleted: bool = False) -> None:
        with self.db.unit_of_work() as uow:
            row = uow.session.get(SyncItem, due.item_id, with_for_update=True)
            row.claimed_at = None  # the push is answered: the next version may go
            if row.version != due.version:  # changed while we pushed: its own message follows,
                if national_id and not deleted:  # and must know what the national side now holds
                    row.national_id = national_id
                return
            row.state, row.national_id = ("deleted" if deleted else "acknowledged"), national_id
            row.attempts, row.last_error, row.problem = row.attempts + 1, None, None
            row.acknowledged_at = row.updated_at = clock.now()
            uow.emit("sync.acknowledged", {"item_id": row.id, "key": row.key, "kind": row.kind,
                                           "national_id": national_id, "deleted": deleted})

    def _failed(self, due: events.SyncDue, reason: str, problem: str, refused: bool = False,
                final: bool = False) -> None:
        """Record a failed attempt: refused (not retried), or failed after the handler's
        last retry (`final`: at once, when retrying cannot help), else pending again."""
        with self.db.unit_of_work() as uow:
            row = uow.session.get(SyncItem, due.item_id, with_for_update=True)
            row.claimed_at = None
            if row.version != due.version:
                return
            row.attempts, row.last_error, row.updated_at = row.attempts + 1, reason[:500], clock.now()
            row.problem = problem
            facts = {"item_id": row.id, "key": row.key, "kind": row.kind}
            if refused:
                row.state = "refused"
                uow.emit("sync.refused", facts | {"reason": row.last_error})
                return
            last = final or row.attempts > len(RETRY_DELAYS)  # the handler's last try: next, the DLQ
            row.state = "failed" if last else "pending"
            if last:
                uow.emit("sync.failed", facts | {"attempts": row.attempts, "reason": row.last_error})

    # --- the day's reconciliation -----------------------------------------------------
    @timer("SYNC.TICK_SECONDS", 300)
    def tick(self):
        """Owe again what waited too long (its message lost); and once a day from
        RECONCILE_HOUR (city time) reconcile the last RECONCILE_DAYS days, by one instance."""
        if self.national is None:
            return
        with self.db.unit_of_work() as uow:
            resent = reconciliation.resend_stale(uow, clock.now() - STALE, clock.now() - PUSH_LEASE)
        if resent:
            log.warning("%d sync items waited over %s with no push: owed again", resent, STALE)
        if clock.local_now().hour < int(self.settings.get("RECONCILE_HOUR", 2)):
            return
        with self.db.unit_of_work() as uow:
            if not reconciliation.claim_day(uow, clock.today()):
                return  # done today, or another instance is on it
        days = int(self.settings.get("RECONCILE_DAYS", 35))
        for back in range(days, 0, -1):  # reports are approved days after their date
            day = clock.today() - dt.timedelta(days=back)
            try:
                self.reconcile_day(day)
            except Exception:  # reporting away: tomorrow's run covers the day again
                log.warning("reconciliation of %s not done this time", day, exc_info=True)

    def reconcile_day(self, day: dt.date) -> dict:
        """Compare, keep the result, and owe again what is missing: items never made (the
        adapter was off, or an event went to the dead-letter queue) and failed ones."""
        held = self.reporting.approved_on(day.isoformat())
        client = self.national
        theirs, error = None, None
        if client is not None:
            try:
                theirs = client.listed(day)
            except national.NationalError as failure:
                error = str(failure)[:500]
        with self.db.unit_of_work() as uow:
            result = reconciliation.run(uow, day, held, theirs, error, owe_missing=client is not None)
        return result

    @rpc
    def status(self, actor):
        """For the admin page: on or off, where to, and the items by state."""
        _city_admin(actor)
        client = self.national
        with self.db.session() as s:
            counts = dict(s.execute(select(SyncItem.state, func.count()).group_by(SyncItem.state)).all())
            stuck = [reconciliation.item_dict(i) for i in s.scalars(
                select(SyncItem).where(SyncItem.state.in_(("failed", "refused")))
                .order_by(SyncItem.updated_at.desc()).limit(50))]
        return {"enabled": client is not None, "endpoint": client.base if client else None,
                "links": config_module.public_url() is not None, "counts": counts, "stuck": stuck}

    @rpc
    def reconciliation(self, actor, day):
        """A day's reconciliation as last run (None: not yet)."""
        _city_admin(actor)
        with self.db.session() as s:
            run = s.get(Reconciliation, _day(day))
            return reconciliation.as_dict(run) if run else None

    @rpc
    def reconcile(self, actor, day):
        """Run a day's reconciliation now (and owe again what is missing)."""
        _city_admin(actor)
        return self.reconcile_day(_day(day))

    @rpc
    def resend_failed(self, actor):
        """Owe again every item whose last retry failed or that was refused (after the
        national side or the payload was fixed): each gets a new version, so a fresh push."""
        _city_admin(actor)
        with self.db.unit_of_work() as uow:
            return {"resent": reconciliation.resend(uow, ("failed", "refused"))}

    @rpc
    def reconciliation_export(self, actor, day, fmt="csv"):
        """A day's differences per person, for the national side's help desk."""
        _city_admin(actor)
        on = _day(day)
        with self.db.session() as s:
            run = s.get(Reconciliation, on)
            rows = reconciliation.rows(run)
        name = f"rekonsiliasi-nasional-{on.isoformat()}"
        return download(fmt, name, lambda: reconciliation.to_csv(rows),
                        lambda: reconciliation.to_xlsx(rows, on))


def _progress(e, action: str):
    """A report's item: held there once approved, removed once the approval is revoked."""
    return (rules.PROGRESS, rules.progress_key(e.report_id), action, {"report_id": e.report_id},
            e.employee_id, e.date)


def _evaluation(e, month_from: int, month_to: int):
    return (rules.evaluation_kind(month_from, month_to),
            rules.evaluation_key(e.employee_id, e.year, month_from, month_to), "upsert",
            {"employee_id": e.employee_id, "year": e.year, "month_from": month_from,
             "month_to": month_to}, e.employee_id, None)


def _owe(uow, env, kind, key, action, ref, employee_id, day) -> None:
    """The item for `key`, changed to what this event says, unless a later event already
    changed it (events of one item come on different queues, so out of order)."""
    s = uow.session
    item = s.scalar(select(SyncItem).where(SyncItem.key == key).with_for_update())
    if item is not None and clock.as_utc(item.changed_at) > clock.as_utc(env.time):
        return
    reconciliation.owe(uow, item, kind, key, action, ref, employee_id, day, env.id, env.time)
