"""schemathesis against the FastAPI example under a real uvicorn server: what the
OpenAPI document says is what goes over the wire."""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from _support import serve
from hypothesis import HealthCheck, assume, settings
from schemathesis.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "fastapi_app.py"
spec = importlib.util.spec_from_file_location("schemathesis_notes", EXAMPLE)
assert spec is not None and spec.loader is not None
notes = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = notes
spec.loader.exec_module(notes)

schema = schemathesis.openapi.from_dict(notes.app.openapi())
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_FRAMING = {"transfer-encoding", "content-length", "connection", "host", "upgrade"}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve(notes.app) as url:
        yield url


@schema.parametrize()
@settings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_wire_matches_the_document(case: schemathesis.Case, base_url: str) -> None:
    case.headers = {**(case.headers or {}), "Authorization": "Bearer demo-token"}
    # Headers that break the HTTP framing (an empty Transfer-Encoding) or names that
    # are not tokens never reach the app: the server answers them itself (uvicorn:
    # a text/plain 400), so they say nothing about our document.
    assume(all(_TOKEN.fullmatch(name) and name.lower() not in _FRAMING for name in case.headers))
    case.call_and_validate(base_url=base_url, checks=CHECKS)


def test_every_operation_was_checked() -> None:
    operations = [op for item in notes.app.openapi()["paths"].values() for op in item.values()]
    assert len(operations) == 5
