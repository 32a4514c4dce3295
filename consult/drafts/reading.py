"""What a page reader asked for about a version's text: its language, and the one beside it."""

from __future__ import annotations

from flask import request
from flask_babel import get_locale

from consult.drafts.translations import choose_texts, common_languages


def text_choice(version, paragraph_ids: list[int] | None = None) -> dict:
    """The languages the reader asked to read a version's text in (?text=, ?beside=)."""
    return choose_texts(version, request.args.get("text"), request.args.get("beside"),
                        str(get_locale() or "en"), paragraph_ids)


def shared_text_choice(*versions) -> dict:
    """The text language asked with ?text= if every one of these versions has it (else
    their originals), and the languages they all have, for a page's language bar."""
    available = common_languages(*versions)
    asked = request.args.get("text")
    return {"available": available, "text_lang": asked if asked in available else None}
