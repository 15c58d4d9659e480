"""The XML and HTML forms of a problem (and of the type pages' HTML), as clients get them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from _support import client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from asgi_problems import NotFound, install

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


NS = "{urn:ietf:rfc:7807}"


HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def make_app(**options: Any) -> Starlette:
    app = Starlette(routes=[Route("/missing", missing)])
    install(app, **options)
    return app


async def missing(request: Request) -> Response:
    raise NotFound(
        HOSTILE,
        balance=30,
        accounts=["https://example.net/account/1", "https://example.net/account/2"],
        owner={"name": "Ada", "vip": True, "note": None},
        **{"bad name": "skipped", "ctrl": "a\x00b"},
    )


async def test_xml_form() -> None:
    async with client(make_app()) as c:
        r = await c.get("/missing", headers={"Accept": "application/problem+xml"})
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+xml"
    assert int(r.headers["content-length"]) == len(r.content)
    assert r.headers["vary"] == "Accept"
    root = ET.fromstring(r.content)
    assert root.tag == f"{NS}problem"
    assert [child.tag.removeprefix(NS) for child in root] == [
        "type", "title", "status", "detail", "balance", "accounts", "owner", "ctrl",
    ]  # fmt: skip
    assert root.findtext(f"{NS}detail") == HOSTILE
    assert root.findtext(f"{NS}status") == "404"
    accounts = root.find(f"{NS}accounts")
    assert accounts is not None
    assert [i.text for i in accounts] == [
        "https://example.net/account/1",
        "https://example.net/account/2",
    ]
    owner = root.find(f"{NS}owner")
    assert owner is not None
    assert [(c.tag.removeprefix(NS), c.text) for c in owner] == [
        ("name", "Ada"), ("vip", "true"), ("note", None),
    ]  # fmt: skip
    assert root.findtext(f"{NS}ctrl") == "a\ufffdb"


async def test_html_form_for_browsers_is_escaped() -> None:
    async with client(make_app()) as c:
        r = await c.get("/missing", headers={"Accept": BROWSER})
        head = await c.head("/missing", headers={"Accept": BROWSER})
    assert r.status_code == 404
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert int(r.headers["content-length"]) == len(r.content)
    assert "<script" not in r.text and "<img" not in r.text
    assert "&lt;script&gt;" in r.text
    assert "<title>404 Not Found</title>" in r.text
    assert "balance" not in r.text  # only status, title and detail
    assert head.content == b"" and head.headers["content-type"].startswith("text/html")
