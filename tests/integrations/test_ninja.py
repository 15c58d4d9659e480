"""Django Ninja: install(api) answers a NinjaAPI's errors with problems and documents
them in its OpenAPI (the APIs are in ninja_urls.py)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from typing import Any

import django_project  # noqa: F401 - configures the Django project
import httpx
import pytest
from _frameworks import SECRET, check_the_five_kinds, check_the_options, check_under_uvicorn
from _support import SERVER_ERROR_DETAIL, assert_problem, client
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.test import override_settings

from asgi_problems import (
    STATUSES,
    BadRequest,
    NotFound,
    TooManyRequests,
    Unauthorized,
    UnprocessableContent,
    install,
)

pytestmark = pytest.mark.asyncio  # Django (asgiref) runs on asyncio only


@pytest.fixture(autouse=True)
def ninja_urls() -> Iterator[Any]:
    with override_settings(ROOT_URLCONF="ninja_urls"):
        import ninja_urls

        yield ninja_urls


async def test_every_kind_of_error_is_a_problem(problem_logs: pytest.LogCaptureFixture) -> None:
    # Ninja's HttpError, a raised problem, the router's 404 (Django's), Ninja's 405
    # (through the middleware) and a crash, answered by install()'s handler.
    async with client(get_asgi_application()) as c:
        await check_the_five_kinds(c, problem_logs, allow={"GET"}, auth=False)


async def test_the_options_of_install(ninja_urls: Any) -> None:
    ninja_urls.SEEN.clear()
    async with client(get_asgi_application()) as c:
        await check_the_options(c, ninja_urls.SEEN)


async def test_under_wsgi_too(problem_logs: pytest.LogCaptureFixture) -> None:
    def requests() -> list[httpx.Response]:
        transport = httpx.WSGITransport(app=get_wsgi_application())
        with httpx.Client(transport=transport, base_url="http://testserver") as c:
            return [c.get("/native"), c.post("/orders", json={}), c.get("/crash")]

    missing, invalid, crashed = await asyncio.to_thread(requests)
    assert_problem(missing, NotFound, detail="No user 42", instance="/native")
    assert_problem(invalid, UnprocessableContent)
    assert_problem(crashed, 500, detail=SERVER_ERROR_DETAIL)
    assert SECRET not in crashed.text
    # Answered by install()'s handler: no traceback but ours (the earlier test's crash
    # makes this one a counted repeat of it).
    assert [r.name for r in problem_logs.records if r.exc_info] in ([], ["asgi_problems"])


async def test_authentication_and_throttling() -> None:
    async with client(get_asgi_application()) as c:
        anonymous = await c.get("/auth")
        wrong = await c.get("/auth", headers={"Authorization": "Bearer bad"})
        good = await c.get("/auth", headers={"Authorization": "Bearer good"})
        throttled = await c.get("/throttled")
    # Ninja's "Unauthorized" is the reason phrase: the description says more.
    assert_problem(anonymous, Unauthorized, detail=STATUSES[401].description)
    assert_problem(wrong, Unauthorized)
    assert good.json() == {"ok": True}
    assert_problem(throttled, TooManyRequests, detail=STATUSES[429].description)
    assert throttled.headers["retry-after"] == "3"  # 2.5 seconds, rounded up


async def test_validation_errors_name_each_field_without_echoing_it() -> None:
    order = {"n": "hunter2x", "lines": [{"sku": "a", "quantity": "many"}]}
    async with client(get_asgi_application()) as c:
        invalid = await c.post("/orders?limit=lots", json=order)
        broken = await c.post(
            "/orders", content=b"{nope", headers={"Content-Type": "application/json"}
        )
        fine = await c.post("/orders", json={"n": 3})
    body = assert_problem(invalid, UnprocessableContent, detail="3 fields failed validation.")
    assert {(e["pointer"], e["type"]) for e in body["errors"]} == {
        ("#/query/limit", "int_parsing"),
        ("#/body/order/n", "int_parsing"),
        ("#/body/order/lines/0/quantity", "int_parsing"),
    }
    assert "hunter2x" not in invalid.text and "lots" not in invalid.text
    assert_problem(broken, BadRequest)
    assert fine.json() == {"n": 3}


async def test_a_validator_that_quotes_the_input_is_not_echoed() -> None:
    async with client(get_asgi_application()) as c:
        response = await c.post("/orders", json={"n": 1, "coupon": "SECRET-CODE-1"})
    body = assert_problem(response, UnprocessableContent)
    assert body["errors"] == [
        {
            "pointer": "#/body/order/coupon",
            "detail": "The value sent here is not valid.",
            "type": "value_error",
        }
    ]
    assert "SECRET-CODE-1" not in response.text


async def test_async_operations_and_an_async_on_problem(ninja_urls: Any) -> None:
    # Ninja calls its handlers without awaiting them, on the event loop's thread.
    ninja_urls.NOTIFIED.clear()
    async with client(get_asgi_application()) as c:
        raised = await c.get("/async")
        native = await c.get("/async-native")
        notified = await c.get("/async/async")
    assert_problem(raised, 409, detail="Version 3 is stale.", instance="/async")
    assert_problem(native, NotFound, detail="No user 42")
    assert_problem(notified, 409)
    for _ in range(500):  # the coroutine finishes after the answer went out
        if ninja_urls.NOTIFIED:
            break
        await asyncio.sleep(0.01)
    assert ninja_urls.NOTIFIED == [("/async/async", 409)]


async def test_an_async_on_problem_that_fails_is_logged(
    ninja_urls: Any, problem_logs: pytest.LogCaptureFixture
) -> None:
    async def broken(conn: Any, problem: Any) -> None:
        await asyncio.sleep(0)
        raise RuntimeError("the metrics backend is down")

    from ninja import NinjaAPI

    api = NinjaAPI(urls_namespace="broken")
    install(api, on_problem=broken)
    # As Ninja calls it from an async operation: on the loop's thread, not awaited.
    response = api.on_exception(_request("/async"), ninja_urls.problem())
    assert response.status_code == 409
    for _ in range(500):
        if any("on_problem" in r.getMessage() for r in problem_logs.records):
            break
        await asyncio.sleep(0.01)
    failures = [r for r in problem_logs.records if "on_problem" in r.getMessage()]
    assert len(failures) == 1 and failures[0].levelno == logging.ERROR


async def test_success_is_byte_identical() -> None:
    async with client(get_asgi_application()) as c:
        ours, bare = await c.get("/ok"), await c.get("/bare/ok")
        bare_error = await c.get("/bare/native")
    assert (ours.status_code, ours.content) == (bare.status_code, bare.content)
    assert sorted(ours.headers.items()) == sorted(bare.headers.items())
    assert bare_error.json() == {"detail": "No user 42"}  # Ninja's own, without install()


async def test_a_handler_of_the_apps_own_stays() -> None:
    from django.http import HttpRequest, JsonResponse
    from ninja import NinjaAPI
    from ninja.errors import HttpError

    api = NinjaAPI(urls_namespace="own")

    @api.exception_handler(HttpError)
    def own(request: HttpRequest, exc: HttpError) -> JsonResponse:
        return JsonResponse({"own": exc.message}, status=exc.status_code)

    install(api)
    assert api.on_exception(_request("/x"), HttpError(404, "nope")).content == b'{"own": "nope"}'
    crash = api.on_exception(_request("/x"), KeyError("k"))
    assert (crash.status_code, crash["content-type"]) == (500, "application/problem+json")


def _request(path: str) -> Any:
    from django.test import RequestFactory

    return RequestFactory().get(path)


async def test_under_uvicorn() -> None:
    await check_under_uvicorn(get_asgi_application())


async def test_the_openapi_document_lists_problems(ninja_urls: Any) -> None:
    from openapi_spec_validator import validate

    document = json.loads(json.dumps(ninja_urls.api.get_openapi_schema()))
    validate(document)
    paths = document["paths"]

    def statuses(path: str, method: str = "get") -> dict[str, str]:
        responses = paths[path][method]["responses"]
        found = {}
        for code, response in responses.items():
            if code[0] in "45":
                schema = response["content"]["application/problem+json"]["schema"]
                found[code] = schema["$ref"].split("/")[-1]
        return found

    # A body and a query: 422 (ours, replacing none of Ninja's) and a 400 for a body
    # Ninja cannot parse; auth: a 401; every operation: a 500.
    assert statuses("/orders", "post") == {
        "400": "ProblemDetails",
        "422": "ValidationProblem",
        "500": "ProblemDetails",
    }
    assert statuses("/auth") == {"401": "ProblemDetails", "500": "ProblemDetails"}
    # problem_responses() in openapi_extra: the class's own schema, under its name.
    assert statuses("/things/{pk}") == {
        "402": "ThingUnpaid",
        "404": "ProblemDetails",
        "422": "ValidationProblem",
        "500": "ProblemDetails",
    }
    assert statuses("/ok") == {"500": "ProblemDetails"}
    credit = document["components"]["schemas"]["ThingUnpaid"]
    assert credit["allOf"][1]["required"] == ["status", "type", "balance"]


async def test_the_served_document_is_the_patched_one() -> None:
    async with client(get_asgi_application()) as c:
        served = await c.get("/openapi.json")
    responses = served.json()["paths"]["/orders"]["post"]["responses"]
    assert "application/problem+json" in responses["422"]["content"]


async def test_install_refuses_what_ninja_cannot_do(ninja_urls: Any) -> None:
    from ninja import NinjaAPI

    with pytest.raises(ValueError, match="serve_types"):
        install(NinjaAPI(urls_namespace="refused"), serve_types=True)
