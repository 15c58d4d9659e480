"""Translations: exception class -> Problem along the MRO, cached, httpx loaded lazily."""

from __future__ import annotations

import subprocess
import sys

import pytest
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from asgi_problems import BadRequest, Conflict, InternalServerError, NotFound, Problem
from asgi_problems._translate import Translations


class StorageError(Exception):
    pass


class RowMissing(StorageError, LookupError):
    pass


def test_built_in_translations() -> None:
    translate = Translations()
    problem = NotFound("x")
    assert translate(problem) == (problem, False)
    http, crashed = translate(HTTPException(409, "stale"))
    assert (type(http), http.detail, crashed) == (Conflict, "stale", False)
    crash, crashed = translate(RuntimeError("boom"))
    assert type(crash) is InternalServerError and crashed
    assert "boom" not in crash.detail


def test_mapping_follows_the_mro() -> None:
    translate = Translations({LookupError: NotFound, StorageError: Conflict})
    assert type(translate(RowMissing())[0]) is Conflict  # StorageError comes first
    assert type(translate(KeyError())[0]) is NotFound
    assert type(translate(RowMissing())[0]) is Conflict  # the second time: the same rule


def test_user_mapping_overrides_built_ins() -> None:
    translate = Translations({HTTPException: lambda exc: BadRequest("mine")})
    assert translate(HTTPException(404))[0].detail == "mine"


def test_handled_types_and_defaults() -> None:
    translate = Translations({KeyError: NotFound, Exception: Conflict})
    assert set(translate.handled_types()) == {Problem, HTTPException, ClientDisconnect, KeyError}
    assert type(translate(ClientDisconnect())[0]) is BadRequest
    assert type(Translations({ClientDisconnect: Conflict})(ClientDisconnect())[0]) is Conflict
    extended = translate.with_defaults({ValueError: lambda exc: BadRequest(), KeyError: Conflict})
    assert type(extended(ValueError())[0]) is BadRequest
    assert type(extended(KeyError())[0]) is NotFound  # the user's mapping wins
    assert translate.with_defaults({KeyError: Conflict}) is translate
    with pytest.raises(TypeError, match="mapping keys"):
        Translations({"KeyError": NotFound})  # type: ignore[dict-item]


def test_httpx_is_loaded_only_when_its_exceptions_show_up() -> None:
    code = (
        "import sys\n"
        "from asgi_problems._translate import Translations\n"
        "t = Translations()\n"
        "t(RuntimeError())\n"
        "assert 'httpx' not in sys.modules\n"
        "import httpx\n"
        "problem, crashed = t(httpx.ConnectTimeout('x'))\n"
        "assert (problem.status, crashed) == (504, False), problem\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_mapping_to_a_class_with_required_members_fails_at_install() -> None:
    from starlette.applications import Starlette

    from asgi_problems import install

    class OutOfStock(Conflict):
        type = "https://example.com/probs/out-of-stock"
        left: int

    class Sold(Conflict):
        type = "https://example.com/probs/sold"
        left: int = 0

    with pytest.raises(TypeError, match=r"OutOfStock needs the member 'left'.*callable"):
        install(Starlette(), mapping={KeyError: OutOfStock})
    # Defaults give every member a value: such a class maps as any other.
    translate = Translations({KeyError: Sold})
    assert translate(KeyError())[0].extensions == {"left": 0}
