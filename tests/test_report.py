"""What error reporting gets: the exception behind a problem, and correlation ids
that tie a 5xx answer to its log record."""

from __future__ import annotations

import re
from typing import Any

import pytest
from _support import assert_problem, client
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import BadGateway, InternalServerError, NotFound, Problem, install


class Upstream(Exception):
    pass


async def crash(request: Request) -> Response:
    raise KeyError("secret")


async def mapped(request: Request) -> Response:
    raise Upstream("down")


async def http_404(request: Request) -> Response:
    raise HTTPException(404)


async def missing(request: Request) -> Response:
    raise NotFound()


ROUTES = [
    Route("/crash", crash),
    Route("/mapped", mapped),
    Route("/http-404", http_404),
    Route("/missing", missing),
]


def app_with(**options: Any) -> Starlette:
    app = Starlette(routes=ROUTES)
    install(app, **options)
    return app


async def test_on_problem_reaches_the_exception_behind_each_problem() -> None:
    seen: list[Problem] = []
    app = app_with(
        on_problem=lambda request, problem: seen.append(problem), mapping={Upstream: BadGateway}
    )
    async with client(app) as c:
        for path in ("/crash", "/mapped", "/http-404", "/missing"):
            await c.get(path)
    crashed, gateway, from_http, raised = seen
    assert isinstance(crashed, InternalServerError)
    assert isinstance(crashed.__cause__, KeyError)
    assert isinstance(gateway, BadGateway) and isinstance(gateway.__cause__, Upstream)
    assert isinstance(from_http.__cause__, HTTPException)
    assert raised.__cause__ is None  # raised as it is: nothing behind it


def crash_records(logs: pytest.LogCaptureFixture) -> list[Any]:
    return [r for r in logs.records if r.name == "asgi_problems" and r.levelname == "ERROR"]


async def test_correlation_id_from_a_trusted_request_id_header(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    # Named by the option: the proxy's request id is trusted.
    request_id = "6f1c2a0e-93d4-4d43-b2a4-3f0b8f9b2c11"
    async with client(app_with(correlation_id="X-Request-ID")) as c:
        response = await c.get("/crash", headers={"X-Request-ID": request_id})
    assert_problem(response, 500, correlation_id=request_id)
    (record,) = crash_records(problem_logs)
    assert record.correlation_id == request_id
    assert request_id in record.getMessage()


@pytest.mark.parametrize(
    "sent",
    ["short", "x" * 40, "abc\r\nforged: 1", "6f1c2a0e 93d4", "g" * 32, "a" * 65, "-" * 16],
)
async def test_a_request_id_that_is_not_an_id_is_not_echoed(
    sent: str, problem_logs: pytest.LogCaptureFixture
) -> None:
    async with client(app_with(correlation_id="X-Request-ID")) as c:
        response = await c.get("/crash", headers={"X-Request-ID": sent.encode("latin-1")})
    body = assert_problem(response, 500)
    assert re.fullmatch(r"[0-9a-f]{32}", body["correlation_id"])
    assert sent not in response.text
    (record,) = crash_records(problem_logs)
    assert record.correlation_id == body["correlation_id"]


async def test_a_clients_request_id_is_not_taken_unless_its_header_is_named() -> None:
    # correlation_id=True: a client could send another crash's id; each crash gets
    # an id of its own.
    same = {"X-Request-ID": "6f1c2a0e-93d4-4d43-b2a4-3f0b8f9b2c11"}
    async with client(app_with(correlation_id=True)) as c:
        first = (await c.get("/crash", headers=same)).json()["correlation_id"]
        second = (await c.get("/crash", headers=same)).json()["correlation_id"]
    assert first != second and same["X-Request-ID"] not in (first, second)


async def test_a_5xx_status_page_gets_a_correlation_id_and_a_record(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    from asgi_problems import ProblemMiddleware

    async def unavailable(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 503, "headers": []})
        await send({"type": "http.response.body", "body": b"down"})

    app = ProblemMiddleware(unavailable, status_pages="all", correlation_id=True)
    async with client(app) as c:
        body = assert_problem(await c.get("/"), 503)
    assert re.fullmatch(r"[0-9a-f]{32}", body["correlation_id"])
    (record,) = [r for r in problem_logs.records if getattr(r, "correlation_id", None)]
    assert record.correlation_id == body["correlation_id"] and record.status == 503


async def test_each_crash_gets_its_own_id_and_4xx_none() -> None:
    async with client(app_with(correlation_id=True)) as c:
        first = (await c.get("/crash")).json()["correlation_id"]
        second = (await c.get("/crash")).json()["correlation_id"]
        not_found = (await c.get("/missing")).json()
    assert first != second
    assert "correlation_id" not in not_found


async def test_no_correlation_id_unless_asked() -> None:
    async with client(app_with()) as c:
        body = (
            await c.get("/crash", headers={"X-Request-ID": "6f1c2a0e93d44d43b2a43f0b8f9b2c11"})
        ).json()
    assert "correlation_id" not in body
