"""ProblemMiddleware, and the layers install() puts into a Starlette app: the pure-ASGI
entrance that answers what the app raises."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect

from ._handling import CLOSED, HANDSHAKE, OPEN, OnProblem, ProblemHandler
from ._translate import MappingTarget


class ProblemMiddleware:
    """Pure ASGI middleware that answers every exception of ``app`` with a problem.

    Requests and websockets that succeed, and lifespan scopes, pass through
    untouched. If the app fails after it started its response, nothing more can
    be sent: the exception is logged once and re-raised so the server closes the
    connection. Wrapping a Starlette or FastAPI app also installs into it, as
    ``install()`` does, so that its own error handling answers with problems too.
    """

    def __init__(
        self,
        app: ASGIApp,
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
        self.app = app
        self._handler = ProblemHandler(
            debug=debug,
            mapping=mapping,
            instance=instance,
            on_problem=on_problem,
            reraise=reraise,
            pass_upstream_detail=pass_upstream_detail,
            negotiate=negotiate,
            type_base=type_base,
            correlation_id=correlation_id,
        )
        if isinstance(app, Starlette):
            # Imported here: _install builds on this module.
            from ._install import adopt

            adopt(app, self._handler)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await self._websocket(scope, receive, send)
            else:
                await self.app(scope, receive, send)
            return

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            # Once the start is sent, a problem can no longer replace the response.
            # Early hints (103) and debug messages may come before it, and don't count.
            if not started and message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                self._handler.log_late(scope, exc)
                raise
            await self._handler.respond(scope, send, exc)

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
            await self._handler.respond_websocket(scope, receive, send, exc, state)


class InstalledLayer(ProblemMiddleware):
    """A layer that ``install()`` puts among an app's middleware.

    A plain class, built by Starlette like any other middleware (and so open to
    the tools that wrap or inspect them, such as Sentry's middleware spans): it
    shares the options and caches of the one handler of its app.
    """

    def __init__(self, app: ASGIApp, handler: ProblemHandler) -> None:
        # Not ProblemMiddleware.__init__: the handler is made once, by install().
        self.app = app
        self._handler = handler
