"""Run the whole system on this machine: migrate, start the four services and
the gateway under one supervisor, load the demo data, print the logins.
Ctrl-C stops everything. `scripts/dev` calls this inside the venv."""
import os
import secrets
import signal
import sys
import time

import httpx
from kombu import Connection

from ekinerja_contract import config, migrate
from ekinerja_contract.rpc_client import RpcClient
from services.reporting.manage import create_admin

from . import demo_data
from .supervisor import SERVICES, Supervisor, gateway_command, service_command, wait_until


def broker_reachable(uri: str) -> bool:
    try:
        with Connection(uri, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        return False


def persistent_secret(name: str) -> str:
    """Kept in the data folder so logins and upload URLs survive a restart."""
    path = config.data_dir() / f".{name}"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def load_demo(base_url: str, transport: httpx.BaseTransport | None = None) -> bool:
    """Load the demo city; if it cannot be loaded, say why in one line and carry on
    (the system keeps running without it). `transport` is for tests."""
    try:
        with httpx.Client(base_url=base_url, timeout=60, transport=transport) as http:
            demo_data.load(http, config.today().year)
        return True
    except demo_data.DemoDataError as exc:
        print(f"{exc} (the system keeps running; to reset the demo data stop, delete "
              f"{config.data_dir()} and start again)", file=sys.stderr, flush=True)
        return False


def main() -> int:
    port = int(os.environ.get("GATEWAY_PORT", "8000"))
    uri = config.amqp_uri()
    if not broker_reachable(uri):
        print(f"\nRabbitMQ is not reachable at {uri.split('@')[-1]}.\n"
              "Start it (as root: `rabbitmq-server -detached`) or set AMQP_URI, then run again.\n",
              file=sys.stderr)
        return 2
    os.environ.setdefault("GATEWAY_JWT_SECRET", persistent_secret("jwt_secret"))
    os.environ.setdefault("EVIDENCE_URL_SECRET", persistent_secret("evidence_url_secret"))
    os.environ.setdefault("EKINERJA_PUBLIC_URL", f"http://127.0.0.1:{port}")  # links in messages
    for name in SERVICES:
        migrate.upgrade(name)
    create_admin(demo_data.ADMIN["username"], demo_data.ADMIN["password"])

    sup = Supervisor()

    def terminate(*_):  # like Ctrl-C, also while starting up: the finally stops every child
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, terminate)
    try:
        for name in SERVICES:
            sup.start(name, service_command(name))
        rpc = RpcClient(uri, timeout=3, name="runner").start()
        for name in SERVICES:
            wait_until(lambda n=name: rpc.call(n, "health"), 60, f"service {name}")
        rpc.stop()
        sup.start("gateway", gateway_command(port))
        base = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{base}/readyz").status_code == 200, 30, "gateway")
        loaded = load_demo(base)
        print(f"\nE-Kinerja is running at {base}  (API docs: {base}/docs)\n"
              f"Demo logins{'' if loaded else ' (the demo data did not load, see above)'}:")
        for user, password, who in demo_data.LOGINS:
            print(f"  {user:<8} {password:<16} {who}")
        print("Ctrl-C stops everything.\n", flush=True)
        while True:
            if sup.exited():
                print(f"stopped unexpectedly: {', '.join(sup.exited())}", file=sys.stderr)
                return 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C or SIGTERM must not cut the stop short: the children run in
        # sessions of their own and would be left running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("\nstopping...", flush=True)
        sup.stop_all()
    return 0


if __name__ == "__main__":
    sys.exit(main())
