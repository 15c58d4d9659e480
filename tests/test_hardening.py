"""What a hostile request can't do: forge log lines, or put what it sent, decoded,
into a problem's instance."""

from __future__ import annotations

import gc
import logging
import tracemalloc
from typing import Any

import pytest
from _support import assert_problem, client, serve
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from asgi_problems import STATUSES, BadGateway, Conflict, NotFound, Problem, install


class CrashOnPrefix:
    """Middleware that fails for /crash/...: Starlette's routes match no newline."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("path", "").startswith("/crash/"):
            raise RuntimeError("boom")
        await self.app(scope, receive, send)


async def missing(request: Request) -> Response:
    raise NotFound()


def make_app(**options: object) -> Starlette:
    app = Starlette(
        routes=[Route("/files/{rest:path}", missing)], middleware=[Middleware(CrashOnPrefix)]
    )
    install(app, **options)  # type: ignore[arg-type]
    return app


FORGED = "/crash/2%0A2026-12-01 00:00:00,000 INFO auth: user admin logged in%1B[2J%E2%80%AE"


async def test_a_path_cannot_forge_log_lines(problem_logs: pytest.LogCaptureFixture) -> None:
    async with client(make_app()) as c:
        assert_problem(await c.get(FORGED), 500)
    (record,) = [r for r in problem_logs.records if r.name == "asgi_problems"]
    assert record.levelno == logging.ERROR
    message = record.getMessage()
    assert "\n" not in message and "\x1b" not in message and "\u202e" not in message
    assert "\\n2026-12-01" in message and "\\x1b[2J" in message


async def test_under_uvicorn_too(problem_logs: pytest.LogCaptureFixture) -> None:
    import httpx

    with serve(make_app()) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as c:
            assert_problem(await c.get(FORGED), 500)
    lines = [r.getMessage() for r in problem_logs.records if r.name == "asgi_problems"]
    assert len(lines) == 1 and "\n" not in lines[0] and "\x1b" not in lines[0]


@pytest.mark.parametrize(
    ("path", "instance"),
    [
        ("/files/report%3Ftoken%3Dabc?page=2", "/files/report%3Ftoken%3Dabc"),
        ("/files/a%0Ab", "/files/a%0Ab"),
        ("/files/caf%C3%A9", "/files/caf%C3%A9"),
        ("/files/plain", "/files/plain"),
    ],
)
async def test_instance_is_the_path_as_sent(path: str, instance: str) -> None:
    async with client(make_app(instance=True)) as c:
        assert_problem(await c.get(path), 404, instance=instance)


async def test_instance_without_raw_path_is_encoded() -> None:
    app = make_app(instance=True)

    async def without_raw_path(scope: dict, receive: object, send: object) -> None:  # type: ignore[type-arg]
        scope = {key: value for key, value in scope.items() if key != "raw_path"}
        await app(scope, receive, send)  # type: ignore[arg-type]

    async with client(without_raw_path) as c:
        assert_problem(await c.get("/files/a%0Ab c"), 404, instance="/files/a%0Ab%20c")


async def test_shared_structures_are_cut_by_size_not_walked_per_path() -> None:
    # 21 objects, each a list of two references to the one below: 2**20 paths.
    shared: object = "leaf"
    for _ in range(20):
        shared = [shared, shared]

    async def many(request: Request) -> Response:
        raise NotFound(tree=shared)

    app = Starlette(routes=[Route("/many", many)])
    install(app)
    async with client(app) as c:
        json_form = await c.get("/many")
        xml_form = await c.get("/many", headers={"Accept": "application/problem+xml"})
    body = assert_problem(json_form, 404)
    assert len(json_form.content) < 200_000
    assert '"..."' in json_form.text and "tree" in body
    assert xml_form.status_code == 404 and len(xml_form.content) < 400_000


async def test_details_built_from_request_data_are_not_kept() -> None:
    # A route that puts what it was sent into its detail, and a header: each answer
    # is right, and the memory held afterwards does not grow with them.
    async def echo(request: Request) -> Response:
        body = (await request.body()).decode()
        if request.query_params.get("kind") == "http":
            raise HTTPException(400, f"bad {body}", headers={"X-Seen": body[:2000]})
        raise NotFound(f"no {body}")

    app = Starlette(routes=[Route("/echo", echo, methods=["POST"])])
    install(app)
    big = "é" * 500_000  # 1 MB of UTF-8
    async with client(app) as c:
        # Warm up once: what every app keeps anyway is not counted.
        await c.post("/echo", content=b"small")
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            for index in range(20):
                kind = "http" if index % 2 else "problem"
                response = await c.post(f"/echo?kind={kind}", content=f"{index}{big}".encode())
                assert response.status_code == (400 if kind == "http" else 404)
                assert response.json()["detail"].startswith(("bad ", "no "))
                del response
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
    assert held < 4_000_000, held  # kept, 20 answers would hold well over 60 MB


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text for you")

    def __hash__(self) -> int:
        return 1


class RaiseFromMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("path") == "/broken-problem":
            raise NotFound(ok=1, data={Unprintable(): "value"})
        await self.app(scope, receive, send)


@pytest.mark.parametrize("where", ["middleware", "route"])
async def test_a_problem_that_cannot_be_rendered_is_still_a_500_problem(
    where: str, problem_logs: pytest.LogCaptureFixture
) -> None:
    async def broken(request: Request) -> Response:
        raise NotFound(data={Unprintable(): "value"})

    middleware = [Middleware(RaiseFromMiddleware)] if where == "middleware" else []
    app = Starlette(routes=[Route("/broken-problem", broken)], middleware=middleware)
    install(app)
    async with client(app) as c:
        response = await c.get("/broken-problem")
    assert_problem(response, 500, title="Internal Server Error")
    errors = [r for r in problem_logs.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and errors[0].name == "asgi_problems"


@pytest.mark.parametrize("code", [499, 530, 599, 404, 503])
async def test_every_type_uri_leads_to_a_page(code: int) -> None:
    async def fail(request: Request) -> Response:
        raise HTTPException(code)

    app = Starlette(routes=[Route("/fail", fail)])
    install(app, type_base="https://api.example.com/problems/", serve_types=True)
    async with client(app) as c:
        problem = (await c.get("/fail")).json()
        assert problem["type"].startswith("https://api.example.com/problems/")
        page = await c.get(problem["type"].removeprefix("https://api.example.com"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert problem["title"] in page.text


async def test_an_unknown_type_page_does_not_echo_its_name() -> None:
    app = Starlette()
    install(app, type_base="https://api.example.com/problems/", serve_types=True)
    async with client(app) as c:
        response = await c.get("/problems/<script>x")
    assert_problem(response, 404)
    assert "script" not in response.text


# --- round three ------------------------------------------------------------------


async def test_many_short_accept_lines_cost_linear_work() -> None:
    # 300,000 "Accept: a/b" lines: joined before the 4 KiB bound applied, they cost
    # quadratic copying (about 20 s here); now well under a second.
    import time

    from asgi_problems import ProblemMiddleware

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise NotFound()

    headers = [(b"accept", b"a/b")] * 300_000 + [(b"accept", b"text/html")]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers,
             "query_string": b"", "root_path": ""}  # fmt: skip
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    started = time.perf_counter()
    await ProblemMiddleware(app)(scope, receive, send)
    assert time.perf_counter() - started < 8.0
    assert sent[0]["status"] == 404


def test_a_problem_body_nested_1000_deep_is_read_as_no_problem() -> None:
    import httpx

    from asgi_problems.client import raise_for_problem

    deep = b"[" * 100_000 + b"]" * 100_000
    for content in (deep, b'{"detail": ' + deep + b"}"):
        response = httpx.Response(
            502, content=content, headers={"content-type": "application/problem+json"}
        )
        with pytest.raises(BadGateway) as info:
            raise_for_problem(response)
        assert info.value.detail == STATUSES[502].description


@pytest.mark.parametrize("status", [600, 799, 999])
async def test_an_upstream_status_beyond_599_is_a_502_not_a_crash(status: int) -> None:
    import httpx

    from asgi_problems.client import async_event_hooks

    async def quote(request: Any) -> Any:
        transport = httpx.MockTransport(lambda request: httpx.Response(status, text="?"))
        async with httpx.AsyncClient(transport=transport, event_hooks=async_event_hooks()) as c:
            await c.get("http://prices.internal/")
        raise AssertionError("unreachable")

    app = Starlette(routes=[Route("/quote", quote)])
    install(app)
    async with client(app) as c:
        assert_problem(await c.get("/quote"), 502)


async def test_a_class_with_a_non_str_docstring_breaks_no_type_page() -> None:
    class Odd(Conflict):
        type = "https://api.example.com/problems/odd"

    Odd.__doc__ = 42  # type: ignore[assignment]
    app = Starlette()
    install(app, type_base="https://api.example.com/problems/", serve_types=True)
    async with client(app) as c:
        for path in ("/problems/", "/problems/odd", "/problems/index.json", "/problems/not-found"):
            assert (await c.get(path)).status_code == 200, path


async def test_a_shared_mapped_instance_carries_each_requests_own_cause() -> None:
    import anyio

    shared = NotFound("No such thing.")
    seen: list[tuple[BaseException | None, str]] = []

    async def lookup(request: Any) -> Any:
        raise KeyError(request.query_params["n"])

    async def on_problem(conn: Any, problem: Problem) -> None:
        await anyio.sleep(0.01)  # let the other requests overtake this one
        seen.append((problem.__cause__, conn.query_params["n"]))

    app = Starlette(routes=[Route("/x", lookup)])
    install(app, mapping={KeyError: lambda exc: shared}, on_problem=on_problem)
    async with client(app) as c, anyio.create_task_group() as group:
        for n in range(50):
            group.start_soon(c.get, f"/x?n={n}")
    assert len(seen) == 50
    assert all(isinstance(cause, KeyError) and cause.args == (n,) for cause, n in seen)


@pytest.mark.parametrize(
    ("content", "length"),
    [(b'{"status": 404}', "x15"), (b"[" * 100_000 + b"]" * 100_000, None)],
)
def test_assert_problem_fails_with_an_assertion_on_hostile_answers(
    content: bytes, length: str | None
) -> None:
    import httpx

    from asgi_problems.testing import assert_problem

    headers = {"content-type": "application/problem+json"}
    if length is not None:
        headers["content-length"] = length
    response = httpx.Response(404, content=content, headers=headers)
    with pytest.raises(AssertionError):
        assert_problem(response, 404)
