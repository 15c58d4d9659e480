"""The Django project of the tests: Django makes its settings once per process, so
integrations/test_django.py, test_drf.py and test_ninja.py (and the docs' Django
examples) share these; each test module has a URLconf of its own (django_urls,
drf_urls, ninja_urls: ``ROOT_URLCONF`` is overridden per test). conftest.py imports
this module, so the settings are made before any test runs."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import django
from _frameworks import OPTIONS
from django.conf import settings

SEEN: list[Any] = []  # what on_problem saw (the options come from settings, once)
CONNS: list[Any] = []  # the connections it was given
MIDDLEWARE = [
    "asgi_problems.integrations.django.ProblemMiddleware",
    "django.middleware.common.CommonMiddleware",
]
REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "asgi_problems.integrations.drf.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "asgi_problems.integrations.spectacular.ProblemAutoSchema",
    # Not session authentication: it needs the session middleware and a database.
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}


def configure() -> None:
    if settings.configured:
        return
    settings.configure(
        ROOT_URLCONF="django_urls",
        DEBUG=False,
        ALLOWED_HOSTS=["testserver", "127.0.0.1"],
        MIDDLEWARE=MIDDLEWARE,
        SECRET_KEY="only-for-tests",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rest_framework",
            "drf_spectacular",
        ],
        REST_FRAMEWORK=REST_FRAMEWORK,
        # A file, which the threads that run views share (test_drf.py's transactions).
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(Path(tempfile.mkdtemp(prefix="asgi-problems-")) / "db.sqlite3"),
            }
        },
        ASGI_PROBLEMS={
            **OPTIONS,
            "on_problem": lambda conn, problem: (SEEN.append(problem), CONNS.append(conn)),
        },
    )
    django.setup()


configure()
