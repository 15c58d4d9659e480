"""What a gateway answers for an upstream's error: its own words, and of the upstream's
answer only the headers that the status requires."""

from __future__ import annotations

import httpx
import pytest
from _support import UPSTREAM, assert_problem, client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import STATUSES, install
from asgi_problems.client import raise_for_problem

LEAKY = {
    "WWW-Authenticate": 'Bearer realm="billing"',
    "Allow": "GET",
    "Proxy-Authenticate": "Basic",
    "Set-Cookie": "session=upstream-secret",
    "X-Internal-Host": "db-7.internal",
}


def gateway(status: int, **options: object) -> Starlette:
    async def endpoint(request: Request) -> Response:
        upstream = httpx.Response(
            status,
            json={"title": "x", "detail": "SELECT * FROM accounts", "debug": {"dsn": "pg://"}},
            headers={**LEAKY, "content-type": "application/problem+json"},
            request=httpx.Request("GET", UPSTREAM),
        )
        raise_for_problem(upstream)
        return Response()  # pragma: no cover - raise_for_problem raised

    app = Starlette(routes=[Route("/", endpoint)])
    install(app, **options)  # type: ignore[arg-type]
    return app


@pytest.mark.parametrize(
    ("status", "answered", "kept"),
    [
        (401, 401, {"www-authenticate"}),
        (405, 405, {"allow"}),
        (407, 407, {"proxy-authenticate"}),
        (404, 404, set()),
        (503, 502, set()),
    ],
)
async def test_only_the_headers_a_status_requires_pass(
    status: int, answered: int, kept: set[str]
) -> None:
    async with client(gateway(status)) as c:
        response = await c.get("/")
    assert_problem(response, answered, detail=STATUSES[answered].description)
    passed = {name for name in response.headers if name.lower() in {h.lower() for h in LEAKY}}
    assert passed == kept
    assert "SELECT" not in response.text and "pg://" not in response.text


async def test_the_detail_passes_only_when_asked() -> None:
    async with client(gateway(404, pass_upstream_detail=True)) as c:
        response = await c.get("/")
    assert_problem(response, 404, detail="SELECT * FROM accounts")
    assert "debug" not in response.json()
