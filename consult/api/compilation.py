"""JSON API v1: compilation (API.md is the contract).

Without ?page= the whole compilation is sent, as always, but streamed: written a page of
paragraphs at a time, so memory stays flat whatever the number of proposals. With ?page=N
only that page's paragraphs are sent, with the counts of the whole compilation, `page` and
`pages` (the same pages as the HTML page's).

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from flask import current_app, jsonify, request, stream_with_context, url_for

from consult.api.participation import submission_data
from consult.api.views import _cached_json, _iso, api_user
from consult.comments.models import Disposition
from consult.compilation.services import (Compilation, Entry, Proposal, Summary,
                                          compile_version, iter_pages, summarize_version,
                                          whole_validator)
from consult.drafts.services import get_version
from consult.paging import page_number
from consult.routes import SHARED, Routes, keep_private

routes = Routes()

# Part of the whole answer's validator, which does not hash the bytes sent: bumped whenever
# the JSON written changes shape, so that kept copies are not revalidated in the old one.
JSON_LAYOUT = "1"


def proposal_data(proposal: Proposal) -> dict:
    """A proposal: the submission fields of API.md, its marked changes and its fate."""
    data = submission_data(submission=proposal.submission, supporters=proposal.supporters)
    # The compilation's own reading: an amendment without a recorded decision is pending.
    data["disposition"] = proposal.disposition.value
    data["disposition_note"] = proposal.note or None
    return data


def paragraph_data(entry: Entry) -> dict:
    """One paragraph of the compilation with its proposals."""
    return {
        "id": entry.paragraph.id,
        "key": entry.paragraph.key.key,
        "label": entry.paragraph.label,
        "kind": entry.paragraph.kind.value,
        "text": entry.paragraph.text,
        "html": entry.paragraph.html,
        "proposals": [proposal_data(p) for p in entry.proposals],
        # Where these proposals stand among the paragraph's, which a page may share out.
        "first_proposal": entry.first_number or 1,
        "proposal_total": len(entry.proposals) if entry.total is None else entry.total,
    }


def compilation_head(found: Compilation | Summary) -> dict:
    """Everything but the paragraphs: the version, the counts of the whole compilation,
    its links, and how many pages it has (`page`: the one sent, None when whole)."""
    version = found.version
    slug = version.consultation.slug
    page = found.page if isinstance(found, Compilation) else None
    return {
        "consultation": slug,
        "language": found.language,
        "version": {"id": version.id, "label": version.label, "symbol": version.symbol,
                    "status": version.status.value},
        "counts": dict(found.counts),
        "proposal_count": found.proposal_count,
        "withdrawn_count": found.withdrawn_count,
        "last_changed_at": _iso(found.last_changed_at),
        "url": url_for("compilation.page", slug=slug, version_id=version.id,
                       _external=True),
        "docx_url": url_for("compilation.docx", slug=slug, version_id=version.id,
                            _external=True),
        "page": page.number if page else None,
        "pages": len(found.pages),
    }


def compilation_data(compilation: Compilation) -> dict:
    """The compilation as loaded (whole, or one page): its head and its paragraphs."""
    return {**compilation_head(compilation),
            "paragraphs": [paragraph_data(entry) for entry in compilation.entries]}


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def iter_compilation_json(summary: Summary, parts: Iterable[Compilation]) -> Iterator[str]:
    """The whole compilation as one JSON document (compilation_data's shape), in pieces:
    the head first, then each paragraph as its page is read. The head is made at once,
    while the summary's rows are still those of the caller's session."""
    head = _dumps(compilation_head(summary))
    return _json_pieces(head[:-1] + ',"paragraphs":[', parts)  # the head's object left open


def _json_pieces(opening: str, parts: Iterable[Compilation]) -> Iterator[str]:
    yield opening
    first = True
    for part in parts:
        for entry in part.entries:
            yield ("" if first else ",") + _dumps(paragraph_data(entry))
            first = False
    yield "]}"


def _page_arg() -> int | None:
    """?page= as a number, None when absent (the whole compilation); what is not a page
    number is 0, which the service refuses with a message."""
    raw = request.args.get("page")
    return None if raw is None else page_number(raw) if raw else 0


# The answers change with each proposal, support and disposition: shared caches may keep
# them (public data only, the same for every caller) but must always revalidate.
@routes.get("/versions/<int:version_id>/compilation", cache=SHARED)
def version_compilation(version_id: int):
    """Every paragraph with its public proposals, attributed, with supporters and
    dispositions: the whole compilation, streamed, or one page of it (?page=N)."""
    user = api_user()
    version = get_version(user, version_id)
    page = _page_arg()
    if page is None:
        return _whole_compilation(user, version)
    payload = compilation_data(compile_version(user, version, request.args.get("lang"),
                                               page=page))
    if not version.is_public:
        keep_private()  # a draft: its staff only
        return jsonify(payload)
    return _cached_json(payload)


def _whole_compilation(user, version):
    """The whole compilation, streamed a page at a time; a 304 costs no proposal read."""
    found = summarize_version(user, version, request.args.get("lang"))
    etag = (whole_validator(found, f"json|{JSON_LAYOUT}", request.url_root)
            if version.is_public else None)
    if etag and request.if_none_match.contains(etag):
        response = current_app.response_class(status=304)
    else:
        response = current_app.response_class(
            stream_with_context(iter_compilation_json(found, iter_pages(found))),
            mimetype="application/json")
    if etag:
        response.set_etag(etag)
    else:
        keep_private()  # a draft: its staff only
    return response


def openapi_schemas() -> dict:
    """This module's schemas for the OpenAPI document."""
    dispositions = [d.value for d in Disposition]
    proposal = {"allOf": [{"$ref": "#/components/schemas/Submission"}, {
        "type": "object", "required": ["proposed_diff_html", "disposition_note", "url"],
        "properties": {
            "disposition": {"type": "string", "enum": dispositions},
            "disposition_note": {"type": "string", "nullable": True,
                                 "description": "The co-facilitators' reason or comment"},
        }}]}
    paragraph = {"type": "object", "required": ["id", "key", "label", "text", "proposals"],
                 "properties": {
                     "id": {"type": "integer"},
                     "key": {"type": "string", "description": "Stable across versions"},
                     "label": {"type": "string", "example": "OP12(b)"},
                     "kind": {"type": "string",
                              "enum": ["heading", "preambular", "operative", "subparagraph"]},
                     "text": {"type": "string", "description": "Markdown source"},
                     "html": {"type": "string"},
                     "proposals": {"type": "array",
                                   "items": {"$ref": "#/components/schemas/CompiledProposal"},
                                   "description": "Active, visible amendments, oldest "
                                                  "first (on a page, those of the page)"},
                     "first_proposal": {"type": "integer", "minimum": 1,
                                        "description": "The number, among the "
                                                       "paragraph's proposals, of the first "
                                                       "one in `proposals`: above 1 on the "
                                                       "second and later pages of a "
                                                       "paragraph with more proposals than "
                                                       "a page holds"},
                     "proposal_total": {"type": "integer",
                                        "description": "How many proposals the paragraph "
                                                       "has, on all pages"}}}
    compilation = {"type": "object", "required": ["version", "counts", "paragraphs"],
                   "properties": {
                       "consultation": {"type": "string", "description": "Its slug"},
                       "version": {"type": "object", "properties": {
                           "id": {"type": "integer"}, "label": {"type": "string"},
                           "symbol": {"type": "string", "nullable": True},
                           "status": {"type": "string", "enum": [
                               "draft", "published", "superseded", "final"]}}},
                       "counts": {"type": "object", "description": "Proposals shown, per "
                                                                   "disposition",
                                  "properties": {d: {"type": "integer"}
                                                 for d in dispositions}},
                       "proposal_count": {"type": "integer"},
                       "withdrawn_count": {"type": "integer",
                                           "description": "Proposals withdrawn by their "
                                                          "authors, left out"},
                       "language": {"type": "string", "description": "The language of the "
                                                                     "paragraphs' text"},
                       "last_changed_at": {"type": "string", "format": "date-time",
                                           "nullable": True},
                       "url": {"type": "string", "description": "The HTML page"},
                       "docx_url": {"type": "string", "description": "The Word document"},
                       "page": {"type": "integer", "nullable": True,
                                "description": "The page sent (?page=); null: the whole "
                                               "compilation"},
                       "pages": {"type": "integer",
                                 "description": "How many pages the compilation has: runs "
                                                "of whole paragraphs of at most "
                                                "COMPILATION_PROPOSALS_PER_PAGE proposals "
                                                "(400 by default; a paragraph with more "
                                                "has pages of its own, its text on each "
                                                "and that many of its proposals)"},
                       "paragraphs": {"type": "array", "items": {
                           "$ref": "#/components/schemas/CompilationParagraph"},
                           "description": "Every paragraph, or those of the page asked "
                                          "for"}}}
    return {"CompiledProposal": proposal, "CompilationParagraph": paragraph,
            "Compilation": compilation}


def openapi_paths() -> dict:
    """This module's paths for the OpenAPI document."""
    return {"/versions/{id}/compilation": {"get": {
        "summary": "The compilation text: every paragraph with its proposals, attributed, "
                   "with supporters and dispositions",
        "description": "Public data only, whoever asks: hidden proposals and supports are "
                       "left out, and so are withdrawn proposals (counted in "
                       "withdrawn_count). Draft versions: co-facilitators only. Without "
                       "`page`, every paragraph, streamed as it is read; with `page`, "
                       "only that page's paragraphs. The counts are always those of the "
                       "whole compilation.",
        "operationId": "getVersionCompilation",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "description": "Version id", "schema": {"type": "integer"}},
                       {"name": "lang", "in": "query", "required": False,
                        "description": "The paragraphs in this language (one of the "
                                       "version's `languages`); proposals as written",
                        "schema": {"type": "string"}},
                       {"name": "page", "in": "query", "required": False,
                        "description": "Only this page's paragraphs (from 1 to `pages`); "
                                       "without it, the whole compilation",
                        "schema": {"type": "integer", "minimum": 1}}],
        "responses": {
            "200": {"description": "The compilation", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Compilation"}}}},
            "304": {"description": "Not modified (If-None-Match)"},
            "400": {"description": "`page` is not a number from 1",
                    "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Error"}}}},
            "404": {"description": "Not found (or a draft the caller may not see, or a "
                                   "page past the last)",
                    "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Error"}}}}}}}}
