"""JSON API v1: a version's texts in other UN languages.

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

from flask import jsonify, url_for
from flask_babel import gettext as _

from consult.api.views import _iso, json_body, require_login
from consult.drafts import services, translations
from consult.errors import Invalid
from consult.routes import Routes

routes = Routes()


def translation_data(translation) -> dict:
    """A stored translation: its language, when and how many paragraphs."""
    version = translation.version
    return {
        "version": version.id,
        "language": translation.language,
        "original_language": version.language,
        "paragraph_count": len(translation.paragraphs),
        "created_at": _iso(translation.created_at),
        "url": url_for("api.get_version", version_id=version.id, lang=translation.language,
                       _external=True),
        "page": url_for("drafts.version", slug=version.consultation.slug,
                        version_id=version.id, text=translation.language, _external=True),
    }


@routes.post("/versions/<int:version_id>/translations")
def add_translation(version_id: int):
    """Add a version's text in another UN language (co-facilitators); 201."""
    user = require_login()
    version = services.get_version(user, version_id)
    data = json_body()
    for field in ("language", "text"):
        if not isinstance(data.get(field), str):
            raise Invalid(_("'%(field)s' is required and must be a string.", field=field),
                          field=field)
    # A misaligned text is refused with the paragraphs that do not line up (api.views).
    translation = translations.add_translation(user, version, data["language"], data["text"])
    return jsonify(translation_data(translation)), 201
