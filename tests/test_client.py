"""asgi_problems.client: problems read back from httpx responses, and the event hooks
that raise them."""

from __future__ import annotations

import enum
import json
from datetime import datetime, timezone
from types import ModuleType
from typing import Any

import httpx
import pytest
from _support import NOT_FOUND_DETAIL, UPSTREAM, mock, upstream_404
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import (
    Conflict,
    Forbidden,
    NotFound,
    Problem,
    install,
)
from asgi_problems.client import async_event_hooks, event_hooks, raise_for_problem

BASE = "http://testserver"


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


# Problem classes read back as themselves: the round trip.


class Currency(enum.Enum):
    EUR = "EUR"
    USD = "USD"


class OutOfCredit(Forbidden):
    """A class of the app's, with typed members."""

    # A URI no other test module's class sets: the client picks a class only when
    # exactly one in the process sets the body's type.
    type = "https://client.example/problems/out-of-credit"
    balance: int
    currency: Currency = Currency.EUR
    since: datetime | None = None


class Twin(Conflict):
    type = "https://client.example/problems/twin"


class OtherTwin(Conflict):
    type = "https://client.example/problems/twin"  # the same URI: no one class to pick


async def test_a_problem_of_a_class_comes_back_as_that_class_over_the_wire(
    http: ModuleType,
) -> None:
    since = datetime(2026, 12, 1, 8, 30, tzinfo=timezone.utc)

    async def buy(request: Request) -> Response:
        raise OutOfCredit("Your balance is 30.", balance=30, currency=Currency.USD, since=since)

    app = Starlette(routes=[Route("/buy", buy)])
    install(app)
    async with http.AsyncClient(transport=http.ASGITransport(app), base_url=BASE) as c:
        answer = await c.get("/buy")
    with pytest.raises(OutOfCredit) as info:
        raise_for_problem(answer)
    credit = info.value
    assert (credit.balance, credit.currency, credit.since) == (30, Currency.USD, since)
    assert credit.detail == "Your balance is 30." and credit.response is answer
    assert credit.extensions == {"balance": 30, "currency": Currency.USD, "since": since}


def test_unknown_members_of_a_newer_upstream_are_kept_as_extensions() -> None:
    body = {"type": OutOfCredit.type, "status": 403, "balance": 3, "limit": 10}
    with pytest.raises(OutOfCredit) as info:
        raise_for_problem(response(403, body))
    assert info.value.balance == 3 and info.value.extensions["limit"] == 10


@pytest.mark.parametrize(
    "members",
    [
        {},  # a required member missing
        {"balance": "thirty"},
        {"balance": 3, "currency": "GBP"},
        {"balance": 3, "since": "yesterday"},
        {"balance": 3, "since": "2026-12-01T08:30:00"},  # no offset
        {"balance": [[[[3]]]]},
    ],
)
def test_members_that_fail_the_check_give_the_status_class(members: dict[str, Any]) -> None:
    # A hostile or newer upstream: never a crash, the members kept as they came.
    body = {"type": OutOfCredit.type, "status": 403, "detail": "d", **members}
    with pytest.raises(Forbidden) as info:
        raise_for_problem(response(403, body))
    assert type(info.value) is Forbidden
    assert info.value.type == OutOfCredit.type and info.value.detail == "d"
    assert info.value.extensions == members


def test_a_class_is_chosen_only_when_one_fits() -> None:
    body = {"type": Twin.type, "status": 409}
    with pytest.raises(Conflict) as info:
        raise_for_problem(response(409, body))
    assert type(info.value) is Conflict  # two classes share the URI
    with pytest.raises(Twin):
        raise_for_problem(response(409, body), types=[Twin, OutOfCredit])
    # A status that the class does not have is not that class's problem.
    with pytest.raises(NotFound) as wrong:
        raise_for_problem(response(404, {"type": OutOfCredit.type, "balance": 3}))
    assert type(wrong.value) is NotFound
    # types= narrows: a class left out is not chosen.
    with pytest.raises(Forbidden) as narrowed:
        raise_for_problem(response(403, {"type": OutOfCredit.type, "balance": 3}), types=[Twin])
    assert type(narrowed.value) is Forbidden
