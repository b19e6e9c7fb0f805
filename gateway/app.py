"""The FastAPI application: `uvicorn gateway.app:app`."""
import contextlib
import uuid

import httpx
from fastapi import FastAPI, Request

from ekinerja_contract.rpc_client import RpcClient

from . import errors
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


def create_app(settings: Settings | None = None) -> FastAPI:
    app = FastAPI(title="E-Kinerja API", version="1.0.0", lifespan=lifespan,
                  description="Laporan kinerja harian ASN, persetujuan atasan, dan TPP.")
    app.state.settings = settings or Settings()
    errors.install(app)
    app.include_router(router)

    @app.middleware("http")
    async def correlation_id(request: Request, call_next):
        cid = request.headers.get("x-correlation-id") or str(uuid.uuid4())
        request.state.correlation_id = cid[:64]
        response = await call_next(request)
        response.headers["X-Correlation-ID"] = request.state.correlation_id
        return response

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
