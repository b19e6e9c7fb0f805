"""What reporting holds in memory between requests, so a submission reads the catalogue and
the organisation from what it already knows: the activity versions of a code, an
employee's position and approver on a date, the rule set's numbers for an agency on a date.

Every instance forgets a kind the moment an event says it changed: reporting's own
catalogue.version_published and org.placement_changed, scoring's rule_set_published (each
heard by every instance: a broadcast handler in service.py). An entry also lives at most
`seconds` (REPORTING.MEMORY_SECONDS, 300 by default): that bounds what a lost broadcast
(an instance reconnecting to the broker misses what was sent meanwhile), or a read that
raced the change it was told of, can leave stale. 0 keeps nothing.

An employee's position and approver are remembered per employee and date: the first
report of a sitting reads them, the next ones (people enter a day's work in one go) do
not. The catalogue and the rule set are shared by everyone: read once a window."""
import time
from collections.abc import Callable, Hashable
from types import SimpleNamespace
from typing import Any

KINDS = ("catalogue", "organisation", "rules")
# The rule set is projected by whichever instance takes scoring's event, and another
# instance's broadcast may come before that commit: its numbers are kept a few seconds only
# (a read once a window either way). Reporting's own events are sent after their commit.
AT_MOST = {"rules": 5.0}
MOST = 200_000  # entries of one kind: past that the kind starts afresh


class Memory:
    def __init__(self, seconds: float = 300.0, clock: Callable[[], float] = time.monotonic):
        self.seconds, self.clock = seconds, clock
        self._kinds: dict[str, dict[Hashable, tuple[float, Any]]] = {k: {} for k in KINDS}

    def recall(self, kind: str, key: Hashable, load: Callable[[], Any]) -> Any:
        """The remembered value, or `load()`'s, remembered. What `load` returns must be
        plain data (see `plain`), never a session's object."""
        if self.seconds <= 0:
            return load()
        kept, now = self._kinds[kind], self.clock()
        entry = kept.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if len(kept) >= MOST:
            kept.clear()
        kept[key] = (now + min(self.seconds, AT_MOST.get(kind, self.seconds)), value)
        return value

    def forget(self, kind: str) -> None:
        self._kinds[kind].clear()


NOTHING = Memory(0)  # for callers (and tests) that want every read from the database


def plain(row) -> SimpleNamespace:
    """A mapped row's columns, detached from its session: safe to keep and share."""
    return SimpleNamespace(**{c.key: getattr(row, c.key) for c in row.__table__.columns})
