"""What to do with an exception on the error path: translate, log, report, render, send.

One ProblemHandler holds the options of an ``install()`` or ``ProblemMiddleware``;
every piece of per-request state stays in local variables.
"""

from __future__ import annotations

import copy
import inspect
import logging
import re
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import quote, quote_from_bytes

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from ._exceptions import InternalServerError
from ._headers import RawHeaders, encode_headers
from ._negotiate import JSON, form_of
from ._problem import Problem
from ._render import KEEP_AT_MOST, render
from ._report import report, trace_id
from ._status import type_slug
from ._translate import (
    ITSELF,
    Group,
    MappingTarget,
    Translations,
    Translator,
    from_http_exception,
    leaves,
    unwrap,
)

logger = logging.getLogger("asgi_problems")
_DEBUG = logging.DEBUG

# Where a websocket stands when its app raises.
HANDSHAKE, OPEN, CLOSED = 0, 1, 2
# A close frame's reason may take at most 123 bytes of UTF-8 (RFC 6455).
MAX_CLOSE_REASON = 123

# status, raw headers, body, and the exception to re-raise after sending (if any)
Prepared = tuple[int, RawHeaders, bytes, Exception | None]
# an exception, its problem, and whether it was a crash
Resolved = tuple[Exception, Problem, bool]
# the same, and the correlation id of a 5xx (when that option is on)
Decided = tuple[Exception, Problem, bool, str | None]
OnProblem = Callable[[HTTPConnection, Problem], Awaitable[None] | None]

# How many reused responses a handler keeps: details may be built from request data.
_READY_SIZE = 512

# Marks an exception this package has logged, so an outer layer that sees the
# same exception again (after reraise, or a second middleware) stays quiet.
_LOGGED = "_asgi_problems_logged"


def _mark_logged(exc: BaseException) -> None:
    try:
        setattr(exc, _LOGGED, True)
    except (AttributeError, TypeError):  # pragma: no cover - exceptions without __dict__
        pass


# An X-Request-ID is only taken as a correlation id when it looks like one (a UUID,
# a trace id, nginx's $request_id): it comes from the client, and goes into the
# problem and the log.
_REQUEST_ID = re.compile(rb"[0-9A-Fa-f-]{16,64}")


def correlation_id(scope: Scope) -> str:
    """The id that ties a 5xx to its log record: the trace's (OpenTelemetry), else the
    request's X-Request-ID, else a new one."""
    found = trace_id()
    if found is not None:
        return found
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id" and _REQUEST_ID.fullmatch(value):
            return bytes(value).decode("ascii")
    return uuid.uuid4().hex


def printable(text: str) -> str:
    """``text`` with control and other invisible characters escaped (``\\x0a``): what
    the client sent must not start a line of its own in a log, or drive a terminal."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def _where(scope: Scope) -> tuple[str, str]:
    # Method and path only: query strings and headers may carry secrets.
    method = scope.get("method") or ("WEBSOCKET" if scope.get("type") == "websocket" else "-")
    return printable(method), printable(scope.get("path", "-"))


# Characters a path keeps as they are: RFC 3986's pchar and "/", and "%" for the
# escapes the client already made.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def instance_of(scope: Scope) -> str:
    """The request's path as the client sent it, a URI reference: percent-encoded, and
    without the query (which may carry secrets)."""
    raw = scope.get("raw_path")
    if raw:
        return quote_from_bytes(bytes(raw).partition(b"?")[0], safe=_PATH_SAFE)
    return quote(scope.get("path", ""), safe=_PATH_SAFE)


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
        correlation_id: bool = False,
    ) -> None:
        self.debug = debug
        self.correlation_id = correlation_id
        self.negotiate = negotiate
        self.type_base = type_base
        self.instance = instance
        self.on_problem = on_problem
        self.reraise = reraise
        self.translate = Translations(mapping, pass_upstream_detail=pass_upstream_detail)
        # _ready_key(http_exception, form) -> status, headers, body
        self._ready: dict[tuple[Any, ...], tuple[int, RawHeaders, bytes]] = {}

    def with_defaults(self, defaults: Mapping[type[BaseException], Translator]) -> ProblemHandler:
        """A copy that also translates ``defaults``, where the user's mapping does not."""
        translate = self.translate.with_defaults(defaults)
        if translate is self.translate:
            return self
        twin = copy.copy(self)
        twin.translate = translate
        twin._ready = {}
        return twin

    def log_late(self, scope: Scope, exc: BaseException) -> None:
        """Log an exception that came after the response started (it will be re-raised).

        Usually the server then closes the connection; but if middleware held the
        start back (GZipMiddleware does), a layer further out still answers it.
        """
        if not getattr(exc, _LOGGED, False):
            method, path = _where(scope)
            logger.error(
                "Exception after the response started on %s %s", method, path, exc_info=exc
            )
            _mark_logged(exc)

    def _choose(self, exc: Exception) -> tuple[Exception, Problem, bool, list[Resolved]]:
        """The exception that decides the response, its problem, whether it crashed,
        and what else an exception group held.

        A group of one stands for its member; a group of several is answered with its
        most severe member (the first 5xx, else the first one).
        """
        exc = unwrap(exc)
        if not isinstance(exc, Group):
            return (exc, *self.translate(exc), [])
        results = [(member, *self.translate(member)) for member in leaves(exc)]
        chosen = max(results, key=lambda result: result[1].status >= 500)
        others = [result for result in results if result[0] is not chosen[0]]
        return (*chosen, others)

    def _log(
        self,
        what: str,
        scope: Scope,
        exc: BaseException,
        problem: Problem,
        crashed: bool,
        correlation: str | None = None,
    ) -> None:
        method, path = _where(scope)
        # The correlation id goes on the record (for structured handlers) and, so
        # that plain text logs can be searched for it, into the message.
        tail = "" if correlation is None else f" [correlation_id={correlation}]"
        extra = None if correlation is None else {"correlation_id": correlation}
        if crashed:
            logger.error(
                "%s: unhandled exception on %s %s%s",
                what,
                method,
                path,
                tail,
                exc_info=exc,
                extra=extra,
            )
        elif problem.status >= 500:
            logger.error(
                "%s: %s (%d) on %s %s%s",
                what,
                type(problem).__name__,
                problem.status,
                method,
                path,
                tail,
                exc_info=exc,
                extra=extra,
            )
        else:
            logger.debug(
                "%s: %s (%d) on %s %s", what, type(problem).__name__, problem.status, method, path
            )

    def _resolve(self, scope: Scope, exc: Exception) -> Decided:
        """Translate, report and log ``exc``: the exception that decides, its problem,
        whether it was a crash, and the correlation id of a 5xx (when that is on)."""
        # Logged by an inner layer, which could not answer it: not logged twice.
        logged = getattr(exc, _LOGGED, False) is True
        others: list[Resolved] = []
        if isinstance(exc, Group):
            exc, problem, crashed, others = self._choose(exc)
        else:
            problem, crashed = self.translate(exc)
        if problem is not exc:
            # So that on_problem (and a debugger) can reach what happened.
            problem.__cause__ = exc
        server_error = crashed or problem.status >= 500
        correlation = correlation_id(scope) if server_error and self.correlation_id else None
        if not logged:
            if server_error:
                # Before the log record: trackers that also read the log (Sentry)
                # then keep this report, which says what happened, not the record.
                report(exc, problem, crashed)
            # 4xx problems are the app working as intended: logged only at DEBUG level.
            if server_error or logger.isEnabledFor(_DEBUG):
                self._log("Problem", scope, exc, problem, crashed, correlation)
            for member, member_problem, member_crashed in others:
                self._log("Also raised with it", scope, member, member_problem, member_crashed)
        return exc, problem, crashed, correlation

    async def _notify(self, conn: HTTPConnection, problem: Problem) -> None:
        assert self.on_problem is not None
        try:
            result = self.on_problem(conn, problem)
            if inspect.isawaitable(result):
                await result
        except Exception:
            # A broken metrics hook must not cost the client its error response.
            logger.exception("on_problem callback raised; the problem is sent anyway")

    def _finish(self, exc: Exception, crashed: bool) -> Exception | None:
        """The exception to re-raise once the response is out, if any."""
        if crashed and self.reraise:
            _mark_logged(exc)
            return exc
        if isinstance(exc, Problem):
            # Reused exception instances accumulate tracebacks across requests.
            exc.__traceback__ = None
        return None

    def prepare_now(self, scope: Scope, exc: Exception) -> Prepared:
        """Everything but sending, when there is no ``on_problem`` to await:
        translate, log and render ``exc``.

        The usual errors take short cuts: a 4xx problem the app raised is rendered
        as it is (render() reuses the bodies of problems without extensions), and the
        responses to HTTPExceptions are reused; neither needs logging unless the
        DEBUG level is on.
        """
        form = form_of(scope.get("headers", ())) if self.negotiate else JSON
        key = None
        if isinstance(exc, Problem):
            if (
                exc.status < 500
                and self.translate.known.get(type(exc)) is ITSELF
                and exc._upstream is None
                and not logger.isEnabledFor(_DEBUG)
            ):
                exc.__traceback__ = None  # Reused instances would accumulate tracebacks.
                # What _render() and _sent() do, written out: on the most common error
                # path the two calls cost about 2% of a request.
                status, headers, body = render(
                    exc,
                    instance_of(scope) if self.instance else None,
                    None,
                    form,
                    None if self.type_base is None else self.type_uri(exc),
                    self.negotiate,
                )
                return status, headers, b"" if scope.get("method") == "HEAD" else body, None
        elif isinstance(exc, HTTPException):
            if not 400 <= exc.status_code <= 599:
                return _bodiless(exc)
            key = self._ready_key(exc, form)
            if key is not None:
                try:
                    ready = self._ready.get(key)
                except TypeError:  # an unhashable header value
                    key = ready = None
                if ready is not None:
                    return self._sent(scope, ready, None)
        exc, problem, crashed, correlation = self._resolve(scope, exc)
        response = self._render(scope, exc, problem, crashed, form, correlation)
        if (
            key is not None
            and not crashed
            and len(self._ready) < _READY_SIZE
            and len(response[2]) <= KEEP_AT_MOST  # the detail is in the key, too
        ):
            self._ready[key] = response
        return self._sent(scope, response, self._finish(exc, crashed))

    async def prepare(self, scope: Scope, exc: Exception, conn: HTTPConnection | None) -> Prepared:
        """Everything but sending: translate, log, notify and render ``exc``."""
        if isinstance(exc, HTTPException) and not 400 <= exc.status_code <= 599:
            return _bodiless(exc)
        exc, problem, crashed, correlation = self._resolve(scope, exc)
        if self.on_problem is not None:
            await self._notify(conn or Request(scope), problem)
        form = form_of(scope.get("headers", ())) if self.negotiate else JSON
        response = self._render(scope, exc, problem, crashed, form, correlation)
        return self._sent(scope, response, self._finish(exc, crashed))

    def _ready_key(self, exc: HTTPException, form: str) -> tuple[Any, ...] | None:
        """All that decides the response to an HTTPException, when that is all: a 4xx
        translated the built-in way, with text detail, that nobody asked to log."""
        if (
            exc.status_code < 500
            and type(exc.detail) is str
            and not self.instance
            and self.translate.rule(type(exc)) is from_http_exception
            and not logger.isEnabledFor(_DEBUG)
        ):
            headers = exc.headers
            return exc.status_code, exc.detail, form, *(headers.items() if headers else ())
        return None

    def _render(
        self,
        scope: Scope,
        exc: Exception,
        problem: Problem,
        crashed: bool,
        form: str,
        correlation: str | None = None,
    ) -> tuple[int, RawHeaders, bytes]:
        return render(
            problem,
            instance=instance_of(scope) if self.instance else None,
            extra=self._extra(exc, crashed, correlation),
            form=form,
            type_uri=None if self.type_base is None else self.type_uri(problem),
            vary=self.negotiate,
        )

    def _extra(
        self, exc: BaseException, crashed: bool, correlation: str | None
    ) -> dict[str, Any] | None:
        """Members beyond the problem's own: the correlation id, the debug details."""
        extra: dict[str, Any] = {}
        if correlation is not None:
            extra["correlation_id"] = correlation
        if crashed and self.debug:
            extra.update(_debug_members(exc))
        return extra or None

    @staticmethod
    def _sent(
        scope: Scope, response: tuple[int, RawHeaders, bytes], reraise: Exception | None
    ) -> Prepared:
        status, headers, body = response
        if scope.get("method") == "HEAD":
            body = b""
        return status, headers, body, reraise

    def type_uri(self, problem: Problem) -> str | None:
        """With ``type_base``, the type URI of a problem that has none of its own."""
        if self.type_base is None or problem.type != "about:blank":
            return None
        return self.type_base + type_slug(problem.status)

    async def respond(self, scope: Scope, send: Send, exc: Exception) -> None:
        """Send the problem response for ``exc``; re-raise it afterwards if configured."""
        try:
            if self.on_problem is None:
                status, headers, body, reraise = self.prepare_now(scope, exc)
            else:
                status, headers, body, reraise = await self.prepare(scope, exc, None)
        except Exception as failure:
            # The error path must not fail itself (a problem whose extension can't be
            # rendered): the client still gets a valid 500 problem, and we a log line.
            method, path = _where(scope)
            logger.error(
                "Answering an exception on %s %s failed; sent a 500 problem instead",
                method,
                path,
                exc_info=failure,
            )
            _mark_logged(failure)
            status, headers, body, reraise = self._sent(scope, _LAST_RESORT, None)
        # A list, as Starlette's responses send: middleware such as BaseHTTPMiddleware
        # adds headers to the one it is given.
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
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
        exc, problem, crashed, correlation = self._resolve(scope, exc)
        if self.on_problem is not None:
            await self._notify(WebSocket(scope, receive, send), problem)
        code = 1011 if problem.status >= 500 else 1008
        if state == HANDSHAKE and "websocket.http.response" in scope.get("extensions", {}):
            status, headers, body = render(
                problem,
                instance=instance_of(scope) if self.instance else None,
                extra=self._extra(exc, crashed, correlation),
                type_uri=None if self.type_base is None else self.type_uri(problem),
            )
            await send(
                {
                    "type": "websocket.http.response.start",
                    "status": status,
                    "headers": list(headers),
                }
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


# The answer when building one failed: made at import, so it can't fail then.
_LAST_RESORT = render(InternalServerError())


def _bodiless(exc: HTTPException) -> Prepared:
    # 204/304 and friends carry no body, so no problem either.
    return exc.status_code, encode_headers(exc.headers, strict=False), b"", None


def _debug_members(exc: BaseException) -> dict[str, Any]:
    return {
        "debug": {
            "exception": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "message": str(exc),
            "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__),
        }
    }
