"""The error path: its steps in order, and the answers it reuses.

The usual 4xx errors are answered with reused responses, which must stay exact: a
reused response is keyed by everything that decides it. Those tests change one
thing at a time between two requests and check that the second answer follows.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from _support import NOT_FOUND_DETAIL, assert_problem, client
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import Gone, NotFound, install
from asgi_problems._memo import SIZE


class Missing(NotFound):
    pass


def make_app(raise_it: Any, **options: Any) -> Starlette:
    async def endpoint(request: Request) -> Response:
        raise raise_it(request)

    app = Starlette(routes=[Route("/{name}", endpoint, methods=["GET", "HEAD"])])
    install(app, **options)
    return app


@pytest.mark.parametrize("error", [NotFound, lambda: HTTPException(404)])
async def test_a_reused_response_is_the_same_as_the_first(error: Any) -> None:
    app = make_app(lambda request: error())
    async with client(app) as http:
        first, second = await http.get("/a"), await http.get("/b")
        head = await http.head("/c")
    assert_problem(first, 404, detail=NOT_FOUND_DETAIL)
    assert (second.status_code, second.headers, second.content) == (
        first.status_code,
        first.headers,
        first.content,
    )
    # HEAD gets the same headers, without the body.
    assert head.status_code == 404 and head.content == b""
    assert head.headers["content-length"] == first.headers["content-length"]


async def test_what_differs_per_request_is_not_reused() -> None:
    app = make_app(lambda request: NotFound(f"No {request.path_params['name']}", hint="check"))
    async with client(app) as http:
        for name in ("a", "b"):
            assert_problem(await http.get(f"/{name}"), 404, detail=f"No {name}", hint="check")


@pytest.mark.parametrize("error", [NotFound, lambda: HTTPException(404)])
async def test_instance_and_negotiated_forms_are_answered_per_request(error: Any) -> None:
    app = make_app(lambda request: error(), instance=True)
    async with client(app) as http:
        for name in ("a", "b"):
            assert_problem(await http.get(f"/{name}"), 404, instance=f"/{name}")
        xml = await http.get("/c", headers={"accept": "application/problem+xml"})
        json = await http.get("/c", headers={"accept": "application/json"})
    assert xml.headers["content-type"] == "application/problem+xml"
    assert json.headers["content-type"] == "application/problem+json"


async def test_a_changed_class_attribute_is_seen() -> None:
    app = make_app(lambda request: Missing())
    async with client(app) as http:
        assert_problem(await http.get("/a"), 404, detail=NOT_FOUND_DETAIL)
        Missing.detail = "Changed at runtime."
        try:
            assert_problem(await http.get("/a"), 404, detail="Changed at runtime.")
        finally:
            Missing.detail = NOT_FOUND_DETAIL


async def test_a_mapped_problem_class_is_translated_every_time() -> None:
    app = make_app(lambda request: Missing(), mapping={Missing: Gone})
    async with client(app) as http:
        for _ in range(2):
            assert_problem(await http.get("/a"), 410)


async def test_a_mapped_http_exception_is_translated_every_time() -> None:
    calls = []

    def translate(exc: HTTPException) -> Gone:
        calls.append(exc.status_code)
        return Gone(f"was {exc.status_code}")

    app = make_app(lambda request: HTTPException(404), mapping={HTTPException: translate})
    async with client(app) as http:
        for _ in range(2):
            assert_problem(await http.get("/a"), 410, detail="was 404")
    assert calls == [404, 404]


async def test_http_exception_headers_are_part_of_the_key() -> None:
    def raise_it(request: Request) -> HTTPException:
        return HTTPException(401, headers={"WWW-Authenticate": request.path_params["name"]})

    app = make_app(raise_it)
    async with client(app) as http:
        for name in ("Basic", "Bearer", "Basic"):
            response = await http.get(f"/{name}")
            assert_problem(response, 401)
            assert response.headers["www-authenticate"] == name


async def test_unhashable_header_values_are_answered_uncached() -> None:
    app = make_app(lambda request: HTTPException(401, headers={"X-Realm": ["a", "b"]}))
    async with client(app) as http:
        for _ in range(2):
            assert_problem(await http.get("/a"), 401)


@pytest.mark.parametrize("error", [NotFound, lambda: HTTPException(404)])
async def test_debug_logging_still_sees_every_problem(
    error: Any, problem_logs: pytest.LogCaptureFixture
) -> None:
    app = make_app(lambda request: error())
    async with client(app) as http:
        for _ in range(3):
            assert_problem(await http.get("/a"), 404)
    ours = [r for r in problem_logs.records if r.name == "asgi_problems"]
    assert [r.levelno for r in ours] == [logging.DEBUG] * 3


@pytest.mark.parametrize("error", [NotFound, lambda: HTTPException(404)])
async def test_on_problem_still_sees_every_problem(error: Any) -> None:
    seen: list[int] = []
    app = make_app(lambda request: error(), on_problem=lambda conn, p: seen.append(p.status))
    async with client(app) as http:
        for _ in range(3):
            assert_problem(await http.get("/a"), 404)
    assert seen == [404] * 3


async def test_more_distinct_answers_than_are_kept_are_each_right() -> None:
    app = make_app(lambda request: HTTPException(404, request.path_params["name"]))
    async with client(app) as http:
        for index in range(SIZE + 50):
            assert_problem(await http.get(f"/n{index}"), 404, detail=f"n{index}")


@pytest.mark.parametrize("error", [RuntimeError, lambda: Gone("gone")])
async def test_the_steps_come_in_order(error: Any, problem_logs: pytest.LogCaptureFixture) -> None:
    # Translate, record (the log), notify (on_problem), render, send.
    events: list[str] = []

    class Recorder(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            events.append("log")

    def on_problem(conn: Any, problem: Any) -> None:
        events.append(f"notify {problem.status}")

    inner = make_app(lambda request: error(), on_problem=on_problem)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def noting_send(message: Any) -> None:
            events.append(message["type"])
            await send(message)

        await inner(scope, receive, noting_send)

    recorder = Recorder(logging.DEBUG)
    logging.getLogger("asgi_problems").addHandler(recorder)
    try:
        async with client(app) as http:
            response = await http.get("/a")
    finally:
        logging.getLogger("asgi_problems").removeHandler(recorder)
    status = response.status_code
    assert status in (410, 500)
    assert events == ["log", f"notify {status}", "http.response.start", "http.response.body"]


async def test_prepare_is_the_building_block_for_other_frameworks(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    # A "framework" of its own: it catches what its handler raises and sends the
    # answer that ErrorPath.prepare() gives, its own way.
    from asgi_problems import ErrorPath, Options

    seen: list[int] = []
    errors = ErrorPath(
        Options(
            instance=True, mapping={KeyError: Gone}, on_problem=lambda c, p: seen.append(p.status)
        )
    )

    async def handler(path: str) -> bytes:
        if path == "/missing":
            raise NotFound("No such page.")
        if path == "/mapped":
            raise KeyError("k")
        raise RuntimeError("secret state")

    async def framework(scope: Any, receive: Any, send: Any) -> None:
        try:
            body = await handler(scope["path"])
        except Exception as exc:
            status, headers, body = await errors.prepare(scope, exc)
            await send({"type": "http.response.start", "status": status, "headers": list(headers)})
            await send({"type": "http.response.body", "body": body})

    async with client(framework) as http:
        missing = await http.get("/missing")
        mapped = await http.get("/mapped")
        crashed = await http.get("/crash")
    assert_problem(missing, NotFound, detail="No such page.", instance="/missing")
    assert_problem(mapped, Gone)
    assert_problem(crashed, 500)
    assert "secret" not in crashed.text
    assert seen == [404, 410, 500]
    crashes = [r for r in problem_logs.records if r.levelno >= logging.ERROR]
    assert len(crashes) == 1 and crashes[0].exc_info is not None


def test_prepare_now_answers_synchronously_and_awaits_an_async_on_problem(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    # From a thread without an event loop (a Django view's): an on_problem coroutine
    # is finished before the answer comes back, on a loop of its own or by `finish`.
    import asyncio

    from asgi_problems import ErrorPath, Options

    seen: list[str] = []

    async def on_problem(conn: Any, problem: Any) -> None:
        await asyncio.sleep(0)
        seen.append(conn.url.path)

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [], "query_string": b""}
    errors = ErrorPath(Options(on_problem=on_problem))
    status, _, _ = errors.prepare_now(scope, NotFound())
    assert (status, seen) == (404, ["/x"])
    finished: list[object] = []
    errors.prepare_now(scope, NotFound(), finish=lambda awaitable: finished.append(awaitable))
    assert len(finished) == 1 and seen == ["/x"]  # handed over, not run here
    finished[0].close()  # type: ignore[attr-defined]

    def broken(conn: Any, problem: Any) -> None:
        raise RuntimeError("the metrics backend is down")

    problem_logs.clear()
    status, _, body = ErrorPath(Options(on_problem=broken)).prepare_now(scope, Gone())
    assert status == 410 and b"Gone" in body
    assert [r.getMessage() for r in problem_logs.records if r.levelno >= logging.ERROR] == [
        "on_problem callback raised; the problem is sent anyway"
    ]


@pytest.mark.asyncio  # Django Ninja's case: an asyncio loop's own thread
async def test_prepare_now_in_a_running_loop_starts_on_problem_as_a_task() -> None:
    import asyncio

    from asgi_problems import ErrorPath, Options

    seen: list[int] = []

    async def on_problem(conn: Any, problem: Any) -> None:
        await asyncio.sleep(0.01)
        seen.append(problem.status)

    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [], "query_string": b""}
    status, _, _ = ErrorPath(Options(on_problem=on_problem)).prepare_now(scope, Gone())
    assert (status, seen) == (410, [])  # the answer first
    for _ in range(500):
        if seen:
            break
        await asyncio.sleep(0.01)
    assert seen == [410]
