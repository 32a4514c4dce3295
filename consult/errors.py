"""Errors raised by services; the HTTP layers turn them into pages or JSON."""

from __future__ import annotations


class ServiceError(Exception):
    """A refusal the user can understand; nothing was changed."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class Invalid(ServiceError):
    """The input cannot be accepted."""


class NotFound(ServiceError):
    """It does not exist, or the caller may not know that it does."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    """The caller is known but may not do this."""

    status = 403
    code = "forbidden"


class Unauthorized(ServiceError):
    """The caller must log in first."""

    status = 401
    code = "unauthorized"


class Conflict(ServiceError):
    """The request clashes with the current state (already published, duplicate…)."""

    status = 409
    code = "conflict"


class TooMany(ServiceError):
    """Too many attempts; try again later."""

    status = 429
    code = "rate_limited"
