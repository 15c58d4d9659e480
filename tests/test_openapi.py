"""The OpenAPI pieces: pinned schemas, class schemas, documented headers, generic responses."""

from __future__ import annotations

from typing import Any, ClassVar

import jsonschema
from fastapi import FastAPI
from openapi_spec_validator import validate
from pydantic import BaseModel

from asgi_problems import (
    STATUSES,
    Conflict,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    install,
    problem_responses,
)
from asgi_problems._openapi import class_schema, problem_details_schema, validation_problem_schema

MEDIA = "application/problem+json"


def test_problem_details_schema_is_pinned() -> None:
    assert problem_details_schema() == {
        "title": "ProblemDetails",
        "description": "An RFC 9457 problem details object.",
        "type": "object",
        "properties": {
            "type": {
                "type": "string",
                "format": "uri-reference",
                "description": "A URI reference that identifies the problem type "
                '("about:blank" when it is just the status).',
            },
            "title": {"type": "string", "description": "A short summary of the problem type."},
            "status": {
                "type": "integer",
                "minimum": 400,
                "maximum": 599,
                "description": "The HTTP status code of this occurrence.",
            },
            "detail": {"type": "string", "description": "What went wrong this time."},
            "instance": {
                "type": "string",
                "format": "uri-reference",
                "description": "A URI reference that identifies this occurrence.",
            },
        },
        "required": ["type", "title", "status", "detail"],
    }


def test_validation_problem_schema_is_pinned() -> None:
    assert validation_problem_schema() == {
        "title": "ValidationProblem",
        "description": "A 422 problem listing every request field that failed validation.",
        "allOf": [
            {"$ref": "#/components/schemas/ProblemDetails"},
            {
                "type": "object",
                "properties": {
                    "status": {"type": "integer", "enum": [422]},
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "pointer": {
                                    "type": "string",
                                    "description": 'Where the value is, e.g. "#/query/limit".',
                                },
                                "detail": {
                                    "type": "string",
                                    "description": "What is wrong with it.",
                                },
                                "type": {
                                    "type": "string",
                                    "description": "The validator's error type.",
                                },
                            },
                            "required": ["pointer", "detail", "type"],
                        },
                    },
                },
                "required": ["status", "errors"],
            },
        ],
    }


class Item(BaseModel):
    name: str


class Money(BaseModel):
    cents: int


class OutOfCredit(Forbidden):
    """The account's balance does not cover the request."""

    type = "https://example.com/probs/out-of-credit"
    title = "You do not have enough credit."
    balance: int
    accounts: list[str]
    note: str | None = None
    price: Money
    history: list[Money]  # pydantic's schema needs definitions: written in place
    _secret: int
    cache: ClassVar[dict[str, int]] = {}


def test_class_schema_of_a_subclass() -> None:
    schema = class_schema(OutOfCredit)
    base, added = schema["allOf"]
    assert base == {"$ref": "#/components/schemas/ProblemDetails"}
    assert schema["title"] == "OutOfCredit"
    assert schema["description"] == "The account's balance does not cover the request."
    properties: dict[str, Any] = added["properties"]
    assert properties["type"] == {
        "type": "string",
        "enum": ["https://example.com/probs/out-of-credit"],
    }
    assert properties["title"] == {"type": "string", "enum": ["You do not have enough credit."]}
    assert properties["status"] == {"type": "integer", "enum": [403]}
    assert properties["balance"] == {"type": "integer"}
    assert properties["accounts"] == {"type": "array", "items": {"type": "string"}}
    assert properties["price"]["properties"] == {"cents": {"title": "Cents", "type": "integer"}}
    assert properties["history"] == {"type": "array", "items": properties["price"]}
    # A member with a default is sent with it: required, its default documented.
    assert properties["note"] == {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    assert "_secret" not in properties and "cache" not in properties
    fixed = ["status", "type", "title"]
    assert added["required"] == [*fixed, "balance", "accounts", "note", "price", "history"]


def test_a_title_the_class_does_not_set_is_not_a_constant() -> None:
    # Its instances take their status's title by default, but may be given another.
    class Overdrawn(OutOfCredit):
        title = None

    class Locked(Forbidden):
        type = "https://example.com/probs/locked"

    assert "title" not in class_schema(Overdrawn)["allOf"][1]["properties"]
    assert "title" not in class_schema(Locked)["allOf"][1]["properties"]
    assert Locked().title == "Forbidden"


def test_class_schema_validates_real_bodies() -> None:
    document = {"components": {"schemas": {"ProblemDetails": problem_details_schema()}}}
    body = {
        "type": "https://example.com/probs/out-of-credit",
        "title": "You do not have enough credit.",
        "status": 403,
        "detail": "Your balance is 30.",
        "balance": 30,
        "accounts": ["/accounts/1"],
        "price": {"cents": 50},
        "note": None,
        "history": [],
    }
    jsonschema.validate(body, {**class_schema(OutOfCredit), **document})
    wrong = {**body, "balance": "thirty"}
    try:
        jsonschema.validate(wrong, {**class_schema(OutOfCredit), **document})
    except jsonschema.ValidationError as error:
        assert "thirty" in str(error)
    else:
        raise AssertionError("a string balance must not validate")


def test_built_in_classes_use_the_shared_schemas() -> None:
    assert class_schema(NotFound) == {"$ref": "#/components/schemas/ProblemDetails"}
    responses = problem_responses(422)
    assert responses[422]["content"][MEDIA]["schema"] == {
        "$ref": "#/components/schemas/ValidationProblem"
    }


def test_headers_are_documented() -> None:
    responses = problem_responses(
        Unauthorized, MethodNotAllowed, TooManyRequests, ServiceUnavailable, NotFound
    )
    assert list(responses[401]["headers"]) == ["WWW-Authenticate"]
    assert list(responses[405]["headers"]) == ["Allow"]
    assert list(responses[429]["headers"]) == ["Retry-After"]
    assert list(responses[503]["headers"]) == ["Retry-After"]
    assert "headers" not in responses[404]


def test_several_classes_of_one_status_are_alternatives() -> None:
    class Stale(Conflict):
        type = "https://example.com/probs/stale"

    schema = problem_responses(Conflict, Stale)[409]["content"][MEDIA]["schema"]
    assert schema["anyOf"][0] == {"$ref": "#/components/schemas/ProblemDetails"}
    stale = schema["anyOf"][1]["allOf"][1]
    assert stale["properties"]["type"]["enum"] == ["https://example.com/probs/stale"]


def test_generic_responses_on_every_operation() -> None:
    app = FastAPI()

    @app.get("/plain")
    async def plain() -> dict[str, str]:
        return {}

    @app.post("/items")
    async def create(item: Item) -> Item:
        return item

    @app.get("/custom", responses={500: {"description": "Ours"}})
    async def custom() -> dict[str, str]:
        return {}

    install(app)
    document = app.openapi()
    validate(document)
    paths = document["paths"]
    plain_responses = paths["/plain"]["get"]["responses"]
    assert set(plain_responses) == {"200", "500"}
    assert list(plain_responses["500"]["content"]) == [MEDIA]
    crash = plain_responses["500"]["content"][MEDIA]
    assert crash["schema"] == {"$ref": "#/components/schemas/ProblemDetails"}
    assert crash["example"] == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": STATUSES[500].description,
    }
    assert set(paths["/items"]["post"]["responses"]) == {"200", "400", "422", "500"}
    assert paths["/custom"]["get"]["responses"]["500"]["description"] == "Ours"
