"""Localized problems: Accept-Language negotiated over the wire, every registered code
in each shipped language, the app's own catalog first, and nothing changed without
``locales``."""

from __future__ import annotations

import gettext
import html
import io
from pathlib import Path
from typing import Any

import pytest
from _support import assert_problem, client
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import (
    STATUSES,
    NotFound,
    PaymentRequired,
    install,
    language_of,
    problem_responses,
)
from asgi_problems._problem import class_for_status

LOCALES = Path(__file__).parent.parent / "src" / "asgi_problems" / "locales"
SHIPPED = ["de", "es", "fr"]
ERRORS = [code for code in STATUSES if code >= 400]


def ours(language: str) -> gettext.NullTranslations:
    return gettext.translation("asgi_problems", LOCALES, [language])


class OutOfCredit(PaymentRequired):
    """The account's balance does not cover the purchase."""

    type = "https://shop.example/problems/out-of-credit"
    title = "You do not have enough credit."
    detail = "Top up your account to go on."
    balance: int


async def by_status(request: Request) -> Response:
    raise class_for_status(int(request.path_params["code"]))()  # type: ignore[misc]


async def http_404(request: Request) -> Response:
    raise HTTPException(404)


async def credit(request: Request) -> Response:
    raise OutOfCredit(balance=30)


def starlette_app(**options: Any) -> Starlette:
    app = Starlette(
        routes=[
            Route("/status/{code:int}", by_status),
            Route("/http", http_404),
            Route("/credit", credit),
        ]
    )
    install(app, **options)
    return app


@pytest.mark.parametrize(
    ("accept_language", "chosen"),
    [
        ("de", "de"),
        ("DE", "de"),  # tags are case-insensitive
        ("de-AT", "de"),  # a more specific range takes the language it starts with
        ("es-419", "es"),
        ("de-AT, fr;q=0.9", "de"),
        ("fr;q=0.5, es;q=0.8", "es"),  # q-values decide
        ("fr, de", "fr"),  # equal q: the first
        ("*", "en"),  # anything: English, the default
        ("*, en;q=0", "de"),  # anything but English: the first served
        ("fr;q=0", "en"),  # refused, and nothing else asked for
        ("en;q=0, fr;q=0, *", "de"),  # refused by the more specific ranges, not by *
        ("en;q=0.1, de;q=0.2", "de"),
        ("xx, yy-ZZ", "en"),  # not served: English
        ("de;q=lots, fr", "fr"),  # a malformed range is skipped
        ("de;q=1.5", "en"),  # so is a q-value out of range
        (";q=0.5, , ,es", "es"),
    ],
)
async def test_accept_language_is_negotiated(accept_language: str, chosen: str) -> None:
    app = starlette_app(locales=["de", "fr", "es"])
    async with client(app) as c:
        response = await c.get("/status/404", headers={"Accept-Language": accept_language})
    title = ours(chosen).gettext("Not Found") if chosen != "en" else "Not Found"
    assert_problem(response, NotFound, title=title)
    assert response.headers["content-language"] == chosen
    assert "Accept-Language" in response.headers.get_list("vary")


async def test_several_header_lines_count_as_one_list() -> None:
    async with client(starlette_app(locales=["de", "fr", "es"])) as c:
        response = await c.get(
            "/status/404", headers=[("Accept-Language", "fr;q=0.1"), ("Accept-Language", "es")]
        )
    assert response.headers["content-language"] == "es"


async def test_a_hostile_header_is_read_within_bounds() -> None:
    # 64 KiB of ranges: only the first 4 KiB and 32 ranges are read; "de" at the end is
    # beyond them, and the answer is the English one.
    hostile = "xx;q=0.5, " * 6600 + "de"
    assert len(hostile) > 64 * 1024
    async with client(starlette_app(locales=["de"])) as c:
        response = await c.get("/status/404", headers={"Accept-Language": hostile})
        junk = await c.get("/status/404", headers={"Accept-Language": "\x7f" * 65536})
    for each in (response, junk):
        assert_problem(each, NotFound, title="Not Found")
        assert each.headers["content-language"] == "en"


@pytest.mark.parametrize("language", SHIPPED)
async def test_every_registered_code_in_each_shipped_language(language: str) -> None:
    catalog = ours(language)
    async with client(starlette_app(locales=SHIPPED)) as c:
        for code in ERRORS:
            response = await c.get(f"/status/{code}", headers={"Accept-Language": language})
            info = STATUSES[code]
            body = response.json()
            assert response.status_code == code
            assert body["title"] == catalog.gettext(info.title) != info.title, code
            assert body["detail"] == catalog.gettext(info.description) != info.description, code
            assert body["type"] == "about:blank" and body["status"] == code


@pytest.mark.parametrize("language", SHIPPED)
def test_each_catalog_is_complete_and_compiled(language: str) -> None:
    # A registered 4xx/5xx code without a translated title or description fails here,
    # and so does a .mo older than its .po (make catalogs).
    po = LOCALES / language / "LC_MESSAGES" / "asgi_problems.po"
    with po.open("rb") as source:
        catalog = read_po(source)
    for code in ERRORS:
        for english in (STATUSES[code].title, STATUSES[code].description):
            message = catalog.get(english)
            assert message is not None and message.string, (language, code, english)
    template = LOCALES / "asgi_problems.pot"
    with template.open("rb") as source:
        wanted = {message.id for message in read_po(source) if message.id}
    assert {message.id for message in catalog if message.id} == wanted
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    shipped = po.with_suffix(".mo").read_bytes()
    assert messages(shipped) == messages(compiled.getvalue()), "run: make catalogs"


def messages(mo: bytes) -> dict[Any, str]:
    """What a .mo translates (its header aside, which carries a date)."""
    catalog: dict[Any, str] = gettext.GNUTranslations(io.BytesIO(mo))._catalog  # type: ignore[attr-defined]
    return {key: value for key, value in catalog.items() if key != ""}


def app_catalog(folder: Path, language: str, messages: dict[str, str]) -> gettext.NullTranslations:
    """The app's own catalog, compiled as Babel (or msgfmt) would, and loaded with gettext."""
    catalog = Catalog(locale=language.replace("-", "_"), domain="shop")
    for english, translated in messages.items():
        catalog.add(english, translated)
    target = folder / language.replace("-", "_") / "LC_MESSAGES"
    target.mkdir(parents=True)
    with (target / "shop.mo").open("wb") as mo:
        write_mo(mo, catalog)
    return gettext.translation("shop", folder, [language.replace("-", "_")])


async def test_the_apps_own_catalog_comes_first(tmp_path: Path) -> None:
    german = app_catalog(
        tmp_path,
        "de",
        {
            "Not Found": "Nix da",  # a built-in worded the app's way
            "You do not have enough credit.": "Ihr Guthaben reicht nicht.",
            "Top up your account to go on.": "Laden Sie Ihr Konto auf.",
        },
    )
    app = starlette_app(locales=["de"], translations={"de": german})
    async with client(app) as c:
        missing = await c.get("/status/404", headers={"Accept-Language": "de"})
        gone = await c.get("/status/410", headers={"Accept-Language": "de"})
        broke = await c.get("/credit", headers={"Accept-Language": "de"})
        english = await c.get("/credit")
    assert missing.json()["title"] == "Nix da"
    assert missing.json()["detail"] == ours("de").gettext(STATUSES[404].description)
    assert gone.json()["title"] == "Nicht mehr vorhanden"  # ours, where the app has none
    body = assert_problem(broke, OutOfCredit, balance=30)
    assert (body["title"], body["detail"]) == (
        "Ihr Guthaben reicht nicht.",
        "Laden Sie Ihr Konto auf.",
    )
    assert body["type"] == OutOfCredit.type  # never translated
    assert english.json()["title"] == "You do not have enough credit."


async def test_a_language_only_the_app_has_a_catalog_for(tmp_path: Path) -> None:
    portuguese = app_catalog(
        tmp_path, "pt-BR", {"You do not have enough credit.": "Saldo insuficiente."}
    )
    app = starlette_app(locales=["pt-BR"], translations={"pt-BR": portuguese})
    async with client(app) as c:
        broke = await c.get("/credit", headers={"Accept-Language": "pt-BR, pt;q=0.8"})
        missing = await c.get("/status/404", headers={"Accept-Language": "pt-BR"})
    assert broke.json()["title"] == "Saldo insuficiente."
    assert broke.headers["content-language"] == "pt-br"
    assert missing.json()["title"] == "Not Found"  # no word for it in any catalog


async def test_details_built_per_request_stay_as_given(tmp_path: Path) -> None:
    german = app_catalog(tmp_path, "de", {"No user %(id)s": "Kein Benutzer %(id)s"})
    catalogs = {"de": german, "en": gettext.NullTranslations()}

    async def given(request: Request) -> Response:
        raise NotFound("No user 42")

    async def worded(request: Request) -> Response:
        # The pattern for a detail of the app's own: its catalog, in the request's language.
        text = catalogs[language_of(request)].gettext("No user %(id)s")
        raise NotFound(text % {"id": 42})

    app = Starlette(routes=[Route("/given", given), Route("/worded", worded)])
    install(app, locales=["de"], translations={"de": german})
    async with client(app) as c:
        kept = await c.get("/given", headers={"Accept-Language": "de"})
        local = await c.get("/worded", headers={"Accept-Language": "de"})
        english = await c.get("/worded", headers={"Accept-Language": "en"})
    assert kept.json()["detail"] == "No user 42"
    assert kept.json()["title"] == "Nicht gefunden"
    assert local.json()["detail"] == "Kein Benutzer 42"
    assert english.json()["detail"] == "No user 42"


async def test_language_of_is_english_without_locales() -> None:
    seen: list[str] = []

    async def endpoint(request: Request) -> Response:
        seen.append(language_of(request))
        raise NotFound()

    app = Starlette(routes=[Route("/", endpoint)])
    install(app)
    async with client(app) as c:
        await c.get("/", headers={"Accept-Language": "de"})
    assert seen == ["en"]


async def test_validation_wording_in_the_language() -> None:
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int, limit: int = 10) -> dict[str, int]:
        return {"id": item_id}

    install(app, locales=["de", "fr"])
    async with client(app) as c:
        german = await c.get("/items/x?limit=y", headers={"Accept-Language": "de"})
        french = await c.get("/items/x", headers={"Accept-Language": "fr"})
    body = assert_problem(german, 422)
    assert body["title"] == "Nicht verarbeitbarer Inhalt"
    assert body["detail"] == "2 Felder haben die Validierung nicht bestanden."
    assert {e["type"] for e in body["errors"]} == {"int_parsing"}  # pydantic's, kept
    assert french.json()["detail"] == "1 champ n'a pas passé la validation."


async def test_the_html_page_is_in_the_language() -> None:
    async with client(starlette_app(locales=["es"])) as c:
        page = await c.get("/status/404", headers={"Accept-Language": "es", "Accept": "text/html"})
    assert page.headers["content-language"] == "es"
    assert '<html lang="es">' in page.text
    assert "404 No encontrado" in page.text


async def test_reused_answers_are_kept_per_language() -> None:
    # HTTPException(404) answers are reused: each language keeps its own.
    async with client(starlette_app(locales=["de", "fr"])) as c:
        answers = [
            (await c.get("/http", headers={"Accept-Language": language})).json()["title"]
            for language in ("de", "fr", "de", "en", "fr")
        ]
    assert answers == [
        "Nicht gefunden",
        "Introuvable",
        "Nicht gefunden",
        "Not Found",
        "Introuvable",
    ]


class Overdrawn(PaymentRequired):
    """The account is overdrawn."""

    limit: int = 0


async def test_type_pages_in_the_language() -> None:
    app = FastAPI()

    @app.get("/credit", responses=problem_responses(Overdrawn))
    async def charge() -> None:
        raise Overdrawn()

    install(app, locales=["fr"], type_base="/problems/", serve_types=True)
    async with client(app) as c:
        page = await c.get("/problems/not-found", headers={"Accept-Language": "fr"})
        index = await c.get("/problems/", headers={"Accept-Language": "fr"})
        members = await c.get("/problems/overdrawn", headers={"Accept-Language": "fr"})
        english = await c.get("/problems/not-found")
    assert page.headers["content-language"] == "fr"
    assert (
        "404 Introuvable" in page.text
        and html.escape(ours("fr").gettext(STATUSES[404].description)) in page.text
    )
    assert "Types de problème" in index.text and '<html lang="fr">' in index.text
    assert "<h2>Membres</h2>" in members.text
    assert "toujours envoyé, par défaut 0" in members.text
    assert "404 Not Found" in english.text and english.headers["content-language"] == "en"


async def test_without_locales_nothing_changes() -> None:
    async with client(starlette_app()) as c:
        response = await c.get("/status/404", headers={"Accept-Language": "de"})
    body = assert_problem(response, NotFound)
    assert (body["title"], body["detail"]) == (STATUSES[404].title, STATUSES[404].description)
    assert "content-language" not in response.headers
    assert "Accept-Language" not in ", ".join(response.headers.get_list("vary"))


def test_openapi_documents_content_language(tmp_path: Path) -> None:
    app = FastAPI()

    @app.get("/items/{item_id}", responses=problem_responses(404))
    async def item(item_id: int) -> dict[str, int]:
        raise NotFound()

    install(app, locales=["de", "fr"])
    responses = app.openapi()["paths"]["/items/{item_id}"]["get"]["responses"]
    header = responses["404"]["headers"]["Content-Language"]
    assert header["schema"] == {"type": "string", "enum": ["en", "de", "fr"]}
    example = responses["404"]["content"]["application/problem+json"]["example"]
    assert example["title"] == "Not Found"  # English stays the example
    credit = FastAPI()
    credit.get("/credit", responses=problem_responses(OutOfCredit))(item)
    german = app_catalog(tmp_path, "de", {"You do not have enough credit.": "Zu wenig Guthaben."})
    install(credit, locales=["de", "fr"], translations={"de": german})
    component = credit.openapi()["components"]["schemas"]["OutOfCredit"]
    # The class's title, fixed in the schema, is each language's (French has none).
    assert component["allOf"][1]["properties"]["title"]["enum"] == [
        "You do not have enough credit.",
        "Zu wenig Guthaben.",
    ]
    plain = FastAPI()
    plain.get("/x", responses=problem_responses(404))(item)
    install(plain)
    assert "Content-Language" not in str(plain.openapi())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"locales": ["xx"]}, "no catalog for the locale 'xx'"),
        ({"locales": ["de de"]}, "locales takes language tags such as"),
        (
            {"locales": ["de"], "translations": {"d e": gettext.NullTranslations()}},
            "translations takes language tags",
        ),
    ],
)
def test_bad_locales_are_refused_at_install(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        install(Starlette(), **options)
