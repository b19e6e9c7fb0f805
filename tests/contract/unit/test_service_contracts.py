"""The contract (ekinerja_contract/services.py) holds to the services it describes."""
import ast
import inspect
from pathlib import Path

import pytest

from ekinerja_contract import errors, services
from services.approval.service import ApprovalService
from services.evidence.service import EvidenceService
from services.reporting.service import ReportingService
from services.scoring.service import ScoringService

ROOT = Path(__file__).resolve().parents[3]
PAIRS = [(services.Reporting, ReportingService), (services.Evidence, EvidenceService),
         (services.Approval, ApprovalService), (services.Scoring, ScoringService)]
ERROR_CLASSES = {name for name, value in vars(errors).items()
                 if isinstance(value, type) and issubclass(value, errors.ServiceError)}


def rpc_methods(service_cls) -> dict:
    """The service's @rpc entrypoints (nameko marks each decorated function)."""
    return {name: fn for name, fn in vars(service_cls).items()
            if any(type(e).__name__ == "Rpc" for e in getattr(fn, "nameko_entrypoints", ()))}


def parameters(fn) -> list[tuple[str, object]]:
    return [(p.name, p.default) for p in list(inspect.signature(fn).parameters.values())[1:]]


@pytest.mark.parametrize("client, service", PAIRS, ids=lambda c: getattr(c, "service", ""))
def test_every_rpc_method_is_in_the_contract_with_the_same_parameters(client, service):
    real, declared = rpc_methods(service), client.methods()
    assert client.service == service.name
    assert set(real) == set(declared), (
        f"not in the contract: {sorted(set(real) - set(declared))}; "
        f"not in the service: {sorted(set(declared) - set(real))}")
    for name, fn in real.items():
        assert parameters(fn) == parameters(declared[name]), f"{service.name}.{name}"


@pytest.mark.parametrize("client, service", PAIRS, ids=lambda c: getattr(c, "service", ""))
def test_every_error_a_service_raises_is_declared(client, service):
    raised = set()
    for path in (ROOT / "services" / client.service).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and \
                    isinstance(node.exc.func, ast.Name) and node.exc.func.id in ERROR_CLASSES:
                raised.add(node.exc.func.id)
    # a pydantic ValidationError leaves every service as InvalidInput (nameko_ext.rpc)
    declared = {e.__name__ for e in client.raises}
    assert raised | {"InvalidInput"} <= declared, f"undeclared: {raised - declared}"


@pytest.mark.parametrize("client, service", PAIRS, ids=lambda c: getattr(c, "service", ""))
def test_a_declared_request_model_is_the_one_the_service_validates_with(client, service):
    for name, fn in client.methods().items():
        request = fn.contract.request if hasattr(fn, "contract") else None
        if request is None:
            continue
        source = inspect.getsource(getattr(service, name))
        for model in request if isinstance(request, tuple) else (request,):
            assert f"{model.__name__}.model_validate" in source, f"{service.name}.{name}"


def test_every_error_a_service_raises_carries_a_stable_code():
    """The code is what the pages translate and API clients branch on: a bare NotFound
    would reach a person as the generic 'not found'."""
    bare = []
    for path in (ROOT / "services").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and \
                    isinstance(node.exc.func, ast.Name) and node.exc.func.id in ERROR_CLASSES \
                    and not any(k.arg == "code" for k in node.exc.keywords):
                bare.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert bare == []
