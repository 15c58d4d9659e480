"""The error path: what happens to every exception that an app answers with a problem.

One sequence, for HTTP and websockets alike, whichever entrance caught the
exception (a route's exception handler or a middleware layer, see _layer.py):

1. reuse a prepared answer, if one fits (the usual HTTPExceptions);
2. translate the exception into a Problem (_translate.py; groups included);
3. record it once: report a server error to the trackers in use, then log it;
4. notify ``on_problem``;
5. render the problem (_render.py: pure, no ASGI);
6. send it, and re-raise a crash afterwards if ``reraise`` asks for that.

Nothing else in the package sends a problem. Every piece of per-request state
stays in local variables: an ErrorPath holds only the options of its app.
"""

from __future__ import annotations

import inspect
import logging
import re
import traceback
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, quote_from_bytes

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from ._exceptions import InternalServerError
from ._headers import RawHeaders, encode_headers
from ._log import CrashLog, logger, mark_logged, was_logged, where
from ._memo import Memo
from ._negotiate import JSON, form_of
from ._options import Options
from ._problem import Problem, for_any_status
from ._render import render
from ._report import report, trace_id
from ._status import class_slug, type_slug
from ._translate import ITSELF, Resolved, Translations, Translator, from_http_exception

_DEBUG = logging.DEBUG

# Where a websocket stands when its app raises.
HANDSHAKE, OPEN, CLOSED = 0, 1, 2
# A close frame's reason may take at most 123 bytes of UTF-8 (RFC 6455).
MAX_CLOSE_REASON = 123

# status, raw headers, body
Answer = tuple[int, RawHeaders, bytes]


class ErrorPath:
    """The error path of one app: its options, and the answers it may reuse."""

    def __init__(
        self,
        options: Options,
        translations: Translations | None = None,
        crash_log: CrashLog | None = None,
    ) -> None:
        self.options = options
        self.translations = translations or Translations(
            options.mapping, pass_upstream_detail=options.pass_upstream_detail
        )
        self.log = crash_log or CrashLog(options.log_repeats)
        # The answers to HTTPExceptions, by all that decides them (see _prepared).
        self._ready: Memo[tuple[Any, ...], Answer] = Memo(weight=lambda key, answer: len(answer[2]))

    def with_defaults(self, defaults: Mapping[type[BaseException], Translator]) -> ErrorPath:
        """An error path that also translates ``defaults`` where the mapping does not."""
        translations = self.translations.with_defaults(defaults)
        if translations is self.translations:
            return self
        return ErrorPath(self.options, translations, self.log)

    async def answer(
        self, scope: Scope, send: Send, exc: Exception, conn: HTTPConnection | None = None
    ) -> None:
        """Answer ``exc`` with a problem response over ASGI: the whole path, in order."""
        # As in prepare(), written out: a shared coroutine for the two would cost every
        # error one more await.
        try:
            form = form_of(scope.get("headers", ())) if self.options.negotiate else JSON
            answer, ready_key = self._reused(scope, exc, form)  # 1.
            reraise = None
            if answer is None:
                answer, reraise = await self._answered(scope, exc, conn, form, ready_key)
        except Exception as failure:
            answer, reraise = self._failed(scope, failure), None
        status, headers, body = answer
        # 6. Headers as a list, as Starlette's responses send them: middleware such as
        # BaseHTTPMiddleware adds to the one it is given.
        await send({"type": "http.response.start", "status": status, "headers": list(headers)})
        await send(
            {"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body}
        )
        if reraise is not None:
            raise reraise

    async def prepare(
        self, scope: Scope, exc: Exception, conn: HTTPConnection | None = None
    ) -> Answer:
        """Steps 1 to 5 for ``exc``: its problem response as status, raw headers and
        body, for a framework that sends responses its own way.

        ``scope`` is the request's ASGI scope; ``conn`` is what ``on_problem`` gets
        (a Starlette Request made from ``scope`` if not given). The body is the whole
        body, also for HEAD. Nothing is re-raised: ``reraise`` is for ASGI apps.
        """
        try:
            form = form_of(scope.get("headers", ())) if self.options.negotiate else JSON
            answer, ready_key = self._reused(scope, exc, form)
            if answer is None:
                answer, _ = await self._answered(scope, exc, conn, form, ready_key)
        except Exception as failure:
            answer = self._failed(scope, failure)
        return answer

    async def answer_status(self, scope: Scope, status: int) -> Answer:
        """The problem for an error response the app sent without one (a status page):
        the documented description of ``status``. Nothing was raised, so there is
        nothing to record; ``on_problem`` is told, as of every problem."""
        problem = for_any_status(status)
        if self.options.on_problem is not None:
            await self._notify(Request(scope), problem)
        form = form_of(scope.get("headers", ())) if self.options.negotiate else JSON
        return self._render(scope, problem, problem, False, form, None)

    async def answer_websocket(
        self, scope: Scope, receive: Receive, send: Send, exc: Exception, state: int
    ) -> None:
        """Answer a websocket whose app raised ``exc``; ``state`` is HANDSHAKE, OPEN or CLOSED.

        During the handshake the problem goes out as a denial response where the server
        supports it, else as a close (1008 for 4xx, 1011 for 5xx); an open socket is
        closed with that code and the problem's title as reason.
        """
        exc, problem, crashed, correlation = self._resolve(scope, exc)
        if self.options.on_problem is not None:
            await self._notify(WebSocket(scope, receive, send), problem)
        code = 1011 if problem.status >= 500 else 1008
        if state == HANDSHAKE and "websocket.http.response" in scope.get("extensions", {}):
            status, headers, body = self._render(scope, exc, problem, crashed, JSON, correlation)
            start = {"type": "websocket.http.response.start", "status": status}
            await send({**start, "headers": list(headers)})
            await send({"type": "websocket.http.response.body", "body": body})
        elif state == HANDSHAKE:
            await send({"type": "websocket.close", "code": code})
        elif state == OPEN:
            title = (problem.title or "").encode("utf-8")
            reason = title[:MAX_CLOSE_REASON].decode("utf-8", "ignore")
            await send({"type": "websocket.close", "code": code, "reason": reason})
        reraise = self._after(scope, exc, crashed)
        if reraise is not None:
            raise reraise

    def log_late(self, scope: Scope, exc: BaseException) -> None:
        """Log an exception that came after the response started (it will be re-raised).

        Usually the server then closes the connection; but if middleware held the
        start back (GZipMiddleware does), a layer further out still answers it.
        """
        if not was_logged(exc, scope):
            method, path = where(scope)
            logger.error(
                "Exception after the response started on %s %s", method, path,
                exc_info=exc, extra={"method": method, "path": path},
            )  # fmt: skip
            mark_logged(exc, scope)

    # The steps, in order.

    def _reused(
        self, scope: Scope, exc: Exception, form: str
    ) -> tuple[Answer | None, tuple[Any, ...] | None]:
        """Step 1: a prepared answer, if one fits, and else the key to keep the answer
        under, if it can be reused.

        A 4xx problem of the app's is its own translation, and when nobody is to hear
        of it (no on_problem, no DEBUG log) steps 2 to 4 do nothing: it goes straight
        to rendering, which keeps the bodies of plain problems. HTTPExceptions have
        answers of their own (see ``_prepared``).
        """
        if isinstance(exc, Problem):
            if (
                exc.status < 500
                and self.options.on_problem is None
                and self.translations.rules.get(type(exc)) is ITSELF
                and exc.upstream is None
                and not logger.isEnabledFor(_DEBUG)
            ):
                exc.__traceback__ = None  # reused instances would gather tracebacks
                return self._render(scope, exc, exc, False, form, None), None
            return None, None
        if isinstance(exc, HTTPException):
            return self._prepared(exc, form)
        return None, None

    async def _answered(
        self,
        scope: Scope,
        exc: Exception,
        conn: HTTPConnection | None,
        form: str,
        ready_key: tuple[Any, ...] | None,
    ) -> tuple[Answer, Exception | None]:
        """Steps 2 to 5, and the exception to re-raise once the answer is sent."""
        exc, problem, crashed, correlation = self._resolve(scope, exc)  # 2. and 3.
        if self.options.on_problem is not None:
            await self._notify(conn or Request(scope), problem)  # 4.
        answer = self._render(scope, exc, problem, crashed, form, correlation)  # 5.
        if ready_key is not None and not crashed:
            self._ready.keep(ready_key, answer)
        return answer, self._after(scope, exc, crashed)

    def _prepared(
        self, exc: HTTPException, form: str
    ) -> tuple[Answer | None, tuple[Any, ...] | None]:
        """Step 1 for an HTTPException: its answer, if one is ready, and else the key
        to keep the answer under, if it can be reused.

        Those that are not errors (204, 304) get their
        status without a body, and the answer to a 4xx translated the built-in way,
        with text detail, that nobody asked to log or be told of, is decided by its
        status, detail, headers and form alone.
        """
        code = exc.status_code
        if not 400 <= code <= 599:
            return (code, encode_headers(exc.headers, strict=False), b""), None
        options = self.options
        if (
            code >= 500
            or type(exc.detail) is not str
            or options.instance
            or options.on_problem is not None
            or self.translations.rule(type(exc)) is not from_http_exception
            or logger.isEnabledFor(_DEBUG)
        ):
            return None, None
        headers = exc.headers
        key = (code, exc.detail, form, *(headers.items() if headers else ()))
        try:
            return self._ready.get(key), key
        except TypeError:  # an unhashable header value: answered afresh
            return None, None

    def _resolve(self, scope: Scope, exc: Exception) -> tuple[Exception, Problem, bool, str | None]:
        """Steps 2 and 3: the exception that decides, its problem, whether it was a
        crash, and the correlation id of a server error (when that option is on)."""
        caught = exc
        exc, problem, crashed, others = self.translations.decide(exc, scope)
        if problem is not exc:
            # So that on_problem (and a debugger) can reach what happened.
            problem.__cause__ = exc
        correlation = None
        if crashed or problem.status >= 500:
            if self.options.correlation_id:
                correlation = correlation_id(scope)
            self._record(scope, caught, exc, problem, crashed, others, correlation)
        elif logger.isEnabledFor(_DEBUG):
            # 4xx problems are the app working as intended: logged at DEBUG level only.
            self._record(scope, caught, exc, problem, crashed, others, None)
        return exc, problem, crashed, correlation

    def _record(
        self,
        scope: Scope,
        caught: Exception,
        exc: Exception,
        problem: Problem,
        crashed: bool,
        others: list[Resolved],
        correlation: str | None,
    ) -> None:
        """Step 3: report a server error, then log it; each exception once.

        ``caught`` is what the entrance caught, ``exc`` what decides the answer: the
        same, or the member of a group that was caught.
        """
        if was_logged(caught, scope) or was_logged(exc, scope):
            return  # logged by an inner layer of this request, which could not answer it
        if crashed or problem.status >= 500:
            # Before the log record: trackers that also read the log (Sentry) then
            # keep this report, which says what happened, not the record.
            report(exc, problem, crashed)
        self.log.problem("Problem", scope, exc, problem, crashed, correlation, others)

    async def _notify(self, conn: HTTPConnection, problem: Problem) -> None:
        """Step 4: call ``on_problem``."""
        on_problem = self.options.on_problem
        assert on_problem is not None
        try:
            result = on_problem(conn, problem)
            if inspect.isawaitable(result):
                await result
        except Exception:
            # A broken metrics hook must not cost the client its error response.
            logger.exception("on_problem callback raised; the problem is sent anyway")

    def _render(
        self,
        scope: Scope,
        exc: Exception,
        problem: Problem,
        crashed: bool,
        form: str,
        correlation: str | None,
    ) -> Answer:
        """Step 5: the problem with this app's options, as status, headers and body."""
        options = self.options
        extra: dict[str, Any] | None = None
        if correlation is not None or (crashed and options.debug):
            extra = {} if correlation is None else {"correlation_id": correlation}
            if crashed and options.debug:
                extra.update(_debug_members(exc))
        type_base = options.type_base
        return render(
            problem,
            instance_of(scope) if options.instance else None,
            extra,
            form,
            None
            if type_base is None or problem.type != "about:blank"
            else type_base + derived_slug(problem),
            options.negotiate,
        )

    def _after(self, scope: Scope, exc: Exception, crashed: bool) -> Exception | None:
        """Step 6's end: the exception to re-raise once the answer is out, if any."""
        if crashed and self.options.reraise:
            mark_logged(exc, scope)
            return exc
        if isinstance(exc, Problem):
            # Reused exception instances would accumulate tracebacks across requests.
            exc.__traceback__ = None
        return None

    def _failed(self, scope: Scope, failure: Exception) -> Answer:
        # The error path must not fail itself (a problem whose extension can't be
        # rendered): the client still gets a valid 500 problem, and we a log line.
        method, path = where(scope)
        logger.error(
            "Answering an exception on %s %s failed; sent a 500 problem instead",
            method,
            path,
            exc_info=failure,
        )
        mark_logged(failure, scope)
        return _LAST_RESORT


# The answer when building one failed: made at import, so it can't fail then.
_LAST_RESORT: Answer = render(InternalServerError())


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


# Characters a path keeps as they are: RFC 3986's pchar and "/", and "%" for the
# escapes the client already made.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def derived_slug(problem: Problem) -> str:
    """The last segment of the type URI that ``type_base`` gives a problem without a type
    of its own: its class's name for a class of the app's ("out-of-credit"), else its
    status's ("not-found")."""
    cls = type(problem)
    slug = _class_slugs.get(cls)
    if slug is None:
        slug = _class_slugs(cls)
    return slug or type_slug(problem.status)


# Class -> its slug, "" for the classes of this package (they go by status).
_class_slugs: Memo[type[Problem], str] = Memo(
    lambda cls: "" if cls.__module__.split(".")[0] == "asgi_problems" else class_slug(cls.__name__)
)


def instance_of(scope: Scope) -> str:
    """The request's path as the client sent it, a URI reference: percent-encoded, and
    without the query (which may carry secrets)."""
    raw = scope.get("raw_path")
    if raw:
        return quote_from_bytes(bytes(raw).partition(b"?")[0], safe=_PATH_SAFE)
    return quote(scope.get("path", ""), safe=_PATH_SAFE)


def _debug_members(exc: BaseException) -> dict[str, Any]:
    return {
        "debug": {
            "exception": f"{type(exc).__module__}.{type(exc).__qualname__}",
            "message": str(exc),
            "traceback": traceback.format_exception(type(exc), exc, exc.__traceback__),
        }
    }
