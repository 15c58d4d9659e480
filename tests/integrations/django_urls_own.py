"""A URLconf with a 404 page of its own, which the middleware must leave alone."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django_urls import urlpatterns  # noqa: F401 - the same views


def own_404(request: HttpRequest, exception: Exception) -> HttpResponse:
    return HttpResponseNotFound("<h1>Our own page</h1>", content_type="text/html")


handler404 = own_404
