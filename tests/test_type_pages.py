"""serve_types=True: a documentation page for every problem type the app answers."""

from __future__ import annotations

from typing import Any

import pytest
from _support import NOT_FOUND_DETAIL, assert_problem, client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import STATUSES, Conflict, Forbidden, PaymentRequired, install

BASE = "https://api.example.com/problems/"


class OutOfCredit(PaymentRequired):
    """The account's balance does not cover the purchase.

    Top the account up, or buy something cheaper.
    """

    type = BASE + "out-of-credit"
    title = "You do not have enough credit."
    balance: int
    accounts: list[str]
    note: str | None = None


class Frozen(Forbidden):
    # No docstring: the page says what its status means.
    type = "/problems/billing/frozen"  # relative to this host, in a folder of its own


class Elsewhere(Forbidden):
    """Documented by another site."""

    type = "https://other.example/problems/elsewhere"


class Hostile(Forbidden):
    """<script>alert(1)</script> & more"""

    type = BASE + "hostile"
    title = "<b>bold</b>"
    member: int


async def buy(request: Request) -> Response:
    raise OutOfCredit("Your balance is 30.", balance=30, accounts=["/accounts/1"])


async def plain(request: Request) -> Response:
    raise Forbidden()


def make_app() -> Starlette:
    app = Starlette(routes=[Route("/buy", buy), Route("/plain", plain)])
    install(app, type_base=BASE, serve_types=True)
    return app


async def test_status_pages_are_served() -> None:
    async with client(make_app()) as c:
        page = await c.get("/problems/not-found")
        other = await c.get("/problems/uri-too-long")
        unknown = await c.get("/problems/no-such-thing")
        problem = await c.get("/plain")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "404 Not Found" in page.text and NOT_FOUND_DETAIL in page.text
    assert STATUSES[414].description in other.text
    assert_problem(unknown, 404, type=BASE + "not-found")
    assert "no-such-thing" not in unknown.text  # what the client sent is not echoed
    assert_problem(problem, 403, type=BASE + "forbidden")


async def test_a_class_of_the_users_has_its_page() -> None:
    async with client(make_app()) as c:
        problem = (await c.get("/buy")).json()
        page = await c.get(problem["type"].removeprefix("https://api.example.com"))
    assert problem["type"] == BASE + "out-of-credit"
    assert page.status_code == 200
    text = page.text
    assert "402 You do not have enough credit." in text
    assert "<p>The account&#x27;s balance does not cover the purchase.</p>" in text
    assert "<p>Top the account up, or buy something cheaper.</p>" in text
    assert "<td><code>balance</code></td><td>integer</td><td>always sent</td>" in text
    assert "<td><code>accounts</code></td><td>array of string</td><td>always sent</td>" in text
    assert (
        "<td><code>note</code></td><td>string or null</td><td>always sent, by default null</td>"
        in text
    )


async def test_relative_types_in_subfolders_are_documented_others_are_not() -> None:
    async with client(make_app()) as c:
        frozen = await c.get("/problems/billing/frozen")
        elsewhere = await c.get("/problems/elsewhere")
    assert frozen.status_code == 200
    assert "403 Forbidden" in frozen.text and STATUSES[403].description in frozen.text
    assert_problem(elsewhere, 404)


async def test_pages_escape_what_classes_say() -> None:
    async with client(make_app()) as c:
        page = await c.get("/problems/hostile")
    assert page.status_code == 200
    assert "<script>" not in page.text and "<b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page.text
    assert "403 &lt;b&gt;bold&lt;/b&gt;" in page.text


async def test_the_index_links_every_page() -> None:
    async with client(make_app()) as c:
        index = await c.get("/problems/")
        linked = [
            await c.get(href)
            for href in ("/problems/not-found", "/problems/out-of-credit", "/problems/client-error")
        ]
    assert index.headers["content-type"] == "text/html; charset=utf-8"
    assert '<a href="/problems/out-of-credit">402 You do not have enough credit.</a>' in index.text
    assert '<a href="/problems/billing/frozen">403 Forbidden</a>' in index.text
    assert '<a href="/problems/server-error">5xx Server Error</a>' in index.text
    # Every status, the two classes, this module's three classes, and the classes
    # without a type of their own that other test modules define in this process.
    assert index.text.count("<li>") >= len([c for c in STATUSES if c >= 400]) + 2 + 3
    assert all(page.status_code == 200 for page in linked)


async def test_the_json_index_describes_every_type() -> None:
    async with client(make_app()) as c:
        response = await c.get("/problems/index.json")
    assert response.headers["content-type"] == "application/json"
    entries = {entry["type"]: entry for entry in response.json()}
    assert entries[BASE + "not-found"] == {
        "type": BASE + "not-found",
        "title": "Not Found",
        "status": 404,
        "description": NOT_FOUND_DETAIL,
    }
    credit = entries[BASE + "out-of-credit"]
    assert credit["status"] == 402 and credit["title"] == "You do not have enough credit."
    assert credit["members"]["balance"] == {"schema": {"type": "integer"}, "required": True}
    assert credit["members"]["note"] == {
        "schema": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "required": True,
    }
    assert "status" not in entries[BASE + "client-error"]
    assert entries["/problems/billing/frozen"]["status"] == 403
    assert "https://other.example/problems/elsewhere" not in entries


@pytest.mark.parametrize("base", [None, "https://api.example.com/", "urn:problems:", "/problems"])
def test_serve_types_needs_a_folder(base: str | None) -> None:
    app = Starlette()
    with pytest.raises(ValueError, match="folder"):
        install(app, type_base=base, serve_types=True)
    install(app)  # the refused call changed nothing


async def test_a_class_without_a_type_gets_one_after_its_name() -> None:
    class TooManyWidgets(Conflict):
        """The order holds more widgets than one account may buy."""

        limit: int

    async def order(request: Request) -> Response:
        raise TooManyWidgets(limit=3)

    app = Starlette(routes=[Route("/order", order)])
    install(app, type_base=BASE, serve_types=True)
    async with client(app) as c:
        problem = await c.get("/order")
        page = await c.get("/problems/too-many-widgets")
        missing = await c.get("/nowhere")
    assert_problem(problem, 409, type=BASE + "too-many-widgets", limit=3)
    assert "The order holds more widgets than one account may buy." in page.text
    assert "<td><code>limit</code></td>" in page.text
    assert_problem(missing, 404, type=BASE + "not-found")  # built-in classes: by status


async def test_pages_under_the_folder_are_not_a_cpu_amplifier() -> None:
    # 300 classes of the app's: a GET of any name under the folder (unknown ones
    # included) must cost about what a router 404 does, not the whole set's pages.
    import time

    made = [type(f"Kind{n}", (Conflict,), {"type": BASE + f"kind-{n}", "__doc__": "A kind."})
            for n in range(300)]  # fmt: skip
    app = Starlette(routes=[])
    install(app, type_base=BASE, serve_types=True)

    async def timed(c: Any, path: str) -> float:
        started = time.perf_counter()
        for _ in range(30):
            await c.get(path)
        return time.perf_counter() - started

    # The fastest of interleaved rounds: a busy moment on the machine only adds time.
    async with client(app) as c:
        await c.get("/problems/no-such-type")
        rounds = [(await timed(c, "/problems/no-such-type"), await timed(c, "/nowhere"))
                  for _ in range(7)]  # fmt: skip
    unknown = min(first for first, _ in rounds)
    router_404 = min(second for _, second in rounds)
    # About 2x here; 15x when every request built the pages of all 300 classes.
    assert unknown < 6 * router_404, (unknown, router_404)
    assert len(made) == 300


async def test_routes_under_the_folder_added_later_are_not_shadowed() -> None:
    # type_base under a path the app serves too; routes added after install().
    async def health(request: Request) -> Response:
        return Response("ok")

    app = Starlette(routes=[])
    install(app, type_base="https://api.example.com/problems/", serve_types=True)
    app.add_route("/problems/health", health)  # a route of the app's, declared later
    async with client(app) as c:
        health_answer = await c.get("/problems/health")
        page = await c.get("/problems/not-found")
        unknown = await c.get("/problems/no-such-type")
    assert (health_answer.status_code, health_answer.text) == (200, "ok")
    assert page.status_code == 200 and "Not Found" in page.text
    assert_problem(unknown, 404, detail=NOT_FOUND_DETAIL)
    assert "no-such-type" not in unknown.text
