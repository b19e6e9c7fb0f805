"""How the API's routes answer: the services' reply models (ekinerja_contract/replies.py)
validated as sent, and the error shape documented for each route's statuses."""
from typing import Any

from fastapi.routing import APIRoute

from ekinerja_contract.replies import ErrorOut


class AsSent(APIRoute):
    """A route that answers the service's dict validated against its model, keys as
    sent: a key the service left out is not added as null (`exclude_unset`)."""

    def __init__(self, path: str, endpoint, **kwargs):
        kwargs["response_model_exclude_unset"] = True
        super().__init__(path, endpoint, **kwargs)


ERROR_DESCRIPTIONS = {
    400: "the request broke off or did not match its Content-Length",
    401: "not logged in, or the token expired or was revoked (WWW-Authenticate: Bearer)",
    403: "logged in but not allowed (role, ownership, or a cookie without X-Requested-With)",
    404: "no such thing, or not one you may see",
    409: "the state or the rules forbid it now (already decided, overlapping, period closed, ...)",
    411: "send a Content-Length",
    413: "the body is too large",
    415: "that type of file is not accepted",
    422: "the request is not valid: `details` names each field",
    429: "too many attempts (Retry-After)",
    502: "a service or the file storage failed",
    503: "the system is temporarily unavailable (Retry-After)",
    504: "a service did not answer in time (Retry-After)",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can fail with `statuses` (503 and 504 are added:
    every API route needs the message bus)."""
    return {status: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[status]}
            for status in sorted({*statuses, 503, 504})}
