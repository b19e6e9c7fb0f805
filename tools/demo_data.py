"""A small demo city: one agency, its head, three staff, and a starter catalogue; the city
secretary (Sekretariat Daerah), who approves the head's work; and the city's rule set,
which names the secretary as the approver of agency heads. Used by the local runner and
by the end-to-end tests."""
import datetime as dt
from typing import Any

import httpx

from ekinerja_contract import clock
from ekinerja_contract.rule_set import default_body

ADMIN = {"username": "admin", "password": "admin-demo-123"}

# The city secretary's office: the Sekda approves the work of agency heads (the rule set's
# `head_approver`); the Sekda's own superior, the mayor, is not in the system.
CITY_HALL: dict[str, Any] = {
    "agency": {"code": "SETDA", "name": "Sekretariat Daerah"},
    "positions": [{"code": "SEKDA", "name": "Sekretaris Daerah", "job_class": 16}],
    "employees": [
        {"nip": "196905121994031007", "name": "Ida Bagus Surya", "position": "SEKDA",
         "status": "PNS", "grade": "IV/d", "username": "sekda", "password": "sekda-demo-123"},
    ],
}
HEAD_APPROVER = "SETDA/SEKDA"

ORGANISATION: dict[str, Any] = {  # the body of POST /admin/organisation
    "agency": {"code": "DISKOMINFO", "name": "Dinas Komunikasi, Informatika dan Statistik"},
    "positions": [
        {"code": "KADIS", "name": "Kepala Dinas", "job_class": 14},
        {"code": "PRANATA", "name": "Pranata Komputer", "job_class": 7, "superior": "KADIS"},
        {"code": "ARSIPARIS", "name": "Arsiparis", "job_class": 6, "superior": "KADIS"},
        {"code": "ANALIS", "name": "Analis Kinerja", "job_class": 8, "superior": "KADIS"},
    ],
    "employees": [
        {"nip": "197805152005011003", "name": "I Made Wirawan", "position": "KADIS",
         "status": "PNS", "grade": "IV/b", "username": "kadis", "password": "kadis-demo-123"},
        {"nip": "199003212015032001", "name": "Ni Luh Sari", "position": "PRANATA",
         "status": "PNS", "grade": "III/b", "username": "sari", "password": "sari-demo-123",
         "bank_name": "Bank BPD Bali", "bank_account": "0180201234567"},
        {"nip": "199511082020121004", "name": "Putu Agus", "position": "ARSIPARIS",
         "status": "CPNS", "grade": "II/c", "username": "agus", "password": "agus-demo-123",
         "bank_name": "Bank BPD Bali", "bank_account": "0180207654321"},
        {"nip": "198507172010011002", "name": "Made Suarta", "position": "ANALIS",
         "status": "PNS", "grade": "III/c", "username": "made", "password": "made-demo-123",
         "roles": ["employee", "review_team"]},
    ],
}

MEETING_WEIGHTS = {"chair": "1.5", "speaker": "1.25", "note_taker": "1.1", "participant": "1.0"}

CATALOGUE = {"activity_types": [
    {"code": "SURAT-DINAS", "name": "Menyusun surat dinas", "output_unit": "surat",
     "standard_minutes": 30, "points": "5.00", "rupiah": 7500, "evidence_required": True,
     "effective_from": "2026-01-01"},
    {"code": "RAPAT", "name": "Rapat koordinasi", "output_unit": "kegiatan",
     "standard_minutes": 60, "points": "8.00", "rupiah": 12000, "evidence_required": True,
     "role_weights": MEETING_WEIGHTS, "effective_from": "2026-01-01"},
    {"code": "ENTRI-DATA", "name": "Entri data ke aplikasi", "output_unit": "berkas",
     "standard_minutes": 15, "points": "2.00", "rupiah": 3000, "evidence_required": False,
     "effective_from": "2026-01-01"},
]}

LOGINS = [(ADMIN["username"], ADMIN["password"], "admin kota")] + [
    (e["username"], e["password"], e["name"])
    for e in ORGANISATION["employees"] + CITY_HALL["employees"]]


def rule_set(year: int) -> dict:
    """The city's rule set from the start of `year`: the defaults, with the Sekda as
    the approver of agency heads."""
    body = default_body().model_dump(mode="json") | {"head_approver": HEAD_APPROVER}
    return {"effective_from": f"{year}-01-01", "agency_id": None, "body": body}


class DemoDataError(RuntimeError):
    """The demo data could not be loaded; `account` says whose login failed (None when
    the failure was not a login), `status` the HTTP status (None: no answer)."""

    def __init__(self, reason: str, account: str | None = None, status: int | None = None):
        self.reason, self.account, self.status = reason, account, status
        who = f"account {account!r}: " if account else ""
        super().__init__(f"could not load the demo data: {who}{reason}")


def _error_of(r) -> tuple[str, str]:
    """(code, message) of a gateway error answer ({"error": {...}}), or of any other body."""
    try:
        err = r.json()["error"]
        return str(err.get("reason_code") or err.get("code")), str(err.get("message"))
    except (ValueError, KeyError, TypeError, AttributeError):
        return "http_error", (r.text or r.reason_phrase)[:200]


def _login_failure(username: str, r) -> DemoDataError:
    code, message = _error_of(r)
    if r.status_code == 429:
        retry = r.headers.get("Retry-After", "")
        wait = f"; try again in {_duration(int(retry))}" if retry.isdigit() else ""
        reason = (f"the gateway holds its login back after failed attempts "
                  f"(HTTP 429 {code}: {message}){wait}")
    elif r.status_code == 401:
        reason = (f"the demo password was refused (HTTP 401 {code}): was it changed? "
                  "Reset the demo data to get it back")
    else:
        reason = f"login failed (HTTP {r.status_code} {code}: {message})"
    return DemoDataError(reason, account=username, status=r.status_code)


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} s"
    return f"{-(-seconds // 60)} minutes"


def tiny_jpeg() -> bytes:
    """A valid 1x1 JPEG (the smallest photo a test can upload)."""
    import base64
    return base64.b64decode(
        "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////"
        "////////////////////////////////////////wAALCAABAAEBAREA/8QAFAABAAAAAAAAAAAAAAAA"
        "AAAAA//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAD8AN//Z")


def skp_item(person: dict, day: dt.date, index: int = 0) -> int:
    """The id of an item of a loaded person's SKP for the year of `day` (work is claimed
    against the SKP of its own year)."""
    return person["skps"][day.year]["items"][index]["id"]


def working_day(today: dt.date) -> dt.date:
    """Today, or the last weekday before it (demo reports are never in the future)."""
    while today.weekday() >= 5:
        today -= dt.timedelta(days=1)
    return today


def skp_items(parent_ids: list[int] | None = None) -> list[dict]:
    indicator = {"name": "Jumlah dokumen yang diselesaikan", "quantity": "120", "unit": "dokumen"}
    if parent_ids is None:  # the head: no superior in the system
        return [{"kind": "main", "title": "Terwujudnya layanan SPBE yang andal",
                 "indicators": [indicator]},
                {"kind": "main", "title": "Tertib administrasi persuratan dinas",
                 "indicators": [indicator]}]
    return [{"kind": "main", "title": "Tersusunnya surat dan naskah dinas",
             "parent_item_id": parent_ids[1], "indicators": [indicator]},
            {"kind": "main", "title": "Terkelolanya aplikasi dan data layanan",
             "parent_item_id": parent_ids[0], "indicators": [indicator]},
            {"kind": "creative", "title": "Inovasi: arsip digital berbasis QR",
             "indicators": [{"name": "Prototipe", "quantity": "1", "unit": "aplikasi"}]}]


def load(http, year: int, extra_years: tuple[int, ...] = ()) -> dict:
    """Load the demo city over the public API (an httpx.Client on the gateway), with
    approved SKPs for `year` (and `extra_years`). Returns ids by username.

    Any failure (a demo login refused or locked, a request refused, no answer) raises
    DemoDataError, whose message says which account or request and why."""
    try:
        return _load(http, year, extra_years)
    except httpx.HTTPError as exc:
        raise DemoDataError(f"no answer from the gateway ({type(exc).__name__}: {exc})") from exc


def _load(http, year: int, extra_years: tuple[int, ...]) -> dict:
    def login(username, password):
        r = http.post("/api/v1/auth/login", json={"username": username, "password": password})
        if r.status_code != 200:
            raise _login_failure(username, r)
        return {"Authorization": f"Bearer {r.json()['access_token']}"}, r.json()["user"]

    def ok(r):
        if r.status_code >= 300:
            code, message = _error_of(r)
            raise DemoDataError(f"{r.request.method} {r.request.url.path} answered HTTP "
                                f"{r.status_code} {code}: {message}", status=r.status_code)
        return r.json()

    admin, _ = login(ADMIN["username"], ADMIN["password"])
    # Yesterday's work is reported today, and on 1 January yesterday is last year's: its
    # placements and its SKP must be there too.
    extra_years = (*extra_years, working_day(clock.today() - dt.timedelta(days=1)).year)
    first_year = min((year, *extra_years))
    for org in (ORGANISATION, CITY_HALL):  # DISKOMINFO first: agency 1 in the tests
        body = {**org, "employees": [{"since": f"{first_year}-01-01", **e}
                                     for e in org["employees"]]}
        ok(http.post("/api/v1/admin/organisation", json=body, headers=admin))
    ok(http.post("/api/v1/admin/catalogue", json=CATALOGUE, headers=admin))
    published = http.post("/api/v1/admin/payroll-rule-sets", json=rule_set(first_year),
                          headers=admin)
    # loaded before (it stands), or its month is closed already (an older data folder)
    if _error_of(published)[0] not in ("rule_set_exists", "rule_set_period_closed"):
        ok(published)
    people = {}
    for e in ORGANISATION["employees"] + CITY_HALL["employees"]:
        headers, user = login(e["username"], e["password"])
        people[e["username"]] = {"headers": headers, "id": user["employee_id"],
                                 "agency_id": user.get("agency_id")}
    head = people["kadis"]
    # where Diskominfo's photos are expected to be taken (the integrity checks' geofence)
    if head["agency_id"] is not None:
        ok(http.put(f"/api/v1/agencies/{head['agency_id']}/offices", json={"offices": [
            {"name": "Kantor Diskominfo, Lumintang", "lat": -8.6335, "lon": 115.2157, "radius_m": 150}]},
            headers=admin))

    def skp(person, items, decider, year):
        existing = http.get(f"/api/v1/employees/{person['id']}/skp/{year}", headers=person["headers"])
        if existing.status_code == 200 and existing.json()["state"] == "approved":
            return existing.json()
        ok(http.put(f"/api/v1/skp/{year}", json={"year": year, "items": items},
                    headers=person["headers"]))
        ok(http.post(f"/api/v1/skp/{year}/submit", headers=person["headers"]))
        return ok(http.post(f"/api/v1/employees/{person['id']}/skp/{year}/decision",
                            json={"decision": "approve"}, headers=decider))

    for y in sorted({*extra_years, year}, reverse=True):  # `year` last: its SKP is the one kept
        sekda = people["sekda"]
        sekda.setdefault("skps", {})[y] = sekda["skp"] = skp(sekda, skp_items(), admin, y)
        year_skp = skp(head, skp_items(), admin, y)
        parents = [i["id"] for i in year_skp["items"]]
        for username in ("sari", "agus", "made"):
            people[username].setdefault("skps", {})[y] = people[username]["skp"] = skp(
                people[username], skp_items(parents), head["headers"], y)
        head.setdefault("skps", {})[y] = head["skp"] = year_skp
    return {"admin": admin, "people": people}
