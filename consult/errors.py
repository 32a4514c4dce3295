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

    def headers(self) -> dict[str, str]:
        """Headers the answer to this refusal carries, besides the usual ones."""
        return {}


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


class Unavailable(ServiceError):
    """It cannot be done for a few minutes (the search index is being rebuilt)."""

    status = 503
    code = "unavailable"
    # Seconds a client is told to wait before asking again.
    retry_after = 60

    def headers(self) -> dict[str, str]:
        """Retry-After, and no-store: the refusal must not outlive the outage in a cache."""
        return {"Retry-After": str(self.retry_after), "Cache-Control": "no-store"}
