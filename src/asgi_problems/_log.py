"""The log step of the error path: each problem logged once per request, repeats of a
crash counted instead of formatted, every record's facts as attributes.

When a dependency dies, every request that touches it crashes the same way, often
thousands a second. The first crash of each kind in a window of ``log_repeats``
seconds is logged in full; its repeats are counted, and one record says how many,
where and since when, once the window is over (at the next crash after it, at
lifespan shutdown, and at interpreter exit). Error trackers are told of every crash
all the same (``_report.py``): they sample and rate-limit on their own.

Records carry ``status``, ``problem_type``, ``title``, ``method``, ``path`` (and
``correlation_id`` when that option is on; ``count``, ``window``, ``since`` and
``kind`` on summaries) for structured handlers (python-json-logger, structlog).
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
import traceback
import weakref
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.types import Scope

from ._problem import Problem
from ._report import report

logger = logging.getLogger("asgi_problems")

# Set on an exception once it is logged: the token of the request it was logged in. A
# later request that meets the same object (a failed cached future, a pool's stored
# error) logs it again; an outer layer of the same request does not.
_LOGGED = "_asgi_problems_logged"
# The scope key of that token; copies of a scope share it.
_REQUEST = "asgi_problems.request"

# How many kinds of crash are counted at once; a new kind beyond them is logged in full.
KINDS = 256
# How many routes a summary names; the rest are counted together.
_ROUTES = 5
# Of the members a group held besides the one that decides, how many are written out.
_SHOWN_MEMBERS = 3
# Frames and chained exceptions that make up a crash's kind.
_FRAMES, _CHAIN = 64, 8


def printable(text: str) -> str:
    """``text`` with control and other invisible characters escaped (``\\x0a``): what
    the client sent must not start a line of its own in a log, or drive a terminal."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in text)


def where(scope: Scope) -> tuple[str, str]:
    """Method and path only: query strings and headers may carry secrets."""
    method = scope.get("method") or ("WEBSOCKET" if scope.get("type") == "websocket" else "-")
    return printable(method), printable(scope.get("path", "-"))


def _token(scope: Scope) -> object:
    token = scope.get(_REQUEST)
    if token is None:
        token = scope[_REQUEST] = object()
    return token


def was_logged(exc: BaseException, scope: Scope) -> bool:
    """Whether ``exc`` was logged already while answering this request."""
    return getattr(exc, _LOGGED, None) is scope.get(_REQUEST, False)


def mark_logged(exc: BaseException, scope: Scope) -> None:
    try:
        setattr(exc, _LOGGED, _token(scope))
    except (AttributeError, TypeError):  # pragma: no cover - exceptions without __dict__
        pass


def kind_of(exc: BaseException) -> tuple[Any, ...]:
    """What makes two crashes the same: their types and the code locations of their
    tracebacks (file, function, line), along the cause and context chain; never the
    message."""
    parts: list[Any] = []
    current: BaseException | None = exc
    while current is not None and len(parts) < _CHAIN:
        # Flat: file, function, line of each frame (code objects compare equal across
        # files when their bodies do, so they can't stand for their place).
        frames: list[Any] = [type(current)]
        tb = current.__traceback__
        while tb is not None and len(frames) <= 3 * _FRAMES:
            code = tb.tb_frame.f_code
            frames.append(code.co_filename)
            frames.append(code.co_name)
            frames.append(tb.tb_lineno)
            tb = tb.tb_next
        parts.append(tuple(frames))
        cause = current.__cause__
        current = (
            cause if cause is not None or current.__suppress_context__ else current.__context__
        )
    return tuple(parts)


@dataclass
class _Kind:
    """A kind of crash in its window: the first was logged, the repeats are counted."""

    name: str
    status: int
    started: float  # monotonic
    since: float  # wall clock, for the record
    repeats: int = 0
    routes: Counter[str] = field(default_factory=Counter)


class CrashLog:
    """The log of one app's error path: what it logged in full, and the repeats it
    counts (``window``: ``log_repeats`` seconds; 0 logs every crash in full)."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._kinds: dict[tuple[Any, ...], _Kind] = {}
        self._next_end = float("inf")  # when the earliest window ends
        self._lock = threading.Lock()  # Django's WSGI projects log from threads
        if window:
            _LIVE.add(self)

    def record(
        self,
        scope: Scope,
        caught: Exception,
        exc: Exception,
        problem: Problem,
        crashed: bool,
        others: list[tuple[Exception, Problem, bool]],
        correlation: str | None,
    ) -> None:
        """Step 3 of the error path: report a server error, then log it; once per request.

        ``caught`` is what the entrance caught, ``exc`` what decides the answer: the
        same, or the member of a group that was caught.
        """
        if was_logged(caught, scope) or was_logged(exc, scope):
            return  # logged by an inner layer of this request, which could not answer it
        if crashed or problem.status >= 500:
            # Before the log record: trackers that also read the log (Sentry) then
            # keep this report, which says what happened, not the record.
            report(exc, problem, crashed)
        self.problem("Problem", scope, exc, problem, crashed, correlation, others)

    def late(self, scope: Scope, exc: BaseException) -> None:
        """Log an exception that came after the response started (it will be re-raised).

        Usually the server then closes the connection; but if middleware held the
        start back (GZipMiddleware does), a layer further out still answers it.
        """
        if not was_logged(exc, scope):
            _log_once("Exception after the response started on %s %s", scope, exc)

    def failed(self, scope: Scope, failure: Exception) -> None:
        """Log that answering an exception failed (a 500 problem went out instead)."""
        _log_once(
            "Answering an exception on %s %s failed; sent a 500 problem instead", scope, failure
        )

    def problem(
        self,
        what: str,
        scope: Scope,
        exc: BaseException,
        problem: Problem,
        crashed: bool,
        correlation: str | None,
        others: Iterable[tuple[BaseException, Problem, bool]] = (),
    ) -> None:
        """Log a problem once: in full, or counted as a repeat of its kind."""
        server_error = crashed or problem.status >= 500
        if not logger.isEnabledFor(logging.ERROR if server_error else logging.DEBUG):
            return  # nobody listens: no kind to work out, no record to make
        method, path = where(scope)
        # Crashes are counted; a 5xx raised on purpose (503 for maintenance) is logged
        # each time, as the app chose to. A repeat costs no record, nor its facts.
        if (
            crashed
            and self.window
            and not self._first_of_its_kind(exc, problem, f"{method} {path}")
        ):
            return
        facts = _facts(problem, method, path, correlation)
        if not server_error:
            logger.debug("%s: %s (%d) on %s %s", what, facts["problem_type"], problem.status,
                         method, path, extra=facts)  # fmt: skip
            return
        tail = "" if correlation is None else f" [correlation_id={correlation}]"
        group = _group_text(list(others))
        args: tuple[Any, ...]
        if crashed:
            message, args = (
                "%s: unhandled exception on %s %s%s%s",
                (what, method, path, tail, group),
            )
        else:
            message = "%s: %s (%d) on %s %s%s%s"
            args = (what, facts["problem_type"], problem.status, method, path, tail, group)
        logger.error(message, *args, exc_info=exc, extra=facts)

    def _first_of_its_kind(self, exc: BaseException, problem: Problem, route: str) -> bool:
        now = time.monotonic()
        key = kind_of(exc)
        with self._lock:
            if now >= self._next_end:
                self._close_windows(now)
            kind = self._kinds.get(key)
            if kind is not None:
                kind.repeats += 1
                if len(kind.routes) < _ROUTES or route in kind.routes:
                    kind.routes[route] += 1
                else:
                    kind.routes["other routes"] += 1
                return False
            if len(self._kinds) < KINDS:
                self._kinds[key] = _Kind(type(exc).__name__, problem.status, now, time.time())
                self._next_end = min(self._next_end, now + self.window)
        return True

    def _close_windows(self, now: float) -> None:
        """Summarize, and forget, the kinds whose window is over (all, for ``now=inf``)."""
        ended = [key for key, kind in self._kinds.items() if kind.started + self.window <= now]
        for key in ended:
            kind = self._kinds.pop(key)
            if kind.repeats:
                _summary(kind, min(now, kind.started + self.window) - kind.started)
        starts = [kind.started for kind in self._kinds.values()]
        self._next_end = min(starts) + self.window if starts else float("inf")

    def flush(self) -> None:
        """Summarize every kind counted so far (at shutdown: no count is lost)."""
        with self._lock:
            now = time.monotonic()
            for kind in self._kinds.values():
                if kind.repeats:
                    _summary(kind, now - kind.started)
            self._kinds.clear()
            self._next_end = float("inf")


def _log_once(message: str, scope: Scope, exc: BaseException) -> None:
    """Log ``exc`` in full, with the request's method and path, and mark it logged."""
    method, path = where(scope)
    logger.error(message, method, path, exc_info=exc, extra={"method": method, "path": path})
    mark_logged(exc, scope)


def _facts(problem: Problem, method: str, path: str, correlation: str | None) -> dict[str, Any]:
    facts: dict[str, Any] = {
        "status": problem.status,
        "problem_type": type(problem).__name__,
        "title": problem.title,
        "method": method,
        "path": path,
    }
    if correlation is not None:
        facts["correlation_id"] = correlation
    return facts


def _summary(kind: _Kind, seconds: float) -> None:
    routes = ", ".join(f"{route} ({count})" for route, count in kind.routes.most_common())
    since = time.strftime("%H:%M:%S", time.localtime(kind.since))
    logger.error(
        "Repeated %d times in %.1f s since %s, not logged in full: %s (%d) on %s",
        kind.repeats, seconds, since, kind.name, kind.status, routes,
        extra={"count": kind.repeats, "window": round(seconds, 3), "since": kind.since,
               "kind": kind.name, "status": kind.status},
    )  # fmt: skip


def _group_text(others: list[tuple[BaseException, Problem, bool]]) -> str:
    """What a group held besides the exception that decides: counted by kind, the
    first few written out. One record for a group of 20,000, not 20,000 records."""
    if not others:
        return ""
    kinds = Counter(type(member).__name__ for member, _, _ in others)
    counted = ", ".join(f"{name} x{count}" for name, count in kinds.most_common(10))
    shown = "".join(
        "\n\nAlso raised with it:\n" + "".join(traceback.format_exception(member))
        for member, _, _ in others[:_SHOWN_MEMBERS]
    )
    return f"; the group held {len(others)} more: {counted}{shown}"


# The logs that count repeats, to be flushed at interpreter exit.
_LIVE: weakref.WeakSet[CrashLog] = weakref.WeakSet()


@atexit.register
def _flush_all() -> None:
    for crash_log in list(_LIVE):
        crash_log.flush()
