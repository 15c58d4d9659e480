"""The Django Ninja APIs of tests/integrations/test_ninja.py: the paths of
_frameworks.py at the root, installed with OPTIONS; the same API uninstalled under
/bare/; one with an async on_problem under /async/."""

from __future__ import annotations

import asyncio
from typing import Any

from _frameworks import OPTIONS, SECRET, OutOfStock, problem
from django.http import HttpRequest
from django.urls import path
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle
from pydantic import field_validator

from asgi_problems import PaymentRequired, install, problem_responses

SEEN: list[Any] = []  # what on_problem saw
NOTIFIED: list[Any] = []  # what the async on_problem saw


class ThingUnpaid(PaymentRequired):
    """The account's credit does not cover the order."""

    type = "https://api.example.com/problems/thing-unpaid"
    balance: int


class Bearer(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return token if token == "good" else None


class Throttle(BaseThrottle):
    def allow_request(self, request: HttpRequest) -> bool:
        return False

    def wait(self) -> float:
        return 2.5


class Line(Schema):
    sku: str
    quantity: int


class Order(Schema):
    n: int
    lines: list[Line] = Field(default_factory=list)
    coupon: str | None = None

    @field_validator("coupon")
    @classmethod
    def known(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("OK-"):
            raise ValueError(f"There is no coupon {value}")  # quotes what was sent
        return value


def routes(api: NinjaAPI) -> NinjaAPI:
    @api.get("/ok")
    def ok(request: HttpRequest) -> dict[str, bool]:
        return {"ok": True}

    @api.get("/problem")
    def raised(request: HttpRequest) -> None:
        raise problem()

    @api.get("/native")
    def native(request: HttpRequest) -> None:
        raise HttpError(404, "No user 42")

    @api.get("/auth", auth=Bearer())
    def private(request: HttpRequest) -> dict[str, bool]:
        return {"ok": True}

    @api.get("/throttled", throttle=Throttle())
    def throttled(request: HttpRequest) -> dict[str, bool]:
        return {"ok": True}

    @api.get("/crash")
    def crash(request: HttpRequest) -> None:
        raise KeyError(SECRET)

    @api.get("/mapped")
    def mapped(request: HttpRequest) -> None:
        raise OutOfStock()

    @api.post("/orders")
    def orders(request: HttpRequest, order: Order, limit: int = 10) -> dict[str, int]:
        return {"n": order.n}

    @api.get("/things/{pk}", openapi_extra={"responses": problem_responses(404, ThingUnpaid)})
    def thing(request: HttpRequest, pk: int) -> dict[str, int]:
        if pk == 2:
            raise ThingUnpaid("Order 2 needs 30 more.", balance=5)
        raise HttpError(404, "No thing 1")

    @api.get("/async")
    async def asynchronous(request: HttpRequest) -> None:
        await asyncio.sleep(0)
        raise problem()

    @api.get("/async-native")
    async def asynchronous_native(request: HttpRequest) -> None:
        raise HttpError(404, "No user 42")

    return api


async def notify(conn: Any, problem: Any) -> None:
    await asyncio.sleep(0.01)  # a real wait: the answer goes out before this ends
    NOTIFIED.append((conn.url.path, problem.status))


api = routes(NinjaAPI(urls_namespace="ours"))
install(api, on_problem=lambda conn, problem: SEEN.append(problem), **OPTIONS)
bare = routes(NinjaAPI(urls_namespace="bare"))
notifying = routes(NinjaAPI(urls_namespace="notifying"))
install(notifying, on_problem=notify)

urlpatterns = [
    path("bare/", bare.urls),
    path("async/", notifying.urls),
    path("", api.urls),
]
