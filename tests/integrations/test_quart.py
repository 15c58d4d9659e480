"""Quart: install(app) makes every error of a Quart app a problem."""

from __future__ import annotations

from typing import Any

import anyio
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


@pytest.mark.parametrize("raised", ["problem", "crash"])
async def test_an_error_on_a_websocket_closes_it_as_quart_does(
    raised: str, problem_logs: pytest.LogCaptureFixture
) -> None:
    from quart import websocket

    from asgi_problems import NotFound

    app = Quart(__name__)

    @app.websocket("/ws")
    async def ws() -> None:
        await websocket.accept()
        if raised == "problem":
            raise NotFound("gone")
        raise RuntimeError("the feed is down")

    install(app)
    sent: list[dict[str, Any]] = []
    incoming = [{"type": "websocket.connect"}]

    async def receive() -> Any:
        if incoming:
            return incoming.pop(0)
        await anyio.sleep(30)  # the client stays; the app must close
        return {"type": "websocket.disconnect", "code": 1000}

    async def send(message: Any) -> None:
        sent.append(message)

    scope = {
        "type": "websocket", "path": "/ws", "raw_path": b"/ws", "query_string": b"",
        "headers": [(b"host", b"testserver")], "scheme": "ws", "server": ("testserver", 80),
        "client": ("127.0.0.1", 1), "root_path": "", "subprotocols": [],
        "asgi": {"version": "3.0"}, "http_version": "1.1",
    }  # fmt: skip
    with anyio.fail_after(10):
        await app(scope, receive, send)  # nothing raised to the server
    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.close"]
    crashes = [r for r in problem_logs.records if r.name == "asgi_problems" and r.levelno >= 40]
    assert len(crashes) == (1 if raised == "crash" else 0)  # logged once, by us
