"""Sentry: each server error answered with a problem is one Sentry event.

Loaded only when ``sentry_sdk`` is already imported. Without us, Sentry sees a
crash as the exception that escapes the app; with us nothing escapes, so the
crash is captured here, as the exception it was, marked unhandled, before it is
logged (Sentry's DedupeIntegration then keeps this event, not the log record's).
A 5xx the app raised on purpose is captured as handled; 4xx are not errors.
"""

from __future__ import annotations

import sentry_sdk
from sentry_sdk.utils import event_from_exception

from .._problem import Problem


def report(exc: BaseException, problem: Problem, crashed: bool) -> None:
    """Capture ``exc`` in the current Sentry scope (the request's, under Sentry's ASGI
    integration), if Sentry is set up."""
    client = sentry_sdk.get_client()
    if not client.is_active() or client.transport is None:
        return  # not set up, or no DSN: nowhere to send an event
    event, hint = event_from_exception(
        exc,
        client_options=client.options,
        mechanism={"type": "asgi_problems", "handled": not crashed},
    )
    sentry_sdk.capture_event(event, hint=hint)
