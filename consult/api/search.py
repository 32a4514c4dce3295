"""GET /api/v1/search: the search of the HTML page, as JSON."""

from __future__ import annotations

from flask import jsonify, request

from consult.api.views import api_user
from consult.pages import SEARCH_FILTER_ARGS as FILTER_ARGS
from consult.pages import with_urls
from consult.routes import PRIVATE, Routes
from consult.search import services

routes = Routes()


# Results change with every new submission and depend on who asks.
@routes.get("/search", cache=PRIVATE)
def search():
    """Results the caller may see, with total, facets and highlighted snippets."""
    args = request.args
    filters = services.clean_filters({name: args.get(name) for name in FILTER_ARGS})
    found = services.search(api_user(), args.get("q", ""), filters=filters,
                            sort=args.get("sort") or "relevance", page=args.get("page") or 1,
                            per_page=args.get("per_page") or 20,
                            # Programs written against API v1 searched every published
                            # version; they still do unless they ask for scope=latest.
                            scope=args.get("scope") or "all")
    page = with_urls(found, _external=True)
    response = jsonify({
        "query": page.query,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "sort": page.sort,
        "scope": page.scope,
        "total_all_versions": page.total_all_versions,
        "filters": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                    for k, v in page.filters.items()},
        "results": [dict(r, created_at=r["created_at"].isoformat() if r["created_at"] else None)
                    for r in page.results],
        "facets": page.facets,
        "suggestion": page.suggestion,
    })
    return response
