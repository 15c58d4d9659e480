"""How install() goes into a Starlette app: among its middleware, CORS, mounted apps."""

from __future__ import annotations

import logging

import pytest
from _support import SERVER_ERROR_DETAIL, assert_problem, client, crash, missing, ok
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from asgi_problems import Forbidden, Unauthorized, install

SECRET = "dsn=postgres://admin:hunter2@db"


async def gone(request: Request) -> Response:
    raise HTTPException(410)


class DenyAdmin(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path.startswith("/admin"):
            raise Forbidden("Admins only.")
        if request.url.path == "/broken-mw":
            raise RuntimeError(SECRET)
        return await call_next(request)


def pure_guard(app: ASGIApp) -> ASGIApp:
    async def guard(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == "/guarded":
            raise Unauthorized(headers={"WWW-Authenticate": 'Bearer realm="api"'})
        await app(scope, receive, send)

    return guard


# A problem from the auth middleware, from the one below it, a crash of each, the router.
PATHS = {"/guarded": 401, "/admin": 403, "/broken-mw": 500, "/crash": 500, "/nowhere": 404}


async def test_cors_headers_are_on_the_500() -> None:
    app = Starlette(
        routes=[Route("/crash", crash)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["https://web.example"])],
    )
    install(app)
    async with client(app) as c:
        response = await c.get("/crash", headers={"Origin": "https://web.example"})
    assert_problem(response, 500)
    assert response.headers["access-control-allow-origin"] == "https://web.example"


async def test_problems_from_user_middleware_keep_their_status() -> None:
    app = Starlette(
        routes=[Route("/ok", ok), Route("/crash", crash)],
        middleware=[Middleware(pure_guard), Middleware(DenyAdmin)],
    )
    install(app)
    async with client(app) as c:
        admin = await c.get("/admin")
        guarded = await c.get("/guarded")
        broken = await c.get("/broken-mw")
        crashed = await c.get("/crash")
        fine = await c.get("/ok")
    assert_problem(admin, 403, detail="Admins only.")
    assert_problem(guarded, 401)
    assert guarded.headers["www-authenticate"] == 'Bearer realm="api"'
    assert_problem(broken, 500, detail=SERVER_ERROR_DETAIL)
    assert_problem(crashed, 500, detail=SERVER_ERROR_DETAIL)
    assert fine.json() == {"ok": True}


async def test_problems_raised_inside_cors_middleware_carry_cors_headers(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    origin = {"Origin": "https://web.example"}
    app = Starlette(
        routes=[Route("/ok", ok), Route("/crash", crash)],
        middleware=[
            Middleware(CORSMiddleware, allow_origins=["https://web.example"]),
            Middleware(pure_guard),
            Middleware(DenyAdmin),
        ],
    )
    install(app)
    async with client(app) as c:
        answers = {path: await c.get(path, headers=origin) for path in PATHS}
        preflight = await c.options(
            "/ok", headers={**origin, "Access-Control-Request-Method": "GET"}
        )
    for path, status in PATHS.items():
        assert_problem(answers[path], status)
        assert answers[path].headers["access-control-allow-origin"] == "https://web.example"
    assert answers["/guarded"].headers["www-authenticate"] == 'Bearer realm="api"'
    assert SECRET not in answers["/broken-mw"].text
    assert preflight.status_code == 200
    # Each crash is logged once, by the layer that answered it.
    crashes = [r for r in problem_logs.records if r.levelno >= logging.ERROR]
    assert len(crashes) == 2


async def test_one_build_leaves_the_users_middleware_list_as_it_was() -> None:
    app = Starlette(
        routes=[Route("/ok", ok)],
        middleware=[Middleware(CORSMiddleware, allow_origins=["*"]), Middleware(DenyAdmin)],
    )
    install(app)
    before = list(app.user_middleware)
    async with client(app) as c:
        assert (await c.get("/ok")).status_code == 200
    assert app.user_middleware == before


async def test_middleware_added_after_install_is_covered() -> None:
    app = Starlette(routes=[Route("/ok", ok)])
    install(app)
    app.add_middleware(DenyAdmin)
    async with client(app) as c:
        assert_problem(await c.get("/admin"), 403)


async def test_mounted_apps_and_routers() -> None:
    sub = Starlette(routes=[Route("/crash", crash), Route("/missing", missing), Route("/e", gone)])
    app = Starlette(
        routes=[
            Mount("/sub", app=sub),
            Mount("/api", routes=[Route("/missing", missing), Mount("/deep", app=sub)]),
        ]
    )
    install(app, instance=True)
    async with client(app) as c:
        assert_problem(await c.get("/sub/crash"), 500, detail=SERVER_ERROR_DETAIL)
        assert_problem(await c.get("/sub/missing"), 404, detail="No such thing")
        assert_problem(await c.get("/sub/e"), 410, title="Gone")
        assert_problem(await c.get("/sub/nothing"), 404, instance="/sub/nothing")
        assert_problem(await c.get("/api/missing"), 404, detail="No such thing")
        assert_problem(await c.get("/api/deep/crash"), 500)
