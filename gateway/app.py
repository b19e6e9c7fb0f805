"""The FastAPI application: `uvicorn gateway.app:app`."""
import contextlib
import logging
import os
import time
import uuid

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.datastructures import Headers, MutableHeaders
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

from ekinerja_contract.observability import JsonFormatter, correlation_id as correlation

from ekinerja_contract.rpc_client import RpcClient

from . import errors, guards
from .api import router
from .settings import Settings


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    settings = app.state.settings
    app.state.rpc = RpcClient(settings.amqp_uri, timeout=settings.rpc_timeout).start()
    app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))
    try:
        yield
    finally:
        await app.state.http.aclose()
        app.state.rpc.stop()


REQUESTS = Counter("ekinerja_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("ekinerja_http_request_seconds", "HTTP latency", ["method", "route"])


def json_logs() -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(service="gateway"))
    for name in ("", "uvicorn", "uvicorn.error"):
        log = logging.getLogger(name)
        log.handlers = [handler]
        log.propagate = False
    logging.getLogger().setLevel(logging.INFO)


class Correlation:
    """Every request gets a correlation id (the caller's X-Correlation-ID, else a new
    one) that follows it through RPC and events, and is counted and timed by route.
    Plain ASGI: BaseHTTPMiddleware costs a task and two streams per request."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        cid = (Headers(scope=scope).get("x-correlation-id") or str(uuid.uuid4()))[:64]
        scope.setdefault("state", {})["correlation_id"] = cid
        token = correlation.set(cid)
        started, status = time.perf_counter(), [500]

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                MutableHeaders(scope=message)["X-Correlation-ID"] = cid
            await send(message)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            correlation.reset(token)
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, status[0]).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(title="E-Kinerja API", version="1.0.0", lifespan=lifespan,
                  description="Laporan kinerja harian ASN, persetujuan atasan, dan TPP.")
    app.state.settings = settings or Settings()
    json_logs()
    errors.install(app)
    guards.install(app)
    app.state.login_limiter = guards.LoginLimiter(
        int(os.environ.get("GATEWAY_LOGIN_PER_MINUTE", "20")))
    app.include_router(router)

    app.add_middleware(Correlation)

    @app.get("/metrics", include_in_schema=False)
    async def metrics():
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/healthz", tags=["ops"])
    async def healthz():
        return {"ok": True}

    @app.get("/readyz", tags=["ops"])
    async def readyz(request: Request):
        if not request.app.state.rpc.connected:
            raise errors.ApiError(503, "unavailable", "message broker unreachable",
                                  headers={"Retry-After": "5"})
        return {"ok": True}

    from .web import routes as web
    web.install(app)
    return app


app = create_app()
