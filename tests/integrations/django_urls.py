"""The Django project of tests/integrations/test_django.py: its URLs and views."""

from __future__ import annotations

from _frameworks import SECRET, OutOfStock, problem
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views import View


class Ok(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return JsonResponse({"ok": True})


def raising(make: object) -> object:
    def view(request: HttpRequest) -> HttpResponse:
        raise make()  # type: ignore[operator]

    return view


def unauthorized(request: HttpRequest) -> HttpResponse:
    # Django has no 401 of its own: a view raises the problem itself.
    from asgi_problems import Unauthorized

    raise Unauthorized(headers={"WWW-Authenticate": "Bearer"})


urlpatterns = [
    path("ok", Ok.as_view()),
    path("problem", raising(problem)),
    path("native", raising(lambda: Http404("No user 42"))),
    path("auth", unauthorized),
    path("denied", raising(PermissionDenied)),
    path("suspicious", raising(lambda: SuspiciousOperation("Bad header 'X-Evil: 1'"))),
    path("crash", raising(lambda: KeyError(SECRET))),
    path("mapped", raising(OutOfStock)),
]
# No handler404 & co.: the MIDDLEWARE entry alone answers what Django catches itself.
