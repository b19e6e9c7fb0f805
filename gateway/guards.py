"""What every request passes through: body size limits, a login rate limit per
address, and the security headers."""
import threading
import time

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
    from fastapi.responses import JSONResponse

    @app.middleware("http")
    async def guards(request, call_next):
        length = request.headers.get("content-length")
        limit = LIMITS.get(request.url.path, DEFAULT_LIMIT)
        if length and length.isdigit() and int(length) > limit:
            return JSONResponse(error_body(413, "payload_too_large",
                                           f"the body is larger than {limit // MB} MB"),
                                status_code=413)
        if request.method in ("POST", "PUT", "PATCH") and length is None \
                and request.headers.get("transfer-encoding"):
            return JSONResponse(error_body(411, "length_required", "send a Content-Length"),
                                status_code=411)
        response = await call_next(request)
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        if not request.url.path.startswith(("/docs", "/redoc")):
            headers.setdefault("Content-Security-Policy", CSP)
        if request.url.scheme == "https":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.url.path.startswith("/api/"):
            headers.setdefault("Cache-Control", "no-store")
        return response
