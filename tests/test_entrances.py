"""The entrances to the error path: a layer that knows whether the response started, and the answer a route's exception handler returns."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from _support import SERVER_ERROR_DETAIL, assert_problem, client, re_raised, serve
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.types import Message, Receive, Scope, Send

from asgi_problems import ProblemMiddleware, install


async def stream_then_fail(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        yield b"first chunk\n"
        raise RuntimeError("disk gone mid-stream")

    return StreamingResponse(body(), media_type="text/plain")


async def fails_at_once(request: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        raise RuntimeError("disk gone before the first chunk")
        yield b""  # pragma: no cover - makes this a generator

    return StreamingResponse(body(), media_type="text/plain")


def errors_in(logs: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in logs.records if r.levelno >= logging.ERROR]


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def test_failure_mid_stream_sends_no_second_start(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    app = Starlette(routes=[Route("/stream", stream_then_fail)])
    install(app)
    starts: list[int] = []

    async def spy(scope: Scope, receive: Receive, send: Send) -> None:
        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                starts.append(message["status"])
            await send(message)

        await app(scope, receive, record)

    with re_raised(RuntimeError, "mid-stream"):
        async with client(spy, raise_app_exceptions=True) as c:
            await c.get("/stream")
    assert starts == [200]
    mine = [r for r in errors_in(problem_logs) if r.name == "asgi_problems"]
    assert len(mine) == 1 and "after the response started" in mine[0].getMessage()


@pytest.mark.parametrize("with_cors", [True, False], ids=["cors-outside", "gzip-alone"])
async def test_a_start_held_back_by_middleware_is_still_answered_and_logged_once(
    with_cors: bool, problem_logs: pytest.LogCaptureFixture
) -> None:
    # GZipMiddleware keeps the start until the first chunk, so a body that fails
    # before it leaves nothing sent: a layer outside it can still answer (the one
    # inside CORSMiddleware, or the outermost one).
    cors = [Middleware(CORSMiddleware, allow_origins=["https://web.example"])]
    app = Starlette(
        routes=[Route("/stream", fails_at_once)],
        middleware=[*(cors if with_cors else []), Middleware(GZipMiddleware, minimum_size=1)],
    )
    install(app)
    async with client(app) as c:
        response = await c.get(
            "/stream", headers={"Origin": "https://web.example", "Accept-Encoding": "gzip"}
        )
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    if with_cors:
        assert response.headers["access-control-allow-origin"] == "https://web.example"
    assert "disk gone" not in response.text
    mine = [r for r in errors_in(problem_logs) if r.name == "asgi_problems"]
    assert len(mine) == 1 and "after the response started" in mine[0].getMessage()


async def test_a_start_held_back_is_answered_under_uvicorn(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    # Unanswered, uvicorn would send its own text/plain 500 and log the crash again.
    app = Starlette(
        routes=[Route("/stream", fails_at_once)],
        middleware=[Middleware(GZipMiddleware, minimum_size=1)],
    )
    install(app)
    with serve(app, log_config=None) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as c:
            response = await c.get("/stream", headers={"Accept-Encoding": "gzip"})
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert [r.name for r in errors_in(problem_logs)] == ["asgi_problems"]


async def test_a_crash_after_early_hints_is_still_answered() -> None:
    # A 103 goes out before the response starts: a problem can still follow it.
    # (What Starlette's request.send_early_hints() sends, where it has it.)
    async def hinted(scope: Scope, receive: Receive, send: Send) -> None:
        links = [(b"link", b"</app.css>; rel=preload")]
        await send({"type": "http.response.early_hint", "links": links})
        raise RuntimeError("the query failed")

    app = Starlette(routes=[Mount("/page", hinted)])
    install(app)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/page/",
        "headers": [],
        "query_string": b"",
        "extensions": {"http.response.early_hint": {}},
    }
    await app(scope, receive, send)
    assert [m["type"] for m in sent] == [
        "http.response.early_hint",
        "http.response.start",
        "http.response.body",
    ]
    assert sent[1]["status"] == 500
    assert json.loads(sent[2]["body"])["detail"] == SERVER_ERROR_DETAIL


async def test_failure_mid_stream_closes_a_real_connection() -> None:
    app = Starlette(routes=[Route("/stream", stream_then_fail), Route("/ok", ok)])
    install(app)
    with serve(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=5) as c:
            with pytest.raises(httpx.RemoteProtocolError):
                await c.get("/stream")
            assert (await c.get("/ok")).status_code == 200  # the server is fine


async def test_exception_after_start_is_logged_once_and_reraised(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    starts = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"partial", "more_body": True})
        raise RuntimeError("mid-stream")

    async def counting(scope: Scope, receive: Receive, send: Send) -> None:
        async def count(message: Message) -> None:
            if message["type"] == "http.response.start":
                starts.append(message["status"])
            await send(message)

        await ProblemMiddleware(app)(scope, receive, count)

    with pytest.raises(RuntimeError, match="mid-stream"):
        async with client(counting, raise_app_exceptions=True) as c:
            await c.get("/")
    assert starts == [200]
    errors = [r for r in problem_logs.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "after the response started" in errors[0].getMessage()
