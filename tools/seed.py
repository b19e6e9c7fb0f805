"""Seed a running system (docker compose, a fresh cluster) with the demo city:
the admin account straight into reporting's database, the rest over the gateway's API.

    python -m tools.seed --gateway http://gateway:8000
"""
import argparse
import sys
import time

import httpx

from ekinerja_contract import config
from services.reporting.manage import create_admin

from . import demo_data


def main(argv=None) -> int:
    args = argparse.ArgumentParser()
    args.add_argument("--gateway", default="http://127.0.0.1:8000")
    opts = args.parse_args(argv)
    create_admin(demo_data.ADMIN["username"], demo_data.ADMIN["password"])
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{opts.gateway}/readyz", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            print("the gateway did not become ready", file=sys.stderr)
            return 1
        time.sleep(2)
    try:
        with httpx.Client(base_url=opts.gateway, timeout=60) as http:
            demo_data.load(http, config.today().year)
    except demo_data.DemoDataError as exc:
        print(exc, file=sys.stderr)
        return 1
    for user, password, who in demo_data.LOGINS:
        print(f"{user:<8} {password:<16} {who}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
