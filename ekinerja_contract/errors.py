"""Errors a service raises across RPC. nameko sends the class name; the gateway
maps each name to one HTTP status in a single table (gateway/errors.py)."""


class ServiceError(Exception):
    """Base: args are (message, details) so both survive serialisation."""

    def __init__(self, message: str, details=None):
        super().__init__(message, details or [])

    @property
    def message(self) -> str:
        return self.args[0]

    @property
    def details(self):
        return self.args[1]

    def __str__(self):
        return self.message


class NotFound(ServiceError):
    pass


class Forbidden(ServiceError):
    pass


class Conflict(ServiceError):
    """The target is not in a state that allows this (e.g. task already decided)."""


class InvalidInput(ServiceError):
    pass


class PayloadTooLarge(ServiceError):
    pass


class UnsupportedMediaType(ServiceError):
    pass
