"""The two entrances to the error path: where an exception is caught.

- ErrorLayer, a middleware: it catches what the app inside it raises, unless the
  response had already started. Then nothing more can be sent, and the exception
  is logged once and re-raised, so that the server closes the connection.
- ProblemAnswer, a Response that a framework's exception handler returns: the
  framework caught the exception, and the error path runs when it sends the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable

from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect

from ._error_path import ErrorPath
from ._status_pages import StopErrorBody
from ._translate import Group, leaves

# Where a websocket stands when its app raises.
HANDSHAKE, OPEN, CLOSED = 0, 1, 2
# A close frame's reason may take at most 123 bytes of UTF-8 (RFC 6455).
MAX_CLOSE_REASON = 123


class ErrorLayer:
    """Pure ASGI middleware that answers every exception of ``app`` with a problem.

    A plain class, which Starlette builds like any other middleware, and which the
    tools that wrap or inspect middleware (such as Sentry's spans) can handle.
    Successful requests and websockets, and lifespan scopes, pass through untouched.
    """

    def __init__(self, app: ASGIApp, error_path: ErrorPath) -> None:
        self.app = app
        self.error_path = error_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await self._websocket(scope, receive, send)
            elif scope["type"] == "lifespan":
                await self.app(scope, self._summarizing_at_shutdown(receive), send)
            else:
                await self.app(scope, receive, send)
            return

        started = False

        # Not a coroutine function: it hands back send's own awaitable, which spares
        # every message of every request one coroutine.
        def tracking_send(message: Message) -> Awaitable[None]:
            nonlocal started
            # Once the start is sent, a problem can no longer replace the response.
            # Early hints (103) and debug messages may come before it, and don't count.
            if message["type"] == "http.response.start":
                started = True
            return send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except StopErrorBody:
            return  # status pages replaced the error body the app went on sending
        except Exception as exc:
            if _only_stopped(exc):
                return  # the same stop, wrapped by a task group or a framework
            if started:
                self.error_path.log.late(scope, exc)
                raise
            await self.error_path.answer(scope, send, exc)

    def _summarizing_at_shutdown(self, receive: Receive) -> Receive:
        # The counts of crashes repeated since their first are logged before the
        # process goes: at the lifespan's shutdown (and at interpreter exit).
        async def receive_lifespan() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                self.error_path.log.flush()
            return message

        return receive_lifespan

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = HANDSHAKE

        async def tracking_send(message: Message) -> None:
            nonlocal state
            kind = message["type"]
            if kind == "websocket.accept":
                state = OPEN
            elif kind in ("websocket.close", "websocket.http.response.start"):
                state = CLOSED
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except WebSocketDisconnect:
            # The client left; there is nobody to tell.
            raise
        except Exception as exc:
            await self._answer_websocket(scope, receive, send, exc, state)

    async def _answer_websocket(
        self, scope: Scope, receive: Receive, send: Send, exc: Exception, state: int
    ) -> None:
        """Answer a websocket whose app raised ``exc``; ``state`` is HANDSHAKE, OPEN or CLOSED.

        During the handshake the problem goes out as a denial response where the server
        supports it, else as a close (1008 for 4xx, 1011 for 5xx); an open socket is
        closed with that code and the problem's title as reason.
        """
        conn = WebSocket(scope, receive, send)
        (status, headers, body), reraise, problem = await self.error_path.settle(scope, exc, conn)
        code = 1011 if status >= 500 else 1008
        if state == HANDSHAKE and "websocket.http.response" in scope.get("extensions", {}):
            start = {"type": "websocket.http.response.start", "status": status}
            await send({**start, "headers": list(headers)})
            await send({"type": "websocket.http.response.body", "body": body})
        elif state == HANDSHAKE:
            await send({"type": "websocket.close", "code": code})
        elif state == OPEN:
            title = (problem.title or "").encode("utf-8")
            reason = title[:MAX_CLOSE_REASON].decode("utf-8", "ignore")
            await send({"type": "websocket.close", "code": code, "reason": reason})
        if reraise is not None:
            raise reraise


def _only_stopped(exc: BaseException, depth: int = 0) -> bool:
    """Whether ``exc`` is the status pages' stop, as a task group or a framework that
    sends from one hands it on: a group of nothing else, or an exception raised
    because of one (Litestar's "Exception caught after response started")."""
    if isinstance(exc, StopErrorBody):
        return True
    if isinstance(exc, Group):
        members = list(leaves(exc))
        return bool(members) and all(isinstance(member, StopErrorBody) for member in members)
    if depth >= 4:
        return False
    return any(
        linked is not None and _only_stopped(linked, depth + 1)
        for linked in (exc.__cause__, exc.__context__)
    )


class ProblemAnswer(Response):
    """The answer to an exception, as a Response that Starlette's exception handling
    sends: the error path runs then, with the connection the handler was given."""

    def __init__(self, error_path: ErrorPath, exc: Exception, conn: HTTPConnection) -> None:
        self.background = None
        self._error_path = error_path
        self._exc = exc
        self._conn = conn

    # Not a coroutine function: it hands back the error path's own coroutine.
    def __call__(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:  # type: ignore[override]
        return self._error_path.answer(scope, send, self._exc, self._conn)
