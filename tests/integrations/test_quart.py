"""Quart: install(app) makes every error of a Quart app a problem."""

from __future__ import annotations

from typing import Any

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
from quart import Quart, abort
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import TooManyRequests, Unauthorized

from asgi_problems import install

# Quart runs on asyncio only: the trio pass of make test leaves these to asyncio.
pytestmark = pytest.mark.asyncio


def make_app(installed: bool = True, **options: Any) -> Quart:
    app = Quart(__name__)

    @app.get("/ok")
    async def ok() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/problem")
    async def raise_problem() -> None:
        raise problem()

    @app.get("/native")
    async def native() -> None:
        abort(404, "No user 42")

    @app.get("/auth")
    async def auth() -> None:
        raise Unauthorized(www_authenticate=WWWAuthenticate("bearer"))

    @app.get("/slow-down")
    async def slow_down() -> None:
        raise TooManyRequests(retry_after=30)

    @app.get("/crash")
    async def crash() -> None:
        raise KeyError(SECRET)

    @app.get("/mapped")
    async def mapped() -> None:
        raise OutOfStock()

    @app.get("/moved/")
    async def moved() -> dict[str, bool]:
        return {"moved": True}

    if installed:
        install(app, **options)
    return app


async def test_every_kind_of_error_is_a_problem(problem_logs: pytest.LogCaptureFixture) -> None:
    async with client(make_app()) as c:
        await check_the_five_kinds(c, problem_logs, allow={"GET", "HEAD"})
        limited = await c.get("/slow-down")
    assert_problem(limited, 429)
    assert limited.headers["retry-after"] == "30"


async def test_redirects_of_the_router_stay_redirects() -> None:
    async with client(make_app()) as c:
        response = await c.get("/moved")
    assert response.status_code == 308
    assert response.headers["location"].endswith("/moved/")


async def test_the_options_behave_as_on_starlette() -> None:
    await check_the_options_of(make_app)


async def test_success_is_untouched() -> None:
    await check_success_is_untouched(make_app)


async def test_under_uvicorn() -> None:
    await check_under_uvicorn(make_app())
