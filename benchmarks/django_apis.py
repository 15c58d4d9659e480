"""Django REST framework and Django Ninja: our error path against each framework's own.

    python benchmarks/django_apis.py [--quick]   # after: pip install -e '.[test]'

One Django project (WSGI, called in process: no server, no threads) serves each
scenario twice: from views whose errors DRF's own exception handler or a NinjaAPI
without install() answers, and from the same views with ours. Samples interleave
the two; the table shows the median nanoseconds per request and ours / theirs.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import django
from django.conf import settings

settings.configure(
    ROOT_URLCONF=__name__,
    DEBUG=False,
    ALLOWED_HOSTS=["testserver"],
    SECRET_KEY="only-for-the-benchmark",
    MIDDLEWARE=[
        "asgi_problems.integrations.django.ProblemMiddleware",
        "django.middleware.common.CommonMiddleware",
    ],
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    REST_FRAMEWORK={
        "EXCEPTION_HANDLER": "asgi_problems.integrations.drf.exception_handler",
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
    },
    LOGGING_CONFIG=None,
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.http import HttpRequest  # noqa: E402
from django.urls import path  # noqa: E402
from ninja import NinjaAPI, Schema  # noqa: E402
from ninja.errors import HttpError  # noqa: E402
from rest_framework import exceptions, serializers  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402
from rest_framework.views import exception_handler as drfs_own  # noqa: E402

from asgi_problems import install  # noqa: E402


class Order(serializers.Serializer[Any]):
    n = serializers.IntegerField()
    sku = serializers.CharField(max_length=3)


class Ours(APIView):
    def get(self, request: Request) -> Response:
        if "missing" in request.query_params:
            raise exceptions.NotFound("No order 42")
        return Response({"id": 42, "name": "Ada"})

    def post(self, request: Request) -> Response:
        Order(data=request.data).is_valid(raise_exception=True)
        return Response({"ok": True})


class Theirs(Ours):
    def get_exception_handler(self) -> Callable[..., Any]:
        return drfs_own


class OrderIn(Schema):
    n: int
    sku: str


def ninja_api(namespace: str) -> NinjaAPI:
    api = NinjaAPI(urls_namespace=namespace)

    @api.get("/orders")
    def order(request: HttpRequest, missing: int = 0) -> dict[str, Any]:
        if missing:
            raise HttpError(404, "No order 42")
        return {"id": 42, "name": "Ada"}

    @api.post("/orders")
    def create(request: HttpRequest, body: OrderIn) -> dict[str, bool]:
        return {"ok": True}

    return api


ninja_ours = ninja_api("ours")
install(ninja_ours)
urlpatterns = [
    path("drf/ours/orders", Ours.as_view()),
    path("drf/theirs/orders", Theirs.as_view()),
    path("ninja/ours/", ninja_ours.urls),
    path("ninja/theirs/", ninja_api("theirs").urls),
]

APP = get_wsgi_application()
INVALID = b'{"n": "many", "sku": "toolong"}'
# name -> (method, path under /<framework>/<side>/, query, body)
SCENARIOS = {
    "success (GET 200)": ("GET", "orders", "", b""),
    "NotFound / HttpError(404)": ("GET", "orders", "missing=1", b""),
    "validation (2 fields)": ("POST", "orders", "", INVALID),
}


def environ(method: str, url: str, query: str, body: bytes) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": url,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }


def status_of(method: str, url: str, query: str, body: bytes) -> str:
    seen: list[str] = []
    b"".join(APP(environ(method, url, query, body), lambda status, headers: seen.append(status)))
    return seen[0]


def sample(method: str, url: str, query: str, body: bytes, requests: int) -> float:
    """Nanoseconds per request over ``requests`` requests."""
    start_response = lambda status, headers: None  # noqa: E731
    started = time.perf_counter_ns()
    for _ in range(requests):
        b"".join(APP(environ(method, url, query, body), start_response))
    return (time.perf_counter_ns() - started) / requests


def main(quick: bool) -> None:
    import logging

    logging.disable(logging.CRITICAL)  # django.request notes every 4xx
    rounds, requests = (3, 100) if quick else (9, 400)
    print(f"Django {django.get_version()}, WSGI in process; median ns per request")
    print(f"{'framework':<7} {'scenario':<27} {'theirs':>9} {'ours':>9} {'ours/theirs':>12}")
    for framework in ("drf", "ninja"):
        for name, (method, tail, query, body) in SCENARIOS.items():
            urls = {side: f"/{framework}/{side}/{tail}" for side in ("theirs", "ours")}
            statuses = {side: status_of(method, url, query, body) for side, url in urls.items()}
            if statuses["theirs"] != statuses["ours"]:
                raise SystemExit(f"{framework} {name}: the two sides answer {statuses}")
            times: dict[str, list[float]] = {"theirs": [], "ours": []}
            for _ in range(rounds):
                for side, url in urls.items():
                    times[side].append(sample(method, url, query, body, requests))
            theirs, ours = (statistics.median(times[side]) for side in ("theirs", "ours"))
            label = f"{name} [{statuses['ours'].split()[0]}]"
            print(f"{framework:<7} {label:<27} {theirs:>9.0f} {ours:>9.0f} {ours / theirs:>11.2f}x")


if __name__ == "__main__":
    main("--quick" in sys.argv)
