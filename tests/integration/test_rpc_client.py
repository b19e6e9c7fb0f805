"""The gateway's RPC client against a real service on real RabbitMQ."""
import threading
import time

import pytest

from ekinerja_contract.rpc_client import RpcClient
from tests.support.stack import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(amqp_uri, tmp_path_factory):
    stack = Stack(amqp_uri, tmp_path_factory.mktemp("logs"))
    try:
        yield stack.start_services("reporting")
    finally:
        stack.close()


def test_steady_replies_keep_the_connection_alive_past_its_heartbeat(stack, amqp_uri):
    """With replies arriving all the time the reply consumer never idles; it must still
    send heartbeats, or the broker drops it after two missed intervals (every call in
    flight then times out). Heartbeat of 2 s, calls without a pause for 8 s."""
    client = RpcClient(amqp_uri, heartbeat=2, name="heartbeat-test").start()
    stop, calls, errors = threading.Event(), [0], []

    def caller():
        while not stop.is_set():
            try:
                client.call("reporting", "health", _timeout=5)
                calls[0] += 1
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(repr(exc))
    threads = [threading.Thread(target=caller) for _ in range(4)]
    for t in threads:
        t.start()
    time.sleep(8)
    stop.set()
    for t in threads:
        t.join(10)
    client.stop()
    assert calls[0] > 100
    assert client.reconnects == 0 and errors == []
