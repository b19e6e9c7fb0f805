"""Every error code a service can raise has Indonesian text for the pages, and the
contract's errors keep their class and their code across RPC hops."""
import ast
from pathlib import Path

import pytest
from nameko.exceptions import deserialize, serialize

from ekinerja_contract import errors
from ekinerja_contract.config import REPO_ROOT
from gateway import messages

ERROR_CLASSES = {cls.__name__: cls for cls in errors.all_error_classes()}


def raised_codes() -> dict[str, str]:
    """code → where it is raised: every `raise X(...)` of a contract error in services/,
    ekinerja_contract/ and gateway/ (its `code=` or the class default), every field
    detail's `"code"` in services/, and every PydanticCustomError type in the schemas."""
    found = {}
    for path in [*Path(REPO_ROOT, "services").rglob("*.py"),
                 *Path(REPO_ROOT, "ekinerja_contract").rglob("*.py"),
                 *Path(REPO_ROOT, "gateway").rglob("*.py")]:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict) and "services" in path.parts:  # a field's code
                for key, value in zip(node.keys, node.values, strict=False):
                    if isinstance(key, ast.Constant) and key.value == "code" \
                            and isinstance(value, ast.Constant) and isinstance(value.value, str):
                        found.setdefault(value.value, f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            where = f"{path.relative_to(REPO_ROOT)}:{node.lineno}"
            if name in ERROR_CLASSES:
                code = next((k.value.value for k in node.keywords if k.arg == "code"
                             and isinstance(k.value, ast.Constant)), None)
                found.setdefault(code or ERROR_CLASSES[name].default_code, where)
            elif name == "ApiError" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant):
                found.setdefault(node.args[1].value, where)
            elif name == "PydanticCustomError" and node.args and isinstance(node.args[0], ast.Constant):
                found.setdefault(node.args[0].value, where)
    return found


def test_every_code_a_service_can_raise_has_indonesian_text():
    codes = raised_codes()
    assert len(codes) > 20  # the scan found the raise sites
    missing = {code: where for code, where in codes.items() if not messages.has_text(code)}
    assert missing == {}


def test_a_code_without_text_is_caught_by_the_scan(tmp_path, monkeypatch):
    assert not messages.has_text("no_such_code_anywhere")


@pytest.mark.parametrize("cls", errors.all_error_classes())
def test_a_contract_error_survives_a_hop_as_its_own_class(cls):
    import ekinerja_contract.nameko_ext  # noqa: F401  registers the classes with nameko
    sent = cls("the English message", [{"field": "start", "code": "end_before_start"}],
               code="report_overlap", params={"start": "09:00"})
    once = deserialize(serialize(sent))
    twice = deserialize(serialize(once))  # a service re-raises what it got from another
    assert type(twice) is cls
    assert (twice.message, twice.code, twice.params) == ("the English message",
                                                         "report_overlap", {"start": "09:00"})
    assert twice.details == [{"field": "start", "code": "end_before_start"}]


def test_the_gateway_client_rebuilds_the_contract_class():
    import ekinerja_contract.nameko_ext  # noqa: F401
    from ekinerja_contract.rpc_client import RemoteError, _unpack
    with pytest.raises(errors.Conflict) as caught:
        _unpack({"error": serialize(errors.Conflict("busy", code="task_decided",
                                                    params={"state": "approved"}))})
    assert caught.value.code == "task_decided"
    with pytest.raises(RemoteError):  # anything else stays a generic remote error
        _unpack({"error": serialize(KeyError("x"))})


def test_messages_fill_their_params_in_indonesian():
    assert messages.display("report_overlap", {"start": "09:00", "end": "17:30"}) == \
        "Waktunya bertumpuk dengan laporan Anda yang lain pukul 09:00–17:30."
    assert messages.display("task_decided", {"state": "approved"}) == "Laporan ini sudah disetujui."
    assert messages.display("unknown_code") == messages.ERRORS["service_error"]
    assert messages.reason_text({"field": "reason", "code": "missing"}) == "Alasan: wajib diisi"
