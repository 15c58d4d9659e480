"""install(): wire asgi-problems into a Starlette or FastAPI application."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from types import ModuleType

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.routing import BaseRoute, Host, Mount, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from ._handling import OnProblem, Prepared, ProblemHandler
from ._middleware import InstalledLayer
from ._translate import MappingTarget
from ._type_pages import add_type_pages, folder_of

_INSTALLED = "_asgi_problems_handler"
# Exception handlers from these packages are framework defaults we may replace.
_FRAMEWORKS = ("starlette.", "fastapi.")


def install(
    app: Starlette,
    *,
    debug: bool = False,
    mapping: Mapping[type[BaseException], MappingTarget] | None = None,
    instance: bool = False,
    on_problem: OnProblem | None = None,
    reraise: bool = False,
    pass_upstream_detail: bool = False,
    negotiate: bool = True,
    type_base: str | None = None,
    serve_types: bool = False,
    correlation_id: bool = False,
) -> None:
    """Make every error of a Starlette or FastAPI ``app`` an RFC 9457 problem response.

    Call it once, before the app serves its first request. See the README for what
    each option does.
    """
    if not isinstance(app, Starlette):
        raise TypeError(
            f"install() takes a Starlette or FastAPI application, not {type(app).__name__}; "
            "wrap any other ASGI app in ProblemMiddleware(app) instead"
        )
    handler = ProblemHandler(
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
    if serve_types:
        folder_of(type_base)  # refuse a type_base without a folder before changing the app
    _install(app, handler)
    if serve_types:
        add_type_pages(app, type_base)


def _fastapi_integration(app: Starlette) -> ModuleType | None:
    # Only a FastAPI app can have been made with FastAPI already imported.
    fastapi = sys.modules.get("fastapi")
    if fastapi is None or not isinstance(app, fastapi.FastAPI):
        return None
    return importlib.import_module("asgi_problems.integrations.fastapi")


def _install(app: Starlette, handler: ProblemHandler) -> None:
    if getattr(app, _INSTALLED, None) is not None:
        raise RuntimeError("install() was already called on this app; call it once")
    if app.middleware_stack is not None:
        raise RuntimeError(
            "install() must be called before the app serves its first request "
            "(its middleware stack is already built)"
        )
    setattr(app, _INSTALLED, handler)

    fastapi = _fastapi_integration(app)
    if fastapi:
        # Also when a FastAPI app is mounted in a Starlette one and shares its options.
        handler = handler.with_defaults(fastapi.default_mapping())
    # Problems, HTTPException (which Starlette answers in text/plain, FastAPI in
    # plain JSON) and mapped exceptions are answered right where Starlette catches
    # them, inside the route, unless the user registered a handler of their own.
    on_route = _route_handler(handler)
    for exc_class in handler.translate.handled_types():
        current = app.exception_handlers.get(exc_class)
        if current is None or getattr(current, "__module__", "").startswith(_FRAMEWORKS):
            app.exception_handlers[exc_class] = on_route
    if fastapi:
        fastapi.install_openapi(app, correlation_id=handler.correlation_id)
    if "slowapi" in sys.modules:
        # A rate limiter the app uses: its 429s keep the headers it sends.
        slowapi = importlib.import_module("asgi_problems.integrations.slowapi")
        slowapi.install_handler(app, handler)

    build_default_stack = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        # Layers of ours go in among the user's middleware (see _layered), for the
        # time it takes Starlette to build the stack; Starlette's own
        # ServerErrorMiddleware stays outermost, where tracing and error-tracking
        # tools expect it (OpenTelemetry's FastAPI instrumentation rebuilds it).
        users = app.user_middleware
        app.user_middleware = _layered(users, handler)
        try:
            stack = build_default_stack()
        finally:
            app.user_middleware = users
        _install_mounted(app.routes, handler)
        return stack

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


def _layered(users: list[Middleware], handler: ProblemHandler) -> list[Middleware]:
    """The user's middleware with layers of ours: innermost, outermost, and right
    inside each CORSMiddleware (without middleware of the user's, one layer is all).

    The innermost one answers a route's crash inside all of the user's middleware,
    so that its 500 carries their headers. The outermost one answers what the
    user's middleware raises, before ServerErrorMiddleware would (in text/plain,
    re-raising it to the server). It watches the start itself: middleware may hold
    it back (GZip does, until the first chunk), and a crash before it passed the
    start on has sent nothing yet, which only a layer outside it can tell. The one
    inside CORSMiddleware answers problems raised by the middleware within it (an
    auth check's 401) with CORS headers: without them, a browser would hide that
    answer from the page.
    """
    # A keyword argument: Starlette versions differ in how they pass the app.
    ours = Middleware(InstalledLayer, handler=handler)
    layered = [ours]
    for middleware in users:
        layered.append(middleware)
        if isinstance(middleware.cls, type) and issubclass(middleware.cls, CORSMiddleware):
            layered.append(ours)
    if layered[-1] is not ours:
        layered.append(ours)
    return layered


def adopt(app: Starlette, handler: ProblemHandler) -> None:
    """Install into ``app`` unless that was done already or can no longer be done."""
    if getattr(app, _INSTALLED, None) is None and app.middleware_stack is None:
        _install(app, handler)


def _install_mounted(routes: Iterable[BaseRoute], handler: ProblemHandler) -> None:
    # A mounted Starlette app has its own exception middleware, which would answer
    # in text/plain before our middleware ever saw the exception.
    for route in routes:
        if not isinstance(route, (Mount, Host)):
            continue
        sub = route.app
        if isinstance(sub, Starlette):
            adopt(sub, handler)
        elif isinstance(sub, Router):
            _install_mounted(sub.routes, handler)


class _ProblemResponse(Response):
    """A prepared problem, sent from inside the route by Starlette's own handler call."""

    def __init__(self, prepared: Prepared) -> None:
        self.status_code, headers, self.body, self._reraise = prepared
        self.raw_headers = list(headers)
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.body})
        if self._reraise is not None:
            raise self._reraise


def _route_handler(
    handler: ProblemHandler,
) -> Callable[[HTTPConnection, Exception], Awaitable[Response]]:
    async def handle(conn: HTTPConnection, exc: Exception) -> Response:
        scope = conn.scope
        if scope["type"] != "http":
            # Websockets are answered by the middleware, which knows the socket's state.
            raise exc
        if handler.on_problem is None:
            return _ProblemResponse(handler.prepare_now(scope, exc))
        return _ProblemResponse(await handler.prepare(scope, exc, conn))

    return handle
