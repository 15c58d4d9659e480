"""install(): wire asgi-problems into a Starlette or FastAPI application."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Mapping
from types import ModuleType

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.routing import BaseRoute, Host, Mount, Router
from starlette.types import ASGIApp

from ._handling import MappingTarget, OnProblem, ProblemHandler, from_http_exception
from ._middleware import ProblemMiddleware
from ._render import CONTENT_TYPE, render

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
        debug=debug, mapping=mapping, instance=instance, on_problem=on_problem, reraise=reraise
    )
    _install(app, handler)


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

    # Starlette answers HTTPException with text/plain (FastAPI with plain JSON)
    # inside the route; let it through to our middleware instead, unless the user
    # registered a handler of their own.
    fastapi = _fastapi_integration(app)
    if fastapi:
        # Also when a FastAPI app is mounted in a Starlette one and shares its options.
        handler = handler.with_defaults(fastapi.default_mapping())
    for exc_class in (HTTPException, *(fastapi.let_through() if fastapi else ())):
        current = app.exception_handlers.get(exc_class)
        if current is None or getattr(current, "__module__", "").startswith(_FRAMEWORKS):
            app.exception_handlers[exc_class] = _let_through
    if fastapi:
        fastapi.install_openapi(app)

    # Innermost of the user's middleware: crashes of the routes are answered
    # inside CORSMiddleware and friends, so the 500 still carries their headers.
    app.user_middleware.append(Middleware(ProblemMiddleware._sharing, handler))

    build_default_stack = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        stack = build_default_stack()
        # Outermost, in place of ServerErrorMiddleware: catches what the user's
        # middleware raises, and keeps a crash from being answered (and logged)
        # a second time by Starlette.
        if isinstance(stack, ServerErrorMiddleware):
            stack = stack.app
        _install_mounted(app.routes, handler)
        return ProblemMiddleware._sharing(stack, handler)

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


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


async def _let_through(conn: HTTPConnection, exc: Exception) -> Response:
    if conn.scope["type"] == "http":
        raise exc
    # A websocket handshake refused with an HTTPException: answer it with the
    # problem as a denial response (servers without that extension close 403).
    assert isinstance(exc, HTTPException)
    status, headers, body = render(from_http_exception(exc))
    response = Response(body, status_code=status, media_type=CONTENT_TYPE.decode())
    response.raw_headers.extend(headers[2:])
    return response
