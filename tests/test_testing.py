"""asgi_problems.testing: the helpers users test their error contracts with."""

from __future__ import annotations

import httpx
import pytest
from _support import client
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from asgi_problems import Conflict, NotFound, PaymentRequired, install, problem_responses
from asgi_problems.testing import assert_problem, only_documented_problems


class OutOfCredit(PaymentRequired):
    type = "https://shop.example/problems/out-of-credit"
    title = "You do not have enough credit."
    balance: int


async def missing(request: Request) -> Response:
    raise NotFound("No user with id 42", hint="try 41")


async def broke(request: Request) -> Response:
    raise OutOfCredit("Your balance is 30.", balance=30)


async def forged(request: Request) -> Response:
    # A body no OutOfCredit can send (its constructor checks balance), as another
    # server might.
    body = {"type": OutOfCredit.type, "title": OutOfCredit.title, "status": 402,
            "detail": "x", "balance": "thirty"}  # fmt: skip
    return JSONResponse(body, status_code=402, media_type="application/problem+json")


async def plain_json(request: Request) -> Response:
    return JSONResponse({"status": 404, "detail": "x"}, status_code=404)


def starlette_app() -> Starlette:
    app = Starlette(
        routes=[
            Route("/missing", missing),
            Route("/broke", broke),
            Route("/forged", forged),
            Route("/json", plain_json),
        ]
    )
    install(app)
    return app


async def test_a_matching_problem_passes_and_gives_its_body() -> None:
    async with client(starlette_app()) as c:
        response = await c.get("/missing")
        credit = await c.get("/broke")
    body = assert_problem(response, NotFound, detail="No user with id 42", hint="try 41")
    assert body["title"] == "Not Found"
    assert assert_problem(response, 404)["hint"] == "try 41"
    assert assert_problem(credit, OutOfCredit, balance=30)["title"] == credit.json()["title"]


@pytest.mark.parametrize(
    ("path", "expected", "members", "message"),
    [
        ("/missing", Conflict, {}, "status 404, expected 409"),
        ("/json", NotFound, {}, "media type 'application/json'"),
        ("/missing", NotFound, {"detail": "No user with id 7"}, "member 'detail' is 'No user"),
        ("/missing", NotFound, {"balance": 3}, "member 'balance' is missing"),
        # The class documents balance as an integer; this body's is text.
        ("/forged", OutOfCredit, {}, r"schema at \['balance'\]: 'thirty'"),
    ],
)
async def test_a_mismatch_fails_saying_what_differs(
    path: str, expected: type[NotFound] | type[Conflict], members: dict[str, object], message: str
) -> None:
    async with client(starlette_app()) as c:
        response = await c.get(path)
    with pytest.raises(AssertionError, match=message):
        assert_problem(response, expected, **members)


def test_bodies_that_are_no_problems_fail() -> None:
    media = {"content-type": "application/problem+json"}
    cases = [
        (httpx.Response(404, headers=media, content=b"<html>"), "not JSON"),
        (httpx.Response(404, headers=media, content=b"[]"), "not a JSON object"),
        (httpx.Response(404, headers=media, content=b'{"status": 500}'), "member status is 500"),
        (httpx.Response(404, headers=media, json={"status": 404}), r"schema at : 'type'"),
        (
            httpx.Response(404, headers={**media, "content-length": "1"}, content=b"{}"),
            "Content-Length 1",
        ),
    ]
    for response, message in cases:
        with pytest.raises(AssertionError, match=message):
            assert_problem(response, 404)


def test_it_reads_test_client_responses() -> None:
    with TestClient(starlette_app()) as c:
        assert_problem(c.get("/missing"), NotFound, detail="No user with id 42")


def documented_app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}", responses=problem_responses(404))
    async def item(item_id: int) -> dict[str, int]:
        if item_id == 409:
            raise Conflict("Item 409 is busy.")
        if item_id == 404:
            raise NotFound("No such item.")
        return {"id": item_id}

    @app.get("/anything", responses={"4XX": {"description": "Any client error."}})
    async def anything() -> None:
        raise Conflict()

    install(app)
    return app


async def test_documented_problems_pass() -> None:
    app = documented_app()
    with only_documented_problems(app) as checked:
        async with client(checked) as c:
            ok = await c.get("/items/1")
            missing = await c.get("/items/404")
            invalid = await c.get("/items/abc")  # FastAPI's 422, documented by install()
            ranged = await c.get("/anything")
            nowhere = await c.get("/nowhere")  # the router's: no operation to document it
            wrong = await c.post("/items/1")
    assert ok.json() == {"id": 1}
    assert_problem(missing, 404)
    assert_problem(invalid, 422)
    assert_problem(ranged, 409)
    assert_problem(nowhere, 404)
    assert_problem(wrong, 405)


async def test_routes_of_an_included_router_are_checked() -> None:
    # FastAPI 0.165 keeps an included router as one route of the app's.
    from fastapi import APIRouter

    app, router = FastAPI(), APIRouter(prefix="/v1")

    @router.get("/orders/{order_id}", responses=problem_responses(404))
    async def order(order_id: int) -> None:
        raise Conflict() if order_id == 409 else NotFound()

    app.include_router(router)
    install(app)
    with pytest.raises(AssertionError, match=r"GET /v1/orders/\{order_id\} answered 409"):
        with only_documented_problems(app) as checked:
            async with client(checked) as c:
                assert_problem(await c.get("/v1/orders/404"), 404)
                assert_problem(await c.get("/v1/orders/409"), 409)


async def test_an_undocumented_problem_fails_the_block() -> None:
    app = documented_app()
    with pytest.raises(AssertionError) as failure:
        with only_documented_problems(app) as checked:
            async with client(checked) as c:
                busy = await c.get("/items/409")
                again = await c.get("/items/409")
    assert_problem(busy, 409)  # the answer itself went through unchanged
    assert_problem(again, 409)
    message = str(failure.value)
    assert "GET /items/{item_id} answered 409; it documents 200, 404, 422, 500" in message
    assert message.count("answered 409") == 1  # the same finding once


def test_it_needs_an_app_with_an_openapi_document() -> None:
    with pytest.raises(TypeError, match="Starlette"):
        with only_documented_problems(starlette_app()):
            pass


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "application/problem+json"])
async def test_an_undocumented_problem_fails_in_every_form(accept: str) -> None:
    # The test asks for XML or HTML: the problem is the same, and as undocumented.
    app = documented_app()
    with pytest.raises(AssertionError, match="answered 409"):
        with only_documented_problems(app) as checked:
            async with client(checked) as c:
                response = await c.get("/items/409", headers={"Accept": accept})
    assert response.status_code == 409
