"""A RabbitMQ cluster of private nodes on this machine (shared/STACK.md's recipe): each
node its own folder, config file and ports, joined to the first; the drill kills, pauses
and resumes nodes by their OS PID and removes everything afterwards. Needs root (the
server drops to the rabbitmq user) and rabbitmq-server, as on CI."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import uuid

from tools.supervisor import wait_until

from .infra import free_port

# What the RabbitMQ Cluster Operator sets by default, and what the Partitions guide advises
# for three nodes in one place: the side that cannot see a majority pauses itself.
PARTITION_HANDLING = "pause_minority"
# Erlang's default is 60 s (a silent node is declared down after 45-75 s); the drill keeps
# its partition short with 10 s. docs/DEPLOY.md says which one a city should run.
NET_TICKTIME = 10


class Node:
    def __init__(self, name: str, base: str):
        self.name = name
        self.port, self.dist = free_port(), free_port()
        self.base = base

    def env(self) -> dict:
        b = self.base
        return {**os.environ, "RABBITMQ_CONFIG_FILE": f"{b}/rabbitmq.conf", "RABBITMQ_NODENAME": self.name,
                "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(self.dist),
                "RABBITMQ_MNESIA_BASE": f"{b}/mnesia", "RABBITMQ_LOG_BASE": f"{b}/log",
                "RABBITMQ_ENABLED_PLUGINS_FILE": f"{b}/plugins", "RABBITMQ_FEATURE_FLAGS_FILE": f"{b}/ff"}

    def uri(self, vhost: str = "/") -> str:
        return f"pyamqp://guest:guest@127.0.0.1:{self.port}/{'' if vhost == '/' else vhost}"


class RabbitCluster:
    def __init__(self, size: int = 3, log_dir=None):
        self.log_dir = log_dir  # where the nodes' logs are kept after stop()
        tag = uuid.uuid4().hex[:6]
        self.root = tempfile.mkdtemp(prefix="ekt-rabbit-cluster-")
        self.nodes = [Node(f"ekt{tag}n{i + 1}@localhost", f"{self.root}/n{i + 1}") for i in range(size)]
        self.paused: set[str] = set()

    def ctl(self, node: Node, *args: str, check: bool = True, timeout: float = 60):
        return subprocess.run(["rabbitmqctl", "-n", node.name, *args], capture_output=True,
                              text=True, check=check, timeout=timeout)

    def start(self):
        if os.geteuid() != 0 or not shutil.which("rabbitmq-server"):
            raise RuntimeError("a private RabbitMQ cluster needs root and rabbitmq-server (as on CI)")
        for node in self.nodes:
            for sub in ("mnesia", "log"):
                os.makedirs(f"{node.base}/{sub}")
            with open(f"{node.base}/plugins", "w") as f:
                f.write("[].")
            with open(f"{node.base}/rabbitmq.conf", "w") as f:  # the machine's config pins 5672
                f.write(f"listeners.tcp.default = 127.0.0.1:{node.port}\n"
                        f"cluster_partition_handling = {PARTITION_HANDLING}\n"
                        f"net_ticktime = {NET_TICKTIME}\n")
        subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", self.root], check=True)
        for node in self.nodes:
            self.boot(node)
        first = self.nodes[0]
        for node in self.nodes[1:]:
            self.ctl(node, "stop_app")
            self.ctl(node, "join_cluster", first.name)
            self.ctl(node, "start_app")
        running = json.loads(self.ctl(first, "cluster_status", "--formatter", "json").stdout)
        assert len(running["running_nodes"]) == len(self.nodes), running
        return self

    def boot(self, node: Node) -> None:
        """Start (or start again) a node; a restarted one rejoins from its own folder."""
        subprocess.run(["rabbitmq-server", "-detached"], env=node.env(), check=True)
        # await_startup gives up at once while the node is not yet registered with epmd
        wait_until(lambda: self.ctl(node, "await_startup", "--timeout", "30", check=False).returncode == 0,
                   120, f"RabbitMQ node {node.name}", interval=1)

    def uri(self, vhost: str = "/") -> str:
        """Every node, for kombu's failover (round-robin from the first)."""
        return ";".join(node.uri(vhost) for node in self.nodes)

    def add_vhost(self, vhost: str) -> None:
        self.ctl(self.nodes[0], "add_vhost", vhost)
        self.ctl(self.nodes[0], "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")

    def pid(self, node: Node) -> int:
        out = self.ctl(node, "eval", "os:getpid().").stdout.strip().strip('"')
        return int(out)

    def alive(self) -> Node:
        return next(n for n in self.nodes if n.name not in self.paused and
                    self.ctl(n, "status", check=False, timeout=15).returncode == 0)

    def leaders(self, vhost: str) -> dict[str, tuple[str, int]]:
        """queue → (leader node, messages), asked of a node that answers."""
        out = self.ctl(self.alive(), "list_queues", "-p", vhost, "name", "leader", "messages",
                       "--formatter", "json").stdout
        return {q["name"]: (q.get("leader") or "", q.get("messages") or 0) for q in json.loads(out)}

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    def kill9(self, node: Node) -> None:
        os.kill(self.pid(node), signal.SIGKILL)
        wait_until(lambda: self.ctl(node, "status", check=False, timeout=15).returncode != 0,
                   30, f"{node.name} gone")

    def pause(self, node: Node) -> int:
        pid = self.pid(node)
        os.kill(pid, signal.SIGSTOP)
        self.paused.add(node.name)
        return pid

    def resume(self, node: Node, pid: int) -> None:
        os.kill(pid, signal.SIGCONT)
        self.paused.discard(node.name)

    def partitions(self, node: Node) -> dict:
        """What `node` reports as partitioned from it (empty once healed)."""
        out = self.ctl(node, "cluster_status", "--formatter", "json", check=False, timeout=30).stdout
        return json.loads(out).get("partitions") or {} if out.strip() else {"unreachable": True}

    def restart_app(self, node: Node) -> None:
        """The Partitions guide's recovery: restart the nodes of the side not trusted; they
        rejoin and take the trusted side's state."""
        self.ctl(node, "stop_app", timeout=120)
        self.ctl(node, "start_app", timeout=120)

    def running_nodes(self) -> list[str]:
        out = self.ctl(self.alive(), "cluster_status", "--formatter", "json").stdout
        return sorted(json.loads(out)["running_nodes"])

    def stop(self) -> None:
        for node in self.nodes:
            self.ctl(node, "stop", check=False, timeout=60)
        # a node that would not stop (or was left paused) goes by its PID
        for node in self.nodes:
            pid_file = f"{node.base}/mnesia/{node.name}.pid"
            try:
                pid = int(open(pid_file).read().strip())
                os.kill(pid, signal.SIGCONT)
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass
        if self.log_dir is not None:
            for node in self.nodes:
                shutil.copytree(f"{node.base}/log", f"{self.log_dir}/{node.name.split('@')[0]}",
                                dirs_exist_ok=True)
        shutil.rmtree(self.root, ignore_errors=True)
