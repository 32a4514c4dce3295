"""The search page: a plain GET form, results with highlighted excerpts, facets, pages."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from consult.pages import SEARCH_FILTER_ARGS as FILTER_ARGS
from consult.pages import with_urls
from consult.routes import Routes, build_blueprint
from consult.search import services

routes = Routes()


def blueprint() -> Blueprint:
    """The search pages."""
    return build_blueprint("search", __name__, routes)

def _search_page(*, page=None, error=None, status: int = 200):
    """The search form, with the results or what was wrong with the search."""
    args = request.args
    query = args.get("q", "")
    raw_filters = {name: args.get(name) for name in FILTER_ARGS if args.get(name)}
    sort = args.get("sort") or "relevance"
    # Default: the newest text of each consultation and every submission; "all" adds the
    # text of earlier versions (one click away on the results).
    scope = args.get("scope") or "latest"

    def link(**changes):
        """This search's address with some arguments changed (None removes one)."""
        params = {"q": query, "sort": sort if sort != "relevance" else None,
                  "scope": scope if scope != "latest" else None, **raw_filters}
        params.update(changes)
        params.pop("page", None) if "page" not in changes else None
        return url_for("search.search", **{k: v for k, v in params.items() if v})

    return render_template("search/search.html", query=query, page=page, error=error,
                           filters=raw_filters, sort=sort, scope=scope, link=link), status


def _refused_search(error):
    return _search_page(error=error.message, status=error.status)


@routes.route("/search", refused=_refused_search, refused_reads=True)
def search():
    """Search every published text and every submission the reader may see."""
    args = request.args
    filters = services.clean_filters(
        {name: args.get(name) for name in FILTER_ARGS if args.get(name)})
    query = args.get("q", "")
    if not query.strip():
        return _search_page()
    return _search_page(page=with_urls(services.search(
        current_user, query, filters=filters, sort=args.get("sort") or "relevance",
        page=args.get("page") or 1, scope=args.get("scope") or "latest")))
