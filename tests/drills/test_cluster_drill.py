"""Cluster drill: the whole system on a three-node RabbitMQ cluster of its own, durable
queues declared as quorum queues, every part given the list of nodes. Under a load of
submissions and approvals, `kill -9` takes down the node that leads the busiest queues
(it is started again), then another node is cut off by pausing its process (SIGSTOP)
until the others declare it down, and the partition is healed (SIGCONT). Afterwards no
report is lost and no task or ledger entry doubled; the recovery times and the failed
requests go into docs/RELIABILITY.md.

A suspended and resumed node sometimes heals by itself under pause_minority (it pauses
and restarts its app) and sometimes stays partitioned (seen here for four minutes); then
the drill heals it as RabbitMQ's Partitions guide says: it restarts the side not trusted,
the one node. The section says which happened."""
import time
import uuid

import pytest

from tests.support.load import Load
from tests.support.rabbit_cluster import NET_TICKTIME, PARTITION_HANDLING, RabbitCluster
from tests.support.stack import full_system
from tools import reliability
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e
VHOST = f"ekt-cluster-{uuid.uuid4().hex[:6]}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    c = RabbitCluster(3, log_dir=tmp_path_factory.mktemp("cluster-nodes"))
    try:
        c.start()
        c.add_vhost(VHOST)
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="module")
def system(cluster, s3_server, tmp_path_factory):
    env = {**s3_server.env(f"ekt-cluster-{uuid.uuid4().hex[:6]}"), "EKINERJA_QUEUE_TYPE": "quorum",
           "GATEWAY_RPC_TIMEOUT": "5", "AMQP_HEARTBEAT": "10"}
    stack = full_system(cluster.uri(VHOST), tmp_path_factory.mktemp("cluster-drill"), env)
    try:
        yield stack
    finally:
        stack.close()


def busiest_leader(cluster) -> tuple[str, list[str]]:
    """The node leading most of the services' RPC and event queues, and those queues."""
    queues = {name: leader for name, (leader, _) in cluster.leaders(VHOST).items()
              if name.startswith(("rpc-", "evt-")) and leader}
    by_node: dict[str, list[str]] = {}
    for name, leader in queues.items():
        by_node.setdefault(leader, []).append(name)
    node = max(by_node, key=lambda n: len(by_node[n]))
    return node, sorted(by_node[node])


def test_a_node_killed_and_a_node_partitioned_under_load_lose_nothing(cluster, system):
    load = Load(system).start()
    figures = []
    try:
        time.sleep(4)
        # 1. kill -9 the node that leads the busiest queues
        leader, led = busiest_leader(cluster)
        node = cluster.node(leader)
        killed_at = time.monotonic()
        cluster.kill9(node)
        time.sleep(8)
        kill_recovery, kill_failures = load.recovery(killed_at)
        now = cluster.leaders(VHOST)
        new_leaders = {name: now.get(name, ("", 0))[0] for name in led}
        assert all(n and n != leader for n in new_leaders.values()), new_leaders
        cluster.boot(node)  # it rejoins from its own folder
        wait_until(lambda: len(cluster.running_nodes()) == 3, 120, "the killed node back in the cluster")
        rejoined = time.monotonic() - killed_at
        time.sleep(4)
        figures.append(("kill -9 of the leading node", leader, len(led), kill_recovery, kill_failures,
                        f"restarted, back in the cluster {rejoined:.0f} s after the kill"))

        # 2. partition a node: paused until the others have declared it down, then healed
        victim_name, victim_led = busiest_leader(cluster)
        victim = cluster.node(victim_name)
        paused_at = time.monotonic()
        pid = cluster.pause(victim)
        others = [n for n in cluster.nodes if n is not victim]
        wait_until(lambda: victim_name not in cluster.running_nodes(), 120,
                   "the paused node declared down", interval=1)
        declared_down = time.monotonic() - paused_at
        time.sleep(6)
        cluster.resume(victim, pid)
        resumed_at = time.monotonic()
        part_recovery, part_failures = load.recovery(paused_at, resumed_at)
        # Resumed, the node and the majority each find the other had been "down": a partition.
        # Sometimes pause_minority heals it (the node pauses and restarts itself); sometimes
        # the node, seeing a majority again, never pauses and stays partitioned. Then the
        # guide's recovery: restart the side not trusted, here the one node.
        def healed():  # and still so 3 s later (not a glimpse before mnesia finds the split)
            def once():
                return len(cluster.running_nodes()) == 3 and not cluster.partitions(victim)
            return once() and (time.sleep(3) or once())
        try:
            wait_until(healed, 30, "the partition healed by itself", interval=1)
            how = "healed by itself (the resumed node paused and restarted its app)"
        except TimeoutError:
            cluster.restart_app(victim)
            wait_until(healed, 120, "the partition healed", interval=1)
            how = "still partitioned 30 s after SIGCONT: healed by restarting its app"
        back = time.monotonic() - resumed_at
        time.sleep(5)
        _, after_failures = load.recovery(resumed_at)
        figures.append(("partition (SIGSTOP) of a node", victim_name, len(victim_led), part_recovery,
                        part_failures, f"seen down by the CLI after {declared_down:.0f} s; resumed "
                        f"after {resumed_at - paused_at:.0f} s; {how}; back in the cluster "
                        f"{back:.0f} s after SIGCONT ({after_failures} failed requests meanwhile)"))
        assert others  # two nodes kept the majority throughout
    finally:
        load.stop()
    counts = load.outcome(180)
    print(f"\ncluster drill: {counts} {figures} {load.statuses}")
    reliability.record("cluster", "RabbitMQ cluster drill (tests/drills/test_cluster_drill.py)", [
        "Three private RabbitMQ 3.10 nodes on this machine in one cluster "
        f"(`cluster_partition_handling = {PARTITION_HANDLING}`, `net_ticktime = {NET_TICKTIME}`); "
        "every service and the gateway given the three nodes as one AMQP_URI list, durable "
        "queues declared as quorum queues (`EKINERJA_QUEUE_TYPE=quorum`), AMQP heartbeat 10 s. "
        "Three employees submit one-minute reports through the gateway while their head "
        "bulk-approves.", "",
        "| fault | node | queues it led | requests failing for (s) | failed requests | afterwards |",
        "|---|---|---|---|---|---|",
        *[f"| {what} | `{node.split('@')[0]}` | {n} | {secs:.1f} | {failed} | {note} |"
          for what, node, n, secs, failed, note in figures], "",
        *load.summary(counts)])
    assert counts["accepted"] > 30, counts
    assert counts["lost"] == 0 and counts["doubled"] == 0, (counts, figures)
    assert not load.server_errors(allowed=("503", "504")), (load.statuses, load.decisions)
