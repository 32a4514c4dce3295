"""The interface language of a reader who is not logged in, read from the request alone.

Below the app factory so that the page cache (which answers before Flask does) and the
web hooks can use it without importing the application.
"""

from __future__ import annotations

import functools

from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

# The interface language an anonymous reader chose with the switcher (a year).
LANGUAGE_COOKIE = "lang"
# Endpoints whose ?lang= is a search filter (API.md), not the interface language.
SEARCH_ENDPOINTS = {"search.search", "api.search"}


def reader_locale(request, languages, *, asked: bool = True) -> str:
    """The language of a reader who is not logged in: ?lang= (unless it is search's
    filter), then the language cookie, then the browser's preference (see select_locale)."""
    if asked and request.path not in ("/search", "/api/v1/search"):
        chosen = request.args.get("lang")
        if chosen in languages:
            return chosen
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    header = request.headers.get("Accept-Language", "")
    return _preferred_language(header, tuple(languages)) or "en"


@functools.lru_cache(maxsize=1024)
def _preferred_language(header: str, languages: tuple) -> str | None:
    # Browsers send a handful of distinct headers; parsing one costs more than a 304.
    return parse_accept_header(header, LanguageAccept).best_match(languages)
