"""install() on FastAPI apps: HTTP errors, validation problems and the OpenAPI document."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Annotated, Any, Literal

import fastapi
import jsonschema
import pytest
from _support import NOT_FOUND_DETAIL, SERVER_ERROR_DETAIL, assert_problem, client
from fastapi import Cookie, FastAPI, Header, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import PlainTextResponse
from openapi_spec_validator import validate
from pydantic import BaseModel, Field, field_validator
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.routing import Mount

from asgi_problems import Conflict, NotFound, install, problem_responses


class Item(BaseModel):
    name: str = Field(min_length=1)
    price: float


class Out(BaseModel):
    id: int


class OutOfStock(Conflict):
    type = "https://shop.example/problems/out-of-stock"


def make_app(**options: Any) -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item_id}", responses=problem_responses(404, OutOfStock))
    async def read(
        item_id: int,
        limit: Annotated[int, Query(le=100)] = 10,
        x_version: Annotated[int | None, Header()] = None,
        session: Annotated[int | None, Cookie()] = None,
    ) -> dict[str, int]:
        if item_id == 404:
            raise NotFound(f"No item {item_id}")
        if item_id == 401:
            raise fastapi.HTTPException(
                401, "Token expired", headers={"WWW-Authenticate": "Bearer"}
            )
        if item_id == 410:
            raise StarletteHTTPException(410)
        return {"item_id": item_id}

    @app.post("/items", status_code=201)
    async def create(item: Item) -> Item:
        return item

    @app.get("/broken", response_model=Out)
    async def broken() -> Any:
        return {"id": "secret-value-not-an-int"}

    install(app, **options)
    return app


async def test_fastapi_http_exception_keeps_detail_and_headers() -> None:
    async with client(make_app()) as c:
        response = await c.get("/items/401")
    assert_problem(response, 401, detail="Token expired", title="Unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        # An error code beside a message, as FastAPI apps often send: extension members.
        (
            {"code": "OUT_OF_STOCK", "message": "No more apples", "left": 0},
            {"title": "Conflict", "code": "OUT_OF_STOCK", "message": "No more apples", "left": 0},
        ),
        # A problem written by hand: its members are the problem's; status is the response's.
        (
            {
                "type": "https://shop.example/problems/out-of-stock",
                "title": "Out of stock",
                "status": 400,
                "detail": "No more apples",
                "instance": "/apples",
                "sku": ["A-1", "A-2"],
            },
            {
                "type": "https://shop.example/problems/out-of-stock",
                "title": "Out of stock",
                "detail": "No more apples",
                "instance": "/apples",
                "sku": ["A-1", "A-2"],
            },
        ),
        # Anything else is JSON text, never a Python repr.
        (["apples", "pears"], {"detail": '["apples","pears"]'}),
        ({"detail": {"reason": "sold out"}}, {"detail": '{"reason":"sold out"}'}),
        ({"title": 7, "detail": Decimal("1.5")}, {"title": "7", "detail": "1.5"}),
    ],
    ids=["code-and-message", "hand-written-problem", "list", "nested-detail", "not-text"],
)
async def test_structured_http_exception_details(detail: Any, expected: dict[str, Any]) -> None:
    app = FastAPI()

    @app.get("/apples")
    async def apples() -> None:
        raise fastapi.HTTPException(409, detail=detail)

    install(app)
    async with client(app) as c:
        response = await c.get("/apples")
    body = assert_problem(response, 409)
    assert {name: body[name] for name in expected} == expected
    assert "'" not in response.text  # no Python repr anywhere


async def test_starlette_http_exception_and_problems_in_fastapi() -> None:
    async with client(make_app()) as c:
        gone = await c.get("/items/410")
        missing = await c.get("/items/404")
        unknown = await c.get("/nowhere")
        wrong_method = await c.delete("/items/1")
    assert_problem(gone, 410, title="Gone")
    assert_problem(missing, 404, detail="No item 404")
    assert_problem(unknown, 404, detail=NOT_FOUND_DETAIL)
    assert_problem(wrong_method, 405)
    assert wrong_method.headers["allow"] == "GET"


@pytest.mark.parametrize(
    ("request_kwargs", "errors"),
    [
        (
            {"url": "/items/abc"},
            [{"pointer": "#/path/item_id", "type": "int_parsing"}],
        ),
        (
            {"url": "/items/1?limit=1000"},
            [{"pointer": "#/query/limit", "type": "less_than_equal"}],
        ),
        (
            {"url": "/items/1", "headers": {"X-Version": "v2"}},
            [{"pointer": "#/header/x-version", "type": "int_parsing"}],
        ),
        (
            {"url": "/items/1", "cookies": {"session": "abc"}},
            [{"pointer": "#/cookie/session", "type": "int_parsing"}],
        ),
        (
            {"url": "/items/abc?limit=1000"},
            [
                {"pointer": "#/path/item_id", "type": "int_parsing"},
                {"pointer": "#/query/limit", "type": "less_than_equal"},
            ],
        ),
    ],
)
async def test_request_validation_errors(
    request_kwargs: dict[str, Any], errors: list[dict[str, str]]
) -> None:
    async with client(make_app()) as c:
        cookies = request_kwargs.pop("cookies", None)
        if cookies:
            c.cookies.update(cookies)
        response = await c.get(**request_kwargs)
    noun = "field" if len(errors) == 1 else "fields"
    body = assert_problem(
        response,
        422,
        title="Unprocessable Content",
        detail=f"{len(errors)} {noun} failed validation.",
        type="about:blank",
    )
    assert [{k: e[k] for k in ("pointer", "type")} for e in body["errors"]] == errors
    assert all(set(e) == {"pointer", "detail", "type"} for e in body["errors"])
    assert all(isinstance(e["detail"], str) and e["detail"] for e in body["errors"])


async def test_body_validation_does_not_echo_input() -> None:
    async with client(make_app()) as c:
        response = await c.post("/items", json={"name": "", "price": "hunter2"})
    body = assert_problem(response, 422, detail="2 fields failed validation.")
    assert body["errors"] == [
        {
            "pointer": "#/body/name",
            "detail": "String should have at least 1 character",
            "type": "string_too_short",
        },
        {
            "pointer": "#/body/price",
            "detail": "Input should be a valid number, unable to parse string as a number",
            "type": "float_parsing",
        },
    ]
    assert "hunter2" not in response.text


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


class Pet(BaseModel):
    pet: Annotated[Cat | Dog, Field(discriminator="kind")]
    nickname: str

    @field_validator("nickname")
    @classmethod
    def no_spaces(cls, value: str) -> str:
        if " " in value:
            raise ValueError(f"nickname {value} has a space")
        return value


@pytest.mark.parametrize(
    ("sent", "kind"),
    [
        ({"pet": {"kind": "SECRET-hunter2"}, "nickname": "ok"}, "union_tag_invalid"),
        ({"pet": {"kind": "cat", "lives": 9}, "nickname": "SECRET hunter2"}, "value_error"),
    ],
)
async def test_messages_that_quote_the_input_are_ours(sent: dict[str, Any], kind: str) -> None:
    app = FastAPI()

    @app.post("/pets")
    async def create(pet: Pet) -> dict[str, bool]:
        return {"ok": True}

    install(app)
    async with client(app) as c:
        response = await c.post("/pets", json=sent)
    body = assert_problem(response, 422)
    assert "hunter2" not in response.text
    (error,) = body["errors"]
    assert error["type"] == kind
    assert error["detail"] == "The value sent here is not valid."


async def test_malformed_json_body_is_a_400_without_a_false_pointer() -> None:
    app = make_app()
    async with client(app) as c:
        response = await c.post(
            "/items", content=b'{"name": ', headers={"Content-Type": "application/json"}
        )
    # pydantic locates it at ("body", 9), a character offset: no field to point to.
    body = assert_problem(response, 400, detail="The request body is not valid JSON.")
    assert "errors" not in body
    # And that is the 400 the document lists for an operation with a body.
    assert "400" in app.openapi()["paths"]["/items"]["post"]["responses"]


async def test_response_validation_error_is_a_quiet_500(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    async with client(make_app()) as c:
        response = await c.get("/broken")
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert "secret-value" not in response.text
    errors = [r for r in problem_logs.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["asgi_problems"]
    assert "ResponseValidationError" in repr(errors[0].exc_info)


async def test_user_validation_handler_is_respected() -> None:
    app = FastAPI()

    @app.get("/n")
    async def n(q: int) -> int:
        return q

    @app.exception_handler(RequestValidationError)
    async def mine(request: Request, exc: RequestValidationError) -> PlainTextResponse:
        return PlainTextResponse("mine", status_code=400)

    with pytest.warns(UserWarning, match=r"handler .*mine.* wins over install\(\)"):
        install(app)
    async with client(app) as c:
        response = await c.get("/n?q=x")
    assert (response.status_code, response.text) == (400, "mine")


async def test_fastapi_mounted_in_starlette() -> None:
    parent = Starlette(routes=[Mount("/api", app=make_app())])
    install(parent)
    async with client(parent) as c:
        invalid = await c.get("/api/items/abc")
        missing = await c.get("/api/items/404")
    assert_problem(invalid, 422, detail="1 field failed validation.")
    assert_problem(missing, 404, detail="No item 404")


def openapi_of(app: FastAPI) -> dict[str, Any]:
    document = app.openapi()
    validate(document)  # a real OpenAPI 3.1 validator
    return document


def test_openapi_replaces_the_default_422_everywhere() -> None:
    document = openapi_of(make_app())
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    operations = [op for item in document["paths"].values() for op in item.values()]
    with_params = [op for op in operations if "parameters" in op or "requestBody" in op]
    assert len(with_params) == 2
    for op in with_params:
        media = op["responses"]["422"]["content"]
        assert list(media) == ["application/problem+json"]
        problem = media["application/problem+json"]
        assert problem["schema"] == {"$ref": "#/components/schemas/ValidationProblem"}
        assert problem["example"]["errors"][0]["pointer"] == "#/query/limit"


def test_openapi_documents_helper_responses() -> None:
    document = openapi_of(make_app())
    responses = document["paths"]["/items/{item_id}"]["get"]["responses"]
    assert list(responses["404"]["content"]) == ["application/problem+json"]
    media = responses["404"]["content"]["application/problem+json"]
    assert media["schema"] == {"$ref": "#/components/schemas/ProblemDetails"}
    assert media["example"]["status"] == 404
    assert responses["404"]["description"].startswith("The requested resource")
    # A class of the user's is a component of its own, named after the class.
    conflict = responses["409"]["content"]["application/problem+json"]["schema"]
    assert conflict == {"$ref": "#/components/schemas/OutOfStock"}
    out_of_stock = document["components"]["schemas"]["OutOfStock"]
    assert out_of_stock["allOf"][0] == {"$ref": "#/components/schemas/ProblemDetails"}
    assert out_of_stock["allOf"][1]["properties"]["type"] == {
        "type": "string",
        "enum": ["https://shop.example/problems/out-of-stock"],
    }
    assert responses["409"]["description"].startswith("The request conflicts")


async def test_sent_bodies_satisfy_the_documented_schemas() -> None:
    app = make_app()
    document = openapi_of(app)

    def check(body: dict[str, Any], schema: str) -> None:
        jsonschema.validate(
            body, {"$ref": f"#/components/schemas/{schema}", "components": document["components"]}
        )

    async with client(app) as c:
        check((await c.get("/items/abc?limit=1000")).json(), "ValidationProblem")
        check((await c.get("/items/404")).json(), "ProblemDetails")
        check((await c.get("/broken")).json(), "ProblemDetails")
    with pytest.raises(jsonschema.ValidationError):
        check(
            {"type": "about:blank", "title": "x", "status": 422, "detail": "d"}, "ValidationProblem"
        )


async def test_correlation_ids_are_documented_on_the_500_when_on() -> None:
    app = make_app(correlation_id=True)
    document = openapi_of(app)
    validate(document)
    crash = document["paths"]["/broken"]["get"]["responses"]["500"]
    schema = crash["content"]["application/problem+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ServerProblem"}
    async with client(app) as c:
        body = (await c.get("/broken")).json()
    jsonschema.validate(body, {**schema, "components": document["components"]})
    with pytest.raises(jsonschema.ValidationError):
        body.pop("correlation_id")
        jsonschema.validate(body, {**schema, "components": document["components"]})
    assert "ServerProblem" not in openapi_of(make_app())["components"]["schemas"]


def test_problem_responses_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="499"):
        problem_responses(499)
    with pytest.raises(TypeError, match="200"):
        problem_responses(200)
    with pytest.raises(TypeError, match="'404'"):
        problem_responses("404")  # type: ignore[arg-type]


def test_problem_responses_accepts_codes_and_classes() -> None:
    assert set(problem_responses(404, OutOfStock, 422)) == {404, 409, 422}
    assert problem_responses(422)[422]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ValidationProblem"
    }


class ErrorModel(BaseModel):
    detail: str


async def test_the_apps_own_documented_errors_are_documented_as_what_is_sent() -> None:
    # responses={400: {"model": ErrorModel}} documented application/json; raised, the
    # error is sent as a problem, so the document must say so.
    app = FastAPI()

    @app.post(
        "/login",
        responses={
            400: {"model": ErrorModel, "description": "Bad credentials."},
            403: {
                "description": "Locked out.",
                "headers": {"X-Lock": {"schema": {"type": "string"}}},
            },
            "4XX": {"model": ErrorModel},
        },
    )
    async def login() -> dict[str, str]:
        raise fastapi.HTTPException(400, detail="LOGIN_BAD_CREDENTIALS")

    install(app)
    document = app.openapi()
    validate(document)
    responses = document["paths"]["/login"]["post"]["responses"]
    for code in ("400", "403", "4XX"):
        assert list(responses[code]["content"]) == ["application/problem+json"], code
        media = responses[code]["content"]["application/problem+json"]
        assert media["schema"] == {"$ref": "#/components/schemas/ProblemDetails"}
    assert responses["400"]["description"] == "Bad credentials."
    assert responses["403"]["description"] == "Locked out."
    assert "X-Lock" in responses["403"]["headers"]
    async with client(app) as c:
        sent = await c.post("/login")
    body = assert_problem(sent, 400, detail="LOGIN_BAD_CREDENTIALS")
    schema = {**responses["400"]["content"]["application/problem+json"]["schema"], **document}
    jsonschema.validate(body, schema)


def _examples_and_schemas(document: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    found = []
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                media = response.get("content", {}).get("application/problem+json")
                if media is None:
                    continue
                examples = [media["example"]] if "example" in media else []
                examples += [example["value"] for example in media.get("examples", {}).values()]
                assert examples, response
                found += [(example, media["schema"]) for example in examples]
    return found


def test_every_problem_response_has_an_example_that_fits_its_schema() -> None:
    from _support import load_example

    document = load_example("fastapi_app").app.openapi()
    found = _examples_and_schemas(document)
    assert len(found) >= 8
    for example, schema in found:
        jsonschema.validate(example, {**schema, "components": document["components"]})
    put = document["paths"]["/notes/{note_id}"]["put"]["responses"]["409"]
    examples = put["content"]["application/problem+json"]["examples"]
    assert examples["NoteLocked"]["value"]["type"] == "https://notes.example/problems/note-locked"
    assert examples["NoteLocked"]["value"]["locked_by"] == "string"
