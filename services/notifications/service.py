"""Notifications service: each person's notices, kept from the public events
(notices.py) and the daily jobs (daily.py), shown in the pages' bell (inbox.py), and
delivered on the outside channels people chose (channels.py): one deliverer per
channel, each its own queue with bounded retries and the dead-letter queue."""
import datetime as dt
import logging

from nameko.dependency_providers import Config
from sqlalchemy import select, text, update

from ekinerja_contract import clock, events
from ekinerja_contract import config as config_module
from ekinerja_contract.errors import Forbidden
from ekinerja_contract.nameko_ext import (
    RETRY_DELAYS,
    Database,
    Metrics,
    ServiceRpc,
    event_handler,
    rpc,
    timer,
)
from ekinerja_contract.schemas import Actor, PreferencesIn
from ekinerja_contract.services import Monitoring

from . import channels, daily, inbox, notices, texts
from .models import Base, BotState, Contact, Delivery, Notification

log = logging.getLogger(__name__)
SEND_LEASE = dt.timedelta(seconds=30)  # longer than any send (channels.TIMEOUT, 10 s)


class DeliveryBusy(Exception):
    """Another worker is sending this delivery now: this copy of its message comes back
    later (the handler's retry) and finds it sent."""


def _person(actor: Actor) -> int:
    if actor.employee_id is None:
        raise Forbidden("notifications are an employee's", code="employees_only")
    return actor.employee_id


class NotificationsService:
    name = "notifications"
    db = Database(Base.metadata)
    metrics = Metrics()
    config = Config()
    monitoring: Monitoring = ServiceRpc(Monitoring)  # who has days unreported, whose work waits
    providers = channels.from_environment()  # the configured outside channels, by name
    # the site's address, for links in outside messages; without it they carry none
    public_url = config_module.public_url()

    @rpc
    def health(self):
        with self.db.session() as s:
            s.execute(text("SELECT 1"))
        return {"service": self.name, "ok": True, "channels": sorted(self.providers)}

    @property
    def configured(self) -> frozenset[str]:
        return frozenset(self.providers)

    def _consume(self, body, apply):
        self.db.consume(body, lambda uow, env: apply(uow, env, self.configured))

    # --- what happens to people --------------------------------------------------------
    @event_handler("reporting", "report.submitted")
    def on_report_submitted(self, body):
        self._consume(body, notices.report_sent)

    @event_handler("reporting", "report.resubmitted")
    def on_report_resubmitted(self, body):
        self._consume(body, notices.report_sent)

    @event_handler("scoring", "scoring.rule_set_published")
    def on_rule_set_published(self, body):
        self._consume(body, notices.rule_set)

    @event_handler("approval", "approval.approved")
    def on_approved(self, body):
        self._consume(body, notices.decided)

    @event_handler("approval", "approval.rejected")
    def on_rejected(self, body):
        self._consume(body, notices.decided)

    @event_handler("approval", "approval.revision_requested")
    def on_revision_requested(self, body):
        self._consume(body, notices.decided)

    @event_handler("approval", "approval.dispute_upheld")
    def on_dispute_upheld(self, body):
        self._consume(body, notices.dispute_decided)

    @event_handler("approval", "approval.dispute_dismissed")
    def on_dispute_dismissed(self, body):
        self._consume(body, notices.dispute_decided)

    @event_handler("approval", "approval.approval_revoked")
    def on_approval_revoked(self, body):
        self._consume(body, notices.revoked)

    @event_handler("reporting", "skp.returned")
    def on_skp_returned(self, body):
        self._consume(body, notices.skp_returned)

    @event_handler("approval", "approval.task_reminded")
    def on_task_reminded(self, body):
        self._consume(body, notices.reminded)

    @event_handler("approval", "approval.task_escalated")
    def on_task_escalated(self, body):
        self._consume(body, notices.escalated)

    @event_handler("reporting", "reporting.grace_window_opened")
    def on_grace_window_opened(self, body):
        members = self.monitoring.members(body["data"]["agency_id"])
        self._consume(body, lambda uow, env, configured: notices.grace_window(uow, env, configured, members))

    @event_handler("reporting", "reporting.grace_window_revoked")
    def on_grace_window_revoked(self, body):
        members = self.monitoring.members(body["data"]["agency_id"])
        self._consume(body, lambda uow, env, configured: notices.grace_window_revoked(
            uow, env, configured, members))

    @event_handler("scoring", "payroll.line")
    def on_payroll_line(self, body):
        self._consume(body, notices.pay_line)

    @event_handler("integrity", "integrity.flagged")
    def on_integrity_flagged(self, body):
        self._consume(body, notices.integrity_flagged)

    @event_handler("scoring", "payroll.objection_decided")
    def on_pay_objection_decided(self, body):
        self._consume(body, notices.pay_objection_decided)

    # --- the clock's work: quiet hours ending, the daily notices -----------------------
    @timer("NOTIFY.TICK_SECONDS", 30)
    def tick(self):
        self.release_waiting()
        if "telegram" in self.providers:
            self.answer_telegram()
        if clock.local_now().hour >= int(self.config.get("NOTIFY", {}).get("DIGEST_HOUR", 7)):
            self.run_daily()

    def release_waiting(self) -> int:
        """Deliveries whose quiet hours are over: each told to its channel once (a
        compare-and-set, so two instances never both announce one)."""
        with self.db.unit_of_work() as uow:
            s = uow.session
            waiting = s.execute(select(Delivery.id, Notification.kind).join(
                Notification, Notification.id == Delivery.notification_id).where(
                Delivery.state == "waiting", Delivery.due_at <= clock.now()).limit(500)).all()
            released = 0
            for delivery_id, kind in waiting:
                if s.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.state == "waiting")
                             .values(state="due")).rowcount:
                    notices.announce(uow, s.get(Delivery, delivery_id), kind)
                    released += 1
        return released

    def answer_telegram(self) -> int:
        """One instance at a time polls the bot (a lease on its row), from the offset
        kept there, so /start is answered once even with many instances or a restart."""
        now = clock.now()
        lease = now + dt.timedelta(seconds=2 * channels.TIMEOUT)
        with self.db.unit_of_work() as uow:
            s = uow.session
            held = s.execute(update(BotState).where(
                BotState.bot == "telegram",
                (BotState.held_until.is_(None)) | (BotState.held_until < now))
                .values(held_until=lease)).rowcount
            row = s.get(BotState, "telegram")
            if row is None:  # the first poll ever (two at once: one insert fails, and waits a tick)
                row = BotState(bot="telegram", offset=0, held_until=lease)
                s.add(row)
                held = 1
            if not held:
                return 0
            offset = row.offset
        offset, answered = self.providers["telegram"].answer_start(offset)
        with self.db.unit_of_work() as uow:
            uow.session.execute(update(BotState).where(BotState.bot == "telegram")
                                .values(offset=offset, held_until=None))
        return answered

    def run_daily(self) -> None:
        today, configured = clock.today(), self.configured
        jobs = (("approved_digest", lambda uow: daily.approved_digests(uow, today, configured)),
                ("approvals_waiting", lambda uow: daily.approvals_waiting(
                    uow, today, configured, self.monitoring.waiting_by_approver())),
                ("deadline_near", lambda uow: daily.deadline_notices(
                    uow, today, configured, self.monitoring.unreported)))
        for job, run in jobs:
            try:
                with self.db.unit_of_work() as uow:
                    if daily.claim(uow, job, today):
                        log.info("daily %s for %s: %d people", job, today, run(uow))
            except Exception:  # another instance won the day, or monitoring is away: next tick
                log.warning("daily %s for %s not done this time", job, today, exc_info=True)

    # --- the deliverers: one queue each ------------------------------------------------
    @event_handler("notifications", "notification.due")
    def deliver_email(self, body):
        self._deliver("email", body)

    @event_handler("notifications", "notification.due")
    def deliver_whatsapp(self, body):
        self._deliver("whatsapp", body)

    @event_handler("notifications", "notification.due")
    def deliver_telegram(self, body):
        self._deliver("telegram", body)

    def _deliver(self, channel: str, body: dict) -> None:
        """Send one delivery once. Its row is claimed first (a compare-and-set with a
        lease): a second copy of the message finds it sent and does nothing, or being sent
        and waits (raises: the handler brings it back in 1, 5, 30 s), or its lease run out
        (the sender died) and sends it. A refusal or a timeout is recorded and raised, so
        the handler retries it with growing delays (RETRY_DELAYS) and then dead-letters it;
        the last attempt marks the person's channel as failing, with the reason's code."""
        due = events.parse_body(body)
        assert isinstance(due, events.NotificationDue)
        if due.channel != channel:
            return
        now = clock.now()
        with self.db.unit_of_work() as uow:
            s = uow.session
            claimed = s.execute(update(Delivery).where(
                Delivery.id == due.delivery_id,
                Delivery.state.in_(("due", "failed", "waiting"))
                | ((Delivery.state == "sending") & (Delivery.claimed_at < now - SEND_LEASE)))
                .values(state="sending", claimed_at=now)).rowcount
            delivery = s.get(Delivery, due.delivery_id)
            if not claimed:
                if delivery is not None and delivery.state == "sending":
                    raise DeliveryBusy(f"delivery {due.delivery_id} is being sent by another worker")
                return  # sent, dropped, or unknown
            contact = s.get(Contact, (delivery.person_id, channel))
            if contact is None:  # the person removed the address meanwhile
                delivery.state = "dropped"
                return
            notice = s.get(Notification, delivery.notification_id)
            title, message = texts.render(notice.kind, notice.params, notice.count)
            address = contact.address
            link = self.public_url + notice.link if self.public_url and notice.link else None
        adapter = self.providers.get(channel)
        try:
            if adapter is None:
                raise channels.ChannelError(f"{channel} is not configured on this deployment",
                                            channels.NOT_CONFIGURED)
            # the same on every retry of this delivery, and not again after a database reset
            key = f"ekinerja-delivery-{delivery.id}.{int(clock.as_utc(delivery.due_at).timestamp())}"
            provider_id = adapter.send(address, title, message, link, key)
        except channels.ChannelError as error:
            self._failed(delivery.id, due, error.reason, error.code)
            raise
        except Exception as error:  # a bug or an outage of our own: counted the same way
            self._failed(delivery.id, due, f"{type(error).__name__}: {error}"[:500], channels.AWAY)
            raise
        with self.db.unit_of_work() as uow:
            row = uow.session.get(Delivery, delivery.id, with_for_update=True)
            row.state, row.attempts, row.provider_message_id = "sent", row.attempts + 1, provider_id
            row.sent_at, row.last_error = clock.now(), None
            uow.session.execute(update(Contact).where(
                Contact.person_id == row.person_id, Contact.channel == channel, Contact.address == address)
                .values(failing_reason=None, failing_detail=None, failing_since=None))
            uow.emit("notification.sent", {**due.model_dump(mode="json"), "attempts": row.attempts,
                                           "provider_message_id": provider_id})

    def _failed(self, delivery_id: int, due: events.NotificationDue, reason: str, code: str) -> None:
        with self.db.unit_of_work() as uow:
            row = uow.session.get(Delivery, delivery_id, with_for_update=True)
            row.attempts, row.last_error = row.attempts + 1, reason
            last = row.attempts > len(RETRY_DELAYS)  # the handler's last try: next stop, the DLQ
            row.state = "failed" if last else "due"
            if last:
                uow.session.execute(update(Contact).where(
                    Contact.person_id == row.person_id, Contact.channel == row.channel)
                    .values(failing_reason=code, failing_detail=reason, failing_since=clock.now()))
                uow.emit("notification.failed", {**due.model_dump(mode="json"), "attempts": row.attempts,
                                                 "reason": reason})

    # --- the person's side ---------------------------------------------------------------
    @rpc
    def unread_count(self, actor):
        actor = Actor.model_validate(actor)
        if actor.employee_id is None:
            return 0
        with self.db.session() as s:
            return inbox.unread(s, actor.employee_id)

    @rpc
    def notifications(self, actor, before_id=None):
        actor = Actor.model_validate(actor)
        if actor.employee_id is None:
            return {"items": [], "unread": 0, "next_before": None}
        with self.db.session() as s:
            return inbox.listing(s, actor.employee_id, before_id)

    @rpc
    def mark_read(self, actor, ids=None):
        actor = Actor.model_validate(actor)
        if actor.employee_id is None:
            return {"marked": 0, "unread": 0}
        with self.db.unit_of_work() as uow:
            marked = inbox.mark_read(uow.session, actor.employee_id,
                                     None if ids is None else [int(i) for i in ids])
        with self.db.session() as s:
            return {"marked": marked, "unread": inbox.unread(s, actor.employee_id)}

    @rpc
    def preferences(self, actor):
        actor = Actor.model_validate(actor)
        with self.db.session() as s:
            return inbox.preferences(s, _person(actor), self.configured)

    @rpc
    def send_test(self, actor, channel):
        """A test message to the person's own address on one channel, to see it arrive."""
        actor = Actor.model_validate(actor)
        person = _person(actor)
        with self.db.unit_of_work() as uow:
            sent = notices.test_message(uow, person, str(channel), self.configured)
        return {"sent": sent, "channel": str(channel)}

    @rpc
    def set_preferences(self, actor, preferences):
        actor = Actor.model_validate(actor)
        body = PreferencesIn.model_validate(preferences)
        person = _person(actor)
        with self.db.unit_of_work() as uow:
            inbox.set_preferences(uow.session, person, body.contacts, body.choices,
                                  body.quiet_start, body.quiet_end, self.configured)
        with self.db.session() as s:
            return inbox.preferences(s, person, self.configured)
