"""Sentry (the real sentry-sdk, events kept in memory): every server error is one
event of the exception that happened, crashes marked unhandled; 4xx are none."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sentry_sdk
from _support import SERVER_ERROR_DETAIL, assert_problem, client, crash, missing, ok
from fastapi import FastAPI
from sentry_sdk.envelope import Envelope
from sentry_sdk.integrations.logging import LoggingIntegration
from sentry_sdk.transport import Transport
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import ServiceUnavailable, install


class Recorder(Transport):
    """Keeps the error events Sentry would send."""

    def __init__(self, options: Any = None) -> None:
        super().__init__(options)
        self.events: list[dict[str, Any]] = []

    def capture_envelope(self, envelope: Envelope) -> None:
        for item in envelope.items:
            if item.type == "event" and item.payload.json is not None:
                self.events.append(item.payload.json)


@pytest.fixture(params=["default", "log-events-off"])
def sentry(request: pytest.FixtureRequest) -> Iterator[Recorder]:
    """sentry_sdk set up as users do: default integrations (Starlette and FastAPI
    switch on by themselves), and once with logging events off."""
    recorder = Recorder()
    integrations = [LoggingIntegration(event_level=None)] if request.param != "default" else []
    sentry_sdk.init(
        dsn="https://public@sentry.example.invalid/1",
        transport=recorder,
        integrations=integrations,
        traces_sample_rate=0,
    )
    yield recorder
    sentry_sdk.get_client().close()
    # Sentry's patches stay; without a client they do nothing for the tests after.
    sentry_sdk.get_global_scope().set_client(None)


class Tagging(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: Any) -> Response:
        if request.url.path == "/middleware-crash":
            raise ZeroDivisionError("in middleware")
        response = await call_next(request)
        response.headers["x-tagged"] = "yes"
        return response


async def unavailable(request: Request) -> Response:
    raise ServiceUnavailable(retry_after=5)


async def http_503(request: Request) -> Response:
    raise HTTPException(503, "Maintenance")


ROUTES = [
    Route("/ok", ok),
    Route("/crash", crash),
    Route("/missing", missing),
    Route("/unavailable", unavailable),
    Route("/http-503", http_503),
]
MIDDLEWARE_SETS: dict[str, list[Middleware]] = {
    "none": [],
    "cors": [Middleware(CORSMiddleware, allow_origins=["*"])],
    "base-http": [Middleware(Tagging)],
}


def starlette_app(middleware: list[Middleware]) -> Starlette:
    app = Starlette(routes=ROUTES, middleware=middleware)
    install(app)
    return app


def fastapi_app(middleware: list[Middleware]) -> FastAPI:
    app = FastAPI(middleware=middleware)
    for route in ROUTES:
        app.add_route(route.path, route.endpoint)
    install(app)
    return app


def mechanism(event: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = event["exception"]["values"][-1]["mechanism"]
    return found


def exception_type(event: dict[str, Any]) -> str:
    found: str = event["exception"]["values"][-1]["type"]
    return found


@pytest.mark.parametrize("make_app", [starlette_app, fastapi_app])
@pytest.mark.parametrize("middleware", sorted(MIDDLEWARE_SETS))
async def test_a_route_crash_is_one_unhandled_event_of_its_own_type(
    sentry: Recorder, make_app: Callable[[list[Middleware]], Any], middleware: str
) -> None:
    app = make_app(MIDDLEWARE_SETS[middleware])
    async with client(app) as c:
        ok_response = await c.get("/ok")
        response = await c.get("/crash")
    assert ok_response.status_code == 200
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert len(sentry.events) == 1, sentry.events
    (event,) = sentry.events
    assert exception_type(event) == "KeyError"
    assert mechanism(event)["handled"] is False


@pytest.mark.parametrize("make_app", [starlette_app, fastapi_app])
async def test_a_middleware_crash_is_one_unhandled_event(
    sentry: Recorder, make_app: Callable[[list[Middleware]], Any]
) -> None:
    app = make_app(MIDDLEWARE_SETS["base-http"])
    async with client(app) as c:
        response = await c.get("/middleware-crash")
    assert_problem(response, 500)
    assert [exception_type(event) for event in sentry.events] == ["ZeroDivisionError"]
    assert mechanism(sentry.events[0])["handled"] is False


@pytest.mark.parametrize("make_app", [starlette_app, fastapi_app])
@pytest.mark.parametrize("middleware", sorted(MIDDLEWARE_SETS))
async def test_client_errors_are_no_events(
    sentry: Recorder, make_app: Callable[[list[Middleware]], Any], middleware: str
) -> None:
    app = make_app(MIDDLEWARE_SETS[middleware])
    async with client(app) as c:
        assert (await c.get("/missing")).status_code == 404
        assert (await c.get("/no-such-route")).status_code == 404
        assert (await c.post("/ok")).status_code == 405
    assert sentry.events == []


@pytest.mark.parametrize("make_app", [starlette_app, fastapi_app])
@pytest.mark.parametrize("path", ["/unavailable", "/http-503"])
async def test_a_server_error_problem_is_one_handled_event(
    sentry: Recorder, make_app: Callable[[list[Middleware]], Any], path: str
) -> None:
    async with client(make_app(MIDDLEWARE_SETS["cors"])) as c:
        response = await c.get(path)
    assert_problem(response, 503)
    assert len(sentry.events) == 1, sentry.events
    assert exception_type(sentry.events[0]) in {"ServiceUnavailable", "HTTPException"}
    assert mechanism(sentry.events[0])["handled"] is True


async def test_without_install_sentry_sees_the_same_crash(sentry: Recorder) -> None:
    # The baseline the tests above hold us to: what Sentry reports without us.
    app = Starlette(routes=ROUTES)
    async with client(app) as c:
        await c.get("/crash")
    assert [exception_type(event) for event in sentry.events] == ["KeyError"]
    assert mechanism(sentry.events[0])["handled"] is False


async def test_the_event_carries_the_request(sentry: Recorder) -> None:
    async with client(starlette_app([])) as c:
        await c.get("/crash?token=abc")
    request = sentry.events[0]["request"]
    assert request["url"].endswith("/crash")
    assert request["method"] == "GET"


async def test_a_failing_tracker_costs_the_client_nothing(
    sentry: Recorder, monkeypatch: pytest.MonkeyPatch, problem_logs: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("sentry is down")

    monkeypatch.setattr(sentry_sdk, "capture_event", broken)
    async with client(starlette_app([])) as c:
        response = await c.get("/crash")
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    messages = [r.getMessage() for r in problem_logs.records if r.name == "asgi_problems"]
    assert any("reporting to asgi_problems.integrations.sentry failed" in m for m in messages)
    assert any("unhandled exception on GET /crash" in m for m in messages)
