"""What every request passes through: body size limits, a login rate limit per
address, and the security headers."""
import re
import threading
import time

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders

from .errors import ApiError
from .errors import body as error_body

MB = 1024 * 1024
LIMITS = {"/api/v1/evidence": 12 * MB, "/api/v1/admin/organisation/import": 20 * MB,
          "/api/v1/admin/organisation": 20 * MB}
DEFAULT_LIMIT = 1 * MB
MAX_JSON_DEPTH = 32  # no request of ours nests deeper than a handful of levels
CSP = ("default-src 'self'; img-src 'self' data: https: http:; script-src 'self'; "
       "style-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
       "base-uri 'none'")


class LoginLimiter:
    """At most `per_minute` login attempts per client address (per gateway process; the
    per-account lockout lives in reporting, shared by every instance)."""

    def __init__(self, per_minute: int = 20):
        self.per_minute = per_minute
        self.hits: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def check(self, address: str) -> None:
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.hits.get(address, []) if now - t < 60]
            if len(recent) >= self.per_minute:
                raise ApiError(429, "too_many_requests", "too many login attempts; wait a minute",
                               headers={"Retry-After": "60"})
            recent.append(now)
            self.hits[address] = recent


def install(app) -> None:
    app.add_middleware(Guards)


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_NOT_STRUCTURE = bytes(set(range(256)) - set(b'[]{}"\\'))


def json_too_deep(data: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests arrays/objects deeper than `limit`. Python's parser hits
    its recursion limit (a 500) on 200,000 nested brackets long before a size limit
    stops them. Everything but brackets, quotes and backslashes is dropped first
    (bytes.translate, in C), then the strings, then the brackets are walked."""
    structure = _JSON_STRING.sub(b"", data.translate(None, delete=_NOT_STRUCTURE))
    depth = 0
    for byte in structure:
        if byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


async def _buffered(receive):
    """The whole body (already bounded by the size limit), and a receive that replays it."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None, receive
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body, sent = b"".join(chunks), [False]

    async def replay():
        if not sent[0]:
            sent[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return body, replay


def _security_headers(path: str, scheme: str) -> list[tuple[str, str]]:
    headers = [("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
               ("Referrer-Policy", "same-origin"),
               ("Permissions-Policy", "camera=(self), geolocation=()")]
    if not path.startswith(("/docs", "/redoc")):
        headers.append(("Content-Security-Policy", CSP))
    if scheme == "https":
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    if path.startswith("/api/"):
        headers.append(("Cache-Control", "no-store"))
    return headers


class Guards:
    """Body size limits before the body is read, and security headers on every response.
    Plain ASGI (no BaseHTTPMiddleware): it adds nothing per request but a header list."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request_headers, path = Headers(scope=scope), scope["path"]
        length = request_headers.get("content-length")
        limit = LIMITS.get(path, DEFAULT_LIMIT)
        refusal = None
        if length and length.isascii() and length.isdigit() and int(length) > limit:
            refusal = JSONResponse(error_body(413, "payload_too_large",
                                              f"the body is larger than {limit // MB} MB"),
                                   status_code=413)
        elif scope["method"] in ("POST", "PUT", "PATCH") and length is None \
                and request_headers.get("transfer-encoding"):
            refusal = JSONResponse(error_body(411, "length_required", "send a Content-Length"),
                                   status_code=411)
        if refusal is None and scope["method"] in ("POST", "PUT", "PATCH") \
                and "json" in request_headers.get("content-type", ""):
            data, receive = await _buffered(receive)
            if data is not None and json_too_deep(data):
                refusal = JSONResponse(error_body(422, "invalid_input", "the JSON nests too deep",
                                                  [{"field": "body", "code": "json_too_deep",
                                                    "reason": f"deeper than {MAX_JSON_DEPTH}"}]),
                                       status_code=422)
        if refusal is not None:
            return await refusal(scope, receive, send)
        extra = _security_headers(path, scope.get("scheme", "http"))

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.setdefault(name, value)
            await send(message)
        await self.app(scope, receive, send_with_headers)
