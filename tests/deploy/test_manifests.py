"""Deployment files checked offline: the Compose file against the Compose
specification, every Kubernetes manifest against the Kubernetes 1.37 schemas, and the
wiring between them and the code (queues KEDA watches, services each scaled on its own).
The base and each overlay as kustomize builds them: the gateway believes X-Forwarded-For
only from the Ingress controller (the login rate limit counts per client address), and
the Ingress does not serve /metrics, nor the API docs in production."""
import copy
import ipaddress
import json
import shutil
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


# --- the base and the overlays, built ---------------------------------------------------------

BUILDS = {"base": K8S / "base", "dev": K8S / "overlays" / "dev", "prod": K8S / "overlays" / "prod"}


def render(directory: Path, accumulated=()) -> list[dict]:
    """The objects `kubectl kustomize directory` prints, for what these kustomizations use:
    resources, components (which change what their parent has so far) and JSON 6902
    patches with a target. Generated Secrets (from git-ignored files) and `images` are left
    out: nothing checked with this is in them. Anything else fails here rather than being
    skipped; `test_render_agrees_with_kustomize` holds this to kustomize itself."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    assert set(spec) <= {"apiVersion", "kind", "namespace", "resources", "components", "patches",
                         "images", "secretGenerator", "generatorOptions"}, directory
    objects = copy.deepcopy(list(accumulated))
    for entry in spec.get("resources", []):
        path = directory / entry
        objects += render(path) if path.is_dir() else docs(path)
    for entry in spec.get("components", []):
        objects = render(directory / entry, objects)
    for patch in spec.get("patches", []):
        target, ops = patch["target"], yaml.safe_load(patch["patch"])
        assert set(target) <= {"kind", "name"} and isinstance(ops, list), f"{directory}: {patch}"
        matched = [o for o in objects if o["kind"] == target["kind"]
                   and o["metadata"]["name"] == target.get("name", o["metadata"]["name"])]
        assert matched, f"{directory}: the patch of {target} matches nothing"
        for obj in matched:
            for op in ops:
                _apply(obj, op)
    return objects


def _apply(obj: dict, op: dict) -> None:
    *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in op["path"].split("/")[1:]]
    node = obj
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]
    if isinstance(node, list):
        last = len(node) if last == "-" else int(last)
    if op["op"] == "add" and isinstance(node, list):
        node.insert(last, copy.deepcopy(op["value"]))
    elif op["op"] in ("add", "replace"):
        assert op["op"] == "add" or last in node or isinstance(node, list), op  # RFC 6902
        node[last] = copy.deepcopy(op["value"])
    elif op["op"] == "remove":
        del node[last]
    else:
        raise AssertionError(f"op {op['op']} is not rendered here")


def pod_specs(objects):
    for o in objects:
        spec = o.get("spec", {})
        template = spec.get("jobTemplate", {}).get("spec", spec).get("template")
        if template:
            yield o, template["spec"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="no kubectl (kustomize) here")
@pytest.mark.parametrize("build", ["dev", "prod"])
def test_render_agrees_with_kustomize(build, tmp_path):
    shutil.copytree(K8S, tmp_path / "k8s")
    for example in (tmp_path / "k8s").rglob("*.env.example"):
        example.with_suffix("").write_text(example.read_text())
    result = run("kubectl", "kustomize", str(tmp_path / "k8s" / BUILDS[build].relative_to(K8S)))
    assert result.returncode == 0, result.stderr

    def by_name(objects):
        out = {}
        for o in copy.deepcopy(objects):
            for _, pod in pod_specs([o]):
                for c in pod.get("containers", []) + pod.get("initContainers", []):
                    c.pop("image")
            out[o["kind"], o["metadata"]["name"]] = o
        return out
    built = {k: v for k, v in by_name([d for d in yaml.safe_load_all(result.stdout) if d]).items()
             if k[0] != "Secret"}
    assert by_name(render(BUILDS[build])) == built


def forwarded_allow_ips(argv: list[str], env: dict) -> list[str]:
    """What a command line and its environment give uvicorn as the trusted proxies."""
    found = [v for k, v in env.items() if k == "FORWARDED_ALLOW_IPS"]
    for n, arg in enumerate(argv):
        if arg == "--forwarded-allow-ips":
            found.append(argv[n + 1])
        elif arg.startswith("--forwarded-allow-ips="):
            found.append(arg.split("=", 1)[1])
    return found


def assert_named_proxies(value: str, where: str) -> None:
    """Addresses or networks only; `*` (or a network of every address) lets any client set
    X-Forwarded-For to whatever address it likes, and uvicorn silently takes an entry that
    is not an address as a name nobody connects from."""
    for entry in (e.strip() for e in str(value).split(",")):
        assert entry != "*", f"{where}: forwarded headers trusted from anyone"
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise AssertionError(f"{where}: {entry!r} is not an address or a network") from None
        assert network.prefixlen > 0, f"{where}: {entry} is every address"


@pytest.mark.parametrize("build", sorted(BUILDS))
def test_forwarded_headers_are_trusted_only_from_the_ingress_controller(build):
    objects = render(BUILDS[build])
    config_maps = {o["metadata"]["name"]: o.get("data", {})
                   for o in objects if o["kind"] == "ConfigMap"}
    for name, data in config_maps.items():
        for value in forwarded_allow_ips([], data):
            assert_named_proxies(value, f"{build}: ConfigMap {name}")
    gateway = None
    for o, pod in pod_specs(objects):
        for c in pod.get("containers", []) + pod.get("initContainers", []):
            argv = c.get("command", []) + c.get("args", [])
            env = {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}
            for value in forwarded_allow_ips(argv, env):
                assert_named_proxies(value, f"{build}: {o['kind']} {o['metadata']['name']}")
            if "gateway.app:app" in argv:
                from_config = {}
                for source in c.get("envFrom", []):
                    from_config |= config_maps.get(source.get("configMapRef", {}).get("name"), {})
                gateway = forwarded_allow_ips(argv, env) or forwarded_allow_ips([], from_config)
    # Unset, uvicorn would trust only 127.0.0.1: every login would count as the
    # controller's, one rate limit for the whole city.
    assert gateway, f"{build}: the gateway names no proxy to trust"


def test_compose_and_the_image_do_not_trust_forwarded_headers_from_anyone():
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]
    for name, service in compose.items():
        command = service.get("command", [])
        env = service.get("environment", {})
        if isinstance(env, list):
            env = dict(e.split("=", 1) for e in env if "=" in e)
        for value in forwarded_allow_ips(command if isinstance(command, list) else command.split(),
                                         env):
            assert_named_proxies(value, f"docker-compose.yml: {name}")
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD "))[4:]
    for value in forwarded_allow_ips(json.loads(cmd), {}):
        assert_named_proxies(value, "Dockerfile")
    assert "FORWARDED_ALLOW_IPS" not in dockerfile


def backend_of(ingresses: list[dict], host: str, path: str):
    """The Service an Ingress sends `host` + `path` to, by the Ingress rules: Exact is the
    whole path, Prefix whole path elements; the longest match wins, Exact before Prefix."""
    best = None
    for ingress in ingresses:
        for rule in ingress["spec"].get("rules", []):
            if rule.get("host", host) != host:
                continue
            for p in rule["http"]["paths"]:
                want = p["path"].rstrip("/").split("/")
                if p["pathType"] == "Exact":
                    ok = path == p["path"]
                else:
                    ok = path.rstrip("/").split("/")[:len(want)] == want or p["path"] == "/"
                rank = (len(p["path"].rstrip("/")), p["pathType"] == "Exact")
                if ok and (best is None or rank > best[0]):
                    best = (rank, p["backend"]["service"]["name"])
    return best and best[1]


PRIVATE = {"base": ["/metrics", "/metrics/", "/metrics/x"]}
PRIVATE["dev"] = PRIVATE["base"]
PRIVATE["prod"] = PRIVATE["base"] + ["/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"]


@pytest.mark.parametrize("build", sorted(BUILDS))
def test_the_ingress_serves_neither_metrics_nor_in_production_the_api_docs(build):
    objects = render(BUILDS[build])
    ingresses = [o for o in objects if o["kind"] == "Ingress"]
    services = {o["metadata"]["name"]: o for o in objects if o["kind"] == "Service"}
    with_endpoints = {o["metadata"]["name"] for o in objects if o["kind"] == "Endpoints"} | {
        o["metadata"].get("labels", {}).get("kubernetes.io/service-name")
        for o in objects if o["kind"] == "EndpointSlice"}
    host = ingresses[0]["spec"]["rules"][0]["host"]
    for path in PRIVATE[build]:
        name = backend_of(ingresses, host, path)
        if name is None:
            continue  # no rule: the controller's default backend, not the gateway
        assert name in services, f"{build}: {path} goes to a Service that does not exist"
        assert not services[name]["spec"].get("selector") and name not in with_endpoints, \
            f"{build}: {path} reaches Pods through Service {name}"
    for path in ("/", "/masuk", "/api/v1/auth/login", "/static/app.js", "/metricsx"):
        assert backend_of(ingresses, host, path) == "gateway", f"{build}: {path}"
