"""install() on real Starlette applications, over the wire through httpx."""

from __future__ import annotations

import enum
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from _support import NOT_FOUND_DETAIL, SERVER_ERROR_DETAIL, assert_problem, client, serve
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient, WebSocketDenialResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from asgi_problems import NotFound, Problem, ProblemMiddleware, install

SECRET = "dsn=postgres://admin:hunter2@db"


async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def crash(request: Request) -> Response:
    raise RuntimeError(SECRET)


async def missing(request: Request) -> Response:
    raise NotFound(f"No user with id {request.path_params.get('id', 42)}")


def http_error(status: int, detail: str | None = None, **kw: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        raise HTTPException(status, detail, **kw)

    return endpoint


def make_app(**options: Any) -> Starlette:
    app = Starlette(
        routes=[
            Route("/ok", ok),
            Route("/crash", crash),
            Route("/users/{id:int}", missing),
            Route("/only-post", ok, methods=["POST"]),
        ]
    )
    install(app, **options)
    return app


async def test_router_404_is_a_problem_with_the_documented_description() -> None:
    async with client(make_app()) as c:
        response = await c.get("/nowhere")
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": NOT_FOUND_DETAIL,
    }
    assert_problem(response, 404)


async def test_router_405_keeps_its_allow_header() -> None:
    async with client(make_app()) as c:
        response = await c.get("/only-post")
    assert_problem(response, 405, title="Method Not Allowed")
    assert response.headers["allow"] == "POST"


async def test_head_to_unknown_path_has_no_body() -> None:
    async with client(make_app()) as c:
        response = await c.head("/nowhere")
    assert response.status_code == 404
    assert response.content == b""
    assert response.headers["content-type"] == "application/problem+json"


async def test_success_is_untouched() -> None:
    async with client(make_app()) as c:
        response = await c.get("/ok")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"ok": True}


async def test_raised_problem_keeps_its_detail() -> None:
    async with client(make_app()) as c:
        response = await c.get("/users/7")
    assert_problem(response, 404, detail="No user with id 7")


@pytest.mark.parametrize(
    ("endpoint", "status", "detail", "headers"),
    [
        (http_error(404), 404, NOT_FOUND_DETAIL, {}),
        (http_error(404, "Not Found"), 404, NOT_FOUND_DETAIL, {}),
        (http_error(409, "Stale version"), 409, "Stale version", {}),
        (
            http_error(401, headers={"WWW-Authenticate": "Bearer"}),
            401,
            None,
            {"www-authenticate": "Bearer"},
        ),
        (http_error(499, "Client went away"), 499, "Client went away", {}),
    ],
)
async def test_http_exception_becomes_a_problem(
    endpoint: Any, status: int, detail: str | None, headers: dict[str, str]
) -> None:
    app = Starlette(routes=[Route("/", endpoint)])
    install(app)
    async with client(app) as c:
        response = await c.get("/")
    body = assert_problem(response, status)
    if detail is not None:
        assert body["detail"] == detail
    for name, value in headers.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("on_problem", [None, lambda conn, problem: None])
async def test_http_exception_without_body_status_has_no_problem(on_problem: Any) -> None:
    # With an on_problem hook the handler takes its awaiting path: the same answer.
    app = Starlette(routes=[Route("/", http_error(304, headers={"ETag": '"v1"'}))])
    install(app, on_problem=on_problem)
    async with client(app) as c:
        response = await c.get("/")
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == '"v1"'


async def test_http_exception_header_injection_is_stripped() -> None:
    app = Starlette(routes=[Route("/", http_error(401, headers={"X-A": "v\r\nSet-Cookie: a=b"}))])
    install(app)
    async with client(app) as c:
        response = await c.get("/")
    assert "set-cookie" not in response.headers
    assert response.headers["x-a"] == "vSet-Cookie: a=b"


async def test_http_exception_cannot_reframe_the_body() -> None:
    # Headers that describe the body are ours to write: a foreign Transfer-Encoding
    # beside our Content-Length would leave the client unsure where the answer ends.
    framing = {"Transfer-Encoding": "chunked", "Content-Length": "0", "Content-Encoding": "br"}
    app = Starlette(routes=[Route("/", http_error(404, headers=framing))])
    install(app)
    with serve(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as c:
            response = await c.get("/")
    assert_problem(response, 404)  # content-length matches the body
    assert "transfer-encoding" not in response.headers
    assert "content-encoding" not in response.headers


async def test_crash_is_500_logged_exactly_once(problem_logs: pytest.LogCaptureFixture) -> None:
    async with client(make_app()) as c:
        response = await c.get("/crash")
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert SECRET not in response.text and "hunter2" not in response.text
    errors = [r for r in problem_logs.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["asgi_problems"]
    assert errors[0].exc_info is not None and SECRET in str(errors[0].exc_info[1])


async def test_mapping_and_instance() -> None:
    async def lookup(request: Request) -> Response:
        return PlainTextResponse({"a": "1"}[request.query_params["key"]])

    app = Starlette(routes=[Route("/lookup", lookup)])
    install(app, mapping={LookupError: NotFound}, instance=True)
    async with client(app) as c:
        response = await c.get("/lookup?key=zz")
    assert_problem(response, 404, detail=NOT_FOUND_DETAIL, instance="/lookup")
    assert "zz" not in response.text


async def test_on_problem_sees_router_errors_and_crashes() -> None:
    seen: list[tuple[str, int]] = []

    async def record(request: Request, problem: Problem) -> None:
        seen.append((request.url.path, problem.status))

    async with client(make_app(on_problem=record)) as c:
        await c.get("/nowhere")
        await c.get("/crash")
        await c.get("/ok")
    assert seen == [("/nowhere", 404), ("/crash", 500)]


async def test_debug_shows_the_exception() -> None:
    async with client(make_app(debug=True)) as c:
        response = await c.get("/crash")
    body = assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert body["debug"]["message"] == SECRET


def test_reraise_lets_test_clients_see_crashes(problem_logs: pytest.LogCaptureFixture) -> None:
    with TestClient(make_app(reraise=True)) as tc, pytest.raises(RuntimeError, match="hunter2"):
        tc.get("/crash")
    # Re-raised through both of install()'s middleware, still logged once.
    assert len([r for r in problem_logs.records if r.levelno >= logging.ERROR]) == 1
    with TestClient(make_app()) as tc:
        response = tc.get("/crash")
    assert response.status_code == 500
    assert response.json()["detail"] == SERVER_ERROR_DETAIL


async def test_user_http_exception_handler_is_respected() -> None:
    async def mine(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("mine", status_code=418)

    app = Starlette(routes=[Route("/ok", ok)], exception_handlers={HTTPException: mine})
    with pytest.warns(UserWarning, match=r"handler .*mine.* wins over install\(\)"):
        install(app)
    async with client(app) as c:
        response = await c.get("/nowhere")
    assert (response.status_code, response.text) == (418, "mine")


def test_misuse_is_refused_with_clear_errors() -> None:
    app = make_app()
    with pytest.raises(RuntimeError, match="already"):
        install(app)
    with pytest.raises(TypeError, match="ProblemMiddleware"):
        install(ProblemMiddleware(app))  # type: ignore[arg-type]
    started = Starlette()
    with TestClient(started):
        pass
    with pytest.raises(RuntimeError, match="first request"):
        install(started)


def test_lifespan_and_websockets_still_work() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        yield
        events.append("shutdown")

    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text(await websocket.receive_text())
        await websocket.close()

    async def refuse(websocket: WebSocket) -> None:
        raise HTTPException(403, "No sockets for you")

    app = Starlette(
        routes=[WebSocketRoute("/ws", echo), WebSocketRoute("/no", refuse)],
        lifespan=lifespan,
    )
    install(app)
    with TestClient(app) as tc:
        with tc.websocket_connect("/ws") as ws:
            ws.send_text("hi")
            assert ws.receive_text() == "hi"
        with pytest.raises(WebSocketDenialResponse) as denied, tc.websocket_connect("/no"):
            pass
    assert events == ["startup", "shutdown"]
    assert denied.value.status_code == 403
    assert denied.value.headers["content-type"] == "application/problem+json"
    assert denied.value.json()["detail"] == "No sockets for you"


async def test_success_path_sends_the_apps_own_messages() -> None:
    inner_seen: list[Any] = []
    outer_seen: list[Any] = []

    def recording(app: ASGIApp) -> ASGIApp:
        async def record(scope: Scope, receive: Receive, send: Send) -> None:
            async def spy(message: Any) -> None:
                inner_seen.append(message)
                await send(message)

            await app(scope, receive, spy)

        return record

    app = Starlette(routes=[Route("/ok", ok)], middleware=[Middleware(recording)])
    install(app)

    async def server_side(scope: Scope, receive: Receive, send: Send) -> None:
        async def spy(message: Any) -> None:
            outer_seen.append(message)
            await send(message)

        await app(scope, receive, spy)

    async with client(server_side) as c:
        assert (await c.get("/ok")).json() == {"ok": True}
    assert len(outer_seen) == 2
    assert all(a is b for a, b in zip(inner_seen, outer_seen, strict=True))


def test_an_app_of_no_supported_framework_is_told_what_to_do() -> None:
    async def raw_asgi(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
        pass

    with pytest.raises(TypeError) as refused:
        install(raw_asgi)
    message = str(refused.value)
    assert "function" in message and "ProblemMiddleware(app)" in message
    assert "asgi_problems.integrations.django.ProblemMiddleware" in message


def test_serve_types_is_for_starlette_apps_only() -> None:
    from litestar import Litestar

    with pytest.raises(ValueError, match="Starlette"):
        install(
            Litestar([], logging_config=None),
            type_base="https://api.example.com/problems/",
            serve_types=True,
        )


class ErrorCode(str, enum.Enum):
    LOGIN_BAD_CREDENTIALS = "LOGIN_BAD_CREDENTIALS"


if sys.version_info >= (3, 11):

    class Reason(enum.StrEnum):
        EXPIRED = "EXPIRED"

    CODES: list[Any] = [ErrorCode.LOGIN_BAD_CREDENTIALS, Reason.EXPIRED]
else:  # pragma: no cover - StrEnum is new in 3.11
    CODES = [ErrorCode.LOGIN_BAD_CREDENTIALS]


@pytest.mark.parametrize("code", CODES, ids=lambda c: type(c).__name__)
@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
async def test_a_str_enum_is_sent_as_its_value(code: Any, accept: str) -> None:
    # fastapi-users raises HTTPException(400, detail=ErrorCode.LOGIN_BAD_CREDENTIALS);
    # str() of a (str, Enum) is "ErrorCode.LOGIN_BAD_CREDENTIALS", not its value.
    async def login(request: Request) -> Response:
        raise HTTPException(400, detail=code)

    async def member(request: Request) -> Response:
        raise NotFound(code, title=code, code=code, codes=[code])

    app = Starlette(routes=[Route("/login", login), Route("/member", member)])
    install(app)
    async with client(app) as c:
        logged_in = await c.get("/login", headers={"Accept": accept})
        found = await c.get("/member", headers={"Accept": accept})
    value = code.value
    for response in (logged_in, found):
        assert f"{type(code).__name__}." not in response.text
    if accept == "application/json":
        assert logged_in.json()["detail"] == value
        body = found.json()
        assert (body["detail"], body["title"], body["code"], body["codes"]) == (
            value, value, value, [value],
        )  # fmt: skip
    else:
        assert f"<detail>{value}</detail>" in logged_in.text
        assert f"<code>{value}</code>" in found.text


async def test_an_exception_handler_of_the_apps_is_said_to_be_bypassed() -> None:
    async def mine(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("mine", status_code=500)

    for key in (Exception, 500):
        app = Starlette(routes=[Route("/crash", crash)], exception_handlers={key: mine})
        with pytest.warns(UserWarning, match=r"handler .*mine for .* is bypassed.*mapping="):
            install(app)
        async with client(app) as c:
            response = await c.get("/crash")
        assert_problem(response, 500)  # as the warning says


async def test_a_status_handler_of_the_apps_is_said_to_win() -> None:
    async def mine(request: Request, exc: Exception) -> Response:
        return PlainTextResponse("mine", status_code=404)

    app = Starlette(routes=[Route("/ok", ok)], exception_handlers={404: mine})
    with pytest.warns(UserWarning, match=r"handler .*mine for status 404 wins"):
        install(app)
    async with client(app) as c:
        response = await c.get("/nowhere")
    assert (response.status_code, response.text) == (404, "mine")  # as the warning says


def test_no_warning_for_an_app_without_handlers_of_its_own() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        install(Starlette(routes=[Route("/ok", ok)]))
        from fastapi import FastAPI

        install(FastAPI())  # FastAPI's own handlers are replaced, not warned of


async def test_a_mapping_callable_may_take_the_request() -> None:
    async def lookup(request: Request) -> Response:
        raise KeyError("item 7")

    def missing_item(exc: KeyError, request: Request) -> Problem:
        # What the handler needs of the request: here, whether it came from a partner.
        return NotFound("No such item.", partner="x-partner" in request.headers)

    app = Starlette(routes=[Route("/items", lookup)])
    install(app, mapping={KeyError: missing_item, LookupError: lambda exc: NotFound()})
    async with client(app) as c:
        partner = await c.get("/items", headers={"X-Partner": "acme"})
        other = await c.get("/items")
    assert_problem(partner, 404, detail="No such item.", partner=True)
    assert_problem(other, 404, partner=False)


@pytest.mark.parametrize("framework", ["litestar", "quart", "falcon"])
def test_reraise_is_refused_where_the_framework_never_lets_a_crash_out(framework: str) -> None:
    # Litestar, Quart and Falcon answer every exception themselves; a crash let out
    # after our answer would be something they never do.
    if framework == "litestar":
        from litestar import Litestar

        app: Any = Litestar()
    elif framework == "quart":
        from quart import Quart

        app = Quart(__name__)
    else:
        import falcon.asgi

        app = falcon.asgi.App()
    with pytest.raises(
        ValueError, match=r"reraise is for Starlette and FastAPI.*never lets one out"
    ):
        install(app, reraise=True)
    install(app)  # without it, as usual
