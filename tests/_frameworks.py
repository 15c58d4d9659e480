"""What the tests of each framework integration check, the same way for each.

Every framework's test app serves these paths:

- ``/ok``: a JSON success;
- ``/problem``: ``raise Conflict("Version 3 is stale.", current_version=3,
  headers={"ETag": '"v4"'})``;
- ``/native``: the framework's own 404 with the detail "No user 42";
- ``/auth``: the framework's own 401 with ``WWW-Authenticate: Bearer``, where it has one;
- ``/crash``: ``raise KeyError(SECRET)``;
- a path no route matches, and ``POST /ok`` (a 405).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _support import NOT_FOUND_DETAIL, SERVER_ERROR_DETAIL, assert_problem, client, serve

from asgi_problems import STATUSES, Conflict, Gone, MethodNotAllowed, NotFound

SECRET = "dsn=postgres://admin:hunter2@db"
METHOD_NOT_ALLOWED = STATUSES[405].description


class OutOfStock(Exception):
    """A foreign exception the options map to 410 Gone."""


def problem() -> Conflict:
    return Conflict("Version 3 is stale.", current_version=3, headers={"ETag": '"v4"'})


async def check_the_five_kinds(
    c: httpx.AsyncClient, logs: pytest.LogCaptureFixture, *, allow: set[str], auth: bool = True
) -> None:
    """A raised problem, the framework's own errors, its router's 404 and 405 and a
    crash: each a correct problem; the crash logged once and nothing of it leaked."""
    raised = await c.get("/problem")
    assert_problem(raised, Conflict, detail="Version 3 is stale.", current_version=3)
    assert raised.headers["etag"] == '"v4"'
    assert_problem(await c.get("/native"), NotFound, detail="No user 42")
    if auth:
        unauthorized = await c.get("/auth")
        assert_problem(unauthorized, 401)
        assert unauthorized.headers["www-authenticate"].lower().startswith("bearer")
    assert_problem(await c.get("/no/such/route"), NotFound, detail=NOT_FOUND_DETAIL)
    wrong = await c.post("/ok")
    assert_problem(wrong, MethodNotAllowed, detail=METHOD_NOT_ALLOWED)
    assert {m.strip() for m in wrong.headers["allow"].split(",")} >= allow
    with logs.at_level(logging.ERROR):
        logs.clear()
        crashed = await c.get("/crash")
    assert_problem(crashed, 500, detail=SERVER_ERROR_DETAIL)
    assert SECRET not in crashed.text and "KeyError" not in crashed.text
    # One traceback, ours. (Django's request log also notes every 5xx, without one.)
    errors = [r for r in logs.records if r.levelno >= logging.ERROR and r.exc_info]
    assert [r.name for r in errors] == ["asgi_problems"], [r.getMessage() for r in errors]
    assert errors[0].exc_info is not None and errors[0].exc_info[0] is KeyError


async def check_the_options(c: httpx.AsyncClient, seen: list[Any]) -> None:
    """With OPTIONS (instance, type_base, mapping={OutOfStock: Gone}) and an
    on_problem that fills ``seen`` (``/mapped`` raises OutOfStock): as on Starlette."""
    body = assert_problem(await c.get("/native"), 404, instance="/native")
    assert body["type"] == "https://api.example.com/problems/not-found"
    xml = await c.get("/problem", headers={"Accept": "application/problem+xml"})
    assert xml.headers["content-type"] == "application/problem+xml"
    assert "<current_version>3</current_version>" in xml.text
    assert_problem(await c.get("/mapped"), 410)
    assert [problem.status for problem in seen] == [404, 409, 410]


async def check_the_options_of(make_app: Callable[..., Any]) -> None:
    """``make_app(**options)`` with OPTIONS and an on_problem: see check_the_options."""
    seen: list[Any] = []
    app = make_app(on_problem=lambda conn, problem: seen.append(problem), **OPTIONS)
    async with client(app) as c:
        await check_the_options(c, seen)


async def check_success_is_untouched(make_app: Callable[..., Any]) -> None:
    """``make_app(installed=False)`` and ``make_app()`` answer ``/ok`` byte for byte alike."""
    async with client(make_app(installed=False)) as bare, client(make_app()) as ours:
        a, b = await bare.get("/ok"), await ours.get("/ok")
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert sorted(a.headers.items()) == sorted(b.headers.items())


async def check_under_uvicorn(app: Any) -> None:
    """A real server answers the framework's own 404 with its problem."""
    with serve(app) as base_url:
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as c:
            response = await c.get("/native")
    assert_problem(response, 404, detail="No user 42")


OPTIONS: dict[str, Any] = {
    "instance": True,
    "type_base": "https://api.example.com/problems/",
    "mapping": {OutOfStock: Gone},
}
