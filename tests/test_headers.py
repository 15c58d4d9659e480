from __future__ import annotations

import pytest

from asgi_problems._headers import encode_headers


def test_valid_headers_are_lowercased_and_latin1() -> None:
    assert encode_headers({"X-Name": " café\t"}, strict=True) == (
        (b"x-name", "café".encode("latin-1")),
    )
    assert encode_headers(None, strict=True) == ()


@pytest.mark.parametrize("value", ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\x00b", "a\x7fb"])
def test_lenient_mode_strips_control_characters(value: str) -> None:
    ((_name, raw),) = encode_headers({"X-A": value}, strict=False)
    assert b"\r" not in raw and b"\n" not in raw and b"\x00" not in raw and b"\x7f" not in raw


def test_lenient_mode_drops_bad_and_owned_names_and_replaces_non_latin1() -> None:
    raw = encode_headers(
        {
            "Bad Name": "1",
            "Content-Type": "text/html",
            "Transfer-Encoding": "chunked",
            "Content-Encoding": "gzip",
            "X-Ok": "snow\u2603",
        },
        strict=False,
    )
    assert raw == ((b"x-ok", b"snow?"),)
