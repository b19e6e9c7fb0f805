"""Speak AMQP directly (kombu) to the services under test: publish events as
another service would, and watch what they publish."""
import time
import uuid

from kombu import Connection, Queue

from ekinerja_contract.outbox import event_exchange


def publish(amqp_uri: str, envelope: dict, times: int = 1) -> None:
    """Deliver the same envelope `times` times, as a redelivering broker would."""
    exchange = event_exchange(envelope["source"])
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer(serializer="json")
        for _ in range(times):
            producer.publish(envelope, exchange=exchange, routing_key=envelope["type"],
                             declare=[exchange], delivery_mode=2)


class Watcher:
    """A queue of our own bound to a service's event exchange."""

    def __init__(self, amqp_uri: str, source: str, routing_key: str = "#"):
        self.conn = Connection(amqp_uri)
        self.queue = Queue(f"test-watch-{uuid.uuid4().hex[:8]}", exchange=event_exchange(source),
                           routing_key=routing_key, auto_delete=True)
        self.received: list[dict] = []
        self.consumer = self.conn.Consumer(self.queue, callbacks=[self._on_message],
                                           accept=["json"])
        self.consumer.consume()

    def _on_message(self, body, message):
        self.received.append(body)
        message.ack()

    def drain(self, seconds: float = 1.0) -> list[dict]:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.conn.drain_events(timeout=0.2)
            except TimeoutError:
                pass
        return self.received

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            self.drain(0.2)
        return self.received

    def close(self):
        self.conn.release()
