"""asgi_problems.client: problems read back from httpx responses, and the event hooks
that raise them."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from _support import NOT_FOUND_DETAIL, UPSTREAM, mock, upstream_404

from asgi_problems import (
    Conflict,
    NotFound,
    Problem,
)
from asgi_problems.client import async_event_hooks, event_hooks, raise_for_problem


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
