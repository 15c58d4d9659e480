"""Content negotiation (JSON, XML, HTML) and problem type URIs."""

from __future__ import annotations

from typing import Any

import pytest
from _support import assert_problem, client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import Forbidden, Problem, install
from asgi_problems._negotiate import HTML, JSON, XML, choose

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "form"),
    [
        ("", JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        ("application/problem+json", JSON),
        ("application/problem+xml", XML),
        ("application/xml", XML),
        ("application/*", JSON),  # a tie: JSON first
        (BROWSER, HTML),
        ("text/html", HTML),
        ("text/html;q=0.5, application/json", JSON),
        ("text/html, application/problem+json;q=0.1", HTML),
        ("image/png", JSON),  # nothing we offer is acceptable: JSON anyway
        ("text/html;q=oops, application/json", JSON),
        ("garbage, ;;;, /", JSON),
        ("TEXT/HTML", HTML),
        # q=0 is "not acceptable", and the type a form is sent as decides over aliases.
        ("application/problem+json;q=0, */*", XML),
        ("application/problem+json;q=0, text/html;q=0.5", HTML),
        ("application/problem+xml;q=0, application/xml", JSON),
        ("application/json;q=0, application/problem+json", JSON),
        ("text/html;q=0", JSON),
    ],
)
def test_choose(accept: str, form: str) -> None:
    assert choose(accept.encode()) == form


async def plain(request: Request) -> Response:
    raise Forbidden()


def make_app(**options: Any) -> Starlette:
    app = Starlette(routes=[Route("/plain", plain)])
    install(app, **options)
    return app


async def test_json_stays_the_default_and_varies_on_accept() -> None:
    async with client(make_app()) as c:
        r = await c.get("/plain")
        also = await c.get("/plain", headers={"Accept": "*/*"})
    assert_problem(r, 403)
    assert r.headers["vary"] == "Accept"
    assert also.content == r.content


async def test_negotiation_can_be_turned_off() -> None:
    async with client(make_app(negotiate=False)) as c:
        r = await c.get("/plain", headers={"Accept": BROWSER})
    assert_problem(r, 403)
    assert "vary" not in r.headers


async def test_type_base_gives_each_status_a_type_uri() -> None:
    class OutOfCredit(Forbidden):
        type = "https://example.com/probs/out-of-credit"

    async def own(request: Request) -> Response:
        raise OutOfCredit()

    async def teapot(request: Request) -> Response:
        raise Problem(status=418)

    app = Starlette(routes=[Route("/own", own), Route("/teapot", teapot)])
    install(app, type_base="https://api.example.com/problems/")
    async with client(app) as c:
        unknown = await c.get("/nowhere")
        custom = await c.get("/own")
        tea = await c.get("/teapot")
    assert_problem(unknown, 404, type="https://api.example.com/problems/not-found")
    assert_problem(custom, 403, type="https://example.com/probs/out-of-credit")
    assert_problem(tea, 418, type="https://api.example.com/problems/im-a-teapot")


async def test_several_accept_lines_are_one_list() -> None:
    async with client(make_app()) as c:
        response = await c.get(
            "/plain", headers=[("Accept", "image/png"), ("Accept", "application/problem+xml")]
        )
    assert response.headers["content-type"] == "application/problem+xml"


async def test_only_the_start_of_a_huge_accept_is_read() -> None:
    # 1 MB of ranges before the one that would ask for HTML: it is never reached,
    # so the work done for the header stays bounded.
    huge = "image/png;q=0.1, " * 60_000 + "text/html"
    async with client(make_app()) as c:
        response = await c.get("/plain", headers={"Accept": huge})
        short = await c.get("/plain", headers={"Accept": "image/png;q=0.1, text/html"})
    assert_problem(response, 403)
    assert short.headers["content-type"].startswith("text/html")
