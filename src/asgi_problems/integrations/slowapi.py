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
from starlette.types import Receive, Scope, Send

from .._exceptions import TooManyRequests
from .._handling import ProblemHandler
from .._problem import Problem

# Headers of slowapi's own answer that describe its body, not the limit.
_BODY_HEADERS = frozenset({"content-type", "content-length"})


class _ProblemAnswer(Response):
    """A problem that goes through the handler's sequence when it is sent."""

    def __init__(self, handler: ProblemHandler, problem: Problem) -> None:
        self.status_code = problem.status
        self.background = None
        self.body = b""
        self.raw_headers = []
        self._handler = handler
        self._problem = problem

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._handler.respond(scope, send, self._problem)


def rate_limit_handler(handler: ProblemHandler) -> Callable[[Request, Exception], Response]:
    """The app's handler for ``RateLimitExceeded``."""

    def handle(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimitExceeded)
        theirs = _rate_limit_exceeded_handler(request, exc)
        headers = {
            name: value for name, value in theirs.headers.items() if name not in _BODY_HEADERS
        }
        problem = TooManyRequests(str(exc.detail), headers=headers)
        problem.__cause__ = exc
        return _ProblemAnswer(handler, problem)

    return handle


def install_handler(app: Starlette, handler: ProblemHandler) -> None:
    """Register the handler, unless the user registered one of their own."""
    app.exception_handlers.setdefault(RateLimitExceeded, rate_limit_handler(handler))
