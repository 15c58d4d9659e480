"""Litestar: install(app) makes every error of a Litestar app a problem."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import pytest
from _frameworks import (
    SECRET,
    OutOfStock,
    check_success_is_untouched,
    check_the_five_kinds,
    check_the_options_of,
    check_under_uvicorn,
    problem,
)
from _support import assert_problem, client
from litestar import Litestar, get, post
from litestar.exceptions import (
    NotAuthorizedException,
    NotFoundException,
    ServiceUnavailableException,
)
from litestar.params import Body

try:  # how a query parameter is declared since Litestar 2.19, without a warning
    from litestar.params import QueryParameter  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # before it
    from litestar.params import Parameter as QueryParameter

from asgi_problems import install


@dataclass
class Item:
    name: str
    price: int


@get("/ok")
async def ok() -> dict[str, bool]:
    return {"ok": True}


@get("/problem")
async def raise_problem() -> None:
    raise problem()


@get("/native")
async def native() -> None:
    raise NotFoundException("No user 42")


@get("/auth")
async def auth() -> None:
    raise NotAuthorizedException(headers={"WWW-Authenticate": "Bearer"})


@get("/busy")
async def busy() -> None:
    raise ServiceUnavailableException(headers={"Retry-After": "30"})


@get("/crash")
async def crash() -> None:
    raise KeyError(SECRET)


@get("/mapped")
async def mapped() -> None:
    raise OutOfStock()


@post("/items")
async def items(data: Annotated[Item, Body()]) -> Item:
    return data


@get("/search")
async def search(limit: Annotated[int, QueryParameter()]) -> dict[str, int]:
    return {"limit": limit}


def make_app(installed: bool = True, **options: Any) -> Litestar:
    # logging_config=None: Litestar's default one replaces the root logger's handlers
    # (pytest's capture among them). It logs exceptions only with debug=True anyway.
    app = Litestar(
        [ok, raise_problem, native, auth, busy, crash, mapped, items, search], logging_config=None
    )
    if installed:
        install(app, **options)
    return app


async def test_every_kind_of_error_is_a_problem(problem_logs: pytest.LogCaptureFixture) -> None:
    async with client(make_app()) as c:
        await check_the_five_kinds(c, problem_logs, allow={"GET"})
        busy = await c.get("/busy")
    assert_problem(busy, 503)
    assert busy.headers["retry-after"] == "30"


async def test_validation_errors_are_422_problems_per_field() -> None:
    async with client(make_app()) as c:
        body = await c.post("/items", json={"name": 1, "price": 2})
        query = await c.get("/search?limit=many")
    assert_problem(body, 422, detail="1 field failed validation.", errors=[
        {"pointer": "#/body/name", "detail": "Expected `str`, got `int`", "type": "invalid"}
    ])  # fmt: skip
    errors = assert_problem(query, 422)["errors"]
    assert [e["pointer"] for e in errors] == ["#/query/limit"]
    assert "many" not in query.text and "/search" not in query.json()["detail"]


async def test_the_options_behave_as_on_starlette() -> None:
    await check_the_options_of(make_app)


async def test_success_is_untouched() -> None:
    await check_success_is_untouched(make_app)


async def test_under_uvicorn() -> None:
    await check_under_uvicorn(make_app())
