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

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.types import Scope, Send

from ._exceptions import InternalServerError
from ._log import CrashLog, logger, mark_logged
from ._negotiate import JSON, form_of
from ._options import OnProblem, Options
from ._problem import Problem
from ._ready import ReadyAnswers
from ._render import Answer, render
from ._render_options import correlation_id, render_with_options
from ._translate import ITSELF, Translations, Translator

_DEBUG = logging.DEBUG


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
        self.ready = ReadyAnswers(options, self.translations)

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
                answer, reraise, _ = await self.settle(scope, exc, conn, form, ready_key)
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
                answer, _, _ = await self.settle(scope, exc, conn, form, ready_key)
        except Exception as failure:
            answer = self._failed(scope, failure)
        return answer

    def prepare_now(
        self,
        scope: Scope,
        exc: Exception,
        conn: HTTPConnection | None = None,
        finish: Callable[[Awaitable[Any]], object] | None = None,
    ) -> Answer:
        """prepare(), without awaiting: for a framework that wants the answer from
        synchronous code (a Django view's thread, where an event loop per error would
        cost a millisecond; Django Ninja's handlers, called on the event loop's own
        thread). An ``on_problem`` that returns an awaitable is finished by
        ``finish(awaitable)`` where no event loop runs on this thread (``asyncio.run``
        if not given), and started as a task of the loop where one does: then it
        ends after the answer is sent."""
        try:
            form = form_of(scope.get("headers", ())) if self.options.negotiate else JSON
            answer, ready_key = self._reused(scope, exc, form)
            if answer is None:
                exc, problem, crashed, correlation = self._resolve(scope, exc)
                if self.options.on_problem is not None:
                    notify_now(self.options.on_problem, conn or Request(scope), problem, finish)
                answer = render_with_options(
                    self.options, scope, exc, problem, crashed, form, correlation
                )
                if ready_key is not None and not crashed:
                    self.ready.keep(ready_key, answer)
        except Exception as failure:
            answer = self._failed(scope, failure)
        return answer

    # The steps, in order.

    def _reused(
        self, scope: Scope, exc: Exception, form: str
    ) -> tuple[Answer | None, tuple[Any, ...] | None]:
        """Step 1: a prepared answer, if one fits, and else the key to keep the answer
        under, if it can be reused.

        A 4xx problem of the app's is its own translation, and when nobody is to hear
        of it (no on_problem, no DEBUG log) steps 2 to 4 do nothing: it goes straight
        to rendering, which keeps the bodies of plain problems. HTTPExceptions have
        answers of their own (see ``_ready.py``).
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
                return render_with_options(self.options, scope, exc, exc, False, form, None), None
            return None, None
        if isinstance(exc, HTTPException):
            return self.ready.lookup(exc, form, scope)
        return None, None

    async def settle(
        self,
        scope: Scope,
        exc: Exception,
        conn: HTTPConnection | None,
        form: str = JSON,
        ready_key: tuple[Any, ...] | None = None,
    ) -> tuple[Answer, Exception | None, Problem]:
        """Steps 2 to 5 for ``exc``: its answer, the exception to re-raise once that is
        sent (``reraise``), and the problem it answers with (for a websocket's close)."""
        exc, problem, crashed, correlation = self._resolve(scope, exc)  # 2. and 3.
        if self.options.on_problem is not None:
            await notify(self.options.on_problem, conn or Request(scope), problem)  # 4.
        # 5. (written out, as in prepare_now(): a shared method costs every error a call)
        answer = render_with_options(self.options, scope, exc, problem, crashed, form, correlation)
        if ready_key is not None and not crashed:
            self.ready.keep(ready_key, answer)
        return answer, self._after(scope, exc, crashed), problem

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
                correlation = correlation_id(scope, self.options.trusted_request_id)
            self.log.record(scope, caught, exc, problem, crashed, others, correlation)
        elif logger.isEnabledFor(_DEBUG):
            # 4xx problems are the app working as intended: logged at DEBUG level only.
            self.log.record(scope, caught, exc, problem, crashed, others, None)
        return exc, problem, crashed, correlation

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
        self.log.failed(scope, failure)
        return _LAST_RESORT


async def notify(on_problem: OnProblem, conn: HTTPConnection, problem: Problem) -> None:
    """Step 4: tell ``on_problem`` of the problem about to be sent."""
    try:
        result = on_problem(conn, problem)
        if inspect.isawaitable(result):
            await result
    except Exception:
        # A broken metrics hook must not cost the client its error response.
        logger.exception("on_problem callback raised; the problem is sent anyway")


def notify_now(
    on_problem: OnProblem,
    conn: HTTPConnection,
    problem: Problem,
    finish: Callable[[Awaitable[Any]], object] | None,
) -> None:
    """Step 4 without awaiting (see ErrorPath.prepare_now); a failure is logged as
    notify() logs it."""
    try:
        result = on_problem(conn, problem)
        if not inspect.isawaitable(result):
            return
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop on this thread: wait for it here
            (finish or _run)(result)
            return
        task = asyncio.ensure_future(result)
        _PENDING.add(task)
        task.add_done_callback(_notified)
    except Exception:
        logger.exception("on_problem callback raised; the problem is sent anyway")


async def awaited(awaitable: Awaitable[Any]) -> None:
    """A coroutine function around any awaitable, for asyncio.run() and async_to_sync()."""
    await awaitable


def _run(awaitable: Awaitable[Any]) -> None:
    asyncio.run(awaited(awaitable))


# The tasks of notify_now() still running: the loop holds tasks only weakly.
_PENDING: set[asyncio.Future[Any]] = set()


def _notified(task: asyncio.Future[Any]) -> None:
    _PENDING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.error(
            "on_problem callback raised; the problem is sent anyway",
            exc_info=task.exception(),
        )


# The answer when building one failed: made at import, so it can't fail then.
_LAST_RESORT: Answer = render(InternalServerError())
