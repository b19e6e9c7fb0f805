"""Start services (and the gateway) as OS processes on test infrastructure."""
import subprocess
import sys

import httpx

from ekinerja_contract import clock, migrate
from ekinerja_contract.config import REPO_ROOT
from ekinerja_contract.rpc_client import RpcClient
from tools.supervisor import Supervisor, gateway_command, service_command, wait_until

from .infra import create_database, drop_database, free_port


class Stack:
    """Some services, each with a fresh PostgreSQL database, on one vhost."""

    def __init__(self, amqp_uri: str, log_dir, extra_env: dict | None = None, database=None):
        """`database`: where the services' databases are made (its `create_database`), e.g.
        a drill's own primary and standby; by default the machine's PostgreSQL."""
        self.amqp_uri = amqp_uri
        self.create_database = database.create_database if database else create_database
        self.drop_database = (lambda name: None) if database else drop_database
        self.env = {"AMQP_URI": amqp_uri, **(extra_env or {})}
        self.databases: dict[str, tuple[str, str]] = {}
        # the gateway's port is chosen now: the availability service probes it from the start
        self.gateway_port = free_port()
        self.env.setdefault("AVAILABILITY_PROBE_URL", f"http://127.0.0.1:{self.gateway_port}")
        self.sup = Supervisor(self.env, log_dir)
        self.rpc = None
        self.gateway_url = None

    def db_url(self, service: str) -> str:
        return self.databases[service][1]

    def start_services(self, *names: str, timeout: float = 60, revisions: dict | None = None):
        """`revisions`: a service's database left at an earlier migration (a rolling
        upgrade's starting point); the rest at head."""
        for name in names:
            db_name, url = self.create_database(name)
            self.databases[name] = (db_name, url)
            migrate.upgrade(name, url, (revisions or {}).get(name, "head"))
            self.sup.env[f"{name.upper()}_DB_URL"] = url
            if name == "evidence":
                self.sup.env.setdefault("EVIDENCE_HTTP_ADDRESS", f"127.0.0.1:{free_port()}")
                self.sup.env.setdefault("EVIDENCE_PUBLIC_URL",
                                        f"http://{self.sup.env['EVIDENCE_HTTP_ADDRESS']}")
            self.sup.start(name, service_command(name))
        self.rpc = self.rpc or RpcClient(self.amqp_uri, timeout=5, name="tests").start()
        for name in names:
            self.wait_healthy(name, timeout)
        return self

    def restart_at(self, name: str, instant, timeout: float = 60):
        """Restart one service with the city's clock starting at `instant` (None: the
        real clock again): how a test moves time for a running system."""
        from tests.support.clock import shim_env
        self.sup.stop(name)
        env = shim_env(instant, {}) if instant is not None else {}
        self.sup.start(name, service_command(name), env)
        self.wait_healthy(name, timeout)

    def wait_healthy(self, name: str, timeout: float = 60):
        def healthy():
            if name in self.sup.exited():
                raise RuntimeError(f"{name} exited:\n{self.sup.log(name)[-3000:]}")
            return self.rpc.call(name, "health", _timeout=2)["ok"]
        wait_until(healthy, timeout, f"service {name}")

    def start_gateway(self, timeout: float = 30):
        port = self.gateway_port
        self.sup.env.setdefault("GATEWAY_JWT_SECRET", "test-secret-" + "x" * 32)
        self.sup.env.setdefault("GATEWAY_LOGIN_PER_MINUTE", "200")  # many logins from one address
        self.sup.start("gateway", gateway_command(port))
        self.gateway_url = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{self.gateway_url}/readyz").status_code == 200,
                   timeout, "gateway")
        return self

    def manage(self, *args: str, env: dict | None = None) -> str:
        out = subprocess.run([sys.executable, "-m", "services.reporting.manage", *args],
                             cwd=REPO_ROOT, env={**self.sup.env, **(env or {})},
                             capture_output=True, text=True, check=True)
        return out.stdout

    def close(self):
        self.sup.stop_all()
        if self.rpc:
            self.rpc.stop()
        for db_name, _ in self.databases.values():
            self.drop_database(db_name)


def full_system(amqp_uri: str, log_dir, env: dict | None = None, year: int | None = None,
                database=None, revisions: dict | None = None) -> Stack:
    """Every service and the gateway as processes, a city admin, and the demo city
    loaded over the API (`stack.demo`). The caller closes it."""

    from tools import demo_data
    from tools.supervisor import SERVICES

    stack = Stack(amqp_uri, log_dir, env, database)
    try:
        stack.start_services(*SERVICES, revisions=revisions)
        stack.manage("create-admin", demo_data.ADMIN["username"],
                     env={"EKINERJA_ADMIN_PASSWORD": demo_data.ADMIN["password"]})
        stack.start_gateway()
        with httpx.Client(base_url=stack.gateway_url, timeout=60) as http:
            stack.demo = demo_data.load(http, year or clock.today().year)
    except BaseException:
        stack.close()
        raise
    return stack


def demo_system(amqp_uri: str, s3_server, tmp_path_factory, label: str, env: dict | None = None):
    """A module fixture's body: the whole system with the demo city, closed afterwards."""
    import uuid
    stack = full_system(amqp_uri, tmp_path_factory.mktemp(f"{label}-logs"),
                        s3_server.env(f"ekt-{label}-{uuid.uuid4().hex[:6]}") | (env or {}))
    try:
        yield stack
    finally:
        stack.close()
