"""One error shape for every 4xx/5xx, and the one table that maps service
errors (their class names, as nameko sends them) to HTTP statuses."""
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ekinerja_contract.rpc_client import BusUnavailable, RemoteError, RpcTimeout

MAPPED_ERRORS = {
    "NotFound": (404, "not_found"),
    "Forbidden": (403, "forbidden"),
    "Conflict": (409, "conflict"),
    "InvalidInput": (422, "invalid_input"),
    "ValidationError": (422, "invalid_input"),  # pydantic, raised inside a service
    "PayloadTooLarge": (413, "payload_too_large"),
    "UnsupportedMediaType": (415, "unsupported_media_type"),
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details or [], headers


def body(status: int, code: str, message: str, details=None) -> dict:
    return {"error": {"status": status, "code": code, "message": message,
                      "details": details or []}}


def _response(status, code, message, details=None, headers=None):
    return JSONResponse(body(status, code, message, details), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_req: Request, exc: ApiError):
        return _response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(RemoteError)
    async def _remote(_req: Request, exc: RemoteError):
        status, code = MAPPED_ERRORS.get(exc.exc_type, (502, "service_error"))
        message = exc.message if status < 500 else "a service failed; try again later"
        return _response(status, code, message, exc.details if status < 500 else None)

    @app.exception_handler(BusUnavailable)
    async def _bus(_req: Request, _exc: BusUnavailable):
        return _response(503, "unavailable", "the system is temporarily unavailable",
                         headers={"Retry-After": "5"})

    @app.exception_handler(RpcTimeout)
    async def _timeout(_req: Request, _exc: RpcTimeout):
        return _response(504, "timeout", "a service did not answer in time; try again",
                         headers={"Retry-After": "5"})

    @app.exception_handler(RequestValidationError)
    async def _validation(_req: Request, exc: RequestValidationError):
        details = [{"field": ".".join(str(p) for p in e["loc"] if p != "body"),
                    "reason": e["msg"]} for e in exc.errors()]
        return _response(422, "invalid_input", "the request is not valid", details)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_req: Request, exc: StarletteHTTPException):
        return _response(exc.status_code, "http_error", str(exc.detail),
                         headers=getattr(exc, "headers", None))
