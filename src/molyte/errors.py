"""One exception root for Molyte; each error knows its HTTP status.

Code below `api/` raises these; a single handler in `api/app.py` renders them as
`{"detail": message}` with the error's status code.
"""

from __future__ import annotations


class MolyteError(Exception):
    """Something went wrong in Molyte."""

    status_code: int = 500

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (self.__doc__ or "Error").strip()
        super().__init__(self.message)


class BadRequest(MolyteError):
    """The request is not valid."""

    status_code = 400


class InvalidInput(MolyteError):
    """The input is not valid."""

    status_code = 422


class NotAuthenticated(MolyteError):
    """Could not validate credentials"""

    status_code = 401


class Forbidden(MolyteError):
    """You are not allowed to do this."""

    status_code = 403


class NotFound(MolyteError):
    """Not found."""

    status_code = 404


class Conflict(MolyteError):
    """The request conflicts with the current state."""

    status_code = 409


class TooManyRequests(MolyteError):
    """Too many requests; try again later."""

    status_code = 429

    def __init__(self, message: str | None = None, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, sent as the Retry-After header


class ConfigError(MolyteError):
    """The configuration is not valid."""

    status_code = 500


class ExternalCommandError(MolyteError):
    """An external program failed."""

    status_code = 502


class SchedulerUnavailable(ExternalCommandError):
    """The batch scheduler's controller did not answer; the same call may work later."""

    status_code = 503


class SpecInvalid(InvalidInput):
    """The job spec is not valid."""

    def __init__(self, errors: list[dict[str, object]]) -> None:
        self.errors = errors
        first = errors[0] if errors else {"loc": (), "msg": "invalid"}
        loc = ".".join(str(p) for p in first.get("loc", ()))  # type: ignore[attr-defined]
        super().__init__(f"{loc}: {first['msg']}")
