"""The other forms of a problem, XML (RFC 9457 appendix B) and a small HTML page, and the
HTML of the problem types' documentation pages."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from typing import Any

XML_NAMESPACE = "urn:ietf:rfc:7807"
# Characters XML 1.0 cannot carry at all (control characters, lone surrogates).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Extension names that can be element names (a safe ASCII subset of XML names).
_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


def _xml_text(value: str) -> str:
    return html.escape(_NOT_XML.sub("\ufffd", value), quote=False)


def _xml_value(value: Any) -> str:
    """Element content for a JSON-safe value: objects as elements, arrays as <i>."""
    if isinstance(value, dict):
        return "".join(
            f"<{name}>{_xml_value(item)}</{name}>"
            for name, item in value.items()
            if _XML_NAME.fullmatch(name)
        )
    if isinstance(value, list):
        return "".join(f"<i>{_xml_value(item)}</i>" for item in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _xml_text(str(value))


def encode_xml(members: Mapping[str, Any]) -> bytes:
    """``application/problem+xml`` for the (JSON-safe) members of a problem.

    Extension members whose names can't be XML element names are left out.
    """
    body = "".join(
        f"<{name}>{_xml_value(value)}</{name}>"
        for name, value in members.items()
        if _XML_NAME.fullmatch(name)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<problem xmlns="{XML_NAMESPACE}">{body}</problem>\n'
    ).encode()


_STYLE = (
    "body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;"
    "padding:0 1em;color:#222}h1{font-size:1.5em}td,th{text-align:left;padding:0 1em 0 0}"
)


def _page(heading: str, body: str, language: str = "en") -> bytes:
    """An HTML page around ``body`` (already escaped); no script, nothing external."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{html.escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(heading)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{html.escape(heading)}</h1>{body}</body></html>\n"
    ).encode("utf-8", "replace")


def encode_html(status: int | str, title: str, detail: str, language: str = "en") -> bytes:
    """A small page for browsers: status, title and detail, all escaped; no script."""
    return _page(f"{status} {title}", f"<p>{html.escape(detail)}</p>", language)


# The words of the type pages, by their English (what a catalog translates).
TYPE_PAGE_WORDS = ("Members", "name", "type")


def encode_type_page(
    status: int | str,
    title: str,
    description: str,
    members: Mapping[str, tuple[str, str]],
    words: Sequence[str] = TYPE_PAGE_WORDS,
    language: str = "en",
) -> bytes:
    """The documentation page of a problem type: what it means and its extension
    members (name -> (type, a note such as "always sent")), all escaped; ``words``:
    TYPE_PAGE_WORDS in the page's ``language``."""
    body = "".join(f"<p>{html.escape(part)}</p>" for part in description.split("\n\n"))
    if members:
        heading, name, kind_word = (html.escape(word) for word in words)
        rows = "".join(
            f"<tr><td><code>{html.escape(member)}</code></td><td>{html.escape(kind)}</td>"
            f"<td>{html.escape(note)}</td></tr>"
            for member, (kind, note) in members.items()
        )
        body += (
            f"<h2>{heading}</h2><table><tr><th>{name}</th><th>{kind_word}</th><th></th></tr>"
            f"{rows}</table>"
        )
    return _page(f"{status} {title}", body, language)


def encode_type_index(title: str, links: Mapping[str, str], language: str = "en") -> bytes:
    """A page linking to each type's page (href -> text), all escaped."""
    items = "".join(
        f'<li><a href="{html.escape(href)}">{html.escape(text)}</a></li>'
        for href, text in links.items()
    )
    return _page(title, f"<ul>{items}</ul>", language)
