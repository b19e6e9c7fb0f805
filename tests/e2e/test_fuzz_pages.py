"""The pages under hostile input: logged in on the pages as a staff member, a superior,
the review team and the admin, every HTML route gets malformed path parameters, query
strings and form fields from hypothesis (huge and negative numbers, text, Unicode
digits, NUL, markup, empty values, unknown and repeated fields, other body encodings).

Whatever comes in, a page answers a page: never a 5xx, never JSON, and a 4xx is a page
in Indonesian (the error page's #problem, or the login form with its message), or a
303 back to one of our pages. The figures land in docs/RELIABILITY.md."""
import re
from collections import Counter
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ekinerja_contract import clock
from ekinerja_contract.config import REPO_ROOT
from ekinerja_contract.schemas import MAX_ID
from tests.support.stack import demo_system
from tools import demo_data, reliability
from tools.supervisor import wait_until

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO_ROOT / "test-artifacts"
EXAMPLES = 25  # per route and role
ROLES = {"staff": "sari", "superior": "kadis", "review team": "made", "admin": "admin"}
# GET /keluar ends every session of the account: not a page to throw input at here
# (tests/e2e/test_authorization_matrix.py covers logouts).
NOT_FUZZED = {("GET", "/keluar")}
# Developer English that must never reach a civil servant's page.
ENGLISH = re.compile(r"\b(error|not found|invalid|forbidden|failed|must|request|service|"
                     r"traceback|exception|none|null|undefined|value|field|required|"
                     r"should|please|missing|input)\b", re.IGNORECASE)


def password_of(username):
    if username == "admin":
        return demo_data.ADMIN["password"]
    return next(e["password"] for e in demo_data.ORGANISATION["employees"]
                if e["username"] == username)


@pytest.fixture(scope="module")
def system(amqp_uri, s3_server, tmp_path_factory):
    yield from demo_system(amqp_uri, s3_server, tmp_path_factory, "fuzzp")


@pytest.fixture(scope="module")
def known(system):
    """Real ids to mix with the junk: a report of sari's with a photo, its task."""
    http = httpx.Client(base_url=system.gateway_url, timeout=30)
    sari = system.demo["people"]["sari"]["headers"]
    photo = http.post("/api/v1/evidence", params={"filename": "a.jpg"},
                      content=demo_data.tiny_jpeg(), headers={**sari, "Content-Type": "image/jpeg"})
    photo.raise_for_status()
    day = demo_data.working_day(clock.today())
    report = http.post("/api/v1/reports", headers=sari, json={
        "skp_item_id": demo_data.skp_item(system.demo["people"]["sari"], day),
        "activity_code": "SURAT-DINAS", "date": day.isoformat(), "start": "07:00",
        "end": "07:30", "description": "Surat untuk uji masukan rusak",
        "evidence_id": photo.json()["id"]})
    report.raise_for_status()
    kadis = system.demo["people"]["kadis"]["headers"]
    tasks = []
    wait_until(lambda: tasks.extend(http.get("/api/v1/approvals/inbox", headers=kadis).json())
               or tasks, 20, "task")
    http.close()
    return {"report": report.json()["id"], "task": tasks[0]["id"],
            "evidence": photo.json()["id"], "day": day.isoformat(), "year": str(day.year),
            "sari": system.demo["people"]["sari"]["id"]}


@pytest.fixture(scope="module")
def sessions(system):
    """A cookie session per role, logged in through the login form."""
    clients = {}
    for role, username in ROLES.items():
        c = httpx.Client(base_url=system.gateway_url, timeout=60, follow_redirects=False)
        r = c.post("/masuk", data={"username": username, "password": password_of(username)},
                   headers={"Origin": system.gateway_url})
        assert r.status_code == 303 and r.headers["location"] == "/", (role, r.status_code, r.text)
        assert c.get("/").status_code == 200
        clients[role] = c
    yield clients
    for c in clients.values():
        c.close()


# --- what hostile input looks like ----------------------------------------------------------

SPECIALS = ["", " ", "0", "-1", "1", "2", "3", str(MAX_ID), str(MAX_ID + 1), "9" * 25,
            "-" + "9" * 25, "1.5", "1e9", "0x1f", "+3", " 7", "7 ", "07", "²", "٣", "١٢", "１",
            "Ⅻ", "𝟠", "null", "undefined", "NaN", "true", "[]", "{}", "\x00", "a\x00b",
            "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd", "%00", "%2F",
            "🙂", "ä" * 300, "x" * 5000, "2026-11", "2026-13", "0000-01", "9999-12", "٢٠٢٦-١١",
            "2026-11-31", "2026-02-30", "1900-01-01", "approve:1", "reject:", ":", "bulk"]
value = st.one_of(st.sampled_from(SPECIALS),
                  st.integers(-(10 ** 40), 10 ** 40).map(str),
                  st.text(max_size=40))


def segment(strategy=value):
    return strategy.map(lambda v: quote(v, safe=""))


def query(fields):
    """Query parameters: each field absent or hostile, plus an unknown one now and then."""
    return st.fixed_dictionaries({}, optional={**fields, "x": value})


def form(fields, dynamic=(), ids=value):
    """Form fields: known names with hostile values (sometimes repeated), names made from
    a prefix and an id (reason_<id>, role_<id>...), and unknown names."""
    named = st.fixed_dictionaries({}, optional={
        k: st.one_of(v, st.lists(v, min_size=2, max_size=3)) for k, v in fields.items()})
    made = st.dictionaries(st.tuples(st.sampled_from(dynamic or ("extra_",)), ids)
                           .map("".join), st.one_of(value, st.sampled_from(ROLE_NAMES)),
                           max_size=4)
    extra = st.dictionaries(st.text(min_size=1, max_size=12), value, max_size=2)
    return st.tuples(named, made, extra).map(lambda t: {**t[2], **t[1], **t[0]})


ENCODINGS = ["form", "form", "form", "multipart", "json", "raw", "none"]
RAW_TYPES = ["application/x-www-form-urlencoded", "multipart/form-data",
             "multipart/form-data; boundary=x", "text/plain", "application/xml"]


def encode(data: dict, how: str = "form", raw: bytes = b"", raw_type: str = "") -> dict:
    """httpx arguments sending `data` as a form, multipart, JSON or unreadable bytes."""
    if how == "form":
        return {"data": data}
    if how == "multipart":
        return {"files": [(k, (None, v if isinstance(v, str) else v[0]))
                          for k, v in data.items()] or [("x", (None, ""))]}
    if how == "json":
        return {"json": data}
    if how == "raw":
        return {"content": raw, "headers": {"Content-Type": raw_type}}
    return {}


ROLE_NAMES = ["chair", "speaker", "note_taker", "participant"]
NASTY = ["²", "a\x00b", "9" * 25, "-1", "", "<b>x</b>"]  # every field at once, each route
# as the report says them (tools.reliability takes no backslashes)
NASTY_SAID = ["`²`", "`a` NUL `b`", "25 nines", "`-1`", "empty", "`<b>x</b>`"]


class Route:
    """One page route: its path parameters, query fields and form fields, how hypothesis
    fills them, and a sweep that puts one nasty value in every field at once."""

    def __init__(self, method, path, query=(), form=(), dynamic=(), sweeps=None):
        self.method, self.path = method, path
        self.query, self.form, self.dynamic = list(query), list(form), tuple(dynamic)
        self.sweeps = sweeps or (lambda n, k: [])
        self.params = re.findall(r"\{([^}]+)\}", path)

    def url(self, values: dict) -> str:
        return re.sub(r"\{([^}]+)\}", lambda m: quote(values[m.group(1)], safe=""), self.path)

    def strategy(self, s: dict):
        """(path, httpx arguments); `s` gives a strategy per parameter or field name."""
        path = st.fixed_dictionaries({p: s.get(p, value) for p in self.params}).map(self.url)
        if self.method == "GET":
            return st.tuples(path, query({f: s.get(f, value) for f in self.query})
                             .map(lambda q: {"params": q}))
        fields = form({f: s.get(f, value) for f in self.form}, self.dynamic, s["ids"])
        return st.tuples(path, st.tuples(fields, st.sampled_from(ENCODINGS),
                                         st.binary(max_size=200), st.sampled_from(RAW_TYPES))
                         .map(lambda t: encode(*t)))

    def sweep(self, nasty: str, known: dict) -> list[tuple[str, dict]]:
        """The nasty value in every path parameter; then real path parameters and the
        nasty value in every field (and in names made from ids)."""
        real = {"report_id": str(known["report"]), "meeting_id": str(known["task"]),
                "dispute_id": "1", "employee_id": str(known["sari"]), "year": known["year"],
                "evidence_id": known["evidence"], "action": "keberatan"}
        out = [(self.url({p: nasty for p in self.params}), {})] if self.params else []
        fields = {f: nasty for f in (self.query if self.method == "GET" else self.form)}
        for prefix in self.dynamic:
            fields[prefix + str(known["task"])] = nasty
            fields[prefix + nasty] = "chair" if prefix == "role_" else nasty
        path = self.url({p: real.get(p, "1") for p in self.params})
        for extra in [{}, *self.sweeps(nasty, known)]:
            data = {**fields, **extra}
            out.append((path, {"params": data} if self.method == "GET" else {"data": data}))
        return out


# For a route added to routes.py after this file was written: the query and form names
# pages commonly use, and names made from ids.
GENERIC_QUERY = ["tahun", "periode", "mulai", "status"]
GENERIC_FORM = ["action", "decision", "reason", "note", "task_id", "year", "title", "date",
                "start", "end", "description", "expected"]
GENERIC_DYNAMIC = ("reason_", "preset_", "version_", "role_", "item_")


def generic(method, path):
    if method == "GET":
        return Route(method, path, GENERIC_QUERY)
    return Route(method, path, form=GENERIC_FORM, dynamic=GENERIC_DYNAMIC)


ROUTES = [
    Route("GET", "/"),
    Route("GET", "/offline"),
    Route("GET", "/masuk"),
    Route("POST", "/masuk", form=["username", "password"]),
    Route("GET", "/riwayat", ["periode", "status"]),
    Route("GET", "/rekap", ["periode"]),
    Route("GET", "/laporan/baru", ["rapat"]),
    Route("GET", "/laporan/{report_id}", ["baru"]),
    Route("POST", "/laporan/{report_id}/{action}", form=["reason", "task_id"],
          sweeps=lambda n, k: [{"task_id": str(k["task"])}]),
    Route("GET", "/persetujuan", ["mulai", "pegawai", "tanggal"]),
    Route("POST", "/persetujuan", form=["action", "task_id"],
          dynamic=("reason_", "preset_", "version_"),
          sweeps=lambda n, k: [{"action": f"reject:{k['task']}"}, {"action": f"approve:{n}"},
                               {"action": "bulk", "task_id": [n, str(k["task"])]}]),
    Route("GET", "/tim"),
    Route("GET", "/keberatan"),
    Route("POST", "/keberatan/{dispute_id}", form=["decision", "reason"],
          sweeps=lambda n, k: [{"decision": "uphold"}]),
    Route("GET", "/admin"),
    Route("GET", "/bukti/{evidence_id}"),
    Route("GET", "/rapat"),
    Route("POST", "/rapat", form=["activity_code", "title", "place", "date", "start", "end",
                                  "expected", "my_role"], dynamic=("role_",),
          sweeps=lambda n, k: [{"activity_code": "RAPAT", "date": k["day"], "start": "13:00",
                                "end": "14:00", "my_role": "chair"}]),
    Route("GET", "/rapat/{meeting_id}"),
    Route("POST", "/rapat/{meeting_id}/peran", dynamic=("role_",)),
    Route("POST", "/rapat/{meeting_id}/klaim", form=["skp_item_id", "evidence_id", "claim_key"]),
    Route("GET", "/skp", ["tahun"]),
    Route("POST", "/skp", form=["year", "action", "item_0_kind", "item_0_title", "item_0_parent",
                                "item_0_ind_0_name", "item_0_ind_0_quantity", "item_0_ind_0_unit",
                                "item_0_ind_0_quality", "item_0_ind_0_months",
                                "item_0_ind_0_remove", "item_0_ind_1_name", "item_1_kind"],
          dynamic=("item_",)),
    Route("GET", "/skp/tim", ["tahun"]),
    Route("GET", "/pantauan/orang", ["cakupan", "daftar", "bulan", "opd", "unit", "atasan",
                                     "predikat"]),
    Route("GET", "/pantauan/{slug}", ["bulan", "opd", "unit"]),
    Route("GET", "/skp/{employee_id}/{year}"),
    Route("POST", "/skp/{employee_id}/{year}", form=["decision", "note"],
          sweeps=lambda n, k: [{"decision": "return"}]),
]


def strategies(known):
    """What hypothesis draws for each parameter and field name (the rest: `value`)."""
    ids = st.one_of(value, st.sampled_from([str(known["report"]), str(known["task"]), "1"]))
    return {
        "ids": ids, "report_id": ids, "meeting_id": ids, "dispute_id": ids, "rapat": ids,
        "task_id": ids, "employee_id": st.one_of(ids, st.just(str(known["sari"]))),
        "year": st.one_of(value, st.integers(1990, 2110).map(str)),
        "evidence_id": st.one_of(value, st.uuids().map(str), st.just(known["evidence"]),
                                 st.text(alphabet="0123456789abcdef-", min_size=36,
                                         max_size=36)),
        "action": st.one_of(value, st.sampled_from(
            ["tarik", "kirim-ulang", "kirim", "hapus", "keberatan", "submit", "save"]),
            st.tuples(st.sampled_from(["approve", "reject", "request_revision", "bulk", ""]),
                      ids).map(":".join)),
        "decision": st.one_of(value, st.sampled_from(["uphold", "dismiss", "approve",
                                                      "return", "reject"])),
        "my_role": st.one_of(value, st.sampled_from(ROLE_NAMES)),
        "username": st.one_of(value, st.sampled_from(["sari", "admin", "nobody"])),
        "slug": st.one_of(value, st.sampled_from(["kota", "opd", "tim"])),
        "cakupan": st.one_of(value, st.sampled_from(["kota", "opd", "tim"])),
        "daftar": st.one_of(value, st.sampled_from(["semua", "belum_lapor", "tertinggal", "menunggu",
                                                    "predikat", "tim_dari", "dibayar"])),
        "predikat": st.one_of(value, st.sampled_from(["Baik", "Sangat Baik", "Kurang"])),
        "bulan": st.one_of(value, st.just(""), st.sampled_from(["2026-12", "2026-13", "1999-01"])),
        "opd": st.one_of(ids, st.just("")), "unit": st.one_of(ids, st.just("")), "atasan": ids,
    }


def page_routes() -> set[tuple[str, str]]:
    """Every route the pages' router declares (read from the source, not imported)."""
    found = set()
    for module in ("routes.py", "leaders.py"):
        source = (REPO_ROOT / "gateway" / "web" / module).read_text()
        found |= {(m.upper(), p) for m, p in re.findall(r'@router\.(get|post)\(\s*"([^"]+)"', source)}
    return found


# --- what every answer must be ----------------------------------------------------------------

def problems_of(r: httpx.Response, method: str, route: str, logged_in: bool) -> list[str]:
    status, ctype = r.status_code, r.headers.get("content-type", "")
    found = []
    if status >= 500:
        found.append(f"{status} server error")
    if "json" in ctype:
        found.append(f"JSON answer ({ctype})")
    if 300 <= status < 400:
        location = r.headers.get("location", "")
        own_page = location.startswith("/") and not location.startswith("//")
        evidence = route == "/bukti/{evidence_id}" and location.startswith("http")
        # Starlette's redirect_slashes: ".../" to the same path without the slash, same
        # method (307), on our own origin
        origin = f"{r.request.url.scheme}://{r.request.url.netloc.decode()}"
        slash = status == 307 and r.request.url.path.endswith("/") and \
            location.split("?")[0] == origin + r.request.url.raw_path.decode().split("?")[0].rstrip("/")
        if not ((status == 303 and (own_page or evidence)) or slash):
            found.append(f"{status} redirect to {location!r}")
        if logged_in and location.startswith("/masuk"):
            found.append("the session was lost (redirect to the login page)")
    elif status < 500:
        if not ctype.startswith("text/html"):
            found.append(f"{status} answered as {ctype or 'no content type'}")
        elif '<html lang="id"' not in r.text:
            found.append(f"{status} page not in Indonesian (no lang=id)")
    if 400 <= status < 500 and ctype.startswith("text/html"):
        login_form = route == "/masuk" and 'role="alert"' in r.text and 'id="username"' in r.text
        box = re.search(r'id="problem".*?</section>', r.text, re.S)
        if box is None and not login_form:
            found.append(f"{status} page without #problem")
        if box is not None:
            text = re.sub(r"<[^>]+>", " ", box.group(0).split(">", 1)[1])
            english = sorted({w.lower() for w in ENGLISH.findall(text)})
            if english:
                found.append(f"{status} page in English: {english} in {' '.join(text.split())[:200]!r}")
    return found


def test_every_page_answers_hostile_input_with_a_page_in_indonesian(system, sessions, known):
    declared = page_routes() - NOT_FUZZED
    table = [r for r in ROUTES if (r.method, r.path) in declared]
    written = {(r.method, r.path) for r in table}
    # routes added since this file was written: fuzzed all the same, with generic names
    table += [generic(m, p) for m, p in sorted(declared - written)]
    assert len(table) >= 19
    given_for = strategies(known)

    anonymous = httpx.Client(base_url=system.gateway_url, timeout=60, follow_redirects=False)
    counts = {role: Counter() for role in [*ROLES, "anonymous"]}
    failures = []
    origins = st.sampled_from([system.gateway_url] * 4 + ["https://jahat.example"])
    referers = st.sampled_from([None, None, None, system.gateway_url + "/persetujuan",
                                "https://jahat.example/x"])

    def send(role, route, path, kwargs, origin=system.gateway_url, referer=None):
        client = anonymous if role == "anonymous" else sessions[role]
        kwargs = dict(kwargs)
        headers = {**kwargs.pop("headers", {}), "Accept": "text/html"}
        if route.method == "POST":
            headers["Origin"] = origin
        if referer:
            headers["Referer"] = referer
        if role == "anonymous":
            client.cookies.clear()
        c = counts[role]
        c["requests"] += 1
        said = f"{role}: {route.method} {path} {kwargs or ''} headers={headers}"
        try:
            r = client.request(route.method, path, headers=headers, **kwargs)
        except httpx.TransportError as err:
            # uvicorn closes the connection after an unhandled exception: the next request
            # on it is reset. Counted, told, and sent again on a new connection.
            c["connection errors"] += 1
            failures.append(f"{said} -> connection error {err!r}")
            r = client.request(route.method, path, headers=headers, **kwargs)
        c[f"{r.status_code // 100}xx"] += 1
        c["json"] += "json" in r.headers.get("content-type", "")
        for problem in problems_of(r, route.method, route.path, role != "anonymous"):
            failures.append(f"{said} -> {problem}; body {r.text[:300]!r}")

    def hypothesis_run(role, route):
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.generate], suppress_health_check=list(HealthCheck))
        @given(request=route.strategy(given_for), origin=origins, referer=referers)
        def attempt(request, origin, referer):
            send(role, route, request[0], request[1], origin, referer)
        return attempt

    for route in table:
        # the login form is for people who are not logged in yet
        roles = ["anonymous"] if route.path == "/masuk" else list(ROLES)
        for role in roles:
            swept = {}
            for nasty in NASTY:
                for path, kwargs in route.sweep(nasty, known):
                    swept.setdefault(repr((path, kwargs)), (path, kwargs))
            for path, kwargs in swept.values():
                send(role, route, path, kwargs)

            hypothesis_run(role, route)()
    anonymous.close()

    total = sum(counts.values(), Counter())
    rows = [f"| {role} | {c['requests']} | {c['2xx']} | {c['3xx']} | {c['4xx']} | {c['5xx']} "
            f"| {c['json']} | {c['connection errors']} |" for role, c in counts.items()]
    reliability.record("fuzz-pages", "Hostile input on the pages (hypothesis, "
                       "tests/e2e/test_fuzz_pages.py)", [
        f"{len(table)} HTML routes ({len(table) - len(written)} of them added since the test "
        "was written, fuzzed with generic field names); the login form as an anonymous "
        "visitor, the rest logged in on the pages as staff, superior, review team and admin. "
        f"Per route and role: a sweep putting each of {len(NASTY)} nasty values "
        f"({', '.join(NASTY_SAID)}) in every path parameter, then in every field "
        f"at once, then hypothesis, derandomized, {EXAMPLES} examples: huge and negative "
        "numbers, text, Unicode digits, NUL, markup, empty, repeated and unknown fields, "
        "multipart, JSON and raw bodies, foreign Origin and Referer. A page must answer: no "
        "5xx, no JSON, a 4xx as an Indonesian page (#problem, or the login form) or a 303 "
        "back to one of our pages.", "",
        "| role | requests | 2xx | 3xx | 4xx | 5xx | JSON answers | connection resets |",
        "|---|---|---|---|---|---|---|---|", *rows,
        f"| **all** | {total['requests']} | {total['2xx']} | {total['3xx']} | {total['4xx']} "
        f"| {total['5xx']} | {total['json']} | {total['connection errors']} |", "",
        f"Answers that broke a rule: {len(failures)}."])
    if failures:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "fuzz-pages-failures.txt").write_text("\n".join(failures) + "\n")
    assert total["requests"] >= len(table) * EXAMPLES
    assert failures == [], f"{len(failures)} bad answers (all in " \
        f"test-artifacts/fuzz-pages-failures.txt):\n" + "\n".join(failures[:30])
