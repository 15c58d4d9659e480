"""The other forms of a problem: XML (RFC 9457 appendix B) and a small HTML page."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
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


def encode_html(status: int | str, title: str, detail: str) -> bytes:
    """A small page for browsers: status, title and detail, all escaped; no script."""
    heading = html.escape(f"{status} {title}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{heading}</title>"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;"
        "padding:0 1em;color:#222}h1{font-size:1.5em}</style></head>"
        f"<body><h1>{heading}</h1><p>{html.escape(detail)}</p></body></html>\n"
    ).encode("utf-8", "replace")
