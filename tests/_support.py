"""Helpers shared by the tests: an httpx client over ASGI and a real uvicorn server."""

from __future__ import annotations

import importlib.util
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from asgi_problems import NotFound
from asgi_problems.testing import assert_problem

__all__ = ["assert_problem"]  # re-exported: the tests check problems with the public helper

if sys.version_info < (3, 11):
    from exceptiongroup import BaseExceptionGroup

NOT_FOUND_DETAIL = (
    "The requested resource could not be found on the server. This is commonly "
    "returned when the URL path does not correspond to an existing resource."
)
SERVER_ERROR_DETAIL = (
    "A generic error message indicating that something unexpected went wrong on the "
    "server's side. This status code is used when no more specific error message is suitable."
)
PROBLEM_JSON = "application/problem+json"
EXAMPLES = Path(__file__).parent.parent / "examples"


def load_example(name: str) -> ModuleType:
    """A fresh copy of ``examples/<name>.py`` (so a fresh in-memory store)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


# Endpoints that the tests of neighbouring libraries share: a success, a crash and
# a problem.
async def ok(request: Request) -> Response:
    return JSONResponse({"ok": True})


async def crash(request: Request) -> Response:
    raise KeyError("secret-key")


async def missing(request: Request) -> Response:
    raise NotFound("No such thing")


def client(app: Any, *, raise_app_exceptions: bool = False) -> httpx.AsyncClient:
    """An AsyncClient that sends real requests into ``app`` over ASGI."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


# An upstream for the httpx tests: its URL carries a secret, which must never show.
UPSTREAM = "http://billing.internal:9000/v1/accounts?token=s3cret"


def mock(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.MockTransport:
    """httpx's own in-memory transport, answering with ``handler``: a stand-in upstream."""
    return httpx.MockTransport(handler)


def upstream_404(request: httpx.Request) -> httpx.Response:
    return httpx.Response(404, json={"title": "Not Found", "detail": "no such account"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serve(app: Any, **config: Any) -> Iterator[str]:
    """Run ``app`` under a real uvicorn server on 127.0.0.1; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **config)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def re_raised(kind: type[BaseException], match: str) -> Iterator[None]:
    """Expect ``kind`` to come out of the app: itself or, on Starlettes before 0.41,
    whose streaming responses run in a task group, inside a group of one."""
    try:
        yield
    except BaseException as exc:
        inner = exc
        while isinstance(inner, BaseExceptionGroup) and len(inner.exceptions) == 1:
            inner = inner.exceptions[0]
        assert isinstance(inner, kind) and re.search(match, str(inner)), repr(exc)
    else:
        raise AssertionError(f"{kind.__name__} was not raised")
