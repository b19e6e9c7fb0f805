"""Unit of work with an outbox, the relay that publishes it, and the inbox.

A state change and the events that tell of it commit in one transaction. After
the commit the relay publishes them with publisher confirms and marks them
sent only once the broker has confirmed; a background sweep re-sends whatever
a crash or a broker outage left behind. Consumers record each event id in the
inbox in the same transaction as its effect, so a redelivery changes nothing.
"""
import functools
import logging
import queue
import time
from contextlib import contextmanager
from datetime import timedelta

from kombu import Connection, Exchange
from kombu.pools import producers
from sqlalchemy import Table, TextClause, bindparam, func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from . import events as contract_events
from .envelope import Envelope, utcnow

log = logging.getLogger(__name__)


def event_exchange(source: str) -> Exchange:
    # Same declaration as nameko's get_event_exchange, so nameko handlers bind to it.
    return Exchange(f"{source}.events", type="topic", durable=True, delivery_mode=2)


class UnitOfWork:
    """One transaction: the session for the state change, `emit` for its events.

    The events go into the outbox together, in one statement just before the commit
    (`write_outbox`, called by Store.unit_of_work): a decision emits two, a bulk approval
    two hundred, and each used to be an INSERT of its own."""

    def __init__(self, session: Session, outbox: Table, source: str, correlation_id: str | None):
        self.session = session
        self._outbox = outbox
        self._source = source
        self.correlation_id = correlation_id
        self.events: list[dict] = []  # as written to the outbox: what the relay publishes
        self._unwritten: list[dict] = []

    def emit(self, event_type: str, data) -> Envelope:
        return self.emit_many(event_type, [data])[0]

    def emit_many(self, event_type: str, datas: list) -> list[Envelope]:
        envs = [contract_events.build(event_type, d, self._source, self.correlation_id)
                for d in datas]
        for env in envs:
            body = env.model_dump(mode="json")
            self._unwritten.append({"id": env.id, "event_type": env.type, "envelope": body,
                                    "created_at": env.time, "attempts": 0})
            self.events.append(body)
        return envs

    def write_outbox(self) -> None:
        """Everything emitted so far, in one statement (psycopg2: one multi-row INSERT)."""
        if self._unwritten:
            rows, self._unwritten = self._unwritten, []
            self.session.execute(self._outbox.insert(), rows)


class Relay:
    """Publishes outbox rows to `<source>.events`, marking them after the confirm."""

    def __init__(self, sessions: sessionmaker, outbox: Table, source: str, amqp_uri: str):
        self._sessions = sessions
        self._outbox = outbox
        self._exchange = event_exchange(source)
        self._connection = Connection(amqp_uri, transport_options={"confirm_publish": True})
        # Set by a long-running service: takes committed envelopes for a background
        # publisher that batches them, so a request does not wait for the broker.
        self.hand_off = None

    def publish(self, envelopes: list[dict]) -> int:
        if not envelopes:
            return 0
        self.send(envelopes)
        self.mark([e["id"] for e in envelopes])
        return len(envelopes)

    def send(self, envelopes: list[dict]) -> None:
        """To the broker, each confirmed before the next."""
        with producers[self._connection].acquire(block=True, timeout=10) as producer:
            for env in envelopes:
                producer.publish(
                    env, exchange=self._exchange, routing_key=env["type"],
                    serializer="json", delivery_mode=2, declare=[self._exchange],
                    message_id=env["id"],
                    headers={"nameko.correlation_id": env.get("correlation_id") or ""},
                    retry=True, retry_policy={"max_retries": 2, "interval_start": 0.2})

    def mark(self, ids: list[str]) -> None:
        """Confirmed by the broker: the sweep will not send these again."""
        with self._sessions() as s, s.begin():
            s.execute(update(self._outbox).where(self._outbox.c.id.in_(ids))
                      .values(published_at=utcnow()))

    def publish_committed(self, envelopes: list[dict]) -> None:
        """Right after a commit: best effort; the sweep retries what fails."""
        if self.hand_off is not None and envelopes:
            self.hand_off(envelopes)
            return
        try:
            self.publish(envelopes)
        except Exception:
            log.warning("outbox: publish after commit failed; the sweep will retry",
                        exc_info=True)

    def sweep(self, min_age: timedelta = timedelta(seconds=3), batch: int = 500,
              queued: frozenset = frozenset()) -> int:
        """Publish rows still unsent after `min_age` (crash, broker outage), except those
        `queued` for the relay thread already (a slow broker would get them twice)."""
        t = self._outbox
        with self._sessions() as s, s.begin():
            rows = [r for r in s.execute(
                select(t.c.id, t.c.envelope)
                .where(t.c.published_at.is_(None), t.c.created_at < utcnow() - min_age)
                .order_by(t.c.created_at).limit(batch)).all() if r.id not in queued]
            if rows:
                s.execute(update(t).where(t.c.id.in_([r.id for r in rows]))
                          .values(attempts=t.c.attempts + 1))
        return self.publish([r.envelope for r in rows])

    def backlog(self) -> int:
        t = self._outbox
        with self._sessions() as s:
            return s.scalar(select(func.count()).select_from(t).where(t.c.published_at.is_(None)))


class Courier:
    """What a service's relay thread does with the events its workers commit: publish
    them as they come, whatever has piled up in one batch, and mark them sent in the
    outbox together, at most every `mark_every` seconds (one UPDATE and commit then,
    instead of one per batch: under load that was a fifth of a consumer's CPU). Until
    marked, an event's id stays in `queued`, which the sweep leaves alone; a crash in
    between sends it again, which at-least-once delivery allows (consumers are
    idempotent). `committed` is a queue (eventlet's in a service)."""

    def __init__(self, relay: Relay, committed, batch: int = 200, mark_every: float = 0.5):
        self.relay, self.committed = relay, committed
        self.batch, self.mark_every = batch, mark_every
        self.queued: set[str] = set()  # handed over and not yet marked sent
        self.sent: list[str] = []
        self._first_sent = 0.0

    def hand_off(self, envelopes: list[dict]) -> None:
        for envelope in envelopes:
            self.queued.add(envelope["id"])
            self.committed.put(envelope)

    def step(self) -> None:
        """Wait for committed events (no longer than until the sent ones are due to be
        marked), send them, and mark what is due."""
        batch = []
        try:
            batch.append(self.committed.get(timeout=self._until_due()))
        except queue.Empty:
            pass
        while self.committed.qsize() and len(batch) < self.batch:
            batch.append(self.committed.get_nowait())
        if batch:
            try:
                self.relay.send(batch)
            except Exception:
                log.warning("outbox: publish failed; the sweep will retry", exc_info=True)
                self.queued.difference_update(e["id"] for e in batch)
            else:
                if not self.sent:
                    self._first_sent = time.monotonic()
                self.sent.extend(e["id"] for e in batch)
        if self.sent and (len(self.sent) >= self.batch or self._until_due() == 0):
            self.mark()

    def _until_due(self) -> float | None:
        if not self.sent:
            return None
        return max(0.0, self.mark_every - (time.monotonic() - self._first_sent))

    def mark(self) -> None:
        """Mark what was sent (also when the service stops)."""
        sent, self.sent = self.sent, []
        try:
            if sent:
                self.relay.mark(sent)
        except Exception:
            log.warning("outbox: marking sent events failed; the sweep will send them again",
                        exc_info=True)
        finally:
            self.queued.difference_update(sent)


class Store:
    """What a service worker gets: sessions, units of work, idempotent consumption."""

    def __init__(self, sessions: sessionmaker, outbox: Table, inbox: Table, source: str,
                 relay: Relay | None, correlation_id: str | None = None):
        self._sessions = sessions
        self._outbox = outbox
        self._inbox = inbox
        self._source = source
        self._relay = relay
        self.correlation_id = correlation_id

    def session(self) -> Session:
        return self._sessions()

    @contextmanager
    def unit_of_work(self, correlation_id: str | None = None):
        with self._sessions() as session:
            uow = UnitOfWork(session, self._outbox, self._source,
                             correlation_id or self.correlation_id)
            with session.begin():
                yield uow
                uow.write_outbox()
        if self._relay is not None:
            self._relay.publish_committed(uow.events)

    def consume(self, body: dict, apply) -> bool:
        """Apply an event once: `apply(uow, envelope)` runs in the same transaction
        that records the event id. Returns False for a duplicate."""
        envelope = Envelope.model_validate(body)
        _note_correlation(envelope.correlation_id)
        with self.unit_of_work(envelope.correlation_id) as uow:
            # One statement: a redelivered event (or one another worker is applying right
            # now: the unique index makes this wait for it) inserts nothing.
            first_time = uow.session.execute(_insert_if_absent(self._inbox), {
                "event_id": envelope.id, "event_type": envelope.type,
                "processed_at": utcnow()}).rowcount
            if not first_time:
                return False
            apply(uow, envelope)
        return True

    def once(self, key: str | None, scope: str, change) -> dict:
        """Run `change(uow) -> response` once per (Idempotency-Key, scope): a retried
        request gets the first response and changes nothing. Refusals are not kept."""
        table = self._outbox.metadata.tables["idempotency"]
        if not key:
            with self.unit_of_work() as uow:
                return change(uow)

        def stored():
            with self._sessions() as s:
                row = s.execute(select(table.c.response).where(table.c.key == key,
                                                               table.c.scope == scope)).first()
            return row.response if row else None
        if (first := stored()) is not None:
            return first
        try:
            with self.unit_of_work() as uow:
                response = change(uow)
                uow.session.execute(table.insert().values(key=key, scope=scope, response=response,
                                                          created_at=utcnow()))
        except IntegrityError:
            if (first := stored()) is not None:  # the same request, concurrently
                return first
            raise
        except Exception:
            # A retry sent while the first was still running waited for it (a lock), then
            # found its own work in the way (say, "that time overlaps"): the first's answer
            # is the answer, not that refusal.
            if (first := stored()) is not None:
                return first
            raise
        return response


@functools.cache
def _insert_if_absent(table: Table) -> TextClause:
    """INSERT … ON CONFLICT (primary key) DO NOTHING, written once per table. PostgreSQL
    and SQLite both speak it; the dialects' insert constructs would do too, but
    SQLAlchemy 2.0 cannot cache them, so they were compiled again for every event."""
    columns = [c.name for c in table.columns]
    keys = [c.name for c in table.primary_key]
    return text(f"INSERT INTO {table.name} ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)}) "
                f"ON CONFLICT ({', '.join(keys)}) DO NOTHING"
                ).bindparams(*(bindparam(c.name, type_=c.type) for c in table.columns))


def _note_correlation(value) -> None:
    try:
        from .observability import set_green_correlation_id
        set_green_correlation_id(value)
    except ImportError:  # no eventlet: not inside a nameko worker
        pass
