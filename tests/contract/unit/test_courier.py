"""The relay thread's courier, without a broker: committed events go out as they come;
what was sent is marked in the outbox together, at most every `mark_every` seconds;
until then the sweep leaves those events alone."""
import queue
import time

from ekinerja_contract.outbox import Courier


class FakeRelay:
    def __init__(self, fail_send=False, fail_mark=False):
        self.sent, self.marks = [], []
        self.fail_send, self.fail_mark = fail_send, fail_mark

    def send(self, envelopes):
        if self.fail_send:
            raise ConnectionError("broker down")
        self.sent.extend(e["id"] for e in envelopes)

    def mark(self, ids):
        if self.fail_mark:
            raise ConnectionError("database down")
        self.marks.append(list(ids))


def events(*ids):
    return [{"id": i, "type": "ledger.entry_recorded"} for i in ids]


def courier(relay, **kwargs):
    return Courier(relay, queue.Queue(), **kwargs)


def test_events_are_sent_at_once_and_marked_together_when_due():
    relay = FakeRelay()
    c = courier(relay, mark_every=0.2)
    c.hand_off(events("a", "b"))
    c.step()
    assert relay.sent == ["a", "b"] and relay.marks == []
    assert c.queued == {"a", "b"}  # sent, not marked: the sweep must not send them again
    c.hand_off(events("c"))
    c.step()
    assert relay.sent == ["a", "b", "c"] and relay.marks == []
    started = time.monotonic()
    c.step()  # nothing new: waits until the first sent is due, then marks all three
    assert relay.marks == [["a", "b", "c"]]
    assert 0.1 < time.monotonic() - started < 0.5
    assert c.queued == set() and c.sent == []


def test_under_steady_load_the_outbox_is_marked_at_most_every_mark_every():
    relay = FakeRelay()
    c = courier(relay, mark_every=0.1)
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < 0.55:
        c.hand_off(events(f"e{n}"))
        c.step()
        n += 1
        time.sleep(0.005)
    assert len(relay.sent) == n > 40
    assert 4 <= len(relay.marks) <= 6  # not one per batch


def test_a_full_batch_is_marked_at_once():
    relay = FakeRelay()
    c = courier(relay, batch=3, mark_every=60)
    c.hand_off(events("a", "b", "c", "d"))
    c.step()
    assert relay.sent == ["a", "b", "c"] and relay.marks == [["a", "b", "c"]]
    assert c.queued == {"d"}


def test_what_could_not_be_sent_is_left_to_the_sweep():
    relay = FakeRelay(fail_send=True)
    c = courier(relay, mark_every=0.05)
    c.hand_off(events("a"))
    c.step()
    assert relay.marks == [] and c.queued == set() and c.sent == []


def test_what_could_not_be_marked_is_left_to_the_sweep():
    relay = FakeRelay(fail_mark=True)
    c = courier(relay, mark_every=0.01)
    c.hand_off(events("a"))
    c.step()
    c.step()
    assert relay.sent == ["a"] and c.queued == set() and c.sent == []


def test_on_stop_what_was_sent_is_marked():
    relay = FakeRelay()
    c = courier(relay, mark_every=60)
    c.hand_off(events("a"))
    c.step()
    c.mark()
    assert relay.marks == [["a"]] and c.queued == set()
