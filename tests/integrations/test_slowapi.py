"""slowapi (the real limiter, in-memory storage): a rate limit hit is a 429 problem
with the Retry-After and X-RateLimit-* headers slowapi sends, by the decorator and
by either of its middlewares."""

from __future__ import annotations

from typing import Any

import pytest
from _support import assert_problem, client
from fastapi import FastAPI
from slowapi import Limiter, _rate_limit_exceeded_handler
from slowapi.errors import RateLimitExceeded
from slowapi.middleware import SlowAPIASGIMiddleware, SlowAPIMiddleware
from slowapi.util import get_remote_address
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from asgi_problems import install

RATE_HEADERS = ("retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def decorated_app(**options: Any) -> Starlette:
    limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

    @limiter.limit("2/minute")
    async def limited(request: Request) -> Response:
        return JSONResponse({"ok": True})

    app = Starlette(routes=[Route("/limited", limited)])
    app.state.limiter = limiter
    install(app, **options)
    return app


def middleware_app(middleware: type) -> FastAPI:
    limiter = Limiter(
        key_func=get_remote_address, default_limits=["2/minute"], headers_enabled=True
    )
    app = FastAPI()
    app.state.limiter = limiter
    app.add_middleware(middleware)

    @app.get("/limited")
    async def limited() -> dict[str, bool]:
        return {"ok": True}

    install(app)
    return app


async def third_answer(app: Any) -> Any:
    async with client(app) as c:
        for _ in range(2):
            assert (await c.get("/limited")).status_code == 200
        return await c.get("/limited")


async def test_the_decorator_hit_keeps_slowapis_headers() -> None:
    response = await third_answer(decorated_app())
    assert_problem(response, 429, title="Too Many Requests", detail="2 per 1 minute")
    for name in RATE_HEADERS:
        assert name in response.headers, name
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert 0 < int(response.headers["retry-after"]) <= 61


@pytest.mark.parametrize("middleware", [SlowAPIMiddleware, SlowAPIASGIMiddleware])
async def test_a_middleware_hit_is_a_problem_with_slowapis_headers(middleware: type) -> None:
    response = await third_answer(middleware_app(middleware))
    assert_problem(response, 429, detail="2 per 1 minute")
    for name in RATE_HEADERS:
        assert name in response.headers, name


async def test_on_problem_sees_the_limit_and_its_cause() -> None:
    seen: list[Any] = []
    response = await third_answer(decorated_app(on_problem=lambda request, p: seen.append(p)))
    assert response.status_code == 429
    (problem,) = seen
    assert isinstance(problem.__cause__, RateLimitExceeded)


async def test_a_handler_of_the_users_stays() -> None:
    limiter = Limiter(key_func=get_remote_address, default_limits=["1/minute"])
    app = FastAPI()
    app.state.limiter = limiter
    app.add_middleware(SlowAPIASGIMiddleware)
    app.add_exception_handler(RateLimitExceeded, _rate_limit_exceeded_handler)  # type: ignore[arg-type]

    @app.get("/limited")
    async def limited() -> dict[str, bool]:
        return {"ok": True}

    with pytest.warns(
        UserWarning, match=r"_rate_limit_exceeded_handler for RateLimitExceeded wins"
    ):
        install(app)
    async with client(app) as c:
        await c.get("/limited")
        response = await c.get("/limited")
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/json"
