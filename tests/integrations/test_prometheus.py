"""Metrics exporters (prometheus-fastapi-instrumentator, starlette-exporter) count
our problems by the status they have: 404 as 404, a crash as 500."""

from __future__ import annotations

from itertools import count

import pytest
from _support import assert_problem, client, crash, missing, ok
from fastapi import FastAPI
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_fastapi_instrumentator import Instrumentator
from starlette.applications import Starlette
from starlette_exporter import PrometheusMiddleware

from asgi_problems import install

_names = count()


def add_routes(app: Starlette) -> None:
    app.add_route("/ok", ok)
    app.add_route("/crash", crash)
    app.add_route("/missing", missing)


async def exercise(app: Starlette) -> None:
    async with client(app) as c:
        assert (await c.get("/ok")).status_code == 200
        assert_problem(await c.get("/missing"), 404)
        assert_problem(await c.get("/crash"), 500)


def sample(registry: CollectorRegistry, metric: str, **labels: str) -> float:
    for family in registry.collect():
        for found in family.samples:
            if found.name == metric and all(found.labels.get(k) == v for k, v in labels.items()):
                return found.value
    return 0.0


# Asyncio only, in the trio pass too: the instrumentator calls asyncio itself.
@pytest.mark.asyncio
async def test_prometheus_fastapi_instrumentator_counts_problems() -> None:
    registry = CollectorRegistry()
    app = FastAPI()
    add_routes(app)
    Instrumentator(registry=registry, should_group_status_codes=False).instrument(app)
    install(app)
    await exercise(app)
    total = "http_requests_total"
    assert sample(registry, total, handler="/ok", status="200") == 1
    assert sample(registry, total, handler="/missing", status="404") == 1
    assert sample(registry, total, handler="/crash", status="500") == 1, generate_latest(registry)


async def test_starlette_exporter_counts_problems() -> None:
    app = Starlette()
    add_routes(app)
    name = f"app{next(_names)}"
    app.add_middleware(PrometheusMiddleware, app_name=name, prefix=f"asgi_problems_{name}")
    install(app)
    await exercise(app)
    from prometheus_client import REGISTRY

    total = f"asgi_problems_{name}_requests_total"
    assert sample(REGISTRY, total, path="/missing", status_code="404") == 1
    assert sample(REGISTRY, total, path="/crash", status_code="500") == 1
    assert sample(REGISTRY, total, path="/ok", status_code="200") == 1
