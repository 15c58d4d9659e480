"""The error path on both of Starlette's async backends: asyncio and trio (through anyio)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest
from _support import NOT_FOUND_DETAIL, SERVER_ERROR_DETAIL, assert_problem, client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from asgi_problems import Conflict, NotFound, install

BACKENDS = ["asyncio", "trio"]


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def missing(request: Request) -> Response:
    raise NotFound("no such thing")


async def crash(request: Request) -> Response:
    raise RuntimeError("secret")


async def group(request: Request) -> Response:
    # A task group wraps what its tasks raise; the problem inside still decides.
    async def fail() -> None:
        raise Conflict("from a task")

    async with anyio.create_task_group() as tg:
        tg.start_soon(fail)
    return JSONResponse({})


async def stream(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        yield b"chunk"
        raise RuntimeError("mid-stream")

    return StreamingResponse(body())


async def slow(request: Request) -> Response:
    await anyio.sleep(60)
    return JSONResponse({})


def make_app() -> Starlette:
    app = Starlette(
        routes=[
            Route("/ok", ok),
            Route("/missing", missing),
            Route("/crash", crash),
            Route("/group", group),
            Route("/stream", stream),
            Route("/slow", slow),
            Route("/post", ok, methods=["POST"]),
        ]
    )
    install(app)
    return app


async def scenario() -> None:
    async with client(make_app()) as c:
        assert (await c.get("/ok")).json() == {"ok": True}
        assert_problem(await c.get("/missing"), 404, detail="no such thing")
        assert_problem(await c.get("/nowhere"), 404, detail=NOT_FOUND_DETAIL)
        assert_problem(await c.get("/post"), 405)
        assert_problem(await c.get("/crash"), 500, detail=SERVER_ERROR_DETAIL)
        assert_problem(await c.get("/group"), 409, detail="from a task")
    async with client(make_app(), raise_app_exceptions=True) as c:
        with pytest.raises(RuntimeError, match="mid-stream"):
            await c.get("/stream")


@pytest.mark.parametrize("backend", BACKENDS)
def test_error_path(backend: str) -> None:
    anyio.run(scenario, backend=backend)


async def cancelled_scenario() -> None:
    # Cancellation (asyncio's CancelledError, trio's Cancelled) must pass through us.
    async with client(make_app()) as c:
        with anyio.move_on_after(0.05) as scope:
            await c.get("/slow")
    assert scope.cancelled_caught


@pytest.mark.parametrize("backend", BACKENDS)
def test_cancellation(backend: str, problem_logs: pytest.LogCaptureFixture) -> None:
    anyio.run(cancelled_scenario, backend=backend)
    assert [r for r in problem_logs.records if r.name == "asgi_problems"] == []
