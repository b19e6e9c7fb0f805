"""Deployment files checked offline: the Compose file against the Compose
specification, every Kubernetes manifest against the Kubernetes 1.37 schemas, and the
wiring between them and the code (queues KEDA watches, services each scaled on its own)."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ekinerja_contract.config import REPO_ROOT
from tools.supervisor import SERVICES

K8S = REPO_ROOT / "deploy" / "k8s"
BIN = Path(sys.executable).parent


def run(*cmd):
    return subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True)


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_compose_file_follows_the_compose_specification():
    result = run(str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.compose-spec",
                 "docker-compose.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_runs_every_service_with_a_health_check():
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    for name in (*SERVICES, "gateway", "rabbitmq", "postgres", "minio"):
        assert "healthcheck" in compose[name], name
    for name in SERVICES:
        assert compose[name]["command"][-1] == f"services.{name}.service"


@pytest.mark.parametrize("manifest", sorted(p.name for p in (K8S / "base").glob("*.yaml")
                                            if p.name != "kustomization.yaml"))
def test_every_base_manifest_validates_against_the_kubernetes_schemas(manifest):
    result = run(str(BIN / "kubernetes-validate"), "--strict", "--quiet",
                 str(K8S / "base" / manifest))
    assert result.returncode == 0, result.stdout + result.stderr


def test_kustomizations_list_files_that_exist():
    for kustomization in K8S.rglob("kustomization.yaml"):
        spec = yaml.safe_load(kustomization.read_text())
        for entry in spec.get("resources", []) + spec.get("components", []):
            assert (kustomization.parent / entry).exists(), f"{kustomization}: {entry}"
    listed = set(yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())["resources"])
    on_disk = {p.name for p in (K8S / "base").glob("*.yaml")} - {"kustomization.yaml"}
    assert listed == on_disk


def test_each_service_scales_on_its_own_with_probes_limits_and_a_budget():
    kinds = {}
    for path in (K8S / "base").glob("*.yaml"):
        if path.name == "kustomization.yaml":
            continue
        for d in docs(path):
            kinds.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    for name in (*SERVICES, "gateway"):
        container = kinds["Deployment"][name]["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"] and container["livenessProbe"]
        assert container["resources"]["requests"] and container["resources"]["limits"]
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert kinds["HorizontalPodAutoscaler"][name]["spec"]["scaleTargetRef"]["name"] == name
        assert name in kinds["PodDisruptionBudget"]
    for name in SERVICES:
        probe = kinds["Deployment"][name]["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]
        assert probe["exec"]["command"][-2:] == ["ekinerja_contract.healthcheck", name]
    assert {"rabbitmq", "postgres", "minio"} <= set(kinds["StatefulSet"])


def test_keda_watches_queues_the_services_really_consume():
    import importlib
    for d in docs(K8S / "components" / "keda" / "scaledobjects.yaml"):
        if d["kind"] != "ScaledObject":
            continue
        service = d["spec"]["scaleTargetRef"]["name"]
        queue = d["spec"]["triggers"][0]["metadata"]["queueName"]
        handler = queue.rsplit("--", 1)[1].split(".", 1)[1]  # evt-SRC-TYPE--SERVICE.HANDLER
        cls = next(v for v in vars(importlib.import_module(f"services.{service}.service")).values()
                   if getattr(v, "name", None) == service)
        assert hasattr(cls, handler), f"{queue}: {service} has no handler {handler}"


def test_the_image_is_multi_stage_and_runs_as_non_root():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") >= 2
    assert "USER 10001" in dockerfile
