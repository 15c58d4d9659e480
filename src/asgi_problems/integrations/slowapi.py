"""slowapi: a rate limit hit is a 429 problem with the headers slowapi sends.

Loaded by install() when ``slowapi`` is already imported. slowapi's middlewares
look the app's handler for ``RateLimitExceeded`` up themselves, and call it
without awaiting it; so this is a plain function, registered like slowapi's own.
It asks slowapi's documented handler for the headers (``Retry-After``,
``X-RateLimit-*``, as the limiter is set up to send them) and answers with a
problem that carries them, through the usual sequence when the response is sent.
"""

from __future__ import annotations

from collections.abc import Callable

from slowapi import _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response

from .._entrances import ProblemAnswer
from .._error_path import ErrorPath
from .._exceptions import TooManyRequests

# Headers of slowapi's own answer that describe its body, not the limit.
_BODY_HEADERS = frozenset({"content-type", "content-length"})


def rate_limit_handler(error_path: ErrorPath) -> Callable[[Request, Exception], Response]:
    """The app's handler for ``RateLimitExceeded``."""

    def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimitExceeded)
        theirs = _rate_limit_exceeded_handler(request, exc)
        headers = {
            name: value for name, value in theirs.headers.items() if name not in _BODY_HEADERS
        }
        problem = TooManyRequests(str(exc.detail), headers=headers)
        problem.__cause__ = exc
        return ProblemAnswer(error_path, problem, request)

    return handle


def install_handler(app: Starlette, error_path: ErrorPath) -> None:
    """Register the handler, unless the user registered one of their own."""
    app.exception_handlers.setdefault(RateLimitExceeded, rate_limit_handler(error_path))
