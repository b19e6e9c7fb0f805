"""nameko extensions every service uses the same way: the database with its
outbox relay, event handlers that dead-letter instead of dropping, and RPC
entrypoints whose errors are the contract's classes.

Imported by services only (it pulls in nameko and eventlet); the gateway and
the plain-kombu subscribers never import it.
"""
import logging
import os
import time

import eventlet
import eventlet.queue
import pydantic
from kombu import Connection, Exchange, Queue
from nameko.events import EventHandler
from nameko.exceptions import deserialize_to_instance
from nameko.extensions import DependencyProvider
from nameko.rpc import ReplyListener, RpcConsumer, RpcProxy
from nameko.rpc import Rpc as NamekoRpc
from nameko.timer import Timer
from sqlalchemy import MetaData
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import sessionmaker

from . import config, errors
from .db import make_engine
from .observability import set_green_correlation_id
from .outbox import Courier, Relay, Store
from .services import Client

log = logging.getLogger(__name__)

# A remote contract error arrives as its own class (not nameko's RemoteError), so
# `except Conflict` in a calling service matches and a re-raise keeps its meaning
# on the next hop (nameko-examples' gateway/exceptions.py does the same).
for _cls in errors.all_error_classes():
    deserialize_to_instance(_cls)


def invalid_input(exc: pydantic.ValidationError) -> errors.InvalidInput:
    """A pydantic failure inside a service as the contract's InvalidInput: one
    detail per field, with pydantic's error type as the code (the schemas raise
    PydanticCustomError with codes of their own)."""
    details = [{"field": ".".join(str(p) for p in e["loc"]) or None, "code": e["type"],
                "reason": e["msg"],
                **({"params": {k: str(v) for k, v in e["ctx"].items() if k != "error"}}
                   if e.get("ctx") else {})}
               for e in exc.errors(include_url=False)]
    return errors.InvalidInput("the request is not valid", details)


class DurableRpcConsumer(RpcConsumer):
    """nameko's consumer of a service's RPC queue (`rpc-<service>`), declared as a quorum
    queue when configured (durable_arguments)."""

    def setup(self):
        super().setup()
        self.queue.queue_arguments = durable_arguments(self.queue.queue_arguments)


class Rpc(NamekoRpc):
    """nameko's RPC entrypoint whose business errors are expected (logged at INFO
    without a traceback, see QuietExpected) and whose pydantic failures leave as
    InvalidInput with field reasons, never as a bare ValidationError."""

    rpc_consumer = DurableRpcConsumer()

    def __init__(self, expected_exceptions=(errors.ServiceError, pydantic.ValidationError),
                 **kwargs):
        super().__init__(expected_exceptions=expected_exceptions, **kwargs)

    def handle_result(self, message, worker_ctx, result, exc_info):
        if exc_info is not None:
            translated = None
            if isinstance(exc_info[1], pydantic.ValidationError):
                translated = invalid_input(exc_info[1])
            elif database_unreachable(exc_info[1]):
                log.warning("%s: the database is out of reach: %s", worker_ctx.call_id, exc_info[1])
                translated = errors.Unavailable("the database is unavailable; try again shortly",
                                                code="database_unavailable")
            if translated is not None:
                exc_info = (type(translated), translated, exc_info[2])
        return super().handle_result(message, worker_ctx, result, exc_info)


rpc = Rpc.decorator


def database_unreachable(exc: BaseException) -> bool:
    """The database went away or cannot be reached (a restart, a failover, a refused
    connection): a retry can succeed, unlike a bad statement or a broken constraint."""
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated or isinstance(exc, sa_exc.InterfaceError):
            return True
        if not isinstance(exc, sa_exc.OperationalError):
            return False
        if type(exc.orig).__module__.startswith("sqlite3"):
            # SQLite says OperationalError for a missing table or a syntax error too: those
            # are bugs (502, dead letters), only a locked or missing file is worth a retry
            return any(word in str(exc.orig) for word in ("locked", "unable to open"))
        return True
    return isinstance(exc, sa_exc.DisconnectionError)


class QuietExpected(logging.Filter):
    """nameko logs an expected error at WARNING with its traceback: a 4xx is a
    normal answer, so it goes to INFO without one; everything else is untouched."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, (errors.ServiceError, pydantic.ValidationError)):
            record.levelno, record.levelname = logging.INFO, "INFO"
            worker = record.args[0] if isinstance(record.args, tuple) and record.args else ""
            record.msg, record.args = "expected error in %s: %s (%s)", (
                worker, type(exc).__name__, getattr(exc, "code", "invalid_input"))
            record.exc_info = record.exc_text = None
        return True


logging.getLogger("nameko.containers").addFilter(QuietExpected())

DEAD_LETTER_EXCHANGE = "ekinerja.dlx"
DEAD_LETTER_QUEUE = "ekinerja.dead-letters"


def durable_arguments(arguments: dict | None = None, limit: bool = True) -> dict:
    """A durable queue's arguments, as a quorum queue when configured (config.queue_type),
    with its delivery limit (`limit`; never on the dead-letter queue, whose messages an
    operator lists and puts back again and again). Exclusive, auto-delete and reply
    queues never get them: a quorum queue can be neither."""
    arguments = dict(arguments or {})
    if config.queue_type() == "quorum":
        arguments["x-queue-type"] = "quorum"
        if limit:
            arguments["x-delivery-limit"] = config.delivery_limit()
    return arguments


def declare_dead_letters(amqp_uri: str) -> None:
    exchange = Exchange(DEAD_LETTER_EXCHANGE, type="topic", durable=True)
    with Connection(amqp_uri) as conn:
        Queue(DEAD_LETTER_QUEUE, exchange=exchange, routing_key="#", durable=True,
              queue_arguments=durable_arguments(limit=False))(conn.default_channel).declare()


class Database(DependencyProvider):
    """Engine and sessions for the service's own database, plus the outbox relay.

    Each worker gets a `Store`. After a commit the worker hands its events to a
    managed thread (the `Courier`) that publishes whatever has piled up in one batch
    and marks what was sent together, so neither the reply nor the ack waits for the
    broker; another thread sweeps rows left unsent (a crash, an outage)."""

    BATCH = 200

    def __init__(self, metadata: MetaData, sweep_interval: float = 1.0):
        self.metadata = metadata
        self.sweep_interval = sweep_interval

    def setup(self):
        url = self.container.config.get("DB_URL") or config.db_url(self.container.service_name)
        if url.startswith("postgresql") and eventlet.patcher.is_monkey_patched("socket"):
            from psycogreen.eventlet import patch_psycopg
            patch_psycopg()  # without it every query blocks the whole service
        # at most DB_MAX_CONNECTIONS per process: a service with many workers that mostly
        # wait on something else (evidence: the store) must not take PostgreSQL's
        # max_connections from the rest (bench.peak, two instances: "too many clients").
        # EKINERJA_DB_MAX_CONNECTIONS caps every service's at once: a deployment sizes
        # processes x connections to its server's max_connections (the drills' two
        # instances of nine services on PostgreSQL's default 100 need 4 each)
        ceiling = config.env_int("EKINERJA_DB_MAX_CONNECTIONS", 30)
        self.engine = make_engine(url, max_connections=min(ceiling, int(
            self.container.config.get("DB_MAX_CONNECTIONS") or 30)))
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        tables = self.metadata.tables
        self.outbox, self.inbox = tables["outbox"], tables["inbox"]
        amqp_uri = self.container.config["AMQP_URI"]
        self.relay = Relay(self.sessions, self.outbox, self.container.service_name, amqp_uri)
        self.courier = Courier(self.relay, eventlet.queue.LightQueue(), self.BATCH)
        self.relay.hand_off = self.courier.hand_off
        declare_dead_letters(amqp_uri)

    def start(self):
        self.container.spawn_managed_thread(self._sweep_forever)
        self.container.spawn_managed_thread(self._relay_forever)

    def _relay_forever(self):
        while True:
            self.courier.step()

    def _sweep_forever(self):
        while True:
            eventlet.sleep(self.sweep_interval)
            try:
                self.relay.sweep(queued=frozenset(self.courier.queued))
            except Exception:
                log.warning("outbox sweep failed; retrying", exc_info=True)

    def stop(self):
        self.courier.mark()  # what was sent is marked before the process goes
        self.engine.dispose()

    def worker_setup(self, worker_ctx):
        set_green_correlation_id(worker_ctx.context_data.get("correlation_id"))

    def get_dependency(self, worker_ctx):
        return Store(self.sessions, self.outbox, self.inbox, self.container.service_name,
                     self.relay, worker_ctx.context_data.get("correlation_id"))


# seconds; then the dead-letter queue. EKINERJA_RETRY_DELAYS only for tests that need a
# poison message dead-lettered sooner (test_redelivery keeps these and proves them).
RETRY_DELAYS = tuple(int(d) for d in os.environ.get("EKINERJA_RETRY_DELAYS", "1,5,30").split(","))
RETRIES_HEADER = "x-ekinerja-retries"


class DeadLetteringEventHandler(EventHandler):
    """An event handler that retries a failure a bounded number of times with growing
    delays, then dead-letters it with the reason.

    nameko's default acks and drops a message whose handler raised (or, with
    requeue_on_error, loops on it forever). Here a failed message goes to a delay
    queue whose TTL sends it back to this handler's queue; after the last delay it
    goes to `ekinerja.dead-letters` with the error and the queue it came from."""

    def setup(self):
        super().setup()
        arguments = {"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE}
        if not (self.queue.auto_delete or self.queue.exclusive):  # a broadcast's stays classic
            arguments = durable_arguments(arguments)
        self.queue.queue_arguments = arguments
        self.amqp_uri = self.container.config["AMQP_URI"]

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is None:
            self.queue_consumer.ack_message(message)
            return
        retries = int((message.headers or {}).get(RETRIES_HEADER, 0))
        error = f"{exc_info[0].__name__}: {exc_info[1]}"[:500]
        try:
            if database_unreachable(exc_info[1]):
                # not the message's fault: parked (5 s) as often as it takes, never a dead letter
                self._retry_later(message, RETRY_DELAYS[min(retries, 1)], retries, error)
            elif retries < len(RETRY_DELAYS):
                self._retry_later(message, RETRY_DELAYS[retries], retries + 1, error)
            else:
                self._dead_letter(message, retries, error)
        except Exception:  # cannot park it: let the broker dead-letter it instead
            log.exception("could not retry or dead-letter; rejecting")
            if message.channel.connection:
                message.reject(requeue=False)
            return
        self.queue_consumer.ack_message(message)

    def _publish(self, message, exchange, routing_key, headers, declare):
        with Connection(self.amqp_uri, transport_options={"confirm_publish": True}) as conn:
            producer = conn.Producer()
            producer.publish(message.body, exchange=exchange, routing_key=routing_key,
                             headers=headers, content_type=message.content_type,
                             content_encoding=message.content_encoding, delivery_mode=2,
                             declare=declare, retry=True)

    def _retry_later(self, message, delay: int, count: int, error):
        """Parked `delay` seconds, then back on its queue with `count` as its retries."""
        name = f"ekinerja.retry.{self.queue.name}.{delay}s"
        arguments = {"x-message-ttl": delay * 1000, "x-dead-letter-exchange": "",
                     "x-dead-letter-routing-key": self.queue.name}
        if self.queue.auto_delete or self.queue.exclusive:
            # a broadcast queue is this process's: its parking queue goes when it is idle
            arguments["x-expires"] = (delay + 60) * 1000
        else:
            arguments = durable_arguments(arguments)
        parking = Queue(name, durable=True, queue_arguments=arguments)
        headers = {**(message.headers or {}), RETRIES_HEADER: count, "x-ekinerja-last-error": error}
        log.warning("event %s failed (%s); retry %d in %ss", self.event_type, error, count, delay)
        self._publish(message, "", name, headers, [parking])

    def _dead_letter(self, message, retries, error):
        exchange = Exchange(DEAD_LETTER_EXCHANGE, type="topic", durable=True)
        headers = {**(message.headers or {}), RETRIES_HEADER: retries,
                   "x-ekinerja-error": error, "x-ekinerja-queue": self.queue.name}
        log.error("event %s dead-lettered after %d retries: %s", self.event_type, retries, error)
        self._publish(message, exchange, self.event_type, headers, [exchange])


def event_handler(source_service: str, event_type: str, **kwargs):
    """Subscribe to a contract event: one the registry does not know, or one named with
    the wrong publisher, fails when the service is imported, not when a message comes."""
    from .events import REGISTRY
    spec = REGISTRY.get(event_type)
    if spec is None:
        raise ValueError(f"no event {event_type!r} in the contract (ekinerja_contract/events.py)")
    if spec.source != source_service:
        raise ValueError(f"{event_type} is published by {spec.source}, not {source_service}")
    return DeadLetteringEventHandler.decorator(source_service, event_type, **kwargs)


class ConfiguredTimer(Timer):
    """nameko's timer with its interval read from the service config (a dotted key),
    so operators and tests can change it without code."""

    def __init__(self, key: str, default: float, **kwargs):
        super().__init__(interval=default, **kwargs)
        self.key = key

    def setup(self):
        value = self.container.config
        for part in self.key.split("."):
            value = value.get(part, {}) if isinstance(value, dict) else {}
        if value not in ({}, None, ""):
            self.interval = float(value)
        super().setup()


timer = ConfiguredTimer.decorator


class Metrics(DependencyProvider):
    """Prometheus metrics on METRICS_PORT (0: off): calls and latency per entrypoint,
    consumed and failed messages, outbox backlog."""

    def setup(self):
        from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
        port = int(self.container.config.get("METRICS_PORT") or 0)
        service = self.container.service_name
        if getattr(Metrics, "_made", None) is None:
            Metrics._made = {
                "calls": Counter("ekinerja_entrypoint_calls_total", "entrypoint calls",
                                 ["service", "entrypoint", "outcome"]),
                "latency": Histogram("ekinerja_entrypoint_seconds", "entrypoint latency",
                                     ["service", "entrypoint"]),
                "messages": Counter("ekinerja_messages_total", "events consumed",
                                    ["service", "event", "outcome"]),
                "backlog": Gauge("ekinerja_outbox_backlog", "events waiting in the outbox",
                                 ["service"]),
            }
        self.m = Metrics._made
        self.started = {}
        db = next((d for d in self.container.dependencies if isinstance(d, Database)), None)
        if db is not None:
            self.m["backlog"].labels(service).set_function(lambda: _safe(db.relay.backlog))
        if port:
            start_http_server(port, registry=REGISTRY)

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx.call_id] = time.monotonic()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        service = self.container.service_name
        name = worker_ctx.entrypoint.method_name
        outcome = "error" if exc_info else "ok"
        self.m["calls"].labels(service, name, outcome).inc()
        started = self.started.pop(worker_ctx.call_id, None)
        elapsed = time.monotonic() - started if started is not None else 0.0
        self.m["latency"].labels(service, name).observe(elapsed)
        log.info("%s.%s %s %.1f ms", service, name, outcome, elapsed * 1000)
        if isinstance(worker_ctx.entrypoint, EventHandler):
            self.m["messages"].labels(service, worker_ctx.entrypoint.event_type, outcome).inc()

    def get_dependency(self, worker_ctx):
        return None


def _safe(fn):
    try:
        return fn()
    except Exception:
        return float("nan")


class TransientReplyListener(ReplyListener):
    """nameko's reply queue, not durable: on a cluster a durable classic queue whose node
    died cannot be declared again until the node is back, so every call would fail; a
    transient one is gone with its node and is declared again on another."""

    def setup(self):
        super().setup()
        self.queue.durable = False


class ServiceRpc(RpcProxy):
    """A nameko dependency: the typed client of another service over nameko's own proxy
    (`approval = ServiceRpc(Approval)`), so a service calls `self.approval.cancel_task(7)`
    with the contract's parameters and gets the contract's errors back."""

    rpc_reply_listener = TransientReplyListener()

    def __init__(self, client: type[Client], **options):
        super().__init__(client.service, **options)
        self.client = client

    def get_dependency(self, worker_ctx):
        proxy = super().get_dependency(worker_ctx)
        return self.client(lambda _service, name, *args: getattr(proxy, name)(*args))
