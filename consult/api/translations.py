"""JSON API v1: a version's texts in other UN languages.

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

from flask import jsonify, url_for
from pydantic import Field

from consult.api.declare import (ERROR_TEXTS, Answer, Body, Language, Reply, Timestamp,
                                 operation, read_body)
from consult.api.views import require_login
from consult.drafts import services, translations
from consult.drafts.models import UN_LANGUAGES
from consult.routes import Routes

routes = Routes()


class NewTranslation(Body):
    """A version's text in another official language."""

    language: str = Field(json_schema_extra={"enum": list(UN_LANGUAGES)})
    text: str = Field(description="Markdown with the same paragraphs as the original: the "
                                  "same labels, in the same order")


class Translation(Answer):
    """A stored translation."""

    version: int
    language: Language
    original_language: Language
    paragraph_count: int
    created_at: Timestamp
    url: str = Field(description="The version in this language")
    page: str = Field(description="The HTML page")


class MisalignedParagraph(Answer):
    """A place where the translation's paragraphs and the original's differ."""

    position: int
    expected: str | None = Field(description="The original's label there")
    found: str | None = Field(description="The translation's label there")


class MisalignedDetail(Answer):
    """Why a translation was refused, and which paragraphs do not line up."""

    code: str = Field(description="misaligned: the paragraphs do not line up (listed in "
                                  "`paragraphs`); else as in Error")
    message: str
    paragraphs: list[MisalignedParagraph] | None = None


class MisalignedError(Answer):
    """A translation refused: its paragraphs do not line up with the original's, or what
    was sent is not a translation at all."""

    error: MisalignedDetail


def translation_data(translation) -> Translation:
    """A stored translation: its language, when and how many paragraphs."""
    version = translation.version
    return Translation(
        version=version.id,
        language=translation.language,
        original_language=version.language,
        paragraph_count=len(translation.paragraphs),
        created_at=translation.created_at,
        url=url_for("api.get_version", version_id=version.id, lang=translation.language,
                    _external=True),
        page=url_for("drafts.version", slug=version.consultation.slug,
                     version_id=version.id, text=translation.language, _external=True),
    )


@routes.post("/versions/<int:version_id>/translations")
@operation("addTranslation", "Add the text of a version in another UN language "
           "(co-facilitators)",
           description="A translation is an addition: drafts and published versions alike. "
                       "It must have the original's paragraphs (same labels, same order), "
                       "else 400 `misaligned` lists those that differ and nothing is stored. "
                       "A published version's translation is never replaced (409); a "
                       "draft's may be.",
           body=NewTranslation, replies={201: Reply("Stored", Translation)},
           errors={400: Reply("Refused; nothing stored", MisalignedError),
                   **{code: ERROR_TEXTS[code] for code in (401, 403, 404, 409, 413)}},
           login=True)
def add_translation(version_id: int):
    """Add a version's text in another UN language (co-facilitators); 201."""
    user = require_login()
    version = services.get_version(user, version_id)
    sent = read_body(NewTranslation)
    # A misaligned text is refused with the paragraphs that do not line up (api.views).
    translation = translations.add_translation(user, version, sent.language, sent.text)
    return jsonify(translation_data(translation).dump()), 201
