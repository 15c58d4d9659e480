"""Status pages: error responses that an app sends without a problem, rewritten into one.

For apps whose framework answers errors its own way before any exception reaches
us (``ProblemMiddleware(app, status_pages=...)``). The decision is made at
``http.response.start``: successes, redirects and problems pass on unbuffered.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Literal

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._error_path import ErrorPath, notify
from ._headers import REPRESENTATION_HEADERS
from ._log import logger, where
from ._negotiate import HTML, JSON, form_of
from ._problem import for_any_status
from ._render import Answer
from ._render_options import correlation_id, render_with_options

StatusPagesMode = Literal["empty", "all"]

# Those of the replaced page that describe it (see _headers.py): dropped.
_BODY_HEADERS = frozenset(name.encode("latin-1") for name in REPRESENTATION_HEADERS)
# How many empty body messages an "empty" check waits through before it gives up and
# passes the response on as it is.
_MAX_EMPTY_MESSAGES = 64
# How many messages of a replaced body are taken in, whatever their size, before the
# app is stopped: an error that streams empty chunks forever must end too.
_MAX_REPLACED_MESSAGES = 1024


class StopErrorBody(Exception):
    """Raised into an app that goes on sending an error body we replaced."""


class StatusPages:
    """ASGI middleware: error responses (4xx/5xx) that are not problems become one.

    ``mode`` "empty" rewrites only those with an empty body (a bare 405, a 404 of a
    router that writes nothing); "all" rewrites every one. With ``html_for_browsers``,
    an HTML error page sent to a client that prefers HTML (a browser) is left alone.
    The status and every header are kept, except those that describe the body;
    ``Vary`` gains ``Accept``. Of a replaced body, at most ``limit`` bytes are taken
    in; an app that sends more is stopped. (An app that sends a start and ends without
    a body breaks ASGI; its error is left to the server.)
    """

    def __init__(
        self,
        app: ASGIApp,
        error_path: ErrorPath,
        mode: StatusPagesMode,
        *,
        html_for_browsers: bool = False,
        limit: int = 65536,
    ) -> None:
        if mode not in ("empty", "all"):
            raise ValueError(f"status_pages must be 'empty', 'all' or None, not {mode!r}")
        self.app = app
        self.error_path = error_path
        self.mode = mode
        self.html_for_browsers = html_for_browsers
        self.limit = limit

    # Not a coroutine function: it hands back the app's own coroutine. An app
    # that sends past the limit is stopped by StopErrorBody, which the ErrorLayer
    # around this middleware (ProblemMiddleware's) ends quietly.
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        if scope["type"] != "http":
            return self.app(scope, receive, send)
        passing = False
        rewrite: _Rewrite | None = None

        # A response that passes (every success does, at its start) costs one call per
        # message, which hands back send's own awaitable. Only an error's start brings
        # in the rest (_Rewrite).
        def rewriting_send(message: Message) -> Awaitable[None]:
            nonlocal passing, rewrite
            if passing:
                return send(message)
            if rewrite is None:
                if message["type"] == "http.response.start" and message["status"] < 400:
                    passing = True
                    return send(message)
                rewrite = _Rewrite(self, scope, send)
            return rewrite.send(message)

        return self.app(scope, receive, rewriting_send)

    def _verdict(self, scope: Scope, start: Message) -> str:
        """ "pass", "replace", or "hold" (until the body shows whether it is empty)."""
        if not 400 <= start["status"] <= 599:
            return "pass"  # not an HTTP error (a 600 is no status at all): not ours
        headers = {bytes(name).lower(): value for name, value in start.get("headers", ())}
        media_type = bytes(headers.get(b"content-type", b"")).split(b";")[0].strip().lower()
        if media_type.endswith((b"/problem+json", b"/problem+xml")):
            return "pass"
        if (
            self.html_for_browsers
            and media_type == b"text/html"
            and form_of(scope.get("headers", ())) == HTML
        ):
            return "pass"
        if self.mode == "all":
            return "replace"
        length = headers.get(b"content-length")
        if length is not None:
            length = bytes(length).strip()
            return "replace" if length.isdigit() and int(length) == 0 else "pass"
        if scope.get("method") == "HEAD":
            return "replace"  # no body will come to tell
        return "hold"


async def _answer_status(error_path: ErrorPath, scope: Scope, status: int) -> Answer:
    """The problem for an error response the app sent without one: the documented
    description of ``status``. Nothing was raised, so there is nothing to record;
    ``on_problem`` is told, as of every problem."""
    options = error_path.options
    problem = for_any_status(status)
    if options.on_problem is not None:
        await notify(options.on_problem, Request(scope), problem)
    form = form_of(scope.get("headers", ())) if options.negotiate else JSON
    correlation = None
    if options.correlation_id and status >= 500:
        # A 5xx answered with an id needs a record the id leads to.
        correlation = correlation_id(scope, options.trusted_request_id)
        method, path = where(scope)
        logger.warning(
            "A %d sent without a problem on %s %s became one [correlation_id=%s]",
            status, method, path, correlation,
            extra={"status": status, "method": method, "path": path, "correlation_id": correlation},
        )  # fmt: skip
    return render_with_options(options, scope, problem, problem, False, form, correlation)


async def _send_problem(error_path: ErrorPath, scope: Scope, send: Send, start: Message) -> None:
    status, ours, body = await _answer_status(error_path, scope, start["status"])
    vary = [value for name, value in ours if name == b"vary"]
    theirs = [(bytes(name).lower(), value) for name, value in start.get("headers", ())]
    headers = [(n, v) for n, v in theirs if n not in _BODY_HEADERS and n != b"vary"]
    their_vary = [value for name, value in theirs if name == b"vary"]
    if their_vary or vary:
        names = [
            part.strip() for value in [*their_vary, *vary] for part in bytes(value).split(b",")
        ]
        merged = list(dict.fromkeys(name for name in names if name))
        headers.append((b"vary", b", ".join(merged)))
    headers += [(name, value) for name, value in ours if name != b"vary"]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send(
        {"type": "http.response.body", "body": b"" if scope.get("method") == "HEAD" else body}
    )


class _Rewrite:
    """The messages of one error response, from its start: passed on, held back until
    the body shows whether it is empty, or replaced by a problem."""

    __slots__ = ("empty_messages", "held", "pages", "passing", "replaced", "scope", "sent", "taken")

    def __init__(self, pages: StatusPages, scope: Scope, send: Send) -> None:
        self.pages = pages
        self.scope = scope
        self.sent = send
        self.passing = self.replaced = False
        self.held: Message | None = None
        self.taken = self.empty_messages = 0

    async def send(self, message: Message) -> None:
        send = self.sent
        if self.passing:
            await send(message)
        elif self.replaced:
            if not message.get("more_body", False):
                # The last message: the app ends by itself, and its background task
                # (which runs after it) still runs; only what would go on is stopped.
                return
            self.taken += len(message.get("body", b""))
            self.empty_messages += 1  # every message counts: empty ones can be endless
            if self.taken > self.pages.limit or self.empty_messages > _MAX_REPLACED_MESSAGES:
                raise StopErrorBody()
        elif message["type"] == "http.response.start":
            # Headers may come as any iterable: read once, here, for every use after.
            message = {**message, "headers": list(message.get("headers", ()))}
            verdict = self.pages._verdict(self.scope, message)
            if verdict == "pass":
                self.passing = True
                await send(message)
            elif verdict == "replace":
                await self._replace(message)
            else:
                self.held = message
        elif self.held is not None and message["type"] == "http.response.body":
            if message.get("body") or self.empty_messages >= _MAX_EMPTY_MESSAGES:
                self.passing = True
                await send(self.held)
                await send(message)
            elif not message.get("more_body", False):
                await self._replace(self.held)
            else:
                self.empty_messages += 1
        elif self.held is not None:
            # Not a body message (http.response.pathsend, zerocopysend): the body is a
            # file, so not empty; the held start goes first.
            self.passing = True
            await send(self.held)
            await send(message)
        else:
            await send(message)

    async def _replace(self, start: Message) -> None:
        self.replaced = True
        await _send_problem(self.pages.error_path, self.scope, self.sent, start)
