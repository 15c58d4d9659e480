"""Generated clients: openapi-python-client turns our OpenAPI documents into typed models.

The TypeScript side (openapi-typescript + tsc) runs in ``make check-clients``; it needs
npm, which the test command does not.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import typing
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from _support import client, load_example
from fastapi import FastAPI
from openapi_spec_validator import validate

from asgi_problems import Conflict, PaymentRequired, install, problem_responses

pytest.importorskip("openapi_python_client")  # on Python 3.11 and later only

AUTH = {"Authorization": "Bearer demo-token"}


class OutOfCredit(PaymentRequired):
    """The account's balance does not cover the purchase."""

    type = "https://shop.example/problems/out-of-credit"
    title = "You do not have enough credit."
    balance: int
    accounts: list[str]


class OutOfStock(Conflict):
    """Fewer items are left than the purchase asks for."""

    type = "https://shop.example/problems/out-of-stock"
    left: int


class Reserved(Conflict):
    """Someone else holds the items for now."""

    type = "https://shop.example/problems/reserved"
    until: str
    left: int = 0  # as OutOfStock's: only the type tells the two apart


def shop() -> FastAPI:
    app = FastAPI(title="Shop")

    @app.post(
        "/purchases",
        status_code=201,
        responses=problem_responses(OutOfCredit, OutOfStock, Reserved),
    )
    async def purchase(price: int) -> dict[str, int]:
        if price == 1:
            raise OutOfStock(left=0)
        if price == 2:
            raise Reserved(until="2026-12-24")
        raise OutOfCredit(f"The price is {price}.", balance=30, accounts=["/accounts/1"])

    install(app)
    return app


def generate(app: FastAPI, name: str, where: Path) -> tuple[ModuleType, str]:
    """Run the real generator on ``app``'s document; import the package it writes."""
    document = app.openapi()
    validate(document)
    spec = where / f"{name}.json"
    spec.write_text(json.dumps(document))
    bin_dir = str(Path(sys.executable).parent)  # its ruff post-hooks run from PATH
    done = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(spec),
         "--output-path", str(where / name), "--meta", "none"],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")},
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return importlib.import_module(f"{name}.models"), output


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    where = tmp_path_factory.mktemp("clients")
    sys.path.insert(0, str(where))
    notes = load_example("fastapi_app")
    try:
        notes_models, notes_output = generate(notes.app, "notes_client", where)
        shop_models, shop_output = generate(shop(), "shop_client", where)
        yield {
            "where": where,
            "notes": notes,
            "notes_models": notes_models,
            "shop_models": shop_models,
            "outputs": [notes_output, shop_output],
        }
    finally:
        sys.path.remove(str(where))
        for module in [
            m for m in sys.modules if m.split(".")[0] in {"notes_client", "shop_client"}
        ]:
            del sys.modules[module]


def hints(model: type) -> dict[str, Any]:
    # Generated models import each other only for type checkers.
    models = sys.modules[model.__module__.rsplit(".", 1)[0]]
    return typing.get_type_hints(model, localns=vars(models))


def test_the_generator_warns_of_nothing(generated: dict[str, Any]) -> None:
    for output in generated["outputs"]:
        assert "Warning" not in output and "Skipping" not in output, output


def test_a_class_with_balance_int_is_a_model_with_balance_int(generated: dict[str, Any]) -> None:
    models = generated["shop_models"]
    fields = hints(models.OutOfCredit)
    assert fields["balance"] is int
    assert fields["accounts"] == list[str]
    assert fields["detail"] is str
    assert models.OutOfCredit.__doc__.startswith("The account's balance does not cover")


def test_validation_problems_have_typed_errors(generated: dict[str, Any]) -> None:
    models = generated["notes_models"]
    assert hints(models.ValidationProblem)["errors"] == list[models.ValidationProblemErrorsItem]
    item = hints(models.ValidationProblemErrorsItem)
    assert item["pointer"] is str and item["detail"] is str and item["type_"] is str
    assert hints(models.VersionConflict)["current_version"] is int


async def test_bodies_on_the_wire_load_into_the_generated_models(
    generated: dict[str, Any],
) -> None:
    models = generated["notes_models"]
    async with client(generated["notes"].app) as c:
        invalid = await c.get("/notes?limit=0", headers=AUTH)
        stale = await c.put("/notes/1", json={"text": "x"}, headers={**AUTH, "If-Match": "9"})
        missing = await c.get("/notes/42", headers=AUTH)
    validation = models.ValidationProblem.from_dict(invalid.json())
    assert validation.errors[0].pointer == "#/query/limit"
    assert validation.status == 422
    conflict = models.VersionConflict.from_dict(stale.json())
    assert conflict.current_version == 1
    assert models.ProblemDetails.from_dict(missing.json()).detail == "No note with that id."


def test_two_classes_of_one_status_are_a_union_told_apart_by_type(
    generated: dict[str, Any],
) -> None:
    document = shop().openapi()
    responses = document["paths"]["/purchases"]["post"]["responses"]
    schema = responses["409"]["content"]["application/problem+json"]["schema"]
    refs = ["#/components/schemas/OutOfStock", "#/components/schemas/Reserved"]
    assert schema == {
        "oneOf": [{"$ref": ref} for ref in refs],
        "discriminator": {
            "propertyName": "type",
            "mapping": {OutOfStock.type: refs[0], Reserved.type: refs[1]},
        },
    }
    # The generated endpoint hands out the union; each body loads into its own model.
    endpoint = importlib.import_module("shop_client.api.default.purchase_purchases_post")
    models = generated["shop_models"]
    union = typing.get_type_hints(endpoint._parse_response, vars(endpoint))["return"]
    assert {models.OutOfStock, models.Reserved} <= set(typing.get_args(union))


async def test_generated_clients_narrow_the_union_by_type(generated: dict[str, Any]) -> None:
    from shop_client import Client
    from shop_client.api.default import purchase_purchases_post as purchase

    models = generated["shop_models"]
    transport = httpx.ASGITransport(app=shop())
    for price, model, member in ((1, "OutOfStock", "left"), (2, "Reserved", "until")):
        async with httpx.AsyncClient(transport=transport, base_url="http://shop") as raw:
            shop_client = Client(base_url="http://shop").set_async_httpx_client(raw)
            answer = await purchase.asyncio_detailed(client=shop_client, price=price)
        parsed = answer.parsed
        assert type(parsed) is getattr(models, model), parsed
        assert parsed.type_ == globals()[model].type
        assert getattr(parsed, member) == (0 if member == "left" else "2026-12-24")


def test_user_code_on_the_generated_client_passes_mypy_strict(generated: dict[str, Any]) -> None:
    # The generated package is not ours to check (its client.py has errors of its
    # own under --strict); the models it gives user code are.
    where: Path = generated["where"]
    user_code = where / "uses_client.py"
    user_code.write_text(
        "from notes_client.models import ProblemDetails, ValidationProblem, VersionConflict\n"
        "from shop_client.models import OutOfCredit, OutOfStock, Reserved\n\n\n"
        "def first_pointer(problem: ProblemDetails | ValidationProblem) -> str | None:\n"
        "    if isinstance(problem, ValidationProblem):\n"
        "        return problem.errors[0].pointer\n"
        "    return None\n\n\n"
        "def versions(conflict: VersionConflict, short: OutOfCredit) -> int:\n"
        "    return conflict.current_version + short.balance\n\n\n"
        "def explain(problem: OutOfStock | Reserved) -> str:\n"
        "    if isinstance(problem, OutOfStock):\n"
        "        return f'{problem.left} left'\n"
        "    return f'held until {problem.until}'\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--follow-imports=silent", str(user_code)],
        capture_output=True, text=True, timeout=300, cwd=where,
        env={**os.environ, "MYPYPATH": str(where)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
