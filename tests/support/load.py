"""The drills' load: employees submit one-minute reports through the gateway (each with
its own Idempotency-Key, retried with the same key until it is answered) while their
head bulk-approves the inbox; afterwards every accepted report is counted through to
its approval task and its ledger entry, so a drill can say how many were lost or
doubled. Used by the crash, cluster, database-failover and rolling-upgrade drills."""
import datetime as dt
import itertools
import threading
import time

import httpx
from sqlalchemy import create_engine, text

from ekinerja_contract import clock
from tools import demo_data
from tools.supervisor import wait_until

REPORTERS = ("sari", "agus", "made")
APPROVER = "kadis"


def rows(url: str, sql: str):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).all()
    finally:
        engine.dispose()


class Load:
    """Start it, make trouble, stop it, then `settle()` and `count()`.

    `gateways` is a list of base URLs: a request that cannot connect to one goes to the
    next, as a load balancer would send it (a rolling upgrade restarts them in turn)."""

    def __init__(self, stack, gateways: list[str] | None = None, timeout: float = 10,
                 reporters=REPORTERS, pause: float = 0.0):
        self.stack = stack
        self.gateways = gateways or [stack.gateway_url]
        self.timeout, self.reporters, self.pause = timeout, reporters, pause
        self.people = stack.demo["people"]
        self.day = demo_data.working_day(clock.today() - dt.timedelta(days=1))
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.accepted: list[int] = []
        self.statuses: dict[str, int] = {}  # of the submissions
        self.decisions: dict[str, int] = {}  # of the inbox reads and bulk approvals
        # (monotonic time, ok) of every submission: when the failures started and ended
        self.timeline: list[tuple[float, bool]] = []
        self.threads: list[threading.Thread] = []
        # submissions that failed at first and then went through on a retry with the same key
        self.retried_ok = 0
        self._turn = itertools.count()

    # -- the load -----------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs) -> httpx.Response:
        """One request through the first gateway that takes the connection."""
        first = next(self._turn)
        last: Exception | None = None
        for i in range(len(self.gateways)):
            base = self.gateways[(first + i) % len(self.gateways)]
            try:
                return httpx.request(method, base + path, timeout=self.timeout, **kwargs)
            except httpx.ConnectError as exc:  # that one is down: the balancer tries the next
                last = exc
        assert last is not None
        raise last

    def _note(self, status, ok: bool) -> None:
        with self.lock:
            self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1
            self.timeline.append((time.monotonic(), ok))

    def _reporter(self, username: str) -> None:
        person = self.people[username]
        item = demo_data.skp_item(person, self.day)
        minute, failed_before, last_id = 0, False, None
        while not self.stop_event.is_set() and minute < 1400:
            start, end = (f"{m // 60:02d}:{m % 60:02d}" for m in (minute, minute + 1))
            key = f"{username}-{self.day}-{minute}"  # a retry after a failure must not double it
            try:
                r = self._send("POST", "/api/v1/reports",
                               headers={**person["headers"], "Idempotency-Key": key},
                               json={"skp_item_id": item, "activity_code": "ENTRI-DATA",
                                     "date": self.day.isoformat(), "start": start, "end": end,
                                     "description": f"Entri data beban {minute}"})
                status = r.status_code
            except httpx.HTTPError:
                status = "error"
            if status in (201, 409):  # 409: taken by an earlier try whose answer was lost
                with self.lock:
                    if status == 201 and r.json()["id"] != last_id:  # a replay is not a second
                        last_id = r.json()["id"]
                        self.accepted.append(last_id)
                    self.retried_ok += failed_before
                minute, failed_before = minute + 1, False
            else:
                failed_before = True
                time.sleep(0.2)
            self._note(status, status in (201, 409))
            if self.pause:
                time.sleep(self.pause)

    def _approver(self) -> None:
        head = self.people[APPROVER]["headers"]
        while not self.stop_event.is_set():
            try:
                inbox = self._send("GET", "/api/v1/approvals/inbox", headers=head)
                self._decided(inbox.status_code)
                ids = [t["id"] for t in inbox.json()][:50] if inbox.status_code == 200 else []
                if ids:
                    self._decided(self._send("POST", "/api/v1/approvals/bulk-approve", headers=head,
                                             json={"task_ids": ids}).status_code)
                else:
                    time.sleep(0.3)
            except (httpx.HTTPError, ValueError, TypeError):
                self._decided("error")
                time.sleep(0.3)

    def _decided(self, status) -> None:
        with self.lock:
            self.decisions[str(status)] = self.decisions.get(str(status), 0) + 1

    def start(self):
        self.threads = [threading.Thread(target=self._reporter, args=(u,), daemon=True)
                        for u in self.reporters]
        self.threads.append(threading.Thread(target=self._approver, daemon=True))
        for t in self.threads:
            t.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        for t in self.threads:
            t.join(60)

    # -- what a drill reads -------------------------------------------------------------

    def failed(self) -> int:
        """Submissions answered with anything but 201/409, or not at all."""
        return sum(n for status, n in self.statuses.items() if status not in ("201", "409"))

    def server_errors(self, allowed=("503",)) -> dict[str, int]:
        """5xx answers (to submissions and to the approver) other than the documented ones."""
        found: dict[str, int] = {}
        for statuses in (self.statuses, self.decisions):
            for s, n in statuses.items():
                if s.startswith("5") and s not in allowed:
                    found[s] = found.get(s, 0) + n
        return found

    def recovery(self, since: float, until: float | None = None) -> tuple[float, int]:
        """After a fault at `since`: seconds until submissions succeeded again (from the
        fault to the first success after the last failure), and the failures meanwhile."""
        with self.lock:
            window = [(t, ok) for t, ok in self.timeline if t >= since and (until is None or t < until)]
        failures = [t for t, ok in window if not ok]
        if not failures:
            return 0.0, 0
        back = next((t for t, ok in window if ok and t > failures[-1]), failures[-1])
        return back - since, len(failures)

    def settle(self, timeout: float = 120) -> None:
        """Approve what is left until every report is decided and credited once."""
        head = self.people[APPROVER]["headers"]
        url = self.gateways[0]
        with httpx.Client(base_url=url, timeout=30) as http:
            def drained():
                ids = [t["id"] for t in http.get("/api/v1/approvals/inbox", headers=head,
                                                 params={"limit": 500}).json()]
                if ids:
                    http.post("/api/v1/approvals/bulk-approve", headers=head, json={"task_ids": ids})
                reports = rows(self.stack.db_url("reporting"),
                               "SELECT count(*) FROM report WHERE state <> 'withdrawn'")[0][0]
                # reporting hears of each approval too (a retry parked in a fault may come late)
                approved_here = rows(self.stack.db_url("reporting"),
                                     "SELECT count(*) FROM report WHERE state = 'approved'")[0][0]
                tasks = rows(self.stack.db_url("approval"),
                             "SELECT count(*) FROM approval_task WHERE state = 'approved'")[0][0]
                ledger = rows(self.stack.db_url("scoring"),
                              "SELECT count(*) FROM ledger_entry WHERE kind = 'activity'")[0][0]
                return not ids and reports == approved_here == tasks == ledger
            wait_until(drained, timeout, "everything settled", interval=1)

    def outcome(self, timeout: float = 120) -> dict[str, int]:
        """After `stop()`: settle, then count."""
        self.settle(timeout)
        return self.count()

    def summary(self, counts: dict[str, int]) -> list[str]:
        """The lines every drill's section ends with."""
        return [f"- responses to the submissions by status: {dict(sorted(self.statuses.items()))}",
                f"- accepted submissions: {counts['accepted']}; reports in the database: "
                f"{counts['reports']}; approved: {counts['approved']}; ledger entries: {counts['ledger']}",
                f"- **lost = {counts['lost']}, doubled = {counts['doubled']}**"]

    def count(self) -> dict[str, int]:
        """lost: accepted but missing a report, a task, an approval or a credit;
        doubled: a second task or ledger entry for one report."""
        db = self.stack.db_url
        reports = {r[0] for r in rows(db("reporting"), "SELECT id FROM report")}
        tasks = dict(rows(db("approval"), "SELECT report_id, count(*) FROM approval_task GROUP BY report_id"))
        approved = {r[0] for r in rows(db("approval"),
                                       "SELECT report_id FROM approval_task WHERE state = 'approved'")}
        ledger = dict(rows(db("scoring"), "SELECT report_id, count(*) FROM ledger_entry "
                                          "WHERE kind = 'activity' GROUP BY report_id"))
        approved_state = {r[0] for r in rows(db("reporting"), "SELECT id FROM report WHERE state = 'approved'")}
        accepted = set(self.accepted)
        lost = (len(accepted - reports) + len(reports - set(tasks)) + len(approved - set(ledger))
                + len(approved - approved_state))
        doubled = sum(1 for n in tasks.values() if n > 1) + sum(1 for n in ledger.values() if n > 1)
        return {"accepted": len(self.accepted), "reports": len(reports), "approved": len(approved),
                "ledger": len(ledger), "lost": lost, "doubled": doubled}
