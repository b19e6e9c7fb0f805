"""The national endpoint, over HTTPS: one push per item with its Idempotency-Key, a
delete for a revoked report, and the day's list for the reconciliation. The paths are
configurable; their defaults and the payloads are in docs/NATIONAL.md."""
import httpx

from .rules import PERIODIC, PROGRESS, YEARLY, outcome

TIMEOUT = 10.0  # seconds: slower counts as down, and is retried
PATHS = {PROGRESS: "/progres-harian", PERIODIC: "/kinerja-periodik", YEARLY: "/skp22"}


class NationalError(Exception):
    """The national side did not take it: `retry` says whether it may later."""

    def __init__(self, message: str, retry: bool, status: int | None = None):
        super().__init__(message)
        self.retry, self.status = retry, status


class National:
    def __init__(self, base_url: str, token: str = "", paths: dict | None = None):
        self.base = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.paths = PATHS | (paths or {})

    def _call(self, method: str, path: str, key: str | None = None, **kw) -> httpx.Response:
        headers = self.headers | ({"Idempotency-Key": key} if key else {})
        try:
            response = httpx.request(method, self.base + path, headers=headers, timeout=TIMEOUT, **kw)
        except httpx.HTTPError as error:
            raise NationalError(f"{type(error).__name__}: {error}", retry=True) from None
        if outcome(response.status_code) != "ack":
            raise NationalError(f"HTTP {response.status_code}: {_message(response)}",
                                retry=outcome(response.status_code) == "retry",
                                status=response.status_code)
        return response

    def push(self, kind: str, payload: dict, key: str) -> str:
        """The national id of what it now holds (the same for the same key again)."""
        answer = self._call("POST", self.paths[kind], key, json=payload).json()
        national_id = answer.get("id") if isinstance(answer, dict) else None
        if not national_id:
            raise NationalError(f"the answer named no id: {str(answer)[:200]}", retry=True)
        return str(national_id)

    def delete(self, kind: str, national_id: str, key: str) -> None:
        try:
            self._call("DELETE", f"{self.paths[kind]}/{national_id}", key)
        except NationalError as error:
            if error.status != 404:  # already gone is what we wanted
                raise

    def find(self, kind: str, key: str, day) -> str | None:
        """The national id of our item, from the day's list (a push whose answer was lost)."""
        if kind != PROGRESS or day is None:
            return None
        return next((str(t["id"]) for t in self.listed(day) if t.get("idLokal") == key), None)

    def listed(self, day) -> list[dict]:
        """What the national side holds from this city for a day ({id, idLokal, nip})."""
        answer = self._call("GET", self.paths[PROGRESS], params={"tanggal": day.isoformat()}).json()
        return list(answer.get("data", []) if isinstance(answer, dict) else answer)


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, dict):
        return str(body.get("message") or body.get("error") or body)[:300]
    return str(body)[:300]
