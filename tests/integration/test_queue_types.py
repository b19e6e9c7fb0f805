"""Queue types and node lists as configuration, on the real broker: with
EKINERJA_QUEUE_TYPE=quorum every durable queue a service declares (its RPC queue, its event
queues, the retry queues, the dead-letter queue) is a quorum queue with a delivery limit,
while reply, broadcast and other short-lived queues stay classic; a poison message still
goes through the retries to the dead-letter queue; and a service given a list of nodes
whose first is down connects through the next."""
import json
import subprocess

import pytest
from kombu import Connection, Exchange

from ekinerja_contract.nameko_ext import DEAD_LETTER_QUEUE
from tests.support.stack import Stack
from tools.supervisor import wait_until

pytestmark = pytest.mark.integration
DOWN_NODE = "pyamqp://guest:guest@127.0.0.1:5999"  # nothing listens here


@pytest.fixture(scope="module")
def stack(amqp_uri, tmp_path_factory):
    vhost = amqp_uri.rsplit("/", 1)[1]
    nodes = f"{DOWN_NODE}/{vhost};{amqp_uri}"  # the first node is down: failover to the next
    s = Stack(nodes, tmp_path_factory.mktemp("queue-type-logs"), {"EKINERJA_QUEUE_TYPE": "quorum",
                                                                   "EKINERJA_RETRY_DELAYS": "1,2,3"})
    try:
        yield s.start_services("reporting", "scoring")
    finally:
        s.close()


def queues(amqp_uri) -> dict[str, dict]:
    vhost = amqp_uri.rsplit("/", 1)[1]
    out = subprocess.run(["rabbitmqctl", "list_queues", "-p", vhost, "name", "type", "durable",
                          "arguments", "--formatter", "json"], capture_output=True, text=True, check=True)
    return {q["name"]: q for q in json.loads(out.stdout)}


def argument(queue: dict, name: str):
    args = queue["arguments"]
    if isinstance(args, dict):
        return args.get(name)
    # rabbitmqctl's JSON: [name, type, value] triples
    return next((entry[-1] for entry in args if entry[0] == name), None)


def test_durable_queues_are_quorum_with_a_delivery_limit_and_short_lived_ones_classic(stack, amqp_uri):
    found = queues(amqp_uri)
    assert found["rpc-scoring"]["type"] == "quorum" and argument(found["rpc-scoring"], "x-delivery-limit") == 20
    # the dead letters: replicated, but no delivery limit (operators list and put them back)
    assert found[DEAD_LETTER_QUEUE]["type"] == "quorum"
    assert argument(found[DEAD_LETTER_QUEUE], "x-delivery-limit") is None
    events = [q for name, q in found.items() if name.startswith("evt-") and "--scoring." in name]
    assert events and all(q["type"] == "quorum" for q in events)
    assert all(argument(q, "x-dead-letter-exchange") == "ekinerja.dlx" for q in events)
    # reporting's broadcast queues (what each instance remembers) and every reply queue
    broadcast = [q for name, q in found.items() if name.startswith("evt-") and "--reporting.forget" in name]
    replies = [q for name, q in found.items() if "reply" in name]
    assert broadcast and all(q["type"] == "classic" for q in broadcast)
    assert replies and all(q["type"] == "classic" and not q["durable"] for q in replies)


def test_the_services_answer_through_the_node_list_with_the_first_node_down(stack):
    assert stack.rpc.call("scoring", "health", _timeout=5)["ok"]
    assert stack.rpc.call("reporting", "health", _timeout=5)["ok"]


def test_a_poison_message_on_a_quorum_queue_still_reaches_the_dead_letter_queue(stack, amqp_uri):
    events = Exchange("attendance.events", type="topic", durable=True)
    with Connection(amqp_uri) as conn:
        conn.Producer().publish({"not": "an envelope"}, exchange=events, routing_key="attendance.recorded",
                                declare=[events], delivery_mode=2, retry=True)
    # the handler's retries (1, 2 and 3 s here, each through a quorum parking queue), then the DLQ
    wait_until(lambda: _dead_letters(amqp_uri), 60, "the poison message in the dead-letter queue")
    retries = {name: q for name, q in queues(amqp_uri).items() if name.startswith("ekinerja.retry.")}
    assert retries and all(q["type"] == "quorum" for q in retries.values())


def _dead_letters(amqp_uri) -> bool:
    vhost = amqp_uri.rsplit("/", 1)[1]
    out = subprocess.run(["rabbitmqctl", "list_queues", "-p", vhost, "name", "messages", "--formatter", "json"],
                         capture_output=True, text=True, check=True)
    return any(q["name"] == DEAD_LETTER_QUEUE and q["messages"] >= 1 for q in json.loads(out.stdout))
