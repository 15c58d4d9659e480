"""The example apps behave as the README says."""

from __future__ import annotations

from types import ModuleType

import httpx
import pytest
from _support import (
    NOT_FOUND_DETAIL,
    SERVER_ERROR_DETAIL,
    assert_problem,
    client,
    free_port,
    load_example,
    serve,
)
from starlette.types import ASGIApp

from asgi_problems.testing import only_documented_problems

AUTH = {"Authorization": "Bearer demo-token"}


@pytest.fixture
def notes() -> ModuleType:
    return load_example("app")  # a fresh module, so a fresh in-memory store


async def test_notes_happy_path(notes: ModuleType) -> None:
    async with client(notes.app) as c:
        created = await c.post("/notes", json={"text": "Call mom"}, headers=AUTH)
        listed = await c.get("/notes", headers=AUTH)
    assert created.status_code == 201
    assert created.headers["location"] == "/notes/2"
    assert [n["text"] for n in listed.json()] == ["Buy milk", "Call mom"]


async def test_notes_problems(notes: ModuleType) -> None:
    async with client(notes.app) as c:
        unknown = await c.get("/nowhere")
        no_token = await c.get("/notes")
        missing = await c.get("/notes/42", headers=AUTH)
        bad_json = await c.post("/notes", content=b"{", headers=AUTH)
        invalid = await c.post("/notes", json={"text": ""}, headers=AUTH)
        stale = await c.put("/notes/1", json={"text": "x"}, headers={**AUTH, "If-Match": "7"})
        wrong_method = await c.patch("/notes/1", headers=AUTH)
        crashed = await c.get("/crash")

    assert_problem(unknown, 404, detail=NOT_FOUND_DETAIL, instance="/nowhere")
    assert_problem(no_token, 401)
    assert no_token.headers["www-authenticate"] == 'Bearer realm="notes"'
    assert_problem(missing, 404, detail="No note with that id.")
    assert "table" not in missing.text
    assert_problem(bad_json, 400, detail="The request body is not valid JSON.")
    assert_problem(
        invalid, 422, errors=[{"pointer": "#/text", "detail": "must be a non-empty string"}]
    )
    assert_problem(
        stale,
        409,
        type="https://notes.example/problems/version-conflict",
        title="The note was changed by someone else.",
        current_version=1,
    )
    assert_problem(wrong_method, 405)
    assert set(wrong_method.headers["allow"].split(", ")) >= {"GET", "PUT", "DELETE"}
    assert_problem(crashed, 500, detail=SERVER_ERROR_DETAIL)
    assert "hunter2" not in crashed.text


async def test_notes_edit_and_delete(notes: ModuleType) -> None:
    async with client(notes.app) as c:
        edited = await c.put(
            "/notes/1", json={"text": "Oat milk"}, headers={**AUTH, "If-Match": "1"}
        )
        deleted = await c.delete("/notes/1", headers=AUTH)
        gone = await c.delete("/notes/1", headers=AUTH)
    assert edited.json() == {"id": 1, "text": "Oat milk", "version": 2}
    assert deleted.status_code == 204
    assert_problem(gone, 404)


async def test_demo_serves_the_seed_404(notes: ModuleType) -> None:
    with serve(notes.app) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as c:
            response = await c.get("/nowhere")
    assert_problem(response, 404, detail=NOT_FOUND_DETAIL)


@pytest.fixture
def fastapi_notes() -> ModuleType:
    return load_example("fastapi_app")


async def test_fastapi_example(fastapi_notes: ModuleType) -> None:
    # Every problem the example answers is one its OpenAPI document lists.
    with only_documented_problems(fastapi_notes.app) as checked:
        await fastapi_example_calls(checked, fastapi_notes)


async def fastapi_example_calls(app: ASGIApp, fastapi_notes: ModuleType) -> None:
    async with client(app) as c:
        no_token = await c.get("/notes")
        listed = await c.get("/notes", headers=AUTH)
        bad_limit = await c.get("/notes?limit=0", headers=AUTH)
        empty = await c.post("/notes", json={"text": ""}, headers=AUTH)
        created = await c.post("/notes", json={"text": "Call mom"}, headers=AUTH)
        missing = await c.get("/notes/42", headers=AUTH)
        stale = await c.put("/notes/1", json={"text": "x"}, headers={**AUTH, "If-Match": "9"})
        locked = await c.put("/notes/2", json={"text": "x"}, headers={**AUTH, "If-Match": "1"})
        docs = await c.get("/docs")
    assert_problem(no_token, 401)
    assert no_token.headers["www-authenticate"] == 'Bearer realm="notes"'
    assert [n["text"] for n in listed.json()] == ["Buy milk", "Plan the trip"]
    assert_problem(bad_limit, 422, errors=[
        {"pointer": "#/query/limit", "detail": "Input should be greater than or equal to 1",
         "type": "greater_than_equal"}
    ])  # fmt: skip
    assert_problem(empty, 422, detail="1 field failed validation.")
    assert created.status_code == 201 and created.headers["location"] == "/notes/3"
    assert_problem(missing, 404, detail="No note with that id.")
    assert_problem(
        stale, 409, current_version=1, type="https://notes.example/problems/version-conflict"
    )
    assert_problem(locked, fastapi_notes.NoteLocked, locked_by="ada")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    document = fastapi_notes.app.openapi()
    put = document["paths"]["/notes/{note_id}"]["put"]["responses"]
    assert {"401", "404", "409", "422"} <= set(put)


async def test_gateway_against_real_servers() -> None:
    gateway = load_example("gateway")
    with serve(gateway.upstream, timeout_graceful_shutdown=1) as upstream_url:
        # The slow item takes 5 s; 2 s leaves a busy machine time for the others.
        with serve(gateway.make_gateway(upstream_url, timeout=2.0)) as gateway_url:
            async with httpx.AsyncClient(base_url=gateway_url, timeout=10) as c:
                priced = await c.get("/quotes/apple")
                missing = await c.get("/quotes/kiwi")
                broken = await c.get("/quotes/broken")
                slow = await c.get("/quotes/slow")
    assert priced.json() == {"sku": "apple", "price": "1.20", "currency": "EUR"}
    assert_problem(missing, 404, detail="No price for 'kiwi'.", sku="kiwi", instance="/quotes/kiwi")
    assert_problem(broken, 502, title="Bad Gateway", upstream="prices")
    assert_problem(slow, 504, title="Gateway Timeout", upstream="prices")
    for response in (broken, slow):
        assert "127.0.0.1" not in response.text and "locked" not in response.text


async def test_gateway_with_its_upstream_down() -> None:
    gateway = load_example("gateway")
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with serve(gateway.make_gateway(nobody)) as gateway_url:
        async with httpx.AsyncClient(base_url=gateway_url) as c:
            response = await c.get("/quotes/apple")
    assert_problem(response, 502, upstream="prices")
    assert str(nobody.rsplit(":", 1)[1]) not in response.text
