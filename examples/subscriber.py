"""Subscribe to E-Kinerja's events from another system, with plain kombu (no nameko).

    python examples/subscriber.py --amqp pyamqp://guest:guest@rabbitmq:5672// \
        --queue dashboard.ekinerja [--max N] [--seconds S]

Binds a durable queue of its own to every `<service>.events` exchange (routing key `#`),
prints each event as one JSON line, and acks it after printing. Delivery is at least
once: de-duplicate on the event's `id`. Schemas: docs/events/, docs/asyncapi.yaml.
"""
import argparse
import json
import sys
import time

from kombu import Connection, Exchange, Queue

SOURCES = ("reporting", "evidence", "approval", "scoring")


def main(argv=None) -> int:
    args = argparse.ArgumentParser()
    args.add_argument("--amqp", default="pyamqp://guest:guest@127.0.0.1:5672//")
    args.add_argument("--queue", default="example.ekinerja-subscriber")
    args.add_argument("--max", type=int, default=0, help="stop after this many events")
    args.add_argument("--seconds", type=float, default=0, help="stop after this long")
    opts = args.parse_args(argv)
    seen, count = set(), 0
    deadline = time.monotonic() + opts.seconds if opts.seconds else None
    with Connection(opts.amqp, heartbeat=30) as conn:
        channel = conn.channel()
        queue = Queue(opts.queue, durable=True, channel=channel)
        queue.declare()
        for source in SOURCES:
            exchange = Exchange(f"{source}.events", type="topic", durable=True, channel=channel)
            exchange.declare()
            queue.bind_to(exchange=exchange, routing_key="#")

        def on_event(body, message):
            nonlocal count
            if body.get("id") not in seen:
                seen.add(body.get("id"))
                print(json.dumps(body, ensure_ascii=False), flush=True)
                count += 1
            message.ack()

        print(json.dumps({"subscribed": opts.queue}), flush=True)
        with conn.Consumer(queue, callbacks=[on_event], accept=["json"]):
            while not (opts.max and count >= opts.max):
                if deadline and time.monotonic() > deadline:
                    break
                try:
                    conn.drain_events(timeout=1)
                except TimeoutError:
                    conn.heartbeat_check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
