"""JSON API v1: feed (API.md is the contract).

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request

from consult.api.declare import NOT_MODIFIED, Reply, operation
from consult.archive import feed as feed_export
from consult.drafts.services import get_consultation
from consult.routes import SHARED, Routes

routes = Routes()

CONTENT_TYPE = f"{feed_export.MEDIA_TYPE}; charset=utf-8"


# The same public data for every caller, but it grows with every submission: shared caches
# may keep it, always revalidated (a 304 costs the reader nothing).
@routes.get("/consultations/<slug>/feed.atom", cache=SHARED)
@operation("getConsultationFeed", "Atom feed of publications and submissions",
           description="Atom 1.0, newest first: each published version, the newest "
                       f"{feed_export.FEED_SIZE} public submissions (delegation, kind, "
                       "paragraph, link to the permanent page, text as summary) and the "
                       f"newest {feed_export.FEED_SIZE} dispositions. Hidden submissions, "
                       "replies under them and draft versions never appear; authors are "
                       "delegations.",
           replies={200: Reply("The feed", media_type=feed_export.MEDIA_TYPE),
                    304: NOT_MODIFIED},
           errors={404: "No such consultation"})
def consultation_feed(slug: str):
    """Atom feed of a consultation's publications, submissions and dispositions."""
    consultation = get_consultation(slug)
    body = feed_export.consultation_feed(consultation, base_url=request.url_root)
    response = current_app.response_class(body, content_type=CONTENT_TYPE)
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    # Titles are in the reader's language: shared caches keep one copy per language.
    response.vary.update(("Accept-Language", "Cookie"))
    return response.make_conditional(request)
