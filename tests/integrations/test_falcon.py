"""Falcon: install(app) makes every error of a falcon.asgi.App a problem."""

from __future__ import annotations

from typing import Any

import falcon
import falcon.asgi
import pytest
from _frameworks import (
    SECRET,
    OutOfStock,
    check_success_is_untouched,
    check_the_five_kinds,
    check_the_options_of,
    check_under_uvicorn,
    problem,
)
from _support import assert_problem, client

from asgi_problems import install

# Falcon's ASGI app runs on asyncio only: the trio pass of make test leaves these to asyncio.
pytestmark = pytest.mark.asyncio


class Ok:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = {"ok": True}


class Raises:
    def __init__(self, make: Any) -> None:
        self.make = make

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        raise self.make()


def make_app(installed: bool = True, **options: Any) -> falcon.asgi.App[Any, Any]:
    app = falcon.asgi.App()
    app.add_route("/ok", Ok())
    routes = {
        "/problem": problem,
        "/native": lambda: falcon.HTTPNotFound(description="No user 42"),
        "/auth": lambda: falcon.HTTPUnauthorized(challenges=["Bearer"]),
        "/busy": lambda: falcon.HTTPServiceUnavailable(retry_after=30),
        "/crash": lambda: KeyError(SECRET),
        "/mapped": OutOfStock,
    }
    for path, make in routes.items():
        app.add_route(path, Raises(make))
    if installed:
        install(app, **options)
    return app


async def test_every_kind_of_error_is_a_problem(problem_logs: pytest.LogCaptureFixture) -> None:
    async with client(make_app()) as c:
        await check_the_five_kinds(c, problem_logs, allow={"GET"})
        busy = await c.get("/busy")
    assert_problem(busy, 503)
    assert busy.headers["retry-after"] == "30"


async def test_the_options_behave_as_on_starlette() -> None:
    await check_the_options_of(make_app)


async def test_success_is_untouched() -> None:
    await check_success_is_untouched(make_app)


async def test_under_uvicorn() -> None:
    await check_under_uvicorn(make_app())


class GzipThenRaise:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        # Headers set for a body that the responder never got to send.
        resp.set_header("Content-Encoding", "gzip")
        resp.set_header("Content-Disposition", 'attachment; filename="report.csv"')
        resp.set_header("ETag", '"v7"')
        resp.set_header("X-Trace", "7")
        raise RuntimeError("the report failed")


async def test_headers_that_describe_the_responders_body_do_not_stay_on_the_problem() -> None:
    app = make_app()
    app.add_route("/report", GzipThenRaise())
    async with client(app) as c:
        response = await c.get("/report")
    assert_problem(response, 500)  # decodable: no gzip claimed for plain JSON
    for name in ("content-encoding", "content-disposition", "etag"):
        assert name not in response.headers
