"""Each agency's real requests and their 5xx answers, per minute, for the availability
service (services/availability), which judges the system against each agency's objective
before an input deadline. Counted in the gateway's request middleware (the agency is the
authenticated actor's), sent every FLUSH_SECONDS; a count that cannot be sent (the broker
or the service away) is kept and sent with the next, up to KEEP minutes' worth."""
import asyncio
import datetime as dt
import logging
from collections import defaultdict

from ekinerja_contract import clock

log = logging.getLogger(__name__)
FLUSH_SECONDS = 10
KEEP = 24 * 60 * 50  # agency-minutes held while they cannot be sent (a day of 50 agencies)


class TrafficCount:
    def __init__(self):
        self.counts: dict[tuple[int, dt.datetime], list[int]] = defaultdict(lambda: [0, 0])

    def add(self, agency_id: int, failed: bool) -> None:
        minute = clock.now().replace(second=0, microsecond=0)
        count = self.counts[(agency_id, minute)]
        count[0] += 1
        count[1] += failed

    def take(self) -> list[dict]:
        taken, self.counts = self.counts, defaultdict(lambda: [0, 0])
        return [{"agency_id": agency, "minute": minute.isoformat(), "requests": n, "errors": e}
                for (agency, minute), (n, e) in sorted(taken.items(), key=lambda kv: kv[0][1])]

    def put_back(self, items: list[dict]) -> None:
        for item in items[-KEEP:]:
            count = self.counts[(item["agency_id"], dt.datetime.fromisoformat(item["minute"]))]
            count[0] += item["requests"]
            count[1] += item["errors"]


async def send_forever(count: TrafficCount, rpc, interval: float = FLUSH_SECONDS) -> None:
    while True:
        await asyncio.sleep(interval)
        items = count.take()
        if not items:
            continue
        try:
            await rpc.call_async("availability", "record_traffic", items, _timeout=5)
        except Exception:  # noqa: BLE001  (kept for the next send, whatever the failure)
            count.put_back(items)
            log.warning("traffic counts of %d agency-minutes not sent; kept for the next", len(items))
