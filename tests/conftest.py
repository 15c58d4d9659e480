from __future__ import annotations

import logging
from collections.abc import Iterator
from types import ModuleType

import pytest


@pytest.fixture
def problem_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every log record (DEBUG and up), as a server's root logger would."""
    with caplog.at_level(logging.DEBUG):
        yield caplog


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        default="asyncio",
        choices=["asyncio", "trio"],
        help="the backend when anyio runs the async tests (make test runs them on both)",
    )


@pytest.fixture
def anyio_backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.config.getoption("--backend")
    return backend


@pytest.fixture(params=["httpx", "httpx2"])
def http(request: pytest.FixtureRequest) -> ModuleType:
    """The HTTP client package a gateway or client test runs with: httpx, then httpx2
    (its maintained fork, on Python 3.11 and later)."""
    return pytest.importorskip(request.param)
