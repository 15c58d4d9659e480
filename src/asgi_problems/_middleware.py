"""ProblemMiddleware: the only code of asgi-problems on the request path."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._handling import MappingTarget, OnProblem, ProblemHandler


class ProblemMiddleware:
    """Pure ASGI middleware that answers every exception of ``app`` with a problem.

    HTTP requests that succeed, websocket and lifespan scopes pass through
    untouched. If the app fails after it started its response, nothing more can
    be sent: the exception is logged once and re-raised so the server closes the
    connection.
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
    ) -> None:
        self.app = app
        self._handler = ProblemHandler(
            debug=debug, mapping=mapping, instance=instance, on_problem=on_problem, reraise=reraise
        )

    @classmethod
    def _sharing(cls, app: ASGIApp, handler: ProblemHandler) -> ProblemMiddleware:
        # install() puts two of these into one app; they share options and caches.
        self = cls.__new__(cls)
        self.app = app
        self._handler = handler
        return self

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            # The first message is always http.response.start; anything sent means
            # the status line is gone and a problem can no longer replace it.
            started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started:
                self._handler.log_late(scope, exc)
                raise
            await self._handler.respond(scope, send, exc)
