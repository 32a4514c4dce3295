"""JSON API v1: diff (API.md is the contract).

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

from typing import Literal

from flask import jsonify, url_for
from pydantic import Field, create_model

from consult.api.declare import (ERROR_TEXTS, NOT_MODIFIED, Answer, Query, Reply, operation,
                                 read_query)
from consult.api.views import _cached_json, api_user
from consult.drafts.diff import CHANGES, Change, Comparison, compare_version_ids
from consult.drafts.models import ParagraphKind, VersionStatus
from consult.routes import FIVE_MINUTES_SHARED, Routes, keep_private

routes = Routes()

# A comparison of two published versions never changes: caches may keep it a while.


class VersionRef(Answer):
    """A version compared."""

    id: int
    label: str
    status: VersionStatus
    url: str


class VersionDiffChange(Answer):
    """What became of one paragraph."""

    key: str = Field(description="The paragraph's key, stable across versions")
    change: Literal[CHANGES] = Field(description="moved: out of order relative to the "
                                     "paragraphs around it (renumbering alone is not a "
                                     "move); a moved paragraph may also be edited")
    kind: ParagraphKind | None = None
    from_label: str | None = Field(examples=["OP4"], description="Label in the first "
                                   "version; null when added")
    to_label: str | None = Field(examples=["OP5"], description="Label in the second "
                                 "version; null when removed")
    from_paragraph_id: int | None = None
    to_paragraph_id: int | None = None
    edited: bool | None = Field(None, description="Whether the text changed")
    similarity: float | None = Field(None, ge=0, le=1, description="Text similarity, for "
                                     "paragraphs on both sides")
    html: str = Field(description="The paragraph as HTML; for an edited one, deleted words in "
                                  "<del> and inserted words in <ins>")


# Paragraphs per kind of change.
ChangeCounts = create_model("ChangeCounts", __base__=Answer,
                            **{name: (int, 0) for name in CHANGES})


class VersionDiff(Answer):
    """Two versions compared, paragraph by paragraph."""

    consultation: str = Field(description="The consultation's slug")
    from_: VersionRef = Field(alias="from")
    to: VersionRef
    same_version: bool = Field(description="Both ids name one version: every paragraph is "
                                           "listed as unchanged")
    language: str | None = Field(description="The language of the texts compared")
    counts: ChangeCounts
    url: str = Field(description="The comparison's permanent page")
    changes: list[VersionDiffChange] = Field(description="In reading order of the second "
                                             "version; a removed paragraph follows the "
                                             "paragraph that preceded it in the first")


class DiffQuery(Query):
    """The language compared."""

    lang: str | None = Field(None, description="Compare the texts in this language, which "
                             "both versions must have (404 otherwise); default the originals")


def _version_ref(version) -> VersionRef:
    return VersionRef(id=version.id, label=version.label, status=version.status,
                      url=url_for("drafts.version", slug=version.consultation.slug,
                                  version_id=version.id, _external=True))


def change_data(change: Change) -> VersionDiffChange:
    """The fields of one paragraph's change (API.md: key, change, labels, html)."""
    return VersionDiffChange(
        key=change.key,
        change=change.change,
        kind=change.paragraph.kind,
        from_label=change.from_label,
        to_label=change.to_label,
        from_paragraph_id=change.from_paragraph.id if change.from_paragraph else None,
        to_paragraph_id=change.to_paragraph.id if change.to_paragraph else None,
        edited=change.edited,
        similarity=change.similarity,
        html=change.html,
    )


def comparison_data(comparison: Comparison) -> VersionDiff:
    """The whole comparison: both versions, counts per change, changes in reading order."""
    old, new = comparison.from_version, comparison.to_version
    return VersionDiff(
        consultation=comparison.consultation.slug,
        from_=_version_ref(old),
        to=_version_ref(new),
        same_version=comparison.same_version,
        language=comparison.language,
        counts=ChangeCounts(**comparison.counts),
        url=url_for("drafts.compare", slug=comparison.consultation.slug, a=old.id,
                    b=new.id, _external=True),
        changes=[change_data(change) for change in comparison.changes],
    )


@routes.get("/versions/<int:a>/diff/<int:b>", cache=FIVE_MINUTES_SHARED)
@operation("diffVersions", "Compare two versions of one consultation, paragraph by paragraph",
           description="Any two versions of the same consultation (drafts only for those who "
                       "run it). Paragraphs are aligned by key, so a renumbered or moved "
                       "paragraph is shown as such, not as removed and added.",
           query=DiffQuery, path={"a": "Version id (from)", "b": "Version id (to)"},
           replies={200: Reply("The comparison", VersionDiff), 304: NOT_MODIFIED},
           errors={400: "The versions belong to different consultations",
                   404: ERROR_TEXTS[404]})
def version_diff(a: int, b: int):
    """Version a compared with version b, paragraph by paragraph (by key)."""
    comparison = compare_version_ids(api_user(), a, b, read_query(DiffQuery).lang)
    payload = comparison_data(comparison).dump()
    if comparison.is_public:
        # Both texts are published, hence fixed since the later publication.
        response = _cached_json(payload, last_modified=max(
            comparison.from_version.published_at, comparison.to_version.published_at))
        return response
    keep_private()  # a draft is involved: seen only by those who run the consultation
    return jsonify(payload)
