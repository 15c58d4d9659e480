# pyright: strict
"""What type checkers see of Problem classes: checked by mypy --strict and pyright
(strict) in tests/test_typing.py. A line that ends in ``# E: <words>`` must be
flagged, with those words in the message of both checkers; every other line must
pass both. Nothing here runs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal

from typing_extensions import assert_type

from asgi_problems import (
    Conflict,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    Problem,
    ServiceUnavailable,
    TooManyRequests,
)


class OutOfCredit(Forbidden):
    type = "https://example.com/probs/out-of-credit"
    balance: int
    code: Literal["out-of-credit"] = "out-of-credit"
    note: str | None = None


class Overloaded(ServiceUnavailable):
    queue: int


class Stale(Conflict, init=False):
    """Declares no members and keeps taking free ones."""

    type = "https://example.com/probs/stale"


# Declared members: constructor keywords, and attributes of their declared types.
credit = OutOfCredit("Balance too low", balance=30)
assert_type(credit.balance, int)
assert_type(credit.code, Literal["out-of-credit"])
assert_type(credit.note, str | None)
OutOfCredit(balance=30, note="top up", code="out-of-credit")

# The RFC members keep working, positional detail included.
OutOfCredit("x", balance=1, status=402, title="t", type="u", instance="/i", headers={"a": "b"})
assert_type(credit.headers, dict[str, str])
assert_type(credit.extensions, dict[str, Any])
assert_type(credit.status, int)
assert_type(credit.detail, str | None)
Overloaded(queue=3, retry_after=30)
Overloaded(queue=3, retry_after=datetime.now(timezone.utc))

# Classes that declare no members take free extension members.
NotFound("No user with id 42", user_id=42)
Problem(status=409, detail="Version mismatch", current_version=3)
Stale("x", current_version=3)
ServiceUnavailable(retry_after=30)
TooManyRequests(retry_after=5, limit=100)
MethodNotAllowed(allow=["GET"])
assert_type(NotFound.from_status(404), Problem)

# Misuse is flagged at the offending line.
OutOfCredit("Balance too low")  # E: balance
OutOfCredit(balance="thirty")  # E: balance
OutOfCredit(balance=1, balnce=2)  # E: balnce
OutOfCredit(balance=1, code="other")  # E: code
OutOfCredit(balance=1, response=None)  # E: response
Overloaded(queue=3, retry_after="soon")  # E: retry_after
credit.balance = "thirty"  # E: int
