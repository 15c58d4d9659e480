"""What to do with an exception on the error path: translate, log, report, render, send.

One ProblemHandler holds the options of an ``install()`` or ``ProblemMiddleware``;
every piece of per-request state stays in local variables.
"""

from __future__ import annotations

import builtins
import copy
import http.client
import importlib
import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import Scope, Send

from ._exceptions import InternalServerError
from ._headers import encode_headers
from ._problem import Problem
from ._render import render

logger = logging.getLogger("asgi_problems")

Translator = Callable[[Any], Problem]
MappingTarget = type[Problem] | Callable[[Any], Problem]
OnProblem = Callable[[Request, Problem], Awaitable[None] | None]

# Marks an exception this package has logged, so an outer layer that sees the
# same exception again (after reraise, or a second middleware) stays quiet.
_LOGGED = "_asgi_problems_logged"

# A builtin from Python 3.11 on; 3.10 has the backport that anyio (and so
# Starlette) already depends on there.
_Group: type[BaseException] = getattr(builtins, "BaseExceptionGroup", None) or (
    importlib.import_module("exceptiongroup").BaseExceptionGroup
)


def _unwrap(exc: Exception) -> Exception:
    # A group of one (anyio task groups, some middleware) stands for its member.
    while isinstance(exc, _Group):
        members: tuple[BaseException, ...] = getattr(exc, "exceptions", ())
        if len(members) != 1 or not isinstance(members[0], Exception):
            break
        exc = members[0]
    return exc


def _identity(exc: Problem) -> Problem:
    return exc


def from_http_exception(exc: HTTPException) -> Problem:
    """Starlette's (and FastAPI's) HTTPException as a problem, keeping detail and headers."""
    code = exc.status_code
    detail: Any = exc.detail
    # Starlette fills an omitted detail with the reason phrase; ours says more.
    if not detail or detail == http.client.responses.get(code):
        detail = None
    elif not isinstance(detail, str):
        detail = str(detail)
    problem = Problem._for_any_status(code, detail)
    # Foreign headers are cleaned, not refused: refusing would turn a 401 into a crash.
    problem._raw_headers = encode_headers(exc.headers, strict=False)
    problem.headers = dict(exc.headers or {})
    return problem


def _translator(target: MappingTarget) -> Translator:
    if isinstance(target, type):
        if issubclass(target, Problem):
            problem_class = target
            return lambda exc: problem_class()
    elif callable(target):
        return target
    raise TypeError(
        f"mapping values must be a Problem subclass or a callable exc -> Problem, not {target!r}"
    )


def _mark_logged(exc: BaseException) -> None:
    try:
        setattr(exc, _LOGGED, True)
    except (AttributeError, TypeError):  # pragma: no cover - exceptions without __dict__
        pass


def _where(scope: Scope) -> tuple[str, str]:
    # Method and path only: query strings and headers may carry secrets.
    return scope.get("method", "-"), scope.get("path", "-")


class ProblemHandler:
    """Turns any exception into a problem response, with the options of one app."""

    def __init__(
        self,
        *,
        debug: bool = False,
        mapping: Mapping[type[BaseException], MappingTarget] | None = None,
        instance: bool = False,
        on_problem: OnProblem | None = None,
        reraise: bool = False,
    ) -> None:
        self.debug = debug
        self.instance = instance
        self.on_problem = on_problem
        self.reraise = reraise
        self._translators: dict[type[BaseException], Translator] = {
            Problem: _identity,
            HTTPException: from_http_exception,
        }
        for key, target in (mapping or {}).items():
            if not (isinstance(key, type) and issubclass(key, BaseException)):
                raise TypeError(f"mapping keys must be exception classes, not {key!r}")
            self._translators[key] = _translator(target)
        # Exception type -> translator found along its MRO (None: a crash).
        self._cache: dict[type[BaseException], Translator | None] = {}

    def with_defaults(self, defaults: Mapping[type[BaseException], Translator]) -> ProblemHandler:
        """A copy that also translates ``defaults``, where the user's mapping does not."""
        if all(key in self._translators for key in defaults):
            return self
        twin = copy.copy(self)
        twin._translators = {**defaults, **self._translators}
        twin._cache = {}
        return twin

    def _lookup(self, exc_type: type[BaseException]) -> Translator | None:
        try:
            return self._cache[exc_type]
        except KeyError:
            pass
        found = None
        for cls in exc_type.__mro__:
            if cls in self._translators:
                found = self._translators[cls]
                break
        self._cache[exc_type] = found
        return found

    def translate(self, exc: BaseException) -> tuple[Problem, bool]:
        """The problem for ``exc`` and whether it was an unexpected crash."""
        translator = self._lookup(type(exc))
        if translator is None:
            return InternalServerError(), True
        try:
            problem = translator(exc)
        except Exception:
            logger.exception("the mapping for %s raised; answering 500", type(exc).__name__)
            return InternalServerError(), True
        if not isinstance(problem, Problem):
            logger.error(
                "the mapping for %s returned %r, not a Problem; answering 500",
                type(exc).__name__,
                problem,
            )
            return InternalServerError(), True
        return problem, False

    def log_late(self, scope: Scope, exc: BaseException) -> None:
        """Log an exception that came after the response started (it will be re-raised)."""
        if not getattr(exc, _LOGGED, False):
            method, path = _where(scope)
            logger.error(
                "Exception after the response started on %s %s; closing the connection",
                method,
                path,
                exc_info=exc,
            )
            _mark_logged(exc)

    async def respond(self, scope: Scope, send: Send, exc: Exception) -> None:
        """Send the problem response for ``exc``; re-raise it afterwards if configured."""
        exc = _unwrap(exc)
        if isinstance(exc, HTTPException) and not 400 <= exc.status_code <= 599:
            # 204/304 and friends carry no body, so no problem either.
            await _send(send, exc.status_code, encode_headers(exc.headers, strict=False), b"")
            return

        problem, crashed = self.translate(exc)
        method, path = _where(scope)
        if crashed:
            logger.error("Unhandled exception on %s %s", method, path, exc_info=exc)
        elif problem.status >= 500:
            logger.error(
                "%s (%d) on %s %s",
                type(problem).__name__,
                problem.status,
                method,
                path,
                exc_info=exc,
            )
        else:
            logger.debug("%s (%d) on %s %s", type(problem).__name__, problem.status, method, path)

        if self.on_problem is not None:
            await self._notify(scope, problem)
        extra = _debug_members(exc) if self.debug and crashed else None
        status, headers, body = render(
            problem, instance=path if self.instance else None, extra=extra
        )
        await _send(send, status, headers, b"" if method == "HEAD" else body)
        if crashed and self.reraise:
            _mark_logged(exc)
            raise exc
        if isinstance(exc, Problem):
            # Reused exception instances accumulate tracebacks across requests.
            exc.__traceback__ = None

    async def _notify(self, scope: Scope, problem: Problem) -> None:
        assert self.on_problem is not None
        try:
            result = self.on_problem(Request(scope), problem)
            if inspect.isawaitable(result):
                await result
        except Exception:
            # A broken metrics hook must not cost the client its error response.
            logger.exception("on_problem callback raised; the problem is sent anyway")


def _debug_members(exc: BaseException) -> dict[str, Any]:
    return {
        "debug": {
            "exception": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "message": str(exc),
            "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__),
        }
    }


async def _send(send: Send, status: int, headers: Any, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
