"""The README's table of parts names every RPC each service answers, so a newcomer
reading it sees the whole surface (and a new RPC cannot go unmentioned)."""
import ast
from pathlib import Path

import pytest

from ekinerja_contract.config import REPO_ROOT

SERVICES = ["reporting", "evidence", "approval", "scoring", "monitoring"]


def rpc_methods(service: str) -> set[str]:
    tree = ast.parse(Path(REPO_ROOT, "services", service, "service.py").read_text())
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)
            and any(getattr(d, "id", None) == "rpc" for d in node.decorator_list)} - {"health"}


@pytest.mark.parametrize("service", SERVICES)
def test_the_readme_lists_every_rpc_of(service):
    row = next(line for line in Path(REPO_ROOT, "README.md").read_text().splitlines()
               if line.startswith(f"| `services/{service}`"))
    missing = sorted(m for m in rpc_methods(service) if f"`{m}`" not in row)
    assert missing == []
