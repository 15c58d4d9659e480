"""httpx: problems read back as exceptions, and upstream failures as gateway problems."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _support import NOT_FOUND_DETAIL, assert_problem, client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_problems import (
    STATUSES,
    Conflict,
    NotFound,
    Problem,
    ServiceUnavailable,
    install,
)
from asgi_problems.client import async_event_hooks, event_hooks, raise_for_problem

BAD_GATEWAY = STATUSES[502].description
GATEWAY_TIMEOUT = STATUSES[504].description
UPSTREAM = "http://billing.internal:9000/v1/accounts?token=s3cret"


def response(
    status: int, body: Any = None, content_type: str = "application/problem+json"
) -> httpx.Response:
    content = (
        body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    )
    return httpx.Response(
        status,
        content=content,
        headers={"content-type": content_type},
        request=httpx.Request("GET", UPSTREAM),
    )


# --- raise_for_problem ---------------------------------------------------------------


@pytest.mark.parametrize("status", [100, 200, 204, 301, 304])
def test_no_error_no_exception(status: int) -> None:
    assert raise_for_problem(response(status, b"")) is None


def test_problem_body_is_parsed_back() -> None:
    body = {
        "type": "https://example.com/probs/out-of-stock",
        "title": "Out of stock",
        "status": 409,
        "detail": "Only 2 left.",
        "instance": "/orders/7",
        "left": 2,
        "headers": "an extension, not Problem's keyword",
    }
    with pytest.raises(Conflict) as info:
        raise_for_problem(response(409, body))
    exc = info.value
    assert (exc.status, exc.type, exc.title, exc.detail, exc.instance) == (
        409,
        "https://example.com/probs/out-of-stock",
        "Out of stock",
        "Only 2 left.",
        "/orders/7",
    )
    assert exc.extensions == {"left": 2, "headers": "an extension, not Problem's keyword"}
    assert exc.response.status_code == 409


@pytest.mark.parametrize(
    "content_type",
    ["application/problem+json; charset=utf-8", "application/json", "Application/JSON"],
)
def test_json_flavours(content_type: str) -> None:
    with pytest.raises(NotFound) as info:
        raise_for_problem(
            response(404, {"title": "Not Found", "detail": "No user 7"}, content_type)
        )
    assert info.value.detail == "No user 7"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"<html>oops</html>", "text/html"),
        (b"{not json", "application/problem+json"),
        (b"\xff\xfe", "application/json"),
        (b"[1, 2]", "application/problem+json"),
        (b'{"items": []}', "application/json"),  # JSON, but no problem members
        (b"", "application/problem+json"),
    ],
)
def test_non_problem_bodies_give_the_documented_description(body: bytes, content_type: str) -> None:
    with pytest.raises(NotFound) as info:
        raise_for_problem(response(404, body, content_type))
    assert info.value.detail == NOT_FOUND_DETAIL
    assert info.value.title == "Not Found"


@pytest.mark.parametrize(("status", "title"), [(499, "Client Error"), (599, "Server Error")])
def test_unregistered_codes_give_the_generic_class(status: int, title: str) -> None:
    with pytest.raises(Problem) as info:
        raise_for_problem(response(status, {"detail": "odd"}))
    assert type(info.value) is Problem
    assert (info.value.status, info.value.title, info.value.detail) == (status, title, "odd")


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    return httpx.MockTransport(handler)


def upstream_404(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, json={"title": "Not Found", "detail": "no such account"})


def test_sync_event_hooks() -> None:
    with httpx.Client(transport=mock(upstream_404), event_hooks=event_hooks()) as c:
        with pytest.raises(NotFound) as info:
            c.get(UPSTREAM)
    assert info.value.detail == "no such account"


async def test_async_event_hooks() -> None:
    ok = mock(lambda request: httpx.Response(200, json={"ok": True}))
    async with httpx.AsyncClient(transport=ok, event_hooks=async_event_hooks()) as c:
        assert (await c.get(UPSTREAM)).json() == {"ok": True}
    async with httpx.AsyncClient(
        transport=mock(upstream_404), event_hooks=async_event_hooks()
    ) as c:
        with pytest.raises(NotFound):
            await c.get(UPSTREAM)


# --- the gateway side ------------------------------------------------------------------


def gateway(
    upstream: Callable[[httpx.Request], httpx.Response],
    *,
    name: str | None = None,
    status_check: bool = False,
    **options: Any,
) -> Starlette:
    async def quote(request: Request) -> Response:
        hooks = {} if status_check else async_event_hooks(upstream=name)
        async with httpx.AsyncClient(transport=mock(upstream), event_hooks=hooks) as c:
            upstream_response = await c.get(UPSTREAM)
            if status_check:
                upstream_response.raise_for_status()
        return JSONResponse(upstream_response.json())

    app = Starlette(routes=[Route("/quote", quote)])
    install(app, **options)
    return app


def raising(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


def assert_no_upstream_leak(r: httpx.Response) -> None:
    for secret in ("billing.internal", "9000", "s3cret", "/v1/accounts", "locked"):
        assert secret not in r.text


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (httpx.ConnectTimeout("timed out connecting to billing.internal"), 504, GATEWAY_TIMEOUT),
        (httpx.ReadTimeout("read timed out"), 504, GATEWAY_TIMEOUT),
        (httpx.PoolTimeout("pool"), 504, GATEWAY_TIMEOUT),
        (httpx.ConnectError("connection refused by billing.internal:9000"), 502, BAD_GATEWAY),
        (httpx.RemoteProtocolError("peer closed"), 502, BAD_GATEWAY),
        (httpx.ReadError("reset"), 502, BAD_GATEWAY),
    ],
)
async def test_transport_failures_become_gateway_problems(
    error: Exception, status: int, detail: str
) -> None:
    async with client(gateway(raising(error))) as c:
        r = await c.get("/quote")
    body = assert_problem(r, status, detail=detail)
    assert "upstream" not in body
    assert_no_upstream_leak(r)


def failing_upstream(
    status: int, detail: str = "price table is locked"
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {
            "type": "about:blank",
            "title": "x",
            "status": status,
            "detail": detail,
            "instance": "/v1/accounts/7",
        }
        return httpx.Response(
            status, json=body, headers={"content-type": "application/problem+json"}
        )

    return handler


@pytest.mark.parametrize("status", [500, 503, 504])
async def test_upstream_5xx_is_our_502(status: int) -> None:
    async with client(gateway(failing_upstream(status))) as c:
        r = await c.get("/quote")
    assert_problem(r, 502, detail=BAD_GATEWAY, title="Bad Gateway")
    assert_no_upstream_leak(r)


async def test_upstream_detail_passes_only_when_asked() -> None:
    async with client(gateway(failing_upstream(500), pass_upstream_detail=True)) as c:
        r = await c.get("/quote")
    body = assert_problem(r, 502, detail="price table is locked")
    assert "instance" not in body


async def test_upstream_4xx_keeps_its_status_but_nothing_of_its_body() -> None:
    async with client(gateway(failing_upstream(404, "No account 7."))) as c:
        r = await c.get("/quote")
    body = assert_problem(r, 404, detail=STATUSES[404].description, title="Not Found")
    assert set(body) == {"type", "title", "status", "detail"}
    async with client(
        gateway(failing_upstream(404, "No account 7."), pass_upstream_detail=True)
    ) as c:
        passed = await c.get("/quote")
    body = assert_problem(passed, 404, detail="No account 7.")
    assert "instance" not in body


def leaky_upstream(
    status: int, headers: dict[str, str]
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {
            "type": "https://billing.internal/probs/sql",
            "title": "SQL error at billing.internal",
            "status": status,
            "detail": "SELECT * FROM accounts WHERE token='s3cret'",
            "debug": {"sql": "SELECT 1"},
            "internal_url": "https://admin:s3cret@billing.internal:9000/v1/accounts",
        }
        return httpx.Response(
            status, json=body, headers={"content-type": "application/problem+json", **headers}
        )

    return handler


@pytest.mark.parametrize(
    ("status", "headers", "kept"),
    [
        (
            401,
            {"WWW-Authenticate": 'Bearer realm="billing"', "X-Internal": "s3cret"},
            "www-authenticate",
        ),
        (405, {"Allow": "GET, HEAD", "Set-Cookie": "session=s3cret"}, "allow"),
        (409, {"X-Debug": "s3cret"}, None),
    ],
)
@pytest.mark.parametrize(
    "status_check", [False, True], ids=["raise_for_problem", "raise_for_status"]
)
async def test_upstream_4xx_passes_only_the_headers_its_status_requires(
    status: int, headers: dict[str, str], kept: str | None, status_check: bool
) -> None:
    app = gateway(leaky_upstream(status, headers), status_check=status_check)
    async with client(app) as c:
        r = await c.get("/quote")
    body = assert_problem(r, status, detail=STATUSES[status].description)
    assert set(body) == {"type", "title", "status", "detail"}
    assert_no_upstream_leak(r)
    assert "s3cret" not in str(r.headers)
    if kept is not None:
        assert r.headers[kept] == next(v for k, v in headers.items() if k.lower() == kept)


async def test_upstream_name_only_when_configured() -> None:
    async with client(gateway(raising(httpx.ConnectError("refused")), name="billing")) as c:
        refused = await c.get("/quote")
    async with client(gateway(failing_upstream(500), name="billing")) as c:
        failed = await c.get("/quote")
    assert_problem(refused, 502, upstream="billing")
    assert_problem(failed, 502, upstream="billing")
    assert_no_upstream_leak(refused)


@pytest.mark.parametrize(
    ("upstream_status", "status"), [(500, 502), (502, 502), (404, 404), (409, 409)]
)
async def test_raise_for_status_is_mapped_too(upstream_status: int, status: int) -> None:
    app = gateway(lambda request: httpx.Response(upstream_status, text="locked"), status_check=True)
    async with client(app) as c:
        r = await c.get("/quote")
    assert_problem(r, status, detail=STATUSES[status].description)
    assert_no_upstream_leak(r)


async def test_user_mapping_overrides_the_defaults() -> None:
    app = gateway(
        raising(httpx.ReadTimeout("slow")),
        mapping={httpx.TimeoutException: lambda exc: ServiceUnavailable(retry_after=5)},
    )
    async with client(app) as c:
        r = await c.get("/quote")
    assert_problem(r, 503)
    assert r.headers["retry-after"] == "5"


def test_streamed_sync_response_is_read_for_its_problem() -> None:
    with httpx.Client(transport=mock(upstream_404)) as c, c.stream("GET", UPSTREAM) as streamed:
        with pytest.raises(NotFound) as info:
            raise_for_problem(streamed)
    assert info.value.detail == "no such account"


class AsyncOnly(httpx.AsyncByteStream):
    async def __aiter__(self) -> Any:
        yield b'{"detail": "no such account"}'


async def test_unread_async_stream_still_raises_its_class() -> None:
    def streaming_404(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "application/problem+json"}
        return httpx.Response(404, headers=headers, stream=AsyncOnly())

    async with httpx.AsyncClient(transport=mock(streaming_404)) as c:
        async with c.stream("GET", UPSTREAM) as streamed:
            with pytest.raises(NotFound) as info:
                raise_for_problem(streamed)
    assert info.value.detail == NOT_FOUND_DETAIL
