"""The FastAPI application: `uvicorn gateway.app:app`."""
import asyncio
import contextlib
import hmac
import logging
import os
import time
import uuid
from pathlib import Path

import fastapi_offline
import httpx
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.datastructures import Headers, MutableHeaders

from ekinerja_contract.observability import JsonFormatter
from ekinerja_contract.observability import correlation_id as correlation
from ekinerja_contract.replies import OkOut
from ekinerja_contract.rpc_client import RpcClient

from . import errors, guards, traffic
from .api import clients, router
from .integrity_api import router as integrity_router
from .pay_api import router as pay_router
from .responses import errors as error_responses
from .settings import Settings

# Swagger UI and ReDoc as the pinned fastapi-offline package ships them, served from its
# own directory: the docs work without the internet and nothing third-party is copied.
DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
DOCS_STATIC = "/static/docs"
# ReDoc's bundle shows its maker's logo from the internet: this page may load nothing
# from outside (it styles itself inline and searches in a blob: worker).
REDOC_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
             "script-src 'self'; worker-src 'self' blob:; connect-src 'self'; "
             "frame-ancestors 'none'; base-uri 'none'")


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI):
    settings = app.state.settings
    app.state.rpc = RpcClient(settings.amqp_uri, timeout=settings.rpc_timeout,
                              heartbeat=settings.amqp_heartbeat).start()
    app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(60.0, connect=5.0))
    sender = asyncio.create_task(traffic.send_forever(TRAFFIC, app.state.rpc))
    try:
        yield
    finally:
        sender.cancel()
        await app.state.http.aclose()
        app.state.rpc.stop()


TRAFFIC = traffic.TrafficCount()
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
            agency = scope["state"].get("agency_id")  # set when the actor was authenticated
            if agency is not None:
                TRAFFIC.add(agency, status[0] >= 500)
            route = getattr(scope.get("route"), "path", "unmatched")
            REQUESTS.labels(scope["method"], route, status[0]).inc()
            LATENCY.labels(scope["method"], route).observe(time.perf_counter() - started)


def docs_enabled() -> bool:
    """GATEWAY_DOCS=off: no /docs, /redoc nor /openapi.json (production)."""
    return os.environ.get("GATEWAY_DOCS", "on").strip().lower() not in ("off", "0", "false", "no")


def install_docs(app: FastAPI) -> None:
    """/docs (Swagger UI) and /redoc with their assets from the gateway itself."""
    app.mount(DOCS_STATIC, StaticFiles(directory=DOCS_ASSETS), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
            # no badge that sends the document's address to the public validator
            swagger_ui_parameters={"validatorUrl": None})

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(
            openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{DOCS_STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_STATIC}/favicon.png", with_google_fonts=False)
        page.headers["Content-Security-Policy"] = REDOC_CSP
        return page


def metrics_guard(token: str | None):
    """GATEWAY_METRICS_TOKEN set: /metrics wants `Authorization: Bearer <token>`."""
    expected = f"Bearer {token}".encode() if token else None

    def check(request: Request) -> None:
        if expected is None:
            return
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            raise errors.ApiError(401, "unauthenticated", "the metrics need their bearer token",
                                  headers={"WWW-Authenticate": "Bearer"})
    return check


def create_app(settings: Settings | None = None) -> FastAPI:
    docs = docs_enabled()
    app = FastAPI(title="E-Kinerja API", version="1.0.0", lifespan=lifespan,
                  description="Laporan kinerja harian ASN, persetujuan atasan, dan TPP.",
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json" if docs else None)
    app.state.settings = settings or Settings()
    json_logs()
    errors.install(app)
    guards.install(app)
    app.state.login_limiter = guards.LoginLimiter(
        int(os.environ.get("GATEWAY_LOGIN_PER_MINUTE", "20")))
    app.include_router(router)
    app.include_router(pay_router)
    app.include_router(integrity_router)

    app.add_middleware(Correlation)
    metrics_token = metrics_guard(os.environ.get("GATEWAY_METRICS_TOKEN") or None)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request):
        metrics_token(request)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/probez", tags=["ops"], response_model=OkOut,
             responses={503: error_responses()[503], 504: error_responses()[504]})
    async def probe(request: Request):
        """The availability service's probe of the input path: the gateway, the broker, and
        reporting and evidence with their databases, each answering its health RPC."""
        svc = clients(request, 5)
        await asyncio.gather(svc.reporting.health(), svc.evidence.health())
        return {"ok": True}

    @app.get("/healthz", tags=["ops"], response_model=OkOut)
    async def healthz():
        return {"ok": True}

    @app.get("/readyz", tags=["ops"], response_model=OkOut,
             responses={503: error_responses()[503]})
    async def readyz(request: Request):
        if not request.app.state.rpc.connected:
            raise errors.ApiError(503, "unavailable", "message broker unreachable",
                                  headers={"Retry-After": "5"})
        return {"ok": True}

    if docs:
        install_docs(app)  # before the pages' /static mount, which would shadow it
    from .web import routes as web
    web.install(app)
    return app


app = create_app()
