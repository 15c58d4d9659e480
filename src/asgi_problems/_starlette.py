"""How the error path goes into a Starlette or FastAPI app: at both entrances.

- The route's: Starlette's own exception handlers, which catch what a route raises
  and send the Response a handler returns. Ours returns a ProblemAnswer, which runs
  the error path when Starlette sends it.
- The middleware's: ErrorLayers among the app's middleware (see ``_layered``), for
  what the routes' handlers do not catch: crashes, and what middleware raises.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Awaitable, Callable, Iterable
from types import ModuleType

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.routing import BaseRoute, Host, Mount, Router
from starlette.types import ASGIApp

from ._entrances import ErrorLayer, ProblemAnswer
from ._error_path import ErrorPath

INSTALLED = "_asgi_problems_error_path"
# Exception handlers from these packages are framework defaults we may replace.
_FRAMEWORKS = ("starlette.", "fastapi.")


def wire(app: Starlette, error_path: ErrorPath) -> None:
    """Put ``error_path`` at both entrances of ``app``; once, before it serves."""
    if getattr(app, INSTALLED, None) is not None:
        raise RuntimeError("install() was already called on this app; call it once")
    if app.middleware_stack is not None:
        raise RuntimeError(
            "install() must be called before the app serves its first request "
            "(its middleware stack is already built)"
        )
    setattr(app, INSTALLED, error_path)

    fastapi = _fastapi_integration(app)
    if fastapi:
        # Also when a FastAPI app is mounted in a Starlette one and shares its options.
        error_path = error_path.with_defaults(fastapi.default_mapping())
    # Problems, HTTPException (which Starlette answers in text/plain, FastAPI in
    # plain JSON) and mapped exceptions are answered right where Starlette catches
    # them, inside the route, unless the user registered a handler of their own.
    on_route = _route_handler(error_path)
    handled = error_path.translations.handled_types()
    _warn_of_the_apps_handlers(app, handled)
    for exc_class in handled:
        if not _is_users(app.exception_handlers.get(exc_class)):
            app.exception_handlers[exc_class] = on_route
    if fastapi:
        options = error_path.options
        fastapi.install_openapi(
            app,
            correlation_id=bool(options.correlation_id),
            languages=options.languages,
        )
    if "slowapi" in sys.modules:
        # A rate limiter the app uses: its 429s keep the headers it sends.
        slowapi = importlib.import_module("asgi_problems.integrations.slowapi")
        slowapi.install_handler(app, error_path)

    build_default_stack = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        # Layers of ours go in among the user's middleware (see _layered), for the
        # time it takes Starlette to build the stack; Starlette's own
        # ServerErrorMiddleware stays outermost, where tracing and error-tracking
        # tools expect it (OpenTelemetry's FastAPI instrumentation rebuilds it).
        users = app.user_middleware
        app.user_middleware = _layered(users, error_path)
        try:
            stack = build_default_stack()
        finally:
            app.user_middleware = users
        _wire_mounted(app.routes, error_path)
        return stack

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


def _is_users(handler: object) -> bool:
    return handler is not None and not getattr(handler, "__module__", "").startswith(_FRAMEWORKS)


def _warn_of_the_apps_handlers(app: Starlette, handled: tuple[type[BaseException], ...]) -> None:
    """Say which of the app's own exception handlers win over ours, and which never run.

    Starlette asks the handlers of the route's exception middleware first, by status
    code for HTTPExceptions, then by class; a crash reaches our layer before the
    ServerErrorMiddleware that runs an ``Exception`` or ``500`` handler.
    """
    for key, handler in list(app.exception_handlers.items()):
        if not _is_users(handler):
            continue
        name = getattr(handler, "__qualname__", repr(handler))
        if key in (Exception, 500):
            warnings.warn(
                f"asgi-problems: the app's handler {name} for {_label(key)} is bypassed: "
                "crashes are answered as 500 problems before Starlette's "
                "ServerErrorMiddleware would call it. To shape that answer, pass "
                "mapping={Exception: your_function} to install(); to observe crashes, "
                "on_problem.",
                UserWarning,
                stacklevel=3,
            )
        elif isinstance(key, int) or (isinstance(key, type) and issubclass(key, handled)):
            warnings.warn(
                f"asgi-problems: the app's handler {name} for {_label(key)} wins over "
                "install(): what it answers is not a problem. To combine the two, let it "
                "raise a Problem (raise BadRequest(...) from exc), or remove it and pass "
                "mapping= or on_problem= to install().",
                UserWarning,
                stacklevel=3,
            )


def _label(key: object) -> str:
    return f"status {key}" if isinstance(key, int) else getattr(key, "__name__", repr(key))


def adopt(app: Starlette, error_path: ErrorPath) -> None:
    """Wire ``app`` unless that was done already or can no longer be done."""
    if getattr(app, INSTALLED, None) is None and app.middleware_stack is None:
        wire(app, error_path)


def _fastapi_integration(app: Starlette) -> ModuleType | None:
    # Only a FastAPI app can have been made with FastAPI already imported.
    fastapi = sys.modules.get("fastapi")
    if fastapi is None or not isinstance(app, fastapi.FastAPI):
        return None
    return importlib.import_module("asgi_problems.integrations.fastapi")


def _route_handler(
    error_path: ErrorPath,
) -> Callable[[HTTPConnection, Exception], Awaitable[Response]]:
    async def handle(conn: HTTPConnection, exc: Exception) -> Response:
        if conn.scope["type"] != "http":
            # Websockets are answered by the layer, which knows the socket's state.
            raise exc
        return ProblemAnswer(error_path, exc, conn)

    return handle


def _layered(users: list[Middleware], error_path: ErrorPath) -> list[Middleware]:
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
    ours = Middleware(ErrorLayer, error_path=error_path)
    layered = [ours]
    for middleware in users:
        layered.append(middleware)
        if isinstance(middleware.cls, type) and issubclass(middleware.cls, CORSMiddleware):
            layered.append(ours)
    if layered[-1] is not ours:
        layered.append(ours)
    return layered


def _wire_mounted(routes: Iterable[BaseRoute], error_path: ErrorPath) -> None:
    # A mounted Starlette app has its own exception middleware, which would answer
    # in text/plain before our layer ever saw the exception.
    for route in routes:
        if not isinstance(route, (Mount, Host)):
            continue
        sub = route.app
        if isinstance(sub, Starlette):
            adopt(sub, error_path)
        elif isinstance(sub, Router):
            _wire_mounted(sub.routes, error_path)
