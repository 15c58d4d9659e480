from __future__ import annotations

import logging
from collections.abc import Iterator
from types import ModuleType

import django_project  # noqa: F401 - Django's settings, made once per process (docs use Django too)
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


@pytest.fixture(autouse=True, scope="session")
def _summaries_before_capture_ends() -> Iterator[None]:
    # Repeats still counted at the end are summarized at interpreter exit, after
    # pytest has closed the streams it captured: write them while those are open.
    yield
    from asgi_problems import _log

    _log._flush_all()
