"""JSON API v1: akn (API.md is the contract).

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request

from pydantic import Field

from consult.api.declare import NOT_MODIFIED, Query, Reply, operation, read_query
from consult.api.views import api_user
from consult.archive import akn as akn_export
from consult.negotiation import silence
from consult.drafts import translations
from consult.drafts.services import get_version
from consult.routes import FIVE_MINUTES_SHARED, Routes, keep_private

routes = Routes()

CONTENT_TYPE = f"{akn_export.MEDIA_TYPE}; charset=utf-8"


class AknQuery(Query):
    """The language of the document."""

    lang: str | None = Field(None, description="The text in this language, one of the "
                             "version's `languages`: a UN two-letter code (en, fr…) or its "
                             "ISO 639-2 code (eng, fra, spa, rus, ara, zho); default the "
                             "original's")


# A published text never changes: caches may keep it a while, then revalidate by ETag.
@routes.get("/versions/<int:version_id>/akn.xml", cache=FIVE_MINUTES_SHARED)
@operation("getVersionAkomaNtoso", "The version as Akoma Ntoso 3.0 XML (AKN4UN profile)",
           description="A <statement name=\"resolution\"> document: FRBR metadata with the "
                       "UN symbol and the language, a preface (title, symbol, version, "
                       "date), a preamble with the preambular paragraphs, and a mainBody "
                       "with each operative paragraph as <paragraph eId=\"para_N\"> "
                       "(<num>, <content>) and its sub-paragraphs as <list>/<point>. Valid "
                       "against the official Akoma Ntoso 3.0 schema. The same version "
                       "always gives the same bytes. Draft versions: co-facilitators only.",
           query=AknQuery,
           replies={200: Reply("The Akoma Ntoso document", media_type=akn_export.MEDIA_TYPE),
                    304: NOT_MODIFIED},
           errors={400: "Unknown language code",
                   404: "Not found (or a draft the caller may not see), or no text in that "
                        "language"})
def version_akn(version_id: int):
    """The version as Akoma Ntoso XML (AKN4UN); drafts only for those who run it."""
    version = get_version(api_user(), version_id)
    language = translations.require_text_language(read_query(AknQuery).lang, version)
    adopted = silence.adoption_of(version)
    body = akn_export.version_akn(version, language=language)
    response = current_app.response_class(body, content_type=CONTENT_TYPE)
    if not version.is_public:
        keep_private()  # a draft: seen only by the consultation's staff
        return response
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    # The text has not changed since (an adoption made it final once, at its deadline).
    response.last_modified = adopted.until if adopted else version.published_at
    return response.make_conditional(request)
