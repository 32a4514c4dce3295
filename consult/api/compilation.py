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
from pydantic import Field, create_model

from consult.api.declare import (NOT_MODIFIED, Answer, Query, Reply, Timestamp, operation,
                                 read_query)
from consult.api.participation import Submission, submission_fields
from consult.api.views import _cached_json, api_user
from consult.comments.models import Disposition
from consult.compilation.services import Compilation as CompilationPage
from consult.compilation.services import (Entry, Proposal, Summary, compile_version,
                                          iter_pages, summarize_version, whole_validator)
from consult.drafts.services import get_version
from consult.drafts.models import ParagraphKind, VersionStatus
from consult.paging import MAX_PAGE
from consult.routes import SHARED, Routes, keep_private

routes = Routes()

# Part of the whole answer's validator, which does not hash the bytes sent: bumped whenever
# the JSON written changes shape, so that kept copies are not revalidated in the old one.
JSON_LAYOUT = "2"  # 2: paragraphs written with their fields in declared order


class CompiledProposal(Submission):
    """A proposal: the submission's fields, its marked changes and its fate."""

    disposition: Disposition
    disposition_note: str | None = Field(description="The co-facilitators' reason or comment")


class CompilationParagraph(Answer):
    """One paragraph of the compilation with its proposals."""

    id: int
    key: str = Field(description="Stable across versions")
    label: str = Field(examples=["OP12(b)"])
    kind: ParagraphKind
    text: str = Field(description="Markdown source")
    html: str
    proposals: list[CompiledProposal] = Field(description="Active, visible amendments, "
                                              "oldest first (on a page, those of the page)")
    first_proposal: int = Field(ge=1, description="The number, among the paragraph's "
                                "proposals, of the first one in `proposals`: above 1 on the "
                                "second and later pages of a paragraph with more proposals "
                                "than a page holds")
    proposal_total: int = Field(description="How many proposals the paragraph has, on all "
                                            "pages")


class CompiledVersion(Answer):
    """The version compiled."""

    id: int
    label: str
    symbol: str | None
    status: VersionStatus


# Proposals shown, per disposition.
DispositionCounts = create_model("DispositionCounts", __base__=Answer,
                                 **{d.value: (int, 0) for d in Disposition})


class CompilationHead(Answer):
    """Everything of a compilation but its paragraphs."""

    consultation: str = Field(description="Its slug")
    language: str = Field(description="The language of the paragraphs' text")
    version: CompiledVersion
    counts: DispositionCounts
    proposal_count: int
    withdrawn_count: int = Field(description="Proposals withdrawn by their authors, left out")
    last_changed_at: Timestamp | None
    url: str = Field(description="The HTML page")
    docx_url: str = Field(description="The Word document")
    page: int | None = Field(description="The page sent (?page=); null: the whole "
                                         "compilation")
    pages: int = Field(description="How many pages the compilation has: runs of whole "
                                   "paragraphs of at most COMPILATION_PROPOSALS_PER_PAGE "
                                   "proposals (400 by default; a paragraph with more has "
                                   "pages of its own, its text on each and that many of its "
                                   "proposals)")


class Compilation(CompilationHead):
    """The compilation text: every paragraph (or a page's) with its proposals."""

    paragraphs: list[CompilationParagraph] = Field(description="Every paragraph, or those "
                                                   "of the page asked for")


class CompilationQuery(Query):
    """The language, and one page or the whole."""

    lang: str | None = Field(None, description="The paragraphs in this language (one of the "
                             "version's `languages`); proposals as written")
    page: int | None = Field(None, ge=1, le=MAX_PAGE, description="Only this page's "
                             "paragraphs (from 1 to `pages`); without it, the whole "
                             "compilation")


def proposal_data(proposal: Proposal) -> CompiledProposal:
    """A proposal: the submission fields of API.md, its marked changes and its fate."""
    fields = submission_fields(proposal.submission, proposal.supporters)
    # The compilation's own reading: an amendment without a recorded decision is pending.
    fields.update(disposition=proposal.disposition, disposition_note=proposal.note or None)
    return CompiledProposal(**fields)


def paragraph_data(entry: Entry) -> CompilationParagraph:
    """One paragraph of the compilation with its proposals."""
    return CompilationParagraph(
        id=entry.paragraph.id,
        key=entry.paragraph.key.key,
        label=entry.paragraph.label,
        kind=entry.paragraph.kind,
        text=entry.paragraph.text,
        html=entry.paragraph.html,
        proposals=[proposal_data(p) for p in entry.proposals],
        # Where these proposals stand among the paragraph's, which a page may share out.
        first_proposal=entry.first_number or 1,
        proposal_total=len(entry.proposals) if entry.total is None else entry.total,
    )


def compilation_head(found: CompilationPage | Summary, model=CompilationHead, **more):
    """Everything but the paragraphs: the version, the counts of the whole compilation,
    its links, and how many pages it has (`page`: the one sent, None when whole)."""
    version = found.version
    slug = version.consultation.slug
    page = found.page if isinstance(found, CompilationPage) else None
    return model(
        consultation=slug,
        language=found.language,
        version=CompiledVersion(id=version.id, label=version.label, symbol=version.symbol,
                                status=version.status),
        counts=DispositionCounts(**dict(found.counts)),
        proposal_count=found.proposal_count,
        withdrawn_count=found.withdrawn_count,
        last_changed_at=found.last_changed_at,
        url=url_for("compilation.page", slug=slug, version_id=version.id, _external=True),
        docx_url=url_for("compilation.docx", slug=slug, version_id=version.id,
                         _external=True),
        page=page.number if page else None,
        pages=len(found.pages),
        **more,
    )


def compilation_data(compilation: CompilationPage) -> Compilation:
    """The compilation as loaded (whole, or one page): its head and its paragraphs."""
    return compilation_head(compilation, Compilation,
                            paragraphs=[paragraph_data(entry) for entry in compilation.entries])


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def iter_compilation_json(summary: Summary,
                          parts: Iterable[CompilationPage]) -> Iterator[str]:
    """The whole compilation as one JSON document (compilation_data's shape), in pieces:
    the head first, then each paragraph as its page is read. The head is made at once,
    while the summary's rows are still those of the caller's session."""
    head = _dumps(compilation_head(summary).dump())
    return _json_pieces(head[:-1] + ',"paragraphs":[', parts)  # the head's object left open


def _json_pieces(opening: str, parts: Iterable[CompilationPage]) -> Iterator[str]:
    yield opening
    first = True
    for part in parts:
        for entry in part.entries:
            # Pydantic's writer: the whole compilation's proposals are most of its time.
            yield ("" if first else ",") + paragraph_data(entry).json_text()
            first = False
    yield "]}"


# The answers change with each proposal, support and disposition: shared caches may keep
# them (public data only, the same for every caller) but must always revalidate.
@routes.get("/versions/<int:version_id>/compilation", cache=SHARED)
@operation("getVersionCompilation", "The compilation text: every paragraph with its "
           "proposals, attributed, with supporters and dispositions",
           description="Public data only, whoever asks: hidden proposals and supports are "
                       "left out, and so are withdrawn proposals (counted in "
                       "withdrawn_count). Draft versions: co-facilitators only. Without "
                       "`page`, every paragraph, streamed as it is read; with `page`, only "
                       "that page's paragraphs. The counts are always those of the whole "
                       "compilation.",
           query=CompilationQuery,
           replies={200: Reply("The compilation", Compilation), 304: NOT_MODIFIED},
           errors={400: "`page` is not a number from 1",
                   404: "Not found (or a draft the caller may not see, or a page past the "
                        "last)"})
def version_compilation(version_id: int):
    """Every paragraph with its public proposals, attributed, with supporters and
    dispositions: the whole compilation, streamed, or one page of it (?page=N)."""
    user = api_user()
    version = get_version(user, version_id)
    query = read_query(CompilationQuery)
    if query.page is None:
        return _whole_compilation(user, version, query.lang)
    payload = compilation_data(compile_version(user, version, query.lang,
                                               page=query.page)).dump()
    if not version.is_public:
        keep_private()  # a draft: its staff only
        return jsonify(payload)
    return _cached_json(payload)


def _whole_compilation(user, version, language: str | None):
    """The whole compilation, streamed a page at a time; a 304 costs no proposal read."""
    found = summarize_version(user, version, language)
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
