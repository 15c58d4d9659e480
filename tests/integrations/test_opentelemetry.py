"""OpenTelemetry (the real SDK and instrumentation, spans kept in memory): with
install(), in either order with the instrumentation, every request has its server
span, a crash is our 500 problem with an ERROR span and the exception events it
would have without us, and a 404 problem is a 404 span that is not an error."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from _support import SERVER_ERROR_DETAIL, assert_problem, client, crash, missing, ok
from fastapi import FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.starlette import StarletteInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from asgi_problems import install


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    yield exporter
    exporter.clear()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def add_routes(app: Starlette) -> None:
    app.add_route("/ok", ok)
    app.add_route("/crash", crash)
    app.add_route("/missing", missing)


CORS = [Middleware(CORSMiddleware, allow_origins=["*"])]


def server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]


def status_code(span: ReadableSpan) -> Any:
    attributes = span.attributes or {}
    return attributes.get("http.response.status_code", attributes.get("http.status_code"))


def exception_events(span: ReadableSpan) -> int:
    return sum(1 for event in span.events if event.name == "exception")


async def span_of(
    app: Any, exporter: InMemorySpanExporter, path: str
) -> tuple[ReadableSpan, httpx.Response]:
    """The one server span of a GET of ``path``, and the response."""
    exporter.clear()
    async with client(app) as c:
        response = await c.get(path)
    spans = server_spans(exporter)
    assert len(spans) == 1, (path, spans)
    return spans[0], response


def instrumented(
    make: Callable[..., Starlette],
    instrument: Callable[..., None],
    order: str,
    provider: TracerProvider,
    middleware: list[Middleware],
    ours: bool = True,
) -> Any:
    """An app built by ``make``, instrumented before or after install() (or without us)."""
    app = make(middleware=middleware)
    add_routes(app)
    if order == "install-first" and ours:
        install(app)
    instrument(app, tracer_provider=provider)
    if order == "instrument-first" and ours:
        install(app)
    return app


def fastapi_instrumented(
    order: str, provider: TracerProvider, middleware: list[Middleware], ours: bool = True
) -> FastAPI:
    app: FastAPI = instrumented(
        FastAPI, FastAPIInstrumentor.instrument_app, order, provider, middleware, ours
    )
    return app


ORDERS = ["install-first", "instrument-first"]
STACKS = {"none": [], "cors": CORS}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("stack", sorted(STACKS))
async def test_fastapi_instrument_app_either_order(
    exporter: InMemorySpanExporter, provider: TracerProvider, order: str, stack: str
) -> None:
    app = fastapi_instrumented(order, provider, STACKS[stack])
    baseline = fastapi_instrumented(order, provider, STACKS[stack], ours=False)

    span, response = await span_of(app, exporter, "/ok")
    assert status_code(span) == 200
    assert span.status.status_code is StatusCode.UNSET

    span, response = await span_of(app, exporter, "/crash")
    assert_problem(response, 500, detail=SERVER_ERROR_DETAIL)
    assert status_code(span) == 500
    assert span.status.status_code is StatusCode.ERROR
    without_us, _ = await span_of(baseline, exporter, "/crash")
    assert exception_events(span) == exception_events(without_us) >= 1

    span, response = await span_of(app, exporter, "/missing")
    assert_problem(response, 404)
    assert status_code(span) == 404
    assert span.status.status_code is not StatusCode.ERROR

    span, response = await span_of(app, exporter, "/nowhere")
    assert_problem(response, 404)
    assert status_code(span) == 404


async def test_no_instrumentation_skipped(
    provider: TracerProvider, caplog: pytest.LogCaptureFixture
) -> None:
    # install() first used to leave OTel an unexpected stack: it skipped the app.
    fastapi_instrumented("install-first", provider, CORS)
    app = fastapi_instrumented("install-first", provider, [])
    with caplog.at_level(logging.WARNING):
        async with client(app) as c:
            await c.get("/ok")
    assert not [r for r in caplog.records if "opentelemetry" in r.name]


@pytest.fixture
def global_fastapi(provider: TracerProvider) -> Iterator[Callable[..., FastAPI]]:
    instrumentor = FastAPIInstrumentor()
    instrumentor.instrument(tracer_provider=provider)
    import fastapi

    yield fastapi.FastAPI
    instrumentor.uninstrument()


@pytest.mark.parametrize("stack", sorted(STACKS))
async def test_fastapi_global_instrument(
    exporter: InMemorySpanExporter,
    global_fastapi: Callable[..., FastAPI],
    stack: str,
    problem_logs: pytest.LogCaptureFixture,
) -> None:
    app = global_fastapi(middleware=STACKS[stack])
    add_routes(app)
    install(app)
    span, response = await span_of(app, exporter, "/crash")
    assert_problem(response, 500)
    assert span.status.status_code is StatusCode.ERROR
    assert exception_events(span) == 1
    # Answered, so logged once and not re-raised to the server.
    crash_logs = [r for r in problem_logs.records if r.name == "asgi_problems"]
    assert len(crash_logs) == 1


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("stack", sorted(STACKS))
async def test_starlette_instrument_app(
    exporter: InMemorySpanExporter, provider: TracerProvider, order: str, stack: str
) -> None:
    def make(ours: bool) -> Starlette:
        return instrumented(
            Starlette, StarletteInstrumentor.instrument_app, order, provider, STACKS[stack], ours
        )

    app, baseline = make(True), make(False)
    span, response = await span_of(app, exporter, "/crash")
    assert_problem(response, 500)
    assert status_code(span) == 500
    assert span.status.status_code is StatusCode.ERROR
    without_us, _ = await span_of(baseline, exporter, "/crash")
    assert exception_events(span) == exception_events(without_us)
    span, response = await span_of(app, exporter, "/missing")
    assert status_code(span) == 404
    assert span.status.status_code is not StatusCode.ERROR


async def test_the_correlation_id_is_the_trace_id(
    exporter: InMemorySpanExporter, provider: TracerProvider, problem_logs: pytest.LogCaptureFixture
) -> None:
    app = FastAPI()
    add_routes(app)
    install(app, correlation_id=True)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider)
    span, response = await span_of(app, exporter, "/crash")
    trace_id = format(span.context.trace_id, "032x")
    assert_problem(response, 500, correlation_id=trace_id)
    (record,) = [r for r in problem_logs.records if r.name == "asgi_problems"]
    assert record.correlation_id == trace_id
    assert trace_id in record.getMessage()
