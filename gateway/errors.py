"""One error shape for every 4xx/5xx, and the one table that maps the contract's
error classes to HTTP statuses.

Every failure becomes a `Problem` first; then an API route answers it as JSON
(`{"error": {status, code, reason_code, message, display_message, details}}`:
`code` the kind of failure as in API v1 (not_found, conflict, …), `reason_code` the
precise, stable reason (report_overlap, own_work, …), `message` in English for
developers, `display_message` in Indonesian from gateway/messages.py)
and a page answers it as a page in the site's layout (web.routes registers that
renderer), never as JSON."""
import dataclasses
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ekinerja_contract import errors as contract
from ekinerja_contract.rpc_client import BusUnavailable, RemoteError, RpcTimeout

from . import messages

log = logging.getLogger("gateway.errors")

# The contract's classes, most specific first (a subclass maps before its base).
MAPPED_ERRORS: list[tuple[type[contract.ServiceError], int]] = [
    (contract.StaleVersion, 409),
    (contract.NotFound, 404),
    (contract.Forbidden, 403),
    (contract.Conflict, 409),
    (contract.InvalidInput, 422),
    (contract.PayloadTooLarge, 413),
    (contract.UnsupportedMediaType, 415),
    (contract.Unavailable, 503),
]
KINDS = {404: "not_found", 403: "forbidden", 409: "conflict", 422: "invalid_input",
         413: "payload_too_large", 415: "unsupported_media_type"}
HTTP_CODES = {400: "invalid_input", 401: "unauthenticated", 403: "forbidden",
              404: "page_not_found", 405: "method_not_allowed", 413: "payload_too_large",
              415: "unsupported_media_type", 422: "invalid_input", 429: "too_many_requests"}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details=None, headers=None,
                 params=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers, self.params = details or [], headers, params or {}


@dataclasses.dataclass
class Problem:
    status: int
    code: str  # the precise reason; `kind` is the v1 `code`
    message: str
    details: list = dataclasses.field(default_factory=list)
    params: dict = dataclasses.field(default_factory=dict)
    headers: dict | None = None
    kind: str | None = None

    @property
    def display_message(self) -> str:
        return messages.display(self.code, self.params)

    @property
    def display_details(self) -> list[str]:
        texts = (messages.reason_text(d) for d in self.details if isinstance(d, dict))
        return [text for text in texts if text]


def body(status: int, code: str, message: str, details=None, params=None,
         kind: str | None = None) -> dict:
    return {"error": {"status": status, "code": kind or code, "reason_code": code,
                      "message": message, "display_message": messages.display(code, params),
                      "details": [_with_display(d) for d in details or []]}}


def _with_display(detail):
    if isinstance(detail, dict):
        return {**detail, "display_reason": messages.reason_text(detail),
                "display_short": messages.reason_only(detail)}
    return detail


def status_of(exc: contract.ServiceError) -> int:
    return next((status for cls, status in MAPPED_ERRORS if isinstance(exc, cls)), 500)


def problem_of(exc: Exception) -> Problem:
    """Any failure a route can meet, as a Problem."""
    if isinstance(exc, ApiError):
        return Problem(exc.status, exc.code, exc.message, exc.details, exc.params, exc.headers)
    if isinstance(exc, contract.ServiceError):
        status = status_of(exc)
        if status == 503:  # e.g. a service's database in a failover: retry with the same key
            return Problem(503, exc.code, exc.message, kind="unavailable",
                           headers={"Retry-After": "5"})
        if status >= 500:
            return Problem(502, "service_error", "a service failed; try again later")
        return Problem(status, exc.code, exc.message, exc.details, exc.params,
                       kind=KINDS.get(status, exc.default_code))
    if isinstance(exc, BusUnavailable):
        return Problem(503, "unavailable", "the system is temporarily unavailable",
                       headers={"Retry-After": "5"})
    if isinstance(exc, RpcTimeout):
        return Problem(504, "timeout", "a service did not answer in time; try again",
                       headers={"Retry-After": "5"})
    if isinstance(exc, RequestValidationError):
        details = [{"field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query",
                                                                           "path", "form")),
                    "code": e.get("type", "invalid"), "reason": e["msg"],
                    **({"params": {k: str(v) for k, v in e["ctx"].items() if k != "error"}}
                       if e.get("ctx") else {})}
                   for e in exc.errors()]
        return Problem(422, "invalid_input", "the request is not valid", details)
    if isinstance(exc, StarletteHTTPException):
        return Problem(exc.status_code, HTTP_CODES.get(exc.status_code, "http_error"),
                       str(exc.detail), headers=getattr(exc, "headers", None))
    if isinstance(exc, RemoteError):
        return Problem(502, "service_error", "a service failed; try again later")
    return Problem(500, "service_error", "something went wrong; try again later")


def is_page(request: Request) -> bool:
    """A person's browser on one of our pages (not the API, the docs or a probe)."""
    path = request.url.path
    return not path.startswith(("/api/", "/docs", "/redoc", "/openapi.json", "/metrics",
                                "/healthz", "/readyz", "/static/"))


async def respond(request: Request, exc: Exception):
    problem = problem_of(exc)
    if problem.status >= 500:
        log.error("%s %s failed: %s", request.method, request.url.path, exc,
                  exc_info=not isinstance(exc, (BusUnavailable, RpcTimeout)))
    else:
        log.info("%s %s: %s %s", request.method, request.url.path, problem.status, problem.code)
    page = getattr(request.app.state, "error_page", None)
    if page is not None and is_page(request):
        return await page(request, problem)
    return JSONResponse(body(problem.status, problem.code, problem.message, problem.details,
                             problem.params, problem.kind),
                        status_code=problem.status, headers=problem.headers)


def install(app: FastAPI) -> None:
    for kind in (ApiError, contract.ServiceError, RemoteError, BusUnavailable, RpcTimeout,
                 RequestValidationError, StarletteHTTPException, Exception):
        app.add_exception_handler(kind, respond)
