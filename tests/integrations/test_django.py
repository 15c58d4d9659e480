"""Django: the middleware and error handlers make every error of a Django app a problem."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from _frameworks import check_the_five_kinds, check_the_options, check_under_uvicorn
from _support import assert_problem, client
from django.core.asgi import get_asgi_application
from django_project import CONNS, MIDDLEWARE, SEEN

# Django (asgiref) runs on asyncio only: the trio pass of make test leaves these to asyncio.
pytestmark = pytest.mark.asyncio


def make_app() -> Any:
    return get_asgi_application()


async def test_every_kind_of_error_is_a_problem(problem_logs: pytest.LogCaptureFixture) -> None:
    async with client(make_app()) as c:
        await check_the_five_kinds(c, problem_logs, allow={"GET", "HEAD", "OPTIONS"})


async def test_djangos_own_exceptions() -> None:
    async with client(make_app()) as c:
        denied = await c.get("/denied")
        suspicious = await c.get("/suspicious")
        wrong_host = await c.get("/ok", headers={"Host": "evil.example"})
    assert_problem(denied, 403)
    assert_problem(suspicious, 400)
    assert "X-Evil" not in suspicious.text  # its message quotes the request
    assert_problem(wrong_host, 400)  # raised by Django itself, answered by handler400
    assert "evil.example" not in wrong_host.text


async def test_the_options_come_from_settings() -> None:
    SEEN.clear()
    async with client(make_app()) as c:
        await check_the_options(c, SEEN)


async def test_success_is_untouched() -> None:
    async with client(make_app()) as c:
        response = await c.get("/ok")
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert response.headers["content-type"] == "application/json"


async def test_under_uvicorn() -> None:
    await check_under_uvicorn(make_app())


async def test_wsgi_projects_get_problems_too(problem_logs: pytest.LogCaptureFixture) -> None:
    # Under WSGI the middleware runs synchronously and makes a scope of the environ;
    # a WSGI server calls it from a thread of its own, without an event loop.
    from django.core.wsgi import get_wsgi_application

    def requests() -> list[httpx.Response]:
        transport = httpx.WSGITransport(app=get_wsgi_application())
        with httpx.Client(transport=transport, base_url="http://testserver") as c:
            return [c.get("/native"), c.post("/ok"), c.get("/crash"), c.get("/no/such/route")]

    missing, wrong, crashed, nowhere = await asyncio.to_thread(requests)
    assert_problem(missing, 404, detail="No user 42", instance="/native")
    assert_problem(wrong, 405)
    assert "GET" in wrong.headers["allow"]
    assert_problem(crashed, 500)
    assert_problem(nowhere, 404)
    assert [r.name for r in problem_logs.records if r.exc_info] == ["asgi_problems"]


async def test_a_urlconfs_own_error_page_wins() -> None:
    # The middleware alone answers the router's 404 (django_urls names no handler);
    # a URLconf that names its own handler404 keeps its page.
    from django.test import override_settings

    async with client(make_app()) as c:
        ours = await c.get("/nowhere")
    assert_problem(ours, 404)
    with override_settings(ROOT_URLCONF="django_urls_own"):
        async with client(make_app()) as c:
            own = await c.get("/nowhere")
    assert (own.status_code, own.text) == (404, "<h1>Our own page</h1>")


class AddHeaders:
    """Other middleware, inside ours: it adds a cookie and CORS to every response."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        response.set_cookie("session", "s1")
        response["Access-Control-Allow-Origin"] = "*"
        return response


@pytest.mark.parametrize("server", ["asgi", "wsgi"])
async def test_a_405_problem_keeps_what_other_middleware_added(server: str) -> None:
    from django.test import override_settings

    with override_settings(MIDDLEWARE=[MIDDLEWARE[0], "test_django.AddHeaders", *MIDDLEWARE[1:]]):
        if server == "asgi":
            async with client(make_app()) as c:
                response = await c.post("/ok")
        else:
            from django.core.wsgi import get_wsgi_application

            transport = httpx.WSGITransport(app=get_wsgi_application())

            def post() -> httpx.Response:
                with httpx.Client(transport=transport, base_url="http://testserver") as c:
                    return c.post("/ok")

            response = await asyncio.to_thread(post)
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    assert response.headers["access-control-allow-origin"] == "*"
    assert "session=s1" in response.headers["set-cookie"]


async def test_on_problem_gets_a_full_request_under_wsgi() -> None:
    from django.core.wsgi import get_wsgi_application

    CONNS.clear()
    transport = httpx.WSGITransport(app=get_wsgi_application())

    def fetch() -> httpx.Response:
        with httpx.Client(transport=transport, base_url="http://testserver") as c:
            return c.get("/native?page=2")

    assert_problem(await asyncio.to_thread(fetch), 404)
    conn = CONNS[-1]
    assert str(conn.url) == "http://testserver/native?page=2"
    assert conn.query_params["page"] == "2"


class Crashing:
    """Middleware that fails before any view: Django answers it with handler500."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        raise RuntimeError("the session store is down")


async def test_a_crash_outside_views_is_reported_and_logged_once(
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    import sentry_sdk
    from django.test import override_settings
    from test_sentry import Recorder

    recorder = Recorder()
    sentry_sdk.init(dsn="https://public@sentry.example.invalid/1", transport=recorder)
    try:
        with override_settings(MIDDLEWARE=[MIDDLEWARE[0], "test_django.Crashing"]):
            async with client(make_app()) as c:
                response = await c.get("/ok")
        sentry_sdk.flush()
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)
    assert_problem(response, 500)
    kinds = [event["exception"]["values"][-1]["type"] for event in recorder.events]
    assert kinds == ["RuntimeError"]  # Django's report of the real crash; no made-up 500
    ours = [r for r in problem_logs.records if r.name == "asgi_problems" and r.levelno >= 40]
    assert ours == []  # Django logged it, on django.request
