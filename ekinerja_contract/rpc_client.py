"""A client for nameko RPC that never blocks an asyncio event loop.

Why not nameko's ClusterRpcProxy in the gateway: it is not thread-safe (one
proxy shared by threads corrupted the AMQP stream, see shared/STACK.md) and a
call blocks whatever calls it, so under uvicorn it would stall every request.
Instead this speaks nameko's wire format with kombu:
- one consumer thread owns the reply queue (bound to `nameko-rpc` with our
  reply id as routing key) and resolves waiting calls by correlation id;
- publishing runs on a small thread pool, each thread with its own connection
  (kombu connections must not be shared between threads);
- `call_async` awaits an asyncio future resolved from the consumer thread,
  so a slow service ties up no event-loop time, only the pending future.
"""
import asyncio
import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import amqp.exceptions
import kombu.exceptions
from kombu import Connection, Exchange, Queue

from . import errors

log = logging.getLogger(__name__)

CONNECTION_ERRORS = (OSError, kombu.exceptions.OperationalError, amqp.exceptions.ConnectionError,
                     amqp.exceptions.ChannelError)


class BusUnavailable(Exception):
    """The message broker cannot be reached right now."""


class RpcTimeout(Exception):
    """No reply in time: the service is down, overloaded or gone."""


class RemoteError(Exception):
    """The service raised something that is not a contract error (a bug, a crash):
    `exc_type` is its class name. Contract errors arrive as their own classes."""

    def __init__(self, exc_type: str, message: str, details=None):
        super().__init__(f"{exc_type}: {message}")
        self.exc_type = exc_type
        self.message = message
        self.details = details or []


def _unpack(body: dict):
    error = body.get("error")
    if error:
        contract_error = errors.from_wire(error)
        if contract_error is not None:
            raise contract_error
        args = error.get("exc_args") or []
        message = args[0] if args and isinstance(args[0], str) else error.get("value", "")
        details = args[1] if len(args) > 1 else []
        raise RemoteError(error.get("exc_type", "Exception"), message, details)
    return body.get("result")


class RpcClient:
    def __init__(self, amqp_uri: str, timeout: float = 15.0, publishers: int = 4,
                 exchange: str = "nameko-rpc", name: str = "gateway", heartbeat: int = 30):
        self.amqp_uri = amqp_uri
        self.timeout = timeout
        self.heartbeat = heartbeat
        self.reconnects = 0
        self._reply_key = uuid.uuid4().hex
        self._exchange = Exchange(exchange, type="topic", durable=True)
        # Not durable: on a cluster a durable classic queue whose node died cannot be
        # declared again until it is back; a transient one goes with its node and is
        # declared again on another. x-expires keeps it through a reconnect.
        self._queue = Queue(f"rpc.reply-{name}-{self._reply_key}", exchange=self._exchange,
                            routing_key=self._reply_key, durable=False,
                            queue_arguments={"x-expires": 300000})
        self._pending: dict[str, Callable[[dict], None]] = {}  # correlation id -> resolve
        self._lock = threading.Lock()
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._local = threading.local()
        self._pool = ThreadPoolExecutor(publishers, thread_name_prefix="rpc-publish")
        self._thread = threading.Thread(target=self._consume_forever, name="rpc-replies",
                                        daemon=True)

    # --- lifecycle ----------------------------------------------------------
    def start(self, wait: float = 10.0) -> "RpcClient":
        self._thread.start()
        if not self._ready.wait(wait):
            log.warning("rpc client: broker not reachable yet at start; will keep trying")
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False)

    @property
    def connected(self) -> bool:
        return self._ready.is_set()

    def _consume_forever(self):
        while not self._stopping.is_set():
            try:
                with Connection(self.amqp_uri, heartbeat=self.heartbeat, connect_timeout=3) as conn:
                    with conn.Consumer(self._queue, callbacks=[self._on_reply],
                                       accept=["json"], no_ack=True):
                        self._ready.set()
                        while not self._stopping.is_set():
                            try:
                                conn.drain_events(timeout=1)
                            except TimeoutError:
                                pass
                            # After every drain, not only when idle: this connection sends
                            # nothing else, so under steady replies the broker would see no
                            # heartbeat and drop it (seen at the month-end peak bench).
                            conn.heartbeat_check()
            except CONNECTION_ERRORS as exc:
                if self._ready.is_set():
                    log.warning("rpc client: lost the broker (%s); reconnecting", exc)
                    self.reconnects += 1
                self._ready.clear()
                self._stopping.wait(1.0)

    def _on_reply(self, body, message):
        with self._lock:
            resolve = self._pending.pop(message.properties.get("correlation_id"), None)
        if resolve is not None:
            resolve(body)

    # --- publishing (runs on a pool thread or the caller's thread) -----------
    def _publish(self, service, method, args, kwargs, call_id, correlation_id):
        for attempt in (1, 2):
            producer = getattr(self._local, "producer", None)
            try:
                if producer is None:
                    conn = Connection(self.amqp_uri, connect_timeout=3)
                    conn.ensure_connection(max_retries=1)
                    producer = self._local.producer = conn.Producer(serializer="json")
                headers = {"nameko.call_id_stack": [f"gateway.{call_id}"]}
                if correlation_id:
                    headers["nameko.correlation_id"] = correlation_id
                producer.publish({"args": list(args), "kwargs": kwargs},
                                 exchange=self._exchange, routing_key=f"{service}.{method}",
                                 reply_to=self._reply_key, correlation_id=call_id,
                                 headers=headers, retry=False)
                return
            except CONNECTION_ERRORS as exc:
                self._local.producer = None
                if producer is not None:
                    producer.connection.release()
                if attempt == 2:
                    raise BusUnavailable(str(exc)) from exc

    def _register(self, call_id, resolve):
        if not self._ready.is_set():
            raise BusUnavailable("message broker unreachable")
        with self._lock:
            self._pending[call_id] = resolve

    def _forget(self, call_id):
        with self._lock:
            self._pending.pop(call_id, None)

    # --- calls ----------------------------------------------------------------
    async def call_async(self, service: str, method: str, /, *args, _timeout: float | None = None,
                         _correlation_id: str | None = None, **kwargs):
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        call_id = str(uuid.uuid4())

        def settle(body):
            if not future.done():
                future.set_result(body)

        self._register(call_id, lambda body: loop.call_soon_threadsafe(settle, body))
        try:
            await loop.run_in_executor(self._pool, self._publish, service, method, args,
                                       kwargs, call_id, _correlation_id)
            body = await asyncio.wait_for(future, _timeout or self.timeout)
        except TimeoutError:
            raise RpcTimeout(f"{service}.{method} did not answer in time") from None
        finally:
            self._forget(call_id)
        return _unpack(body)

    def call(self, service: str, method: str, /, *args, _timeout: float | None = None,
             _correlation_id: str | None = None, **kwargs):
        future: Future = Future()
        call_id = str(uuid.uuid4())
        self._register(call_id, future.set_result)
        try:
            self._publish(service, method, args, kwargs, call_id, _correlation_id)
            body = future.result(_timeout or self.timeout)
        except FutureTimeout:
            raise RpcTimeout(f"{service}.{method} did not answer in time") from None
        finally:
            self._forget(call_id)
        return _unpack(body)
