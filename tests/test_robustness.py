"""The error path under faults, hostile input and load."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sys
import threading
from typing import Any

import anyio
import httpx
import pytest
from _support import SERVER_ERROR_DETAIL, assert_problem, client, serve
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from asgi_problems import BadRequest, Conflict, NotFound, Problem, ProblemMiddleware, install

if sys.version_info < (3, 11):  # pragma: no cover
    from exceptiongroup import ExceptionGroup


def errors_in(logs: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in logs.records if r.levelno >= logging.ERROR]


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


@pytest.mark.parametrize("cancellation", [asyncio.CancelledError, KeyboardInterrupt])
async def test_cancellation_propagates_untouched(
    cancellation: type[BaseException], problem_logs: pytest.LogCaptureFixture
) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise cancellation()

    async def send(message: Message) -> None:
        raise AssertionError("nothing may be sent")

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    with pytest.raises(cancellation):
        await ProblemMiddleware(app)({"type": "http", "method": "GET", "path": "/"}, receive, send)
    assert errors_in(problem_logs) == []


async def test_cancelled_request_is_not_a_500(problem_logs: pytest.LogCaptureFixture) -> None:
    # The server cancels the request's task (the client left): asyncio's
    # CancelledError or trio's Cancelled must go through us untouched.
    started = anyio.Event()
    sent: list[Message] = []

    async def slow(request: Request) -> Response:
        started.set()
        await anyio.sleep(60)
        return JSONResponse({})

    app = Starlette(routes=[Route("/slow", slow)])
    install(app)

    async def receive() -> Message:
        await anyio.sleep(60)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/slow", "headers": [], "query_string": b""}
    async with anyio.create_task_group() as tg:
        tg.start_soon(app, scope, receive, send)
        await started.wait()
        tg.cancel_scope.cancel()
    assert tg.cancel_scope.cancelled_caught
    assert sent == []
    assert errors_in(problem_logs) == []


class ReadsTheBody(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path == "/checked":
            await request.body()  # a signature check, say
        return await call_next(request)


async def upload(request: Request) -> Response:
    return JSONResponse({"size": len(await request.body())})


@pytest.mark.parametrize("path", ["/upload", "/checked"], ids=["route", "middleware"])
async def test_client_that_leaves_mid_upload_is_not_an_error(
    path: str, problem_logs: pytest.LogCaptureFixture
) -> None:
    # Reading the body then raises Starlette's ClientDisconnect, in the route or in
    # the user's middleware: a 400 that nobody may read, and not a crash.
    app = Starlette(
        routes=[Route("/upload", upload, methods=["POST"]), Route("/checked", ok)],
        middleware=[Middleware(ReadsTheBody)],
    )
    install(app)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    method = "POST" if path == "/upload" else "GET"
    scope = {"type": "http", "method": method, "path": path, "headers": [], "query_string": b""}
    await app(scope, receive, send)  # nothing raised, so the server logs nothing either
    assert sent[0]["status"] == 400
    assert json.loads(sent[1]["body"])["detail"] == (
        "The client disconnected before it had sent the whole request body."
    )
    assert errors_in(problem_logs) == []


async def test_client_that_leaves_mid_upload_under_uvicorn(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    read = threading.Event()

    async def upload_noting(request: Request) -> Response:
        try:
            return await upload(request)
        finally:
            read.set()

    app = Starlette(routes=[Route("/upload", upload_noting, methods=["POST"]), Route("/ok", ok)])
    install(app)
    # log_config=None: an "Exception in ASGI application" from uvicorn would show here.
    with serve(app, log_config=None) as base_url:
        host, port = base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as sock:
            head = b"POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n"
            sock.sendall(head + b"x" * 1000)
            await anyio.sleep(0.1)  # the route is now waiting for the rest
        assert await anyio.to_thread.run_sync(read.wait, 5)
        async with httpx.AsyncClient(base_url=base_url) as c:
            assert (await c.get("/ok")).status_code == 200
    assert errors_in(problem_logs) == []


async def test_group_with_several_problems_answers_the_most_severe(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    group = ExceptionGroup(
        "many", [BadRequest("a"), ExceptionGroup("inner", [RuntimeError("secret")]), Conflict("c")]
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise group

    async with client(ProblemMiddleware(app)) as c:
        response = await c.get("/")
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert "secret" not in response.text
    messages = [r.getMessage() for r in problem_logs.records if r.name == "asgi_problems"]
    # One record: the crash that decides in full, the others counted and written out.
    assert len(messages) == 1
    assert "unhandled exception" in messages[0]
    assert "the group held 2 more: BadRequest x1, Conflict x1" in messages[0]
    assert messages[0].count("Also raised with it:") == 2


async def test_group_of_4xx_answers_the_first() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise ExceptionGroup("many", [NotFound("first"), Conflict("second")])

    async with client(ProblemMiddleware(app)) as c:
        assert_problem(await c.get("/"), 404, detail="first")


@pytest.mark.parametrize(
    "problem",
    [
        NotFound("x" * 1_000_000),
        NotFound("Ünïcödé ✓ 🚀 " * 1000, note="人" * 1000),
        NotFound(12345),  # type: ignore[arg-type]
        Problem(
            status=400,
            nested=[
                [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]
            ],
        ),
    ],
    ids=["1MB", "unicode", "int-detail", "nested"],
)
async def test_huge_and_odd_input_gives_a_valid_response(problem: Problem) -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        raise problem

    async with client(ProblemMiddleware(app)) as c:
        response = await c.get("/")
    body = assert_problem(response, problem.status)
    assert body["detail"] == str(problem.detail)


async def test_a_thousand_concurrent_mixed_requests() -> None:
    class Missing(LookupError):
        pass

    async def endpoint(request: Request) -> Response:
        n = int(request.path_params["n"])
        await anyio.sleep(0)  # let the requests interleave
        kind = n % 4
        if kind == 0:
            return JSONResponse({"n": n})
        if kind == 1:
            raise NotFound(f"no {n}", n=n)
        if kind == 2:
            raise RuntimeError(f"crash {n}")
        raise Missing(n)

    app = Starlette(routes=[Route("/{n:int}", endpoint)])
    install(app, mapping={Missing: lambda exc: Conflict(f"mapped {exc.args[0]}", n=exc.args[0])})
    logging.getLogger("asgi_problems").disabled = True
    try:
        async with client(app) as c:
            responses: list[Any] = [None] * 1000

            async def fetch(n: int) -> None:
                responses[n] = await c.get(f"/{n}")

            async with anyio.create_task_group() as tg:
                for n in range(1000):
                    tg.start_soon(fetch, n)
    finally:
        logging.getLogger("asgi_problems").disabled = False
    for n, response in enumerate(responses):
        kind = n % 4
        if kind == 0:
            assert response.json() == {"n": n}
        elif kind == 1:
            assert_problem(response, 404, detail=f"no {n}", n=n)
        elif kind == 2:
            assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
            assert f"crash {n}" not in response.text
        else:
            assert_problem(response, 409, detail=f"mapped {n}", n=n)


def test_middleware_keeps_no_per_request_state() -> None:
    middleware = ProblemMiddleware(ok)
    # Options only: whatever a request needs lives in its own call's locals.
    assert set(vars(middleware)) == {"app", "error_path"}


async def test_wrapping_a_starlette_app_logs_crashes_once(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    inner = Starlette(routes=[Route("/crash", crash)])
    app = ProblemMiddleware(inner)  # no install(): wrapping adopts the app
    async with client(app, raise_app_exceptions=True) as c:
        response = await c.get("/crash")
        missing = await c.get("/nowhere")
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert_problem(missing, 404)
    assert [r.name for r in errors_in(problem_logs)] == ["asgi_problems"]


async def crash(request: Request) -> Response:
    raise RuntimeError("secret")


async def test_log_lines_name_method_and_path_but_not_query_or_headers(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    app = Starlette(routes=[Route("/crash", crash)])
    install(app)
    async with client(app) as c:
        await c.get("/crash?api_key=supersecret", headers={"Authorization": "Bearer tok3n"})
    (record,) = errors_in(problem_logs)
    text = record.getMessage()
    assert "GET /crash" in text
    assert "supersecret" not in text and "tok3n" not in text
    assert record.exc_info is not None


def test_body_is_strict_json() -> None:
    # json.loads accepts NaN by default; the bodies must not need that leniency.
    def strict(text: str) -> Any:
        return json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))

    from asgi_problems._render import render

    _, _, body = render(NotFound(value=float("nan"), inf=float("-inf")))
    assert strict(body.decode())["value"] == "nan"
