"""Pages: comparing two versions of a consultation.

Its routes join the drafts blueprint in `consult.drafts.views.blueprint`.
"""

from __future__ import annotations

import hashlib

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from consult.drafts import diff, services
from consult.pages import shared_text_choice
from consult.routes import FIVE_MINUTES, Routes, keep_private

routes = Routes()

VIEWS = ("inline", "side")  # the first is the default


def _view_options() -> dict:
    """The display options asked for in the query string, unknown values ignored."""
    view = request.args.get("view")
    return {"view": view if view in VIEWS else VIEWS[0],
            "changes_only": request.args.get("changes") == "only"}


def _option_args(view: str, changes_only: bool) -> dict:
    """Query arguments that keep the display options in a link (defaults left out)."""
    args = {}
    if view != VIEWS[0]:
        args["view"] = view
    if changes_only:
        args["changes"] = "only"
    return args


def compare_url(old, new, view: str = VIEWS[0], changes_only: bool = False) -> str:
    """The permanent address of the comparison of two versions, with display options."""
    return url_for("drafts.compare", slug=new.consultation.slug, a=old.id, b=new.id,
                   **_option_args(view, changes_only))


@routes.route("/consultations/<slug>/compare/<int:a>/<int:b>", cache=FIVE_MINUTES)
def compare(slug: str, a: int, b: int):
    """Two versions compared paragraph by paragraph: the permanent address of a comparison."""
    first = services.get_version(current_user, a)
    second = services.get_version(current_user, b)
    if slug not in (first.consultation.slug, second.consultation.slug):
        abort(404)
    # Versions of two consultations are refused here with a message (400).
    texts = shared_text_choice(first, second)
    comparison = diff.compare_versions(current_user, first, second, texts["text_lang"])
    options = _view_options()
    versions, _previous, _newest = diff.comparable_versions(current_user,
                                                           comparison.consultation)
    html = render_template(
        "drafts/compare.html", comparison=comparison, consultation=comparison.consultation,
        versions=versions, texts=texts, counts=comparison.counts, compare_url=compare_url, **options)
    # No Last-Modified: the page also lists the versions one may pick, which grows with
    # each publication (the ETag covers that).
    return _cacheable(make_response(html), public=comparison.is_public)


def _cacheable(response, *, public: bool):
    """ETag and caching: a comparison of published versions never changes."""
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    if not public:
        # Unpublished text must not stay in a shared browser's cache after logout.
        keep_private()
    # Five minutes (the route's FIVE_MINUTES); private to a logged-in reader, whose name and
    # logout form the page shows. The language comes from the session cookie or the browser; logging in changes the page.
    response.vary.update(("Cookie", "Accept-Language"))
    return response.make_conditional(request)


@routes.route("/consultations/<slug>/compare")
def compare_choose(slug: str):
    """Choose two versions to compare (a plain GET form); redirects to their comparison."""
    found = services.get_consultation(slug)
    versions, previous, newest = diff.comparable_versions(current_user, found)
    options = _view_options()
    error, status = None, 200
    if "a" in request.args or "b" in request.args:
        by_id = {str(v.id): v for v in versions}
        chosen_a = by_id.get(request.args.get("a", ""))
        chosen_b = by_id.get(request.args.get("b", ""))
        if chosen_a is not None and chosen_b is not None:
            return redirect(url_for("drafts.compare", slug=found.slug, a=chosen_a.id,
                                    b=chosen_b.id, **_option_args(**options)))
        error, status = _("Choose two versions of this consultation."), 400
        previous, newest = chosen_a or previous, chosen_b or newest
    response = make_response(render_template(
        "drafts/compare_choose.html", consultation=found, versions=versions,
        selected_a=previous, selected_b=newest, error=error, **options), status)
    if any(not v.is_public for v in versions):
        keep_private()  # lists draft labels
    return response
