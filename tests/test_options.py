"""Options: defined once; install() and ProblemMiddleware spell out the same list."""

from __future__ import annotations

import dataclasses
import gettext
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from _support import assert_problem, client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import NotFound, ProblemMiddleware, install
from asgi_problems._options import Options


def keyword_options(function: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
    parameters = inspect.signature(function).parameters.values()
    return [(p.name, p.default, p.annotation) for p in parameters if p.kind is p.KEYWORD_ONLY]


DEFINED = [(f.name, f.default, f.type) for f in dataclasses.fields(Options) if f.init]


def test_install_takes_every_option_and_serve_types() -> None:
    assert keyword_options(install) == [*DEFINED, ("serve_types", False, "bool")]


def test_problem_middleware_takes_every_option_and_those_of_status_pages() -> None:
    assert keyword_options(ProblemMiddleware.__init__) == [
        *DEFINED,
        ("status_pages", None, "StatusPagesMode | None"),
        ("leave_html_to_browsers", False, "bool"),
        ("status_pages_limit", 65536, "int"),
    ]


def test_the_options_are_keyword_only_with_the_app_first() -> None:
    for function in (install, ProblemMiddleware.__init__):
        positional = [
            p.name
            for p in inspect.signature(function).parameters.values()
            if p.kind is not p.KEYWORD_ONLY
        ]
        assert positional[-1] == "app"
        with pytest.raises(TypeError):
            function(*([None] * len(positional)), True)


def test_options_are_frozen() -> None:
    options = Options(debug=True)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.debug = False  # type: ignore[misc]


async def raise_it(request: Request) -> Response:
    raise NotFound("No such thing")


@pytest.mark.parametrize("option", [f.name for f in dataclasses.fields(Options) if f.init])
async def test_each_option_reaches_both_entrances(option: str) -> None:
    # A value for the option that is not its default: both entrances must take it
    # and still answer; instance=True shows on the wire.
    values: dict[str, Any] = {
        "debug": True, "mapping": {KeyError: NotFound}, "instance": True,
        "on_problem": lambda conn, problem: None, "reraise": True,
        "pass_upstream_detail": True, "negotiate": False,
        "type_base": "https://api.example.com/problems/", "correlation_id": True,
        "log_repeats": 0, "locales": ["de"], "translations": {"de": gettext.NullTranslations()},
    }  # fmt: skip
    app = Starlette(routes=[Route("/thing", raise_it)])
    install(app, **{option: values[option]})
    wrapped = ProblemMiddleware(
        Starlette(routes=[Route("/thing", raise_it)]), **{option: values[option]}
    )
    for each in (app, wrapped):
        async with client(each) as c:
            body = assert_problem(await c.get("/thing"), NotFound, detail="No such thing")
        assert ("instance" in body) is (option == "instance")


@pytest.mark.parametrize(
    ("option", "value", "wanted"),
    [
        ("debug", "yes", "True or False, not str"),
        ("instance", 1, "True or False, not int"),
        ("mapping", [KeyError], "a mapping of exception classes, not list"),
        ("on_problem", "log", "a function, not str"),
        ("type_base", b"https://x/", "a str, not bytes"),
        ("reraise", None, "True or False, not NoneType"),
        ("log_repeats", "10", r"seconds, a number >= 0, not str"),
        ("correlation_id", "X-Request ID", r"True, False or a header's name, not str"),
        ("log_repeats", -1, r"seconds, a number >= 0, not int"),
        ("locales", "de", "a list of language tags, not str"),
        ("translations", {"de": "catalog"}, "a mapping of language tags to gettext translations"),
    ],
)
def test_a_wrong_type_is_refused_naming_the_option(option: str, value: Any, wanted: str) -> None:
    for call in (lambda: install(Starlette(), **{option: value}),
                 lambda: ProblemMiddleware(Starlette(), **{option: value})):  # fmt: skip
        with pytest.raises(TypeError, match=f"the option {option} takes {wanted}"):
            call()


@pytest.mark.parametrize("app_debug", [True, False])
@pytest.mark.parametrize("framework", ["starlette", "fastapi"])
async def test_the_apps_own_debug_is_honoured_unless_told_otherwise(
    app_debug: bool, framework: str
) -> None:
    from fastapi import FastAPI

    async def crash(request: Request) -> Response:
        raise RuntimeError("the secret cause")

    def make(**options: Any) -> Starlette:
        cls = FastAPI if framework == "fastapi" else Starlette
        app = cls(debug=app_debug)
        app.add_route("/crash", crash)
        install(app, **options)
        return app

    for app, shown in ((make(), app_debug), (make(debug=False), False), (make(debug=True), True)):
        async with client(app) as c:
            response = await c.get("/crash")
        body = assert_problem(response, 500)
        assert ("debug" in body) is shown
        assert ("the secret cause" in response.text) is shown
