"""Events are emitted and handled by the contract's registry: a handler for an unknown
event, or an emit of one, fails in the suite and not on the first message."""
import ast
from pathlib import Path

import pytest

from ekinerja_contract import events
from ekinerja_contract.config import REPO_ROOT


def calls(name: str):
    """(event type, source, where) of every call `name(...)` with string arguments."""
    for path in Path(REPO_ROOT, "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and (getattr(node.func, "id", None) == name or
                                               getattr(node.func, "attr", None) == name):
                strings = [a.value for a in node.args if isinstance(a, ast.Constant)
                           and isinstance(a.value, str)]
                yield strings, path.parts[-2], f"{path.relative_to(REPO_ROOT)}:{node.lineno}"


def test_every_subscription_names_a_registered_event_of_its_publisher():
    found = list(calls("event_handler"))
    assert len(found) > 10
    for strings, _, where in found:
        if len(strings) < 2:
            continue  # a helper that passes the type through (e.g. reporting's _decision)
        source, event_type = strings[:2]
        assert event_type in events.REGISTRY, where
        assert events.REGISTRY[event_type].source == source, where


def test_every_emit_names_a_registered_event_of_the_emitting_service():
    found = [(s, svc, where) for s, svc, where in calls("emit") if s] + \
            [(s, svc, where) for s, svc, where in calls("emit_many") if s]
    assert len(found) > 10
    for strings, service, where in found:
        assert strings[0] in events.REGISTRY, where
        assert events.REGISTRY[strings[0]].source == service, where


def test_subscribing_to_an_unknown_event_fails_at_import():
    from ekinerja_contract.nameko_ext import event_handler
    with pytest.raises(ValueError, match="no event"):
        event_handler("reporting", "report.teleported")
    with pytest.raises(ValueError, match="published by"):
        event_handler("approval", "report.submitted")
