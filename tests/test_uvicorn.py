"""The same guarantees through a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

import logging

import httpx
import pytest
from _support import NOT_FOUND_DETAIL, SERVER_ERROR_DETAIL, assert_problem, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import install


async def crash(request: Request) -> Response:
    raise RuntimeError("secret-token-123")


async def test_real_server(problem_logs: pytest.LogCaptureFixture) -> None:
    app = Starlette(routes=[Route("/crash", crash)])
    install(app)
    # log_config=None: uvicorn's records reach the root logger, so a second
    # "Exception in ASGI application" from the server would be caught here.
    with serve(app, log_config=None) as base_url:
        async with httpx.AsyncClient(base_url=base_url) as c:
            missing = await c.get("/nowhere")
            head = await c.head("/nowhere")
            crashed = await c.get("/crash")
            again = await c.get("/nowhere")  # the connection survived the crash

    assert_problem(missing, 404, detail=NOT_FOUND_DETAIL, title="Not Found")
    assert head.status_code == 404 and head.content == b""
    assert_problem(crashed, 500, detail=SERVER_ERROR_DETAIL)
    assert "secret-token-123" not in crashed.text
    assert again.status_code == 404
    errors = [r for r in problem_logs.records if r.levelno >= logging.ERROR]
    assert [r.name for r in errors] == ["asgi_problems"]
