from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


@pytest.fixture
def problem_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every log record (DEBUG and up), as a server's root logger would."""
    with caplog.at_level(logging.DEBUG):
        yield caplog
