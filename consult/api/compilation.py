"""JSON API v1: compilation (API.md is the contract).

The routes live on the API blueprint of `consult.api.views`; importing this module adds them.
"""

from __future__ import annotations

from flask import jsonify, request, url_for

from consult.api.participation import submission_data
from consult.api.views import _cached_json, _iso, api_user, bp
from consult.comments.models import Disposition
from consult.drafts.compilation import Compilation, Proposal, compile_version
from consult.drafts.services import get_version


def proposal_data(proposal: Proposal) -> dict:
    """A proposal: the submission fields of API.md, its marked changes and its fate."""
    data = submission_data(submission=proposal.submission, supporters=proposal.supporters)
    # The compilation's own reading: an amendment without a recorded decision is pending.
    data["disposition"] = proposal.disposition.value
    data["disposition_note"] = proposal.note or None
    return data


def compilation_data(compilation: Compilation) -> dict:
    """The whole compilation: the version, counts, and every paragraph with its proposals."""
    version = compilation.version
    slug = version.consultation.slug
    return {
        "consultation": slug,
        "language": compilation.language,
        "version": {"id": version.id, "label": version.label, "symbol": version.symbol,
                    "status": version.status.value},
        "counts": dict(compilation.counts),
        "proposal_count": compilation.proposal_count,
        "withdrawn_count": compilation.withdrawn_count,
        "last_changed_at": _iso(compilation.last_changed_at),
        "url": url_for("drafts.compilation", slug=slug, version_id=version.id,
                       _external=True),
        "docx_url": url_for("drafts.compilation_docx", slug=slug, version_id=version.id,
                            _external=True),
        "paragraphs": [{
            "id": entry.paragraph.id,
            "key": entry.paragraph.key.key,
            "label": entry.paragraph.label,
            "kind": entry.paragraph.kind.value,
            "text": entry.paragraph.text,
            "html": entry.paragraph.html,
            "proposals": [proposal_data(p) for p in entry.proposals],
        } for entry in compilation.entries],
    }


@bp.get("/versions/<int:version_id>/compilation")
def version_compilation(version_id: int):
    """Every paragraph with its public proposals, attributed, with supporters and dispositions."""
    user = api_user()
    version = get_version(user, version_id)
    payload = compilation_data(compile_version(user, version, request.args.get("lang")))
    if not version.is_public:
        response = jsonify(payload)
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response = _cached_json(payload)
    # The same for every caller (public data only), but it changes with each proposal,
    # support and disposition: shared caches may keep it, always revalidated.
    response.headers["Cache-Control"] = "public, no-cache"
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
                                   "description": "Active, visible amendments, oldest first"}}}
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
                       "paragraphs": {"type": "array", "items": {
                           "$ref": "#/components/schemas/CompilationParagraph"}}}}
    return {"CompiledProposal": proposal, "CompilationParagraph": paragraph,
            "Compilation": compilation}


def openapi_paths() -> dict:
    """This module's paths for the OpenAPI document."""
    return {"/versions/{id}/compilation": {"get": {
        "summary": "The compilation text: every paragraph with its proposals, attributed, "
                   "with supporters and dispositions",
        "description": "Public data only, whoever asks: hidden proposals and supports are "
                       "left out, and so are withdrawn proposals (counted in "
                       "withdrawn_count). Draft versions: co-facilitators only.",
        "operationId": "getVersionCompilation",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "description": "Version id", "schema": {"type": "integer"}},
                       {"name": "lang", "in": "query", "required": False,
                        "description": "The paragraphs in this language (one of the "
                                       "version's `languages`); proposals as written",
                        "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "The compilation", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Compilation"}}}},
            "304": {"description": "Not modified (If-None-Match)"},
            "404": {"description": "Not found (or a draft the caller may not see)",
                    "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Error"}}}}}}}}
