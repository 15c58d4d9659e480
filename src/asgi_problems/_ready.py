"""Answers the error path reuses: those of HTTPExceptions (the router's 404 and 405,
the usual ``raise HTTPException(404)``), which their status, detail, headers and the
form asked for decide alone. Each is rendered once, then sent again and again."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import Scope

from ._headers import encode_headers
from ._log import logger
from ._memo import Memo
from ._options import Options
from ._render import Answer
from ._translate import Translations, from_http_exception

_DEBUG = 10  # logging.DEBUG


class ReadyAnswers:
    """The answers one app's error path gives HTTPExceptions, by all that decides them."""

    def __init__(self, options: Options, translations: Translations) -> None:
        self.options = options
        self.translations = translations
        self._answers: Memo[tuple[Any, ...], Answer] = Memo(
            weight=lambda key, answer: len(answer[2])
        )

    def lookup(
        self, exc: HTTPException, form: str, scope: Scope
    ) -> tuple[Answer | None, tuple[Any, ...] | None]:
        """Step 1 for an HTTPException: its answer, if one is ready, and else the key
        to keep the answer under, if it can be reused.

        Those that are not errors (204, 304) get their status without a body, and the
        answer to a 4xx translated the built-in way, with text detail, that nobody
        asked to log or be told of, is decided by its status, detail, headers and form
        (and language, when the app serves several).
        """
        code = exc.status_code
        if not 400 <= code <= 599:
            return (code, encode_headers(exc.headers, strict=False), b""), None
        options = self.options
        if (
            code >= 500
            or type(exc.detail) is not str
            or options.instance
            or options.on_problem is not None
            or self.translations.rule(type(exc)) is not from_http_exception
            or logger.isEnabledFor(_DEBUG)
        ):
            return None, None
        headers = exc.headers
        key = (code, exc.detail, form, *(headers.items() if headers else ()))
        if options.languages is not None:
            key += (options.languages.choose(scope.get("headers", ())),)
        try:
            return self._answers.get(key), key
        except TypeError:  # an unhashable header value: answered afresh
            return None, None

    def keep(self, key: tuple[Any, ...], answer: Answer) -> None:
        self._answers.keep(key, answer)
