from __future__ import annotations

import dataclasses
import http
import re
from pathlib import Path

import pytest

from asgi_problems import STATUSES, StatusInfo

SEED = Path(__file__).parent / "data" / "status-descriptions.md"

# The IANA HTTP Status Code Registry's assigned 4xx and 5xx codes (306 and 418
# are "(Unused)" there; 418 is in http.HTTPStatus, so we carry it too).
IANA_ERRORS = [
    *range(400, 419), 421, 422, 423, 424, 425, 426, 428, 429, 431, 451,
    *range(500, 509), 510, 511,
]  # fmt: skip


def seed_rows() -> list[tuple[int, str, str]]:
    rows = []
    for line in SEED.read_text().splitlines():
        match = re.match(r"\|\s*(\d{3})\s*\|\s*\*\*(.+?):\*\*\s*(.+?)\s*\|\s*$", line)
        if match:
            rows.append((int(match[1]), match[2], match[3]))
    return rows


def test_seed_file_has_eleven_codes() -> None:
    assert [code for code, _, _ in seed_rows()] == [
        200, 201, 204, 400, 401, 403, 404, 500, 502, 503, 504,
    ]  # fmt: skip


@pytest.mark.parametrize(("code", "title", "description"), seed_rows())
def test_seed_codes_ship_verbatim(code: int, title: str, description: str) -> None:
    info = STATUSES[code]
    assert info.title == title
    assert " ".join(info.description.split()) == " ".join(description.split())


def test_every_http_status_is_registered() -> None:
    missing = [s.value for s in http.HTTPStatus if s.value not in STATUSES]
    assert missing == []


@pytest.mark.parametrize("code", IANA_ERRORS)
def test_every_iana_error_code_is_registered(code: int) -> None:
    assert STATUSES[code].code == code


@pytest.mark.parametrize(
    ("code", "title"),
    [(413, "Content Too Large"), (416, "Range Not Satisfiable"), (422, "Unprocessable Content")],
)
def test_titles_are_current_rfc9110_phrases(code: int, title: str) -> None:
    assert STATUSES[code].title == title


@pytest.mark.parametrize("info", list(STATUSES.values()), ids=lambda info: str(info.code))
def test_descriptions_are_one_or_two_plain_sentences(info: StatusInfo) -> None:
    assert info.description[0].isupper()
    assert info.description.endswith(".")
    sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z])", info.description)
    assert 1 <= len(sentences) <= 3, info.description
    assert 40 <= len(info.description) <= 260


def test_descriptions_are_all_different() -> None:
    descriptions = [info.description for info in STATUSES.values()]
    assert len(set(descriptions)) == len(descriptions)


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        STATUSES[799] = StatusInfo(799, "Nope", "Nope.")  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        STATUSES[404].title = "Lost"  # type: ignore[misc]
    assert not hasattr(STATUSES[404], "__dict__")  # slotted


def test_unknown_codes() -> None:
    assert STATUSES.get(799) is None
    with pytest.raises(KeyError):
        STATUSES[799]


def test_keys_match_codes_and_are_sorted() -> None:
    assert all(code == info.code for code, info in STATUSES.items())
    assert list(STATUSES) == sorted(STATUSES)
