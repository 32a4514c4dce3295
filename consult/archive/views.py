"""Pages of the public archive: paragraph histories, every submission, the data dictionary."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request
from flask_login import current_user

from consult.archive import services
from consult.drafts import services as drafts
from consult.pages import requested_page
from consult.routes import Routes, build_blueprint, keep_private

routes = Routes()


def blueprint() -> Blueprint:
    """The archive pages: this module's and the data dictionary."""
    from consult.archive import dictionary_views

    return build_blueprint("archive", __name__, routes, dictionary_views.routes)


def _positive(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < len(raw) < 10 else None


@routes.get("/consultations/<slug>/paragraphs/<key>")
def paragraph_history(slug: str, key: str):
    """One paragraph from the zero draft to the newest text: every wording, every change."""
    consultation = drafts.get_consultation(slug)
    history = services.paragraph_key_history(current_user, consultation, key)
    response = make_response(render_template("archive/paragraph_history.html",
                                             consultation=consultation, history=history))
    if any(not step.version.is_public for step in history.steps):
        keep_private()  # a draft's text, for staff
    return response


def _submissions_page(consultation, found, *, version_id=None, kind=None, error=None,
                      status: int = 200):
    versions = list(drafts.visible_versions(None, consultation))
    return render_template("archive/submissions.html", consultation=consultation,
                           listing=found, versions=versions, version_id=version_id, kind=kind,
                           error=error), status


def _refused_listing(error, slug: str):
    # A filter that cannot be applied: every submission, with what was wrong.
    consultation = drafts.get_consultation(slug)
    return _submissions_page(consultation, services.list_public_submissions(consultation),
                             error=error.message, status=error.status)


@routes.get("/consultations/<slug>/submissions", refused=_refused_listing, refused_reads=True)
def submissions(slug: str):
    """Every visible submission of a consultation, newest first, a page at a time."""
    consultation = drafts.get_consultation(slug)
    version_id = _positive("version")
    kind = request.args.get("kind") or None
    found = services.list_public_submissions(
        consultation, page=requested_page() or 1, version_id=version_id, kind=kind)
    return _submissions_page(consultation, found, version_id=version_id, kind=kind)
