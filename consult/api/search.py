"""GET /api/v1/search: the search of the HTML page, as JSON."""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify
from pydantic import Field

from consult.api.declare import (Answer, Language, Query, Reply, Timestamp, operation,
                                 read_query, shown_as)
from consult.api.participation import DelegationRef, VersionLabel
from consult.api.views import api_user
from consult.pages import SEARCH_FILTER_ARGS as FILTER_ARGS
from consult.pages import with_urls
from consult.routes import PRIVATE, Routes
from consult.search import services

routes = Routes()

VersionId = shown_as({"type": "integer"})  # checked by the search service, in its words


class SearchResult(Answer):
    """One paragraph or submission found."""

    type: Literal["paragraph", "comment", "amendment", "support", "statement"]
    id: int = Field(description="Submission id, or paragraph id for type paragraph")
    url: str = Field(description="Its permanent page")
    title: str = Field(description="Plain text: the opening words of the paragraph or "
                                   "submission")
    snippet: str = Field(description="HTML: the text escaped, matched words in <mark>")
    delegation: DelegationRef | None
    version: VersionLabel
    paragraph_label: str | None
    created_at: Timestamp | None
    status: Literal["active", "withdrawn", "hidden", "published", "superseded", "final"]
    language: Language
    disposition: str | None


class FacetValue(Answer):
    """One value of a facet and how many matches have it."""

    value: str
    label: str
    count: int


class Facets(Answer):
    """Counts per value among all matches."""

    type: list[FacetValue] = []
    delegation: list[FacetValue] = []
    dtype: list[FacetValue] = []
    version: list[FacetValue] = []
    lang: list[FacetValue] = []
    disposition: list[FacetValue] = []


class SearchResults(Answer):
    """One page of results, with facets."""

    query: str
    total: int
    page: int
    per_page: int
    pages: int
    sort: str
    scope: Literal["latest", "all"]
    total_all_versions: int | None = Field(description="With scope latest: the total if the "
                                           "text of earlier versions were searched too "
                                           "(scope=all); null otherwise")
    filters: dict[str, Any]
    results: list[SearchResult]
    facets: Facets
    suggestion: str | None = Field(description="When nothing matched: the query with "
                                   "misspelt words corrected, if that finds something")


class SearchQuery(Query):
    """What to find. The search service checks each filter and says what it accepts."""

    q: str = Field("", description="The words to find (at most 500 characters, 24 words)")
    type: str | None = Field(None, description="paragraph, submission (any kind), comment, "
                             "amendment, support or statement")
    kind: str | None = Field(None, description="Kind of submission: comment, amendment, "
                             "support, statement")
    delegation: str | None = Field(None, description="Delegation code, e.g. FRA or EU")
    delegation_type: str | None = Field(None, description="member_state, observer_state, "
                                        "group, igo, ngo, un_entity")
    version: VersionId | None = Field(None, description="Version id")
    consultation: str | None = Field(None, description="Consultation slug")
    lang: str | None = Field(None, description="Language: en, fr, es, ru, ar, zh")
    disposition: str | None = Field(None, description="pending, incorporated, "
                                    "partly_incorporated, not_retained")
    from_: str | None = Field(None, alias="from", description="First day (YYYY-MM-DD)",
                              json_schema_extra={"format": "date"})
    to: str | None = Field(None, description="Last day (YYYY-MM-DD)",
                           json_schema_extra={"format": "date"})
    sort: str = Field("relevance", description="relevance (default) or date",
                      json_schema_extra={"enum": ["relevance", "date"]})
    # Programs written against API v1 searched every published version; they still do
    # unless they ask for scope=latest.
    scope: str = Field("all", description="all (default): the text of every published "
                       "version, and every submission; latest: the text of each "
                       "consultation's newest published version only (the search page's "
                       "default). A version filter searches that version whatever the scope",
                       json_schema_extra={"enum": ["latest", "all"]})
    page: int = Field(1, ge=1, le=services.MAX_PAGE, description="Page number, from 1")
    per_page: int = Field(20, ge=1, le=services.MAX_PER_PAGE,
                          description="Results per page, at most 100")


# Results change with every new submission and depend on who asks.
@routes.get("/search", cache=PRIVATE)
@operation("search", "Full-text search of published texts and visible submissions",
           description='All words must match; "phrases", OR, NOT, and a trailing * after at '
                       "least 3 letters. Hidden and withdrawn submissions are returned only "
                       "to their authors and the consultation's co-facilitators.",
           query=SearchQuery, replies={200: Reply("One page of results with facets",
                                                  SearchResults)},
           errors={400: "Invalid input", 503: "The search index of the node is being "
                   "rebuilt (code search_rebuilding); Retry-After says when to ask again"})
def search():
    """Results the caller may see, with total, facets and highlighted snippets."""
    query = read_query(SearchQuery)
    # The filters as typed: the service says what is wrong with them.
    sent = query.model_dump(by_alias=True)
    filters = services.clean_filters({name: sent.get(name) for name in FILTER_ARGS})
    found = services.search(api_user(), query.q, filters=filters, sort=query.sort,
                            page=query.page, per_page=query.per_page, scope=query.scope)
    page = with_urls(found, _external=True)
    return jsonify(SearchResults(
        query=page.query, total=page.total, page=page.page, per_page=page.per_page,
        pages=page.pages, sort=page.sort, scope=page.scope,
        total_all_versions=page.total_all_versions,
        filters={k: (v.isoformat() if hasattr(v, "isoformat") else v)
                 for k, v in page.filters.items()},
        results=page.results, facets=page.facets, suggestion=page.suggestion).dump())
