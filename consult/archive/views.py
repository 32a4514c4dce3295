"""Pages of the public archive: paragraph histories, every submission, the data dictionary."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request
from flask_login import current_user

from consult.archive import services
from consult.drafts import services as drafts
from consult.errors import ServiceError
from consult.routes import Routes, build_blueprint

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
        response.headers["Cache-Control"] = "private, no-store"  # a draft's text, for staff
    return response


@routes.get("/consultations/<slug>/submissions")
def submissions(slug: str):
    """Every visible submission of a consultation, newest first, a page at a time."""
    consultation = drafts.get_consultation(slug)
    versions = [v for v in drafts.visible_versions(None, consultation)]
    version_id = _positive("version")
    kind = request.args.get("kind") or None
    error, status = None, 200
    try:
        found = services.list_public_submissions(
            consultation, page=_positive("page") or 1, version_id=version_id, kind=kind)
    except ServiceError as exc:
        error, status = exc.message, exc.status
        version_id = kind = None
        found = services.list_public_submissions(consultation)
    return render_template("archive/submissions.html", consultation=consultation,
                           listing=found, versions=versions, version_id=version_id, kind=kind,
                           error=error), status
