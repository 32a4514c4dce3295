"""The search page: a plain GET form, results with highlighted excerpts, facets, pages."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import current_user

from consult.errors import ServiceError
from consult.pages import SEARCH_FILTER_ARGS as FILTER_ARGS
from consult.pages import with_urls
from consult.search import services

bp = Blueprint("search", __name__)

@bp.route("/search")
def search():
    """Search every published text and every submission the reader may see."""
    args = request.args
    query = args.get("q", "")
    raw_filters = {name: args.get(name) for name in FILTER_ARGS if args.get(name)}
    sort = args.get("sort") or "relevance"
    # Default: the newest text of each consultation and every submission; "all" adds the
    # text of earlier versions (one click away on the results).
    scope = args.get("scope") or "latest"
    error, page, status = None, None, 200
    try:
        filters = services.clean_filters(raw_filters)
        if query.strip():
            page = with_urls(services.search(current_user, query, filters=filters,
                                             sort=sort, page=args.get("page") or 1,
                                             scope=scope))
    except ServiceError as exc:
        error, status = exc.message, exc.status

    def link(**changes):
        """This search's address with some arguments changed (None removes one)."""
        params = {"q": query, "sort": sort if sort != "relevance" else None,
                  "scope": scope if scope != "latest" else None, **raw_filters}
        params.update(changes)
        params.pop("page", None) if "page" not in changes else None
        return url_for("search.search", **{k: v for k, v in params.items() if v})

    response = render_template("search/search.html", query=query, page=page, error=error,
                               filters=raw_filters, sort=sort, scope=scope, link=link)
    return response, status
