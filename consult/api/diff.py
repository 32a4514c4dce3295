"""JSON API v1: diff (API.md is the contract).

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

from flask import jsonify, request, url_for

from consult.api.views import _cached_json, api_user
from consult.drafts.diff import CHANGES, Change, Comparison, compare_version_ids
from consult.routes import FIVE_MINUTES_SHARED, Routes, keep_private

routes = Routes()

# A comparison of two published versions never changes: caches may keep it a while.


def _version_ref(version) -> dict:
    return {"id": version.id, "label": version.label, "status": version.status.value,
            "url": url_for("drafts.version", slug=version.consultation.slug,
                           version_id=version.id, _external=True)}


def change_data(change: Change) -> dict:
    """The fields of one paragraph's change (API.md: key, change, labels, html)."""
    return {
        "key": change.key,
        "change": change.change,
        "kind": change.paragraph.kind.value,
        "from_label": change.from_label,
        "to_label": change.to_label,
        "from_paragraph_id": change.from_paragraph.id if change.from_paragraph else None,
        "to_paragraph_id": change.to_paragraph.id if change.to_paragraph else None,
        "edited": change.edited,
        "similarity": change.similarity,
        "html": change.html,
    }


def comparison_data(comparison: Comparison) -> dict:
    """The whole comparison: both versions, counts per change, changes in reading order."""
    old, new = comparison.from_version, comparison.to_version
    return {
        "consultation": comparison.consultation.slug,
        "from": _version_ref(old),
        "to": _version_ref(new),
        "same_version": comparison.same_version,
        "language": comparison.language,
        "counts": comparison.counts,
        "url": url_for("drafts.compare", slug=comparison.consultation.slug, a=old.id,
                       b=new.id, _external=True),
        "changes": [change_data(change) for change in comparison.changes],
    }


@routes.get("/versions/<int:a>/diff/<int:b>", cache=FIVE_MINUTES_SHARED)
def version_diff(a: int, b: int):
    """Version a compared with version b, paragraph by paragraph (by key)."""
    comparison = compare_version_ids(api_user(), a, b, request.args.get("lang"))
    payload = comparison_data(comparison)
    if comparison.is_public:
        # Both texts are published, hence fixed since the later publication.
        response = _cached_json(payload, last_modified=max(
            comparison.from_version.published_at, comparison.to_version.published_at))
        return response
    keep_private()  # a draft is involved: seen only by those who run the consultation
    return jsonify(payload)


def openapi_schemas() -> dict:
    """This module's schemas for the OpenAPI document."""
    nullable_string = {"type": "string", "nullable": True}
    version_ref = {"type": "object", "properties": {
        "id": {"type": "integer"}, "label": {"type": "string"},
        "status": {"type": "string", "enum": ["draft", "published", "superseded", "final"]},
        "url": {"type": "string"}}}
    return {
        "VersionDiffChange": {"type": "object", "required": [
            "key", "change", "from_label", "to_label", "html"], "properties": {
            "key": {"type": "string", "description": "The paragraph's key, stable across "
                                                     "versions"},
            "change": {"type": "string", "enum": list(CHANGES),
                       "description": "moved: out of order relative to the paragraphs "
                                      "around it (renumbering alone is not a move); a moved "
                                      "paragraph may also be edited"},
            "kind": {"type": "string",
                     "enum": ["heading", "preambular", "operative", "subparagraph"]},
            "from_label": {**nullable_string, "example": "OP4",
                           "description": "Label in the first version; null when added"},
            "to_label": {**nullable_string, "example": "OP5",
                         "description": "Label in the second version; null when removed"},
            "from_paragraph_id": {"type": "integer", "nullable": True},
            "to_paragraph_id": {"type": "integer", "nullable": True},
            "edited": {"type": "boolean", "description": "Whether the text changed"},
            "similarity": {"type": "number", "nullable": True, "minimum": 0, "maximum": 1,
                           "description": "Text similarity, for paragraphs on both sides"},
            "html": {"type": "string",
                     "description": "The paragraph as HTML; for an edited one, deleted words "
                                    "in <del> and inserted words in <ins>"}}},
        "VersionDiff": {"type": "object", "required": [
            "from", "to", "same_version", "counts", "changes"], "properties": {
            "consultation": {"type": "string", "description": "The consultation's slug"},
            "from": version_ref,
            "to": version_ref,
            "same_version": {"type": "boolean",
                             "description": "Both ids name one version: every paragraph is "
                                            "listed as unchanged"},
            "counts": {"type": "object", "description": "Paragraphs per kind of change",
                       "properties": {name: {"type": "integer"} for name in CHANGES}},
            "url": {"type": "string", "description": "The comparison's permanent page"},
            "changes": {"type": "array",
                        "items": {"$ref": "#/components/schemas/VersionDiffChange"},
                        "description": "In reading order of the second version; a removed "
                                       "paragraph follows the paragraph that preceded it "
                                       "in the first"}}},
    }


def openapi_paths() -> dict:
    """This module's paths for the OpenAPI document."""
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}

    def parameter(name: str, description: str) -> dict:
        return {"name": name, "in": "path", "required": True, "description": description,
                "schema": {"type": "integer"}}

    return {"/versions/{a}/diff/{b}": {"get": {
        "summary": "Compare two versions of one consultation, paragraph by paragraph",
        "description": "Any two versions of the same consultation (drafts only for those "
                       "who run it). Paragraphs are aligned by key, so a renumbered or moved "
                       "paragraph is shown as such, not as removed and added.",
        "operationId": "diffVersions",
        "parameters": [parameter("a", "Version id (from)"), parameter("b", "Version id (to)"),
                       {"name": "lang", "in": "query", "required": False,
                        "description": "Compare the texts in this language, which both "
                                       "versions must have (404 otherwise); default the "
                                       "originals", "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "The comparison", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/VersionDiff"}}}},
            "304": {"description": "Not modified (If-None-Match)"},
            "400": {"description": "The versions belong to different consultations",
                    "content": error},
            "404": {"description": "Not found (or not visible to the caller)",
                    "content": error}}}}}
