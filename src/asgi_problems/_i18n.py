"""Localized problems: a problem's title, its status's documented description and our
own wording, in the language the request asks for (``Accept-Language``), from gettext
catalogs: the app's first (``translations=``), then ours (``locales/``).

Only text that is the same for every request is translated: a built-in status's title
and description, a class's own title and default detail (through the app's catalog),
and the words of validation problems and pages. ``type``, ``status``, member names and
a detail the app builds per request are sent as they are.
"""

from __future__ import annotations

import copy
import gettext
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ._headers import RawHeaders
from ._memo import Memo
from ._problem import Problem
from ._render import Answer
from ._validation import COUNT_PLURAL, COUNT_SINGULAR, INPUT_QUOTED, NOT_JSON, counted_detail

LOCALES = Path(__file__).parent / "locales"
DOMAIN = "asgi_problems"
ENGLISH = "en"
# Accept-Language is read as Accept is: its first 4 KiB, at most 32 ranges.
_MAX_HEADER = 4096
_MAX_RANGES = 32
_TAG = re.compile(r"[a-z]{1,8}(?:-[a-z0-9]{1,8})*")
_QUALITY = re.compile(r"\s*q\s*=\s*(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)\s*")
# Our own wording, besides titles and descriptions: translated wherever it is sent.
_OURS = frozenset({INPUT_QUOTED, NOT_JSON})


def shipped_locales() -> list[str]:
    """The languages asgi-problems has catalogs for (besides English)."""
    return sorted(p.parent.parent.name for p in LOCALES.glob(f"*/LC_MESSAGES/{DOMAIN}.mo"))


class Languages:
    """The languages one app serves, and its problems' words in each."""

    def __init__(
        self,
        locales: Iterable[str],
        translations: Mapping[str, gettext.NullTranslations] | None = None,
    ) -> None:
        apps = {
            _tag(name, "translations"): catalog for name, catalog in (translations or {}).items()
        }
        self.catalogs: dict[str, tuple[gettext.NullTranslations, ...]] = {}
        for locale in locales:
            tag = _tag(locale, "locales")
            if tag == ENGLISH:
                continue
            found: list[gettext.NullTranslations] = []
            if tag in apps:
                found.append(apps[tag])
            # Ours by the tag, else by its language alone ("de-AT" takes our "de").
            ours = gettext.translation(
                DOMAIN, LOCALES, [tag.replace("-", "_"), tag.partition("-")[0]], fallback=True
            )
            if type(ours) is not gettext.NullTranslations:
                found.append(ours)
            if not found:
                raise ValueError(
                    f"no catalog for the locale {locale!r}: asgi-problems ships "
                    f"{', '.join(shipped_locales())}; give yours in translations="
                )
            self.catalogs[tag] = tuple(found)
        self.served: tuple[str, ...] = (ENGLISH, *self.catalogs)
        self._chosen: Memo[bytes, str] = Memo(self._negotiate, weight=lambda key, tag: len(key))
        # Answers reused per language (see _render_options): key -> (status, headers, body).
        self.answers: Memo[tuple[Any, ...], Answer] = Memo(
            weight=lambda key, answer: len(answer[2])
        )
        self._headers: Memo[str, RawHeaders] = Memo(
            lambda tag: ((b"content-language", tag.encode("ascii")), _VARY)
        )

    # Which language.

    def choose(self, headers: Iterable[tuple[bytes, bytes]]) -> str:
        """The language a request's problems go out in: the best of those served that
        its Accept-Language takes, else English."""
        values = [value for name, value in headers if name == b"accept-language"]
        if not values:
            return ENGLISH
        joined = values[0] if len(values) == 1 else b",".join(values)
        joined = joined[:_MAX_HEADER]
        return self._chosen.get(joined) or self._chosen(joined)

    def _negotiate(self, value: bytes) -> str:
        ranges = _ranges(value.decode("latin-1"))
        best, best_key = ENGLISH, (0.0, 0)
        for tag in self.served:
            quality, position = _quality(tag, ranges)
            key = (quality, -position)
            if quality > 0 and key > best_key:
                best, best_key = tag, key
        return best

    # Its words.

    def text(self, tag: str, english: str) -> str:
        for catalog in self.catalogs.get(tag, ()):
            translated = catalog.gettext(english)
            if translated != english:
                return translated
        return english

    def counted(self, tag: str, count: int) -> str:
        for catalog in self.catalogs.get(tag, ()):
            translated = catalog.ngettext(COUNT_SINGULAR, COUNT_PLURAL, count)
            if translated not in (COUNT_SINGULAR, COUNT_PLURAL):
                return translated % {"count": count}
        return counted_detail(count)

    def titles(self, english: str) -> list[str]:
        """``english`` and its translations in each language served, once each."""
        return list(dict.fromkeys(self.text(tag, english) for tag in self.served))

    def localized(self, problem: Problem, tag: str) -> Problem:
        """A copy of ``problem`` in language ``tag``, with Content-Language and Vary."""
        worded = copy.copy(problem)
        worded.raw_headers = (*problem.raw_headers, *(self._headers.get(tag) or self._headers(tag)))
        if tag == ENGLISH:
            return worded
        if problem.title is not None:
            worded.title = self.text(tag, problem.title)
        detail = problem.detail
        errors = problem.extensions.get("errors")
        if detail is None:
            pass
        elif detail == type(problem).detail or detail in _OURS:
            worded.detail = self.text(tag, detail)
        elif isinstance(errors, list) and detail == counted_detail(len(errors)):
            worded.detail = self.counted(tag, len(errors))  # our own count of the fields
        if isinstance(errors, list) and any(_quoted(entry) for entry in errors):
            said = self.text(tag, INPUT_QUOTED)
            worded.extensions = {
                **problem.extensions,
                "errors": [{**e, "detail": said} if _quoted(e) else e for e in errors],
            }
        return worded


_VARY = (b"vary", b"Accept-Language")


def _quoted(entry: Any) -> bool:
    return isinstance(entry, dict) and entry.get("detail") == INPUT_QUOTED


def _tag(name: object, option: str) -> str:
    if not isinstance(name, str) or not _TAG.fullmatch(name.lower().replace("_", "-")):
        raise ValueError(f"{option} takes language tags such as 'de' or 'pt-BR', not {name!r}")
    return name.lower().replace("_", "-")


def _ranges(text: str) -> list[tuple[str, float]]:
    """The language ranges of an Accept-Language value with their q-values, in order;
    malformed ones are skipped."""
    found: list[tuple[str, float]] = []
    for item in text.split(",", _MAX_RANGES)[:_MAX_RANGES]:
        tag, _, parameters = item.partition(";")
        tag = tag.strip().lower()
        if tag != "*" and not _TAG.fullmatch(tag):
            continue
        quality = 1.0
        if parameters:
            matched = _QUALITY.fullmatch(parameters)
            if matched is None:
                continue
            quality = float(matched.group(1))
        found.append((tag, quality))
    return found


def _quality(tag: str, ranges: Sequence[tuple[str, float]]) -> tuple[float, int]:
    """How much the ranges want ``tag``, and the position of the range that says so:
    the most specific range that matches it decides (RFC 9110 and RFC 4647). A range
    matches the tag it equals; a tag that is a prefix of it ("de-AT" takes "de", as
    RFC 4647's lookup truncates); a tag it is a prefix of ("de" takes "de-CH"); and
    "*" matches any, least specifically."""
    best, specificity, position = 0.0, -1, len(ranges)
    for index, (wanted, quality) in enumerate(ranges):
        if wanted == tag:
            found = 3
        elif wanted.startswith(tag + "-"):
            found = 2
        elif tag.startswith(wanted + "-"):
            found = 1
        elif wanted == "*":
            found = 0
        else:
            continue
        if found > specificity:
            best, specificity, position = quality, found, index
    return best, position
