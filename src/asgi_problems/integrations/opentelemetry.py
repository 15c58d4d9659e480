"""OpenTelemetry: a crash answered with a problem still marks the request's span.

Loaded only when ``opentelemetry.trace`` is already imported. Without us, a crash
escapes the app through the span, which records it as an exception event and
turns ERROR; with us nothing escapes, so the same is done here. A problem's
status reaches the span the usual way, through the response: 5xx is ERROR on a
server span, 4xx is not.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode

from .._problem import Problem


def report(exc: BaseException, problem: Problem, crashed: bool) -> None:
    """Record a crash on the current span, as the instrumentation would have."""
    if not crashed:
        return
    span = trace.get_current_span()
    if span.is_recording():
        span.record_exception(exc)
        span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))


def trace_id() -> str | None:
    """The current trace id as 32 hex digits, or None outside a span."""
    context = trace.get_current_span().get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
