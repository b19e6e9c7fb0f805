"""Reporting's memory of catalogue, organisation and rule-set reads (memory.py)."""
from services.reporting.memory import Memory


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_read_is_remembered_until_its_kind_is_forgotten_or_its_seconds_pass():
    clock, loads = Clock(), []
    memory = Memory(5, clock)

    def load():
        loads.append(1)
        return len(loads)
    assert memory.recall("organisation", ("position", 1), load) == 1
    assert memory.recall("organisation", ("position", 1), load) == 1  # remembered
    memory.forget("catalogue")  # another kind: kept
    assert memory.recall("organisation", ("position", 1), load) == 1
    memory.forget("organisation")  # the event said it changed
    assert memory.recall("organisation", ("position", 1), load) == 2
    clock.now += 5  # its seconds are up
    assert memory.recall("organisation", ("position", 1), load) == 3


def test_nothing_is_remembered_with_zero_seconds_nor_a_failed_read():
    memory, loads = Memory(0), []
    memory.recall("rules", 1, lambda: loads.append(1))
    memory.recall("rules", 1, lambda: loads.append(1))
    assert len(loads) == 2

    memory = Memory(5)

    def missing():
        loads.append(1)
        raise LookupError("no position")
    for _ in range(2):
        try:
            memory.recall("organisation", 2, missing)
        except LookupError:
            pass
    assert len(loads) == 4


def test_the_rule_sets_numbers_are_kept_a_few_seconds_only():
    clock, loads = Clock(), []
    memory = Memory(300, clock)
    memory.recall("rules", (1, "2026-12-01"), lambda: loads.append(1))
    clock.now += 4
    memory.recall("rules", (1, "2026-12-01"), lambda: loads.append(1))
    assert len(loads) == 1
    clock.now += 2  # past 5 s: projected by another instance, perhaps after its broadcast
    memory.recall("rules", (1, "2026-12-01"), lambda: loads.append(1))
    assert len(loads) == 2
