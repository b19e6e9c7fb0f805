"""The repository stands on its own: the README and docs/ link only to files in it, the
README starts with the two commands, and `scripts/dev` never dies on the demo data
(a locked or changed demo account gives one line, not a traceback). No broker."""
import json
import re
import shutil
import subprocess

import httpx
import pytest

from ekinerja_contract.config import REPO_ROOT
from tools import demo_data, run_local

DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$", re.M)
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
TOP_LEVEL = ("bench", "deploy", "docs", "ekinerja_contract", "examples", "gateway", "scripts",
             "services", "tests", "tools", ".ci")


def _prose(path):
    return FENCE.sub("", path.read_text(encoding="utf-8"))


def _relative_links(path):
    text = _prose(path)
    for target in [*INLINE_LINK.findall(text), *REFERENCE_LINK.findall(text)]:
        if SCHEME.match(target) or target.startswith("#"):
            continue
        yield target


def _ignored(path) -> bool:
    """Git ignores it (data/, test-artifacts/, …): present here, absent from a clone."""
    if not (REPO_ROOT / ".git").exists() or not shutil.which("git"):
        return False
    return subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO_ROOT).returncode == 0


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_every_relative_link_resolves_to_a_file_in_the_repository(doc):
    broken = []
    for target in _relative_links(doc):
        resolved = (doc.parent / target.split("#", 1)[0].split("?", 1)[0]).resolve()
        if (not resolved.is_relative_to(REPO_ROOT.resolve()) or not resolved.exists()
                or _ignored(resolved)):
            broken.append(target)
    assert not broken, f"{doc.name} links outside the repository or to nothing: {broken}"


def test_the_readme_names_no_path_outside_the_repository():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "../" not in text and "shared/" not in text
    missing = []
    for token in re.findall(r"`([^`\s]+)`", text):
        if not token.startswith(tuple(f"{d}/" for d in TOP_LEVEL)) or re.search(r"[<{$]", token):
            continue
        if "*" in token:
            if not list(REPO_ROOT.glob(token)):
                missing.append(token)
        elif not (REPO_ROOT / token).exists():
            missing.append(token)
    assert not missing, f"the README names paths that are not in the repository: {missing}"


def test_the_readme_starts_with_the_two_commands():
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    first_block = re.search(r"^```[^\n]*\n(.*?)^```", text, re.S | re.M).group(1)
    assert "scripts/dev" in first_block and "scripts/test" in first_block


# --- the demo loader against a gateway that answers as ours does --------------------------

def _error(status, code, message, headers=None):
    return httpx.Response(status, headers=headers, json={"error": {
        "status": status, "code": code, "reason_code": code, "message": message,
        "display_message": "…", "details": []}})


def gateway(refuse: dict[str, httpx.Response]):
    """A MockTransport: logins succeed except for the usernames in `refuse`; every other
    request answers 200 with an approved SKP (enough for the loader to go on)."""
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v1/auth/login":
            username = json.loads(request.content)["username"]
            if username in refuse:
                return refuse[username]
            return httpx.Response(200, json={"access_token": f"token-{username}",
                                             "user": {"employee_id": len(username)}})
        return httpx.Response(200, json={"state": "approved", "items": [{"id": 1}, {"id": 2}]})
    return httpx.MockTransport(handle)


def locked():
    return _error(429, "account_locked", "too many failed logins; try again later",
                  headers={"Retry-After": "900"})


def wrong_password():
    return _error(401, "invalid_credentials", "wrong username or password")


def test_the_demo_loader_loads_when_every_login_succeeds():
    with httpx.Client(base_url="http://gateway", transport=gateway({})) as http:
        loaded = demo_data.load(http, 2026)
    assert set(loaded["people"]) == {"kadis", "sari", "agus", "made", "sekda"}


def test_a_locked_demo_account_is_one_clear_error():
    with httpx.Client(base_url="http://gateway", transport=gateway({"admin": locked()})) as http:
        with pytest.raises(demo_data.DemoDataError) as err:
            demo_data.load(http, 2026)
    assert err.value.account == "admin" and err.value.status == 429
    message = str(err.value)
    assert message.startswith("could not load the demo data: account 'admin'")
    assert "429 account_locked" in message and "15 minutes" in message and "\n" not in message


def test_a_held_back_demo_login_says_how_long_to_wait():
    held = _error(429, "too_many_requests", "too many failed logins; wait and try again",
                  headers={"Retry-After": "30"})
    with httpx.Client(base_url="http://gateway", transport=gateway({"kadis": held})) as http:
        with pytest.raises(demo_data.DemoDataError) as err:
            demo_data.load(http, 2026)
    assert err.value.account == "kadis" and "try again in 30 s" in str(err.value)


def test_a_changed_demo_password_is_one_clear_error():
    with httpx.Client(base_url="http://gateway",
                      transport=gateway({"sari": wrong_password()})) as http:
        with pytest.raises(demo_data.DemoDataError) as err:
            demo_data.load(http, 2026)
    assert err.value.account == "sari" and err.value.status == 401
    assert "account 'sari'" in str(err.value) and "password" in str(err.value)


def test_no_answer_and_a_refused_request_are_the_same_clear_error():
    def down(request):
        raise httpx.ConnectError("connection refused", request=request)
    with httpx.Client(base_url="http://gateway", transport=httpx.MockTransport(down)) as http:
        with pytest.raises(demo_data.DemoDataError, match="no answer from the gateway"):
            demo_data.load(http, 2026)

    def refuses_the_catalogue(request):
        if request.url.path == "/api/v1/admin/catalogue":
            return _error(422, "invalid_input", "the request is not valid")
        return gateway({}).handle_request(request)
    with httpx.Client(base_url="http://gateway",
                      transport=httpx.MockTransport(refuses_the_catalogue)) as http:
        with pytest.raises(demo_data.DemoDataError) as err:
            demo_data.load(http, 2026)
    assert "POST /api/v1/admin/catalogue" in str(err.value) and err.value.account is None


@pytest.mark.parametrize("refuse", [{"admin": locked()}, {"agus": wrong_password()}],
                         ids=["locked", "changed password"])
def test_run_local_prints_one_line_and_keeps_running(refuse, capsys):
    assert run_local.load_demo("http://gateway", transport=gateway(refuse)) is False
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("could not load the demo data: account")
    assert "keeps running" in err


def test_run_local_says_nothing_when_the_demo_data_loads(capsys):
    assert run_local.load_demo("http://gateway", transport=gateway({})) is True
    assert capsys.readouterr() == ("", "")
