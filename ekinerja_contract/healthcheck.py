"""`python -m ekinerja_contract.healthcheck SERVICE`: exit 0 when the service answers its
`health` RPC over the broker (which also touches its database). Used by container
health checks and Kubernetes probes."""
import sys

from . import config
from .rpc_client import RpcClient


def main(argv=None) -> int:
    service = (argv or sys.argv[1:])[0]
    client = RpcClient(config.amqp_uri(), timeout=5, name=f"probe-{service}").start(wait=5)
    try:
        ok = client.call(service, "health")["ok"]
    except Exception as exc:
        print(f"{service}: unhealthy: {exc}", file=sys.stderr)
        return 1
    finally:
        client.stop()
    print(f"{service}: ok")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
