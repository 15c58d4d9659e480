"""What to do with an exception on the error path: translate, log, report, render, send.

One ProblemHandler holds the options of an ``install()`` or ``ProblemMiddleware``;
every piece of per-request state stays in local variables.
"""

from __future__ import annotations

import builtins
import copy
import functools
import http.client
import importlib
import inspect
import logging
import traceback
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from ._exceptions import BadGateway, InternalServerError
from ._headers import RawHeaders, encode_headers
from ._negotiate import JSON, accept_of, choose
from ._problem import Problem
from ._render import render
from ._status import type_slug

logger = logging.getLogger("asgi_problems")

# Where a websocket stands when its app raises.
HANDSHAKE, OPEN, CLOSED = 0, 1, 2
# A close frame's reason may take at most 123 bytes of UTF-8 (RFC 6455).
MAX_CLOSE_REASON = 123

Translator = Callable[[Any], Problem]
# status, raw headers, body, and the exception to re-raise after sending (if any)
Prepared = tuple[int, RawHeaders, bytes, Exception | None]
MappingTarget = type[Problem] | Callable[[Any], Problem]
OnProblem = Callable[[HTTPConnection, Problem], Awaitable[None] | None]

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


_UNSEEN = object()


def from_http_exception(exc: HTTPException) -> Problem:
    """Starlette's (and FastAPI's) HTTPException as a problem, keeping detail and headers."""
    code = exc.status_code
    detail: Any = exc.detail
    # Starlette fills an omitted detail with the reason phrase; ours says more.
    if not detail or detail == http.client.responses.get(code):
        detail = None
    elif not isinstance(detail, str):
        detail = str(detail)
    cls = Problem._by_status.get(code)
    problem = cls(detail) if cls is not None else Problem._for_any_status(code, detail)
    if exc.headers:
        # Foreign headers are cleaned, not refused: refusing would turn a 401 into a crash.
        try:
            problem._raw_headers = _clean_headers(tuple(exc.headers.items()))
        except TypeError:  # an unhashable value; clean it uncached
            problem._raw_headers = encode_headers(exc.headers, strict=False)
        problem.headers = dict(exc.headers)
    return problem


@functools.lru_cache(maxsize=256)
def _clean_headers(items: tuple[tuple[str, str], ...]) -> RawHeaders:
    # The same few header sets (Allow of a route, WWW-Authenticate) come back on
    # every request; cleaning each once is enough.
    return encode_headers(dict(items), strict=False)


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
    method = scope.get("method") or ("WEBSOCKET" if scope.get("type") == "websocket" else "-")
    return method, scope.get("path", "-")


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
        pass_upstream_detail: bool = False,
        negotiate: bool = True,
        type_base: str | None = None,
    ) -> None:
        self.debug = debug
        self.pass_upstream_detail = pass_upstream_detail
        self.negotiate = negotiate
        self.type_base = type_base
        self.instance = instance
        self.on_problem = on_problem
        self.reraise = reraise
        self._translators: dict[type[BaseException], Translator] = {
            Problem: self._own_problem,
            HTTPException: from_http_exception,
        }
        self._httpx_loaded = False
        for key, target in (mapping or {}).items():
            if not (isinstance(key, type) and issubclass(key, BaseException)):
                raise TypeError(f"mapping keys must be exception classes, not {key!r}")
            self._translators[key] = _translator(target)
        # Exception type -> translator found along its MRO (None: a crash).
        self._cache: dict[type[BaseException], Translator | None] = {}

    def _own_problem(self, exc: Problem) -> Problem:
        if exc._upstream is None:
            return exc
        # A problem an upstream answered with, re-raised here (raise_for_problem).
        named: dict[str, Any] = {"upstream": exc._upstream} if exc._upstream else {}
        if exc.status >= 500:
            # Its failure is ours to report as a bad gateway, in our own words.
            return BadGateway(exc.detail if self.pass_upstream_detail else None, **named)
        # A 4xx says the client's request can't be served, which stays true here;
        # only its instance, a URI of the upstream's, is dropped.
        local = copy.copy(exc)
        local.instance = None
        return local

    def handled_types(self) -> tuple[type[BaseException], ...]:
        """The exception classes this handler translates (Problem, HTTPException, mapped)."""
        return tuple(
            key for key in self._translators if issubclass(key, Exception) and key is not Exception
        )

    def with_defaults(self, defaults: Mapping[type[BaseException], Translator]) -> ProblemHandler:
        """A copy that also translates ``defaults``, where the user's mapping does not."""
        if all(key in self._translators for key in defaults):
            return self
        twin = copy.copy(self)
        twin._translators = {**defaults, **self._translators}
        twin._cache = {}
        return twin

    def _lookup(self, exc_type: type[BaseException]) -> Translator | None:
        found = self._cache.get(exc_type, _UNSEEN)
        if found is not _UNSEEN:
            return found  # type: ignore[return-value]
        if not self._httpx_loaded and exc_type.__module__.partition(".")[0] == "httpx":
            # First httpx exception: learn its mapping now, so that the core never
            # has to import httpx for apps that don't use it.
            self._httpx_loaded = True
            from .integrations.httpx import default_mapping

            for key, translator in default_mapping().items():
                self._translators.setdefault(key, translator)
        found = None
        for cls in exc_type.__mro__:
            if cls in self._translators:
                found = self._translators[cls]
                break
        self._cache[exc_type] = found
        return found

    def translate(self, exc: BaseException) -> tuple[Problem, bool]:
        """The problem for ``exc`` and whether it was an unexpected crash."""
        translator = self._cache.get(type(exc), _UNSEEN)
        if translator is _UNSEEN:
            translator = self._lookup(type(exc))
        if translator is None:
            return InternalServerError(), True
        try:
            problem = translator(exc)  # type: ignore[operator]
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

    @staticmethod
    def reported(exc: BaseException) -> bool:
        """Whether a layer of ours already logged ``exc`` and let it through on purpose."""
        return getattr(exc, _LOGGED, False) is True

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

    def _choose(self, exc: Exception) -> tuple[Exception, Problem, bool]:
        """For an exception group: the member that decides the response, its problem,
        and whether it crashed.

        A group of one stands for its member; a group of several is answered with its
        most severe member (the first 5xx, else the first one); the others are logged.
        """
        exc = _unwrap(exc)
        if not isinstance(exc, _Group):
            return (exc, *self.translate(exc))
        results = [(member, *self.translate(member)) for member in _leaves(exc)]
        chosen = max(results, key=lambda result: result[1].status >= 500)
        for member, problem, crashed in results:
            if member is not chosen[0]:
                self._log("Also raised with it", {}, member, problem, crashed)
        return chosen

    def _log(
        self, what: str, scope: Scope, exc: BaseException, problem: Problem, crashed: bool
    ) -> None:
        if not crashed and problem.status < 500 and not logger.isEnabledFor(logging.DEBUG):
            return
        method, path = _where(scope)
        if crashed:
            logger.error("%s: unhandled exception on %s %s", what, method, path, exc_info=exc)
        elif problem.status >= 500:
            logger.error(
                "%s: %s (%d) on %s %s",
                what,
                type(problem).__name__,
                problem.status,
                method,
                path,
                exc_info=exc,
            )
        else:
            logger.debug(
                "%s: %s (%d) on %s %s", what, type(problem).__name__, problem.status, method, path
            )

    async def _handle(
        self, scope: Scope, exc: Exception, conn: HTTPConnection | None
    ) -> tuple[Exception, Problem, bool, Mapping[str, Any] | None]:
        if isinstance(exc, _Group):
            exc, problem, crashed = self._choose(exc)
        else:
            problem, crashed = self.translate(exc)
        if crashed or problem.status >= 500 or logger.isEnabledFor(logging.DEBUG):
            self._log("Problem", scope, exc, problem, crashed)
        if self.on_problem is not None:
            try:
                result = self.on_problem(conn or Request(scope), problem)
                if inspect.isawaitable(result):
                    await result
            except Exception:
                # A broken metrics hook must not cost the client its error response.
                logger.exception("on_problem callback raised; the problem is sent anyway")
        extra = _debug_members(exc) if self.debug and crashed else None
        return exc, problem, crashed, extra

    def _finish(self, exc: Exception, crashed: bool) -> Exception | None:
        """The exception to re-raise once the response is out, if any."""
        if crashed and self.reraise:
            _mark_logged(exc)
            return exc
        if isinstance(exc, Problem):
            # Reused exception instances accumulate tracebacks across requests.
            exc.__traceback__ = None
        return None

    async def prepare(self, scope: Scope, exc: Exception, conn: HTTPConnection | None) -> Prepared:
        """Everything but sending: translate, log, notify and render ``exc``."""
        if isinstance(exc, HTTPException) and not 400 <= exc.status_code <= 599:
            # 204/304 and friends carry no body, so no problem either.
            return exc.status_code, encode_headers(exc.headers, strict=False), b"", None
        exc, problem, crashed, extra = await self._handle(scope, exc, conn)
        form = JSON
        if self.negotiate:
            accept = accept_of(scope.get("headers", ()))
            if accept:
                form = choose(accept)
        status, headers, body = render(
            problem,
            instance=scope.get("path") if self.instance else None,
            extra=extra,
            form=form,
            type_uri=None if self.type_base is None else self.type_uri(problem),
            vary=self.negotiate,
        )
        if scope.get("method") == "HEAD":
            body = b""
        return status, headers, body, self._finish(exc, crashed)

    def type_uri(self, problem: Problem) -> str | None:
        """With ``type_base``, the type URI of a problem that has none of its own."""
        if self.type_base is None or problem.type != "about:blank":
            return None
        return self.type_base + type_slug(problem.status)

    async def respond(self, scope: Scope, send: Send, exc: Exception) -> None:
        """Send the problem response for ``exc``; re-raise it afterwards if configured."""
        status, headers, body, reraise = await self.prepare(scope, exc, None)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        if reraise is not None:
            raise reraise

    async def respond_websocket(
        self, scope: Scope, receive: Receive, send: Send, exc: Exception, state: int
    ) -> None:
        """Answer a websocket whose app raised ``exc``; ``state`` is HANDSHAKE, OPEN or CLOSED.

        During the handshake the problem goes out as a denial response where the server
        supports it, else as a close (1008 for 4xx, 1011 for 5xx); an open socket is
        closed with that code and the problem's title as reason.
        """
        websocket = WebSocket(scope, receive, send) if self.on_problem else None
        exc, problem, crashed, extra = await self._handle(scope, exc, websocket)
        code = 1011 if problem.status >= 500 else 1008
        if state == HANDSHAKE and "websocket.http.response" in scope.get("extensions", {}):
            path = scope.get("path", "")
            status, headers, body = render(
                problem, instance=path if self.instance else None, extra=extra
            )
            await send(
                {"type": "websocket.http.response.start", "status": status, "headers": headers}
            )
            await send({"type": "websocket.http.response.body", "body": body})
        elif state == HANDSHAKE:
            await send({"type": "websocket.close", "code": code})
        elif state == OPEN:
            reason = (
                (problem.title or "").encode("utf-8")[:MAX_CLOSE_REASON].decode("utf-8", "ignore")
            )
            await send({"type": "websocket.close", "code": code, "reason": reason})
        reraise = self._finish(exc, crashed)
        if reraise is not None:
            raise reraise


def _leaves(group: BaseException) -> Iterator[Exception]:
    for member in getattr(group, "exceptions", ()):
        if isinstance(member, _Group):
            yield from _leaves(member)
        elif isinstance(member, Exception):
            yield member


def _debug_members(exc: BaseException) -> dict[str, Any]:
    return {
        "debug": {
            "exception": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "message": str(exc),
            "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__),
        }
    }
