"""httpx and httpx2: upstream failures as gateway problems, the same for either package
(``http`` is the one a test runs with); the client side is tests/test_client.py."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from _support import NOT_FOUND_DETAIL, UPSTREAM, assert_problem, client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_problems import (
    STATUSES,
    BadGateway,
    InternalServerError,
    NotFound,
    ServiceUnavailable,
    install,
)
from asgi_problems.client import async_event_hooks, event_hooks, raise_for_problem

BAD_GATEWAY = STATUSES[502].description
GATEWAY_TIMEOUT = STATUSES[504].description


# --- the gateway side ------------------------------------------------------------------


def gateway(
    http: ModuleType,
    upstream: Callable[[Any], Any],
    *,
    name: str | None = None,
    status_check: bool = False,
    **options: Any,
) -> Starlette:
    async def quote(request: Request) -> Response:
        hooks = {} if status_check else async_event_hooks(upstream=name)
        transport = http.MockTransport(upstream)
        async with http.AsyncClient(transport=transport, event_hooks=hooks) as c:
            upstream_response = await c.get(UPSTREAM)
            if status_check:
                upstream_response.raise_for_status()
        return JSONResponse(upstream_response.json())

    app = Starlette(routes=[Route("/quote", quote)])
    install(app, **options)
    return app


def raising(exc: Exception) -> Callable[[Any], Any]:
    def handler(request: Any) -> Any:
        raise exc

    return handler


def assert_no_upstream_leak(r: Any) -> None:
    for secret in ("billing.internal", "9000", "s3cret", "/v1/accounts", "locked"):
        assert secret not in r.text


@pytest.mark.parametrize(
    ("error", "message", "status", "detail"),
    [
        ("ConnectTimeout", "timed out connecting to billing.internal", 504, GATEWAY_TIMEOUT),
        ("ReadTimeout", "read timed out", 504, GATEWAY_TIMEOUT),
        ("PoolTimeout", "pool", 504, GATEWAY_TIMEOUT),
        ("ConnectError", "connection refused by billing.internal:9000", 502, BAD_GATEWAY),
        ("RemoteProtocolError", "peer closed", 502, BAD_GATEWAY),
        ("ReadError", "reset", 502, BAD_GATEWAY),
    ],
)
async def test_transport_failures_become_gateway_problems(
    http: ModuleType, error: str, message: str, status: int, detail: str
) -> None:
    async with client(gateway(http, raising(getattr(http, error)(message)))) as c:
        r = await c.get("/quote")
    body = assert_problem(r, status, detail=detail)
    assert "upstream" not in body
    assert_no_upstream_leak(r)


def failing_upstream(
    http: ModuleType, status: int, detail: str = "price table is locked"
) -> Callable[[Any], Any]:
    def handler(request: Any) -> Any:
        body = {
            "type": "about:blank",
            "title": "x",
            "status": status,
            "detail": detail,
            "instance": "/v1/accounts/7",
        }
        return http.Response(
            status, json=body, headers={"content-type": "application/problem+json"}
        )

    return handler


@pytest.mark.parametrize("status", [500, 503, 504])
async def test_upstream_5xx_is_our_502(http: ModuleType, status: int) -> None:
    async with client(gateway(http, failing_upstream(http, status))) as c:
        r = await c.get("/quote")
    assert_problem(r, 502, detail=BAD_GATEWAY, title="Bad Gateway")
    assert_no_upstream_leak(r)


async def test_upstream_detail_passes_only_when_asked(http: ModuleType) -> None:
    async with client(gateway(http, failing_upstream(http, 500), pass_upstream_detail=True)) as c:
        r = await c.get("/quote")
    body = assert_problem(r, 502, detail="price table is locked")
    assert "instance" not in body


async def test_upstream_4xx_keeps_its_status_but_nothing_of_its_body(http: ModuleType) -> None:
    async with client(gateway(http, failing_upstream(http, 404, "No account 7."))) as c:
        r = await c.get("/quote")
    body = assert_problem(r, 404, detail=STATUSES[404].description, title="Not Found")
    assert set(body) == {"type", "title", "status", "detail"}
    async with client(
        gateway(http, failing_upstream(http, 404, "No account 7."), pass_upstream_detail=True)
    ) as c:
        passed = await c.get("/quote")
    body = assert_problem(passed, 404, detail="No account 7.")
    assert "instance" not in body


def leaky_upstream(http: ModuleType, status: int, headers: dict[str, str]) -> Callable[[Any], Any]:
    def handler(request: Any) -> Any:
        body = {
            "type": "https://billing.internal/probs/sql",
            "title": "SQL error at billing.internal",
            "status": status,
            "detail": "SELECT * FROM accounts WHERE token='s3cret'",
            "debug": {"sql": "SELECT 1"},
            "internal_url": "https://admin:s3cret@billing.internal:9000/v1/accounts",
        }
        return http.Response(
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
    http: ModuleType, status: int, headers: dict[str, str], kept: str | None, status_check: bool
) -> None:
    app = gateway(http, leaky_upstream(http, status, headers), status_check=status_check)
    async with client(app) as c:
        r = await c.get("/quote")
    body = assert_problem(r, status, detail=STATUSES[status].description)
    assert set(body) == {"type", "title", "status", "detail"}
    assert_no_upstream_leak(r)
    assert "s3cret" not in str(r.headers)
    if kept is not None:
        assert r.headers[kept] == next(v for k, v in headers.items() if k.lower() == kept)


async def test_upstream_name_only_when_configured(http: ModuleType) -> None:
    async with client(gateway(http, raising(http.ConnectError("refused")), name="billing")) as c:
        refused = await c.get("/quote")
    async with client(gateway(http, failing_upstream(http, 500), name="billing")) as c:
        failed = await c.get("/quote")
    assert_problem(refused, 502, upstream="billing")
    assert_problem(failed, 502, upstream="billing")
    assert_no_upstream_leak(refused)


@pytest.mark.parametrize(
    ("upstream_status", "status"), [(500, 502), (502, 502), (404, 404), (409, 409)]
)
async def test_raise_for_status_is_mapped_too(
    http: ModuleType, upstream_status: int, status: int
) -> None:
    app = gateway(
        http, lambda request: http.Response(upstream_status, text="locked"), status_check=True
    )
    async with client(app) as c:
        r = await c.get("/quote")
    assert_problem(r, status, detail=STATUSES[status].description)
    assert_no_upstream_leak(r)


async def test_user_mapping_overrides_the_defaults(http: ModuleType) -> None:
    app = gateway(
        http,
        raising(http.ReadTimeout("slow")),
        mapping={http.TimeoutException: lambda exc: ServiceUnavailable(retry_after=5)},
    )
    async with client(app) as c:
        r = await c.get("/quote")
    assert_problem(r, 503)
    assert r.headers["retry-after"] == "5"


def upstream_404(http: ModuleType) -> Any:
    return http.MockTransport(
        lambda request: http.Response(404, json={"title": "Not Found", "detail": "no such account"})
    )


def test_streamed_sync_response_is_read_for_its_problem(http: ModuleType) -> None:
    with http.Client(transport=upstream_404(http)) as c, c.stream("GET", UPSTREAM) as streamed:
        with pytest.raises(NotFound) as info:
            raise_for_problem(streamed)
    assert info.value.detail == "no such account"


async def test_unread_async_stream_still_raises_its_class(http: ModuleType) -> None:
    class AsyncOnly(http.AsyncByteStream):  # type: ignore[name-defined,misc]
        async def __aiter__(self) -> Any:
            yield b'{"detail": "no such account"}'

    def streaming_404(request: Any) -> Any:
        headers = {"content-type": "application/problem+json"}
        return http.Response(404, headers=headers, stream=AsyncOnly())

    async with http.AsyncClient(transport=http.MockTransport(streaming_404)) as c:
        async with c.stream("GET", UPSTREAM) as streamed:
            with pytest.raises(NotFound) as info:
                raise_for_problem(streamed)
    assert info.value.detail == NOT_FOUND_DETAIL


async def test_event_hooks_raise_the_class_and_name_the_upstream(http: ModuleType) -> None:
    transport = http.MockTransport(failing_upstream(http, 404, "No account 7."))
    hooks = async_event_hooks(upstream="billing")
    async with http.AsyncClient(transport=transport, event_hooks=hooks) as c:
        with pytest.raises(NotFound) as info:
            await c.get(UPSTREAM)
    assert (info.value.detail, info.value.upstream) == ("No account 7.", "billing")
    sync_hooks = event_hooks(upstream="billing")
    sync_transport = http.MockTransport(failing_upstream(http, 404, "No account 7."))
    with http.Client(transport=sync_transport, event_hooks=sync_hooks) as c:
        with pytest.raises(NotFound):
            c.get(UPSTREAM)


async def test_the_hooks_read_a_bounded_part_of_a_huge_error_body(http: ModuleType) -> None:
    pulled = 0

    class Huge(http.AsyncByteStream):  # type: ignore[name-defined,misc]
        async def __aiter__(self) -> Any:
            nonlocal pulled
            for _ in range(400):  # 400 MiB, if read whole
                pulled += 1
                yield b"x" * (1024 * 1024)

    def huge_error(request: Any) -> Any:
        return http.Response(502, headers={"content-type": "text/html"}, stream=Huge())

    hooks = async_event_hooks()
    async with http.AsyncClient(transport=http.MockTransport(huge_error), event_hooks=hooks) as c:
        with pytest.raises(BadGateway):
            await c.get(UPSTREAM)
    assert pulled <= 2  # 64 KiB at most: one chunk, and the next is never asked for


async def test_the_hooks_stop_waiting_for_a_trickling_error_body(http: ModuleType) -> None:
    import time

    import anyio

    class Trickle(http.AsyncByteStream):  # type: ignore[name-defined,misc]
        async def __aiter__(self) -> Any:
            while True:  # one byte every 100 ms, forever
                yield b"x"
                await anyio.sleep(0.1)

    def trickling(request: Any) -> Any:
        return http.Response(503, headers={"content-type": "text/plain"}, stream=Trickle())

    hooks = async_event_hooks(body_timeout=0.5)
    started = time.monotonic()
    async with http.AsyncClient(transport=http.MockTransport(trickling), event_hooks=hooks) as c:
        with pytest.raises(ServiceUnavailable):
            await c.get(UPSTREAM)
    assert time.monotonic() - started < 10  # endless without the bound


def test_the_sync_hooks_read_a_bounded_part_too(http: ModuleType) -> None:
    pulled = 0

    def chunks() -> Any:
        nonlocal pulled
        for _ in range(400):
            pulled += 1
            yield b"x" * (1024 * 1024)

    def huge_error(request: Any) -> Any:
        return http.Response(500, headers={"content-type": "text/html"}, content=chunks())

    with http.Client(transport=http.MockTransport(huge_error), event_hooks=event_hooks()) as c:
        with pytest.raises(InternalServerError):
            c.get(UPSTREAM)
    assert pulled <= 2
