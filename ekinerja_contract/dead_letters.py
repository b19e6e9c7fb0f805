"""The dead-letter queue, for operators.

    python -m ekinerja_contract.dead_letters list
    python -m ekinerja_contract.dead_letters replay EVENT_ID... | --all

`replay` puts a message back on the queue it failed in (after the cause is fixed: a
missing organisation, a bug); the consumer's inbox makes a replay of an event that did
get applied harmless."""
import argparse
import json
import sys

from kombu import Connection, Queue

from . import config
from .nameko_ext import DEAD_LETTER_QUEUE


def _drain(conn):
    queue = Queue(DEAD_LETTER_QUEUE)(conn.default_channel)
    messages = []
    while (message := queue.get(no_ack=False)) is not None:
        messages.append(message)
    return messages


def describe(message) -> dict:
    body = message.decode()
    headers = message.headers or {}
    deaths = headers.get("x-death") or [{}]
    return {"id": body.get("id") if isinstance(body, dict) else None,
            "type": body.get("type") if isinstance(body, dict) else None,
            "queue": headers.get("x-ekinerja-queue") or deaths[0].get("queue"),
            "error": headers.get("x-ekinerja-error") or deaths[0].get("reason"),
            "retries": headers.get("x-ekinerja-retries", 0)}


def list_dead_letters(amqp_uri: str) -> list[dict]:
    with Connection(amqp_uri) as conn:
        messages = _drain(conn)
        out = [describe(m) for m in messages]
        for m in messages:
            m.requeue()
    return out


def replay(amqp_uri: str, ids: set[str] | None) -> int:
    """Back to their queues: the given event ids, or all (`ids` None)."""
    replayed = 0
    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as conn:
        producer = conn.Producer()
        for message in _drain(conn):
            facts = describe(message)
            if (ids is None or facts["id"] in ids) and facts["queue"]:
                headers = {k: v for k, v in (message.headers or {}).items()
                           if not k.startswith("x-ekinerja") and k != "x-death"}
                producer.publish(message.body, exchange="", routing_key=facts["queue"],
                                 headers=headers, content_type=message.content_type,
                                 content_encoding=message.content_encoding, delivery_mode=2)
                message.ack()
                replayed += 1
            else:
                message.requeue()
    return replayed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ekinerja_contract.dead_letters")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    p = sub.add_parser("replay")
    p.add_argument("ids", nargs="*")
    p.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "list":
        for row in list_dead_letters(config.amqp_uri()):
            print(json.dumps(row, ensure_ascii=False))
        return 0
    if not args.ids and not args.all:
        parser.error("name event ids, or --all")
    print(f"replayed {replay(config.amqp_uri(), None if args.all else set(args.ids))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
