"""What every request passes through: body size limits, a login rate limit per
address, and the security headers."""
import threading
import time

from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders

from .errors import ApiError, body as error_body

MB = 1024 * 1024
LIMITS = {"/api/v1/evidence": 12 * MB, "/api/v1/admin/organisation/import": 20 * MB,
          "/api/v1/admin/organisation": 20 * MB}
DEFAULT_LIMIT = 1 * MB
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
        if length and length.isdigit() and int(length) > limit:
            refusal = JSONResponse(error_body(413, "payload_too_large",
                                              f"the body is larger than {limit // MB} MB"),
                                   status_code=413)
        elif scope["method"] in ("POST", "PUT", "PATCH") and length is None \
                and request_headers.get("transfer-encoding"):
            refusal = JSONResponse(error_body(411, "length_required", "send a Content-Length"),
                                   status_code=411)
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
