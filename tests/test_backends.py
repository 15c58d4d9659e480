"""The error path on both of Starlette's async backends: asyncio and trio (through anyio)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest
import sniffio
from _support import (
    NOT_FOUND_DETAIL,
    SERVER_ERROR_DETAIL,
    assert_problem,
    client,
    crash,
    missing,
    ok,
    re_raised,
)
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from asgi_problems import Conflict, NotFound, Problem, install

BACKENDS = ["asyncio", "trio"]


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


class Missing(LookupError):
    pass


async def mapped(request: Request) -> Response:
    raise Missing("row 7")


async def upstream(request: Request) -> Response:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    async with httpx.AsyncClient(transport=httpx.MockTransport(refuse)) as c:
        await c.get("http://upstream.internal/")
    return JSONResponse({})


SEEN: list[int] = []


async def record(request: Any, problem: Problem) -> None:
    await anyio.sleep(0)  # a real await inside the hook, on either backend
    SEEN.append(problem.status)


def make_app() -> Starlette:
    app = Starlette(
        routes=[
            Route("/mapped", mapped),
            Route("/upstream", upstream),
            Route("/ok", ok),
            Route("/missing", missing),
            Route("/crash", crash),
            Route("/group", group),
            Route("/stream", stream),
            Route("/slow", slow),
            Route("/post", ok, methods=["POST"]),
        ]
    )
    install(app, mapping={Missing: NotFound}, on_problem=record)
    return app


async def scenario() -> None:
    SEEN.clear()
    async with client(make_app()) as c:
        assert (await c.get("/ok")).json() == {"ok": True}
        assert_problem(await c.get("/missing"), 404, detail="No such thing")
        assert_problem(await c.get("/nowhere"), 404, detail=NOT_FOUND_DETAIL)
        assert_problem(await c.get("/post"), 405)
        assert_problem(await c.get("/crash"), 500, detail=SERVER_ERROR_DETAIL)
        assert_problem(await c.get("/group"), 409, detail="from a task")
        assert_problem(await c.get("/mapped"), 404, detail=NOT_FOUND_DETAIL)
        assert_problem(await c.get("/upstream"), 502, title="Bad Gateway")
        head = await c.head("/missing")
        assert head.status_code == 404 and head.content == b""
        xml = await c.get("/missing", headers={"Accept": "application/problem+xml"})
        assert xml.headers["content-type"] == "application/problem+xml"
    assert SEEN == [404, 404, 405, 500, 409, 404, 502, 404, 404]
    async with client(make_app(), raise_app_exceptions=True) as c:
        with re_raised(RuntimeError, "mid-stream"):
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


async def test_the_suite_runs_on_the_chosen_backend(request: pytest.FixtureRequest) -> None:
    # make test runs every async test twice: --backend asyncio, then --backend trio.
    assert sniffio.current_async_library() == request.config.getoption("--backend")
