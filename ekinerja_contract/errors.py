"""Errors a service raises across RPC: the contract's own classes.

Each carries an English `message` (for developers and API clients), a stable
`code` (what a client or a page branches on, and what the pages translate into
Indonesian from one catalogue, gateway/web/messages.py), `details` (one entry
per field: `field`, `code`, `reason`) and `params` (the values a message needs,
e.g. the other report's times). All four travel as the exception's args, so
nameko serialises them as they are.

Every class here is registered with nameko's deserialisation (nameko_ext), so a
service that calls another gets the same class back, not nameko's RemoteError,
and re-raising it keeps its meaning on the next hop. The gateway's RPC client
does the same (rpc_client._unpack). The gateway maps classes to HTTP statuses
in one table (gateway/errors.py)."""


class ServiceError(Exception):
    """Base. `code` defaults to the class's `default_code`; raise sites name a precise one."""

    default_code = "service_error"

    def __init__(self, message: str, details=None, code: str | None = None, params=None):
        super().__init__(message, list(details or []), code or self.default_code,
                         dict(params or {}))

    @property
    def message(self) -> str:
        return self.args[0]

    @property
    def details(self) -> list:
        return self.args[1] if len(self.args) > 1 else []

    @property
    def code(self) -> str:
        return self.args[2] if len(self.args) > 2 and self.args[2] else self.default_code

    @property
    def params(self) -> dict:
        return self.args[3] if len(self.args) > 3 and self.args[3] else {}

    @property
    def exc_type(self) -> str:
        """The class name, as nameko's RemoteError and older clients name it."""
        return type(self).__name__

    def __str__(self):
        return self.message


class NotFound(ServiceError):
    default_code = "not_found"


class Forbidden(ServiceError):
    default_code = "forbidden"


class Conflict(ServiceError):
    """The target is not in a state that allows this (e.g. task already decided)."""
    default_code = "conflict"


class StaleVersion(Conflict):
    """The caller decided on a version of the record that has changed since."""
    default_code = "stale_version"


class InvalidInput(ServiceError):
    default_code = "invalid_input"


class PayloadTooLarge(ServiceError):
    default_code = "payload_too_large"


class UnsupportedMediaType(ServiceError):
    default_code = "unsupported_media_type"


class Unavailable(ServiceError):
    """Something the service needs is out of reach for now (its database during a
    failover): the caller may retry, with its Idempotency-Key, after a moment."""
    default_code = "unavailable"


def all_error_classes() -> list[type[ServiceError]]:
    """ServiceError and every subclass, however deep."""
    found, todo = [], [ServiceError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def by_path() -> dict[str, type[ServiceError]]:
    """`module.Class` (nameko's `exc_path`) → class, for deserialisation."""
    return {f"{cls.__module__}.{cls.__name__}": cls for cls in all_error_classes()}


def from_wire(error: dict) -> Exception | None:
    """The contract class named by a nameko error payload, rebuilt from its args;
    None for anything else (the caller keeps its generic remote error)."""
    cls = by_path().get(error.get("exc_path", ""))
    if cls is None:
        return None
    args = list(error.get("exc_args") or [])
    if not args or not isinstance(args[0], str):
        args = [str(error.get("value", ""))]
    return cls(*args[:4])
