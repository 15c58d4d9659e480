"""Django REST framework: its EXCEPTION_HANDLER answers DRF's errors with problems, and
drf-spectacular documents them (the views are in drf_urls.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from _frameworks import SECRET, check_the_five_kinds, check_under_uvicorn
from _support import SERVER_ERROR_DETAIL, assert_problem, client
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from django_project import REST_FRAMEWORK, SEEN

from asgi_problems import STATUSES, BadRequest, NotFound, TooManyRequests, Unauthorized

pytestmark = pytest.mark.asyncio  # Django (asgiref) runs on asyncio only


@pytest.fixture(autouse=True)
def drf_urls() -> Iterator[None]:
    with override_settings(ROOT_URLCONF="drf_urls"):
        yield


def wsgi_get(*requests: tuple[str, str, dict[str, Any]]) -> list[httpx.Response]:
    transport = httpx.WSGITransport(app=get_wsgi_application())
    with httpx.Client(transport=transport, base_url="http://testserver") as c:
        return [c.request(method, url, **kwargs) for method, url, kwargs in requests]


async def test_every_kind_of_error_is_a_problem(problem_logs: pytest.LogCaptureFixture) -> None:
    # DRF's own NotFound and 401 (with its authenticator's header) and 405, a raised
    # problem, the router's 404, and a crash that DRF raises on to the middleware.
    async with client(get_asgi_application()) as c:
        await check_the_five_kinds(c, problem_logs, allow={"GET", "HEAD", "OPTIONS"})


async def test_under_wsgi_too(problem_logs: pytest.LogCaptureFixture) -> None:
    missing, unauthorized, crashed = await asyncio.to_thread(
        wsgi_get, ("GET", "/native", {}), ("GET", "/auth", {}), ("GET", "/crash", {})
    )
    assert_problem(missing, NotFound, detail="No user 42", instance="/native")
    assert_problem(unauthorized, Unauthorized)
    assert unauthorized.headers["www-authenticate"] == 'Bearer realm="api"'
    assert_problem(crashed, 500, detail=SERVER_ERROR_DETAIL)
    assert SECRET not in crashed.text
    assert [r.name for r in problem_logs.records if r.exc_info] == ["asgi_problems"]


async def test_the_options_come_from_settings() -> None:
    SEEN.clear()
    async with client(get_asgi_application()) as c:
        native = await c.get("/native")
        mapped = await c.get("/mapped")
        # DRF negotiates before the view runs: a representation no renderer of the
        # view's makes is its 406, which goes out as the problem asked for.
        xml = await c.get("/problem", headers={"Accept": "application/problem+xml"})
    body = assert_problem(native, 404, instance="/native")
    assert body["type"] == "https://api.example.com/problems/not-found"
    assert_problem(mapped, 410)
    assert (xml.status_code, xml.headers["content-type"]) == (406, "application/problem+xml")
    assert "<status>406</status>" in xml.text
    assert [problem.status for problem in SEEN] == [404, 410, 406]


async def test_details_are_kept_but_drfs_default_wording_is_described() -> None:
    async with client(get_asgi_application()) as c:
        expired = await c.get("/auth", headers={"Authorization": "Bearer old"})
        default = await c.get("/things/1")  # NotFound() says "Not found."
        django_404 = await c.get("/django-404")
        no_scheme = await c.get("/no-scheme")
    assert_problem(expired, 401, detail="That token has expired.")
    assert expired.headers["www-authenticate"] == 'Bearer realm="api"'
    assert_problem(default, NotFound, detail=STATUSES[404].description)
    assert_problem(django_404, NotFound, detail="No user 42")
    # No scheme to name: DRF makes the 401 a 403, and so do we.
    assert_problem(no_scheme, 403, detail=STATUSES[403].description)
    assert "www-authenticate" not in no_scheme.headers


async def test_throttling_says_when_to_come_back() -> None:
    async with client(get_asgi_application()) as c:
        response = await c.get("/throttled")
    assert_problem(response, TooManyRequests, detail=STATUSES[429].description)
    assert response.headers["retry-after"] == "3"  # DRF's 2.5 seconds, rounded up


async def test_what_drf_quotes_of_the_request_is_not_echoed() -> None:
    async with client(get_asgi_application()) as c:
        brewed = await c.request("BREW-SECRET", "/ok")
        csv = await c.post("/orders", content=b"a,b", headers={"Content-Type": "text/x-secret"})
        broken = await c.post(
            "/orders", content=b'{"n": "x-secret', headers={"Content-Type": "application/json"}
        )
    assert_problem(brewed, 405, detail=STATUSES[405].description)
    assert brewed.headers["allow"] == "GET, HEAD, OPTIONS"
    assert_problem(csv, 415, detail=STATUSES[415].description)
    assert_problem(broken, BadRequest, detail="The request body is not valid JSON.")
    for response in (brewed, csv, broken):
        assert "secret" not in response.text.lower()


async def test_validation_errors_point_into_the_body() -> None:
    order = {
        "colour": "hunter2x",
        "tags": ["ok", "toolong"],
        "lines": [{"sku": "a", "quantity": 1}, {"sku": "b", "quantity": 0}],
        "address": {},
    }
    async with client(get_asgi_application()) as c:
        invalid = await c.post("/orders", json=order)
        nothing = await c.post("/orders", json={"n": 0})
        created = await c.post("/orders", json={"n": 2})
    body = assert_problem(invalid, BadRequest, detail="5 fields failed validation.")
    found = {(e["pointer"], e["type"]) for e in body["errors"]}
    assert found == {
        ("#/n", "required"),
        ("#/colour", "invalid_choice"),  # nested lists and serializers below
        ("#/tags/1", "max_length"),
        ("#/lines/1/quantity", "min_value"),
        ("#/address/city", "required"),
    }
    by_pointer = {e["pointer"]: e["detail"] for e in body["errors"]}
    assert by_pointer["#/n"] == "This field is required."
    # DRF's message quotes the choice sent: the value never comes back.
    assert by_pointer["#/colour"] == "The value sent here is not valid."
    assert "hunter2x" not in invalid.text
    errors = assert_problem(nothing, BadRequest)["errors"]
    assert errors == [
        {"pointer": "#", "detail": "An order of nothing is no order.", "type": "invalid"}
    ]
    assert created.status_code == 201 and created.json() == {"n": 2}


async def test_negotiation_gives_html_to_browsers() -> None:
    async with client(get_asgi_application()) as c:
        page = await c.get("/native", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "No user 42" in page.text


async def test_a_users_problem_with_members() -> None:
    async with client(get_asgi_application()) as c:
        response = await c.get("/things/2")
    body = assert_problem(response, 402, detail="Order 2 needs 30 more.", balance=5)
    assert body["type"] == "https://api.example.com/problems/order-unpaid"


async def test_success_is_the_same_without_our_handler() -> None:
    async with client(get_asgi_application()) as c:
        ours = await c.get("/ok")
    plain = {key: value for key, value in REST_FRAMEWORK.items() if key != "EXCEPTION_HANDLER"}
    with override_settings(REST_FRAMEWORK=plain):
        async with client(get_asgi_application()) as c:
            bare = await c.get("/ok")
            drfs = await c.get("/native")
    assert (ours.status_code, ours.content) == (bare.status_code, bare.content)
    assert sorted(ours.headers.items()) == sorted(bare.headers.items())
    # Without the handler DRF answers itself (so the handler is what made the problems).
    assert drfs.json() == {"detail": "No user 42"}


async def test_a_problem_undoes_the_requests_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    # With ATOMIC_REQUESTS, what a view wrote before DRF's error is rolled back (the
    # handler marks the block, as DRF's own does): the view returned a response, so
    # Django would otherwise commit.
    from django.db import connection, connections

    monkeypatch.setitem(connections.settings["default"], "ATOMIC_REQUESTS", True)

    def rows() -> int:
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE IF NOT EXISTS notes (text TEXT)")
            cursor.execute("SELECT COUNT(*) FROM notes")
            (count,) = cursor.fetchone()
        connection.close()
        return int(count)

    before = await asyncio.to_thread(rows)
    async with client(get_asgi_application()) as c:
        response = await c.post("/notes", json={"text": "a"})
    assert_problem(response, BadRequest)
    assert await asyncio.to_thread(rows) == before


async def test_under_uvicorn() -> None:
    await check_under_uvicorn(get_asgi_application())


async def test_the_openapi_document_lists_each_views_problems() -> None:
    from drf_spectacular.generators import SchemaGenerator
    from openapi_spec_validator import validate

    document = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    validate(document)
    paths = document["paths"]

    def statuses(path: str, method: str = "get") -> dict[str, str]:
        responses = paths[path][method]["responses"]
        return {
            code: response["content"]["application/problem+json"]["schema"]["$ref"].split("/")[-1]
            for code, response in responses.items()
            if code[0] in "45"
        }

    assert statuses("/orders", "post") == {
        "400": "BadRequestProblem",
        "415": "ProblemDetails",
        "500": "ProblemDetails",
    }
    assert statuses("/auth") == {
        "401": "ProblemDetails",
        "403": "ProblemDetails",
        "500": "ProblemDetails",
    }
    assert "WWW-Authenticate" in paths["/auth"]["get"]["responses"]["401"]["headers"]
    assert statuses("/no-scheme") == {"403": "ProblemDetails", "500": "ProblemDetails"}
    assert statuses("/throttled") == {"429": "ProblemDetails", "500": "ProblemDetails"}
    assert "Retry-After" in paths["/throttled"]["get"]["responses"]["429"]["headers"]
    # A path parameter: a 404; a Problem class in @extend_schema: its own schema.
    assert statuses("/things/{id}") == {
        "402": "OrderUnpaid",
        "404": "ProblemDetails",
        "500": "ProblemDetails",
    }
    credit = document["components"]["schemas"]["OrderUnpaid"]
    assert credit["allOf"][0] == {"$ref": "#/components/schemas/ProblemDetails"}
    assert credit["allOf"][1]["required"] == ["status", "type", "balance"]
    assert statuses("/ok") == {"500": "ProblemDetails"}


async def test_the_document_describes_what_is_sent() -> None:
    # A validation failure and a class of the app's, checked against their schemas.
    from drf_spectacular.generators import SchemaGenerator
    from jsonschema import Draft202012Validator

    document = json.loads(json.dumps(SchemaGenerator().get_schema(request=None, public=True)))
    async with client(get_asgi_application()) as c:
        invalid = await c.post("/orders", json={})
        credit = await c.get("/things/2")
    for response, name in ((invalid, "BadRequestProblem"), (credit, "OrderUnpaid")):
        schema = {**document, "$ref": f"#/components/schemas/{name}"}
        errors = list(Draft202012Validator(schema).iter_errors(response.json()))
        assert errors == [], errors
