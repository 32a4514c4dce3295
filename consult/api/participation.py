"""JSON API v1: threads, submissions, edits and withdrawals (API.md is the contract).

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

from typing import Literal

from flask import jsonify, url_for
from flask_babel import gettext as _
from pydantic import ConfigDict, Field

from consult import permissions
from consult.api.declare import (Answer, Body, Language, Query, Reply, Timestamp, one_of,
                                 operation, read_body, read_query)
from consult.api.views import _cached_json, api_user, require_login
from consult.comments import services
from consult.comments.models import Disposition, SubmissionKind
from consult.db import db
from consult.drafts.models import UN_LANGUAGES, Paragraph
from consult.drafts.services import get_version
from consult.errors import Invalid, NotFound
from consult.routes import NO_STORE, REVALIDATED, Routes, keep_private
from consult.paging import MAX_PAGE
from consult.urls import MAX_ID

routes = Routes()

TEXT = {"json_schema_extra": {"maxLength": 20000}}
PostedKind = one_of(["comment", "amendment", "support"])
StatementKind = one_of(["statement", "comment"])


# --- answers and bodies ------------------------------------------------------------------

class DelegationRef(Answer):
    """The delegation a submission is attributed to."""

    code: str = Field(examples=["FRA"])
    name: str


class HiddenNote(Answer):
    """Why a submission is hidden (for its author and the moderators only)."""

    at: Timestamp | None
    reason_code: str | None
    reason: str | None
    with_parent: bool = Field(description="hidden because a submission above it is")


class Submission(Answer):
    """A submission: comment, amendment, support or statement."""

    id: int
    consultation: str = Field(description="The consultation's slug")
    version_id: int
    paragraph_id: int | None = Field(description="None for a general statement (and its "
                                                 "replies)")
    paragraph_label: str | None = Field(examples=["OP12(b)"])
    paragraph_key: str | None = Field(description="The paragraph's key, stable across "
                                                  "versions")
    parent_id: int | None = Field(description="The submission replied to, or the amendment "
                                              "supported")
    kind: SubmissionKind
    language: Language | None
    body: str = Field(description="Markdown as written")
    html: str = Field(description="The body rendered to safe HTML when it was written")
    proposed_text: str | None = Field(description="Amendments: the proposed wording")
    proposed_diff_html: str | None = Field(description="Amendments: the proposal as "
                                           "word-level changes (<ins>, <del>) against the "
                                           "paragraph's text, both rendered (italics, links)")
    proposed_html: str | None = Field(description="Amendments: the proposed wording "
                                      "rendered to safe HTML, without change marks")
    author: str = Field(description="The author's name")
    delegation: DelegationRef
    created_at: Timestamp
    edited_at: Timestamp | None
    withdrawn_at: Timestamp | None
    status: Literal["active", "withdrawn", "hidden"] = Field(
        description="hidden: shown only to moderators and the author")
    revision: int = Field(description="Number of edits so far; send it back with an edit to "
                                      "be told (409) if someone edited meanwhile")
    supporters: list[str] = Field(description="Codes of the delegations supporting an "
                                              "amendment")
    disposition: Disposition | None
    disposition_note: str | None = Field(description="The co-facilitators' note on the "
                                                     "disposition")
    hidden: HiddenNote | None = Field(None, description="Only on a hidden submission, which "
                                      "only its author and the moderators can read")
    url: str = Field(description="The submission's permanent page")


class ThreadedSubmission(Submission):
    """A submission with the visible replies under it."""

    replies: list[ThreadedSubmission] | None = None


class Revision(Answer):
    """An earlier text of an edited submission."""

    number: int = Field(description="0: the original text, 1: after the first edit…")
    body: str
    html: str
    proposed_text: str | None
    proposed_diff_html: str | None
    proposed_html: str | None
    written_at: Timestamp
    replaced_at: Timestamp


class SubmissionDetail(Submission):
    """One submission, its replies and its earlier texts."""

    replies: list[ThreadedSubmission]
    revisions: list[Revision] = Field(description="Earlier texts, oldest first")


class VersionLabel(Answer):
    """A version named."""

    id: int
    label: str


class Thread(Answer):
    """The conversations of a thread, a page at a time."""

    version: VersionLabel
    paragraph_id: int | None
    paragraph_label: str | None
    paragraph_key: str | None
    count: int = Field(description="Submissions of the whole thread (every page), replies "
                                   "included, supports not")
    submissions: list[ThreadedSubmission] = Field(description="The conversations of this "
                                                  "page, with all their replies")
    conversations: int = Field(description="Conversations (top submissions) in all pages")
    page: int
    pages: int
    per_page: int
    order: Literal["activity", "oldest"]


class ParagraphThreads(Thread):
    """The thread on a paragraph, and those on its earlier versions."""

    earlier: list[Thread] = Field(description="Threads on the same paragraph (key) in "
                                  "earlier versions, newest first: the first page of each")


class DetachedThread(Thread):
    """A thread on a paragraph this version no longer has."""

    delegations: list[str] = Field(description="Who started its conversations")
    comments_url: str = Field(description="The whole thread, a page at a time",
                              json_schema_extra={"format": "uri"})


class VersionThreads(Thread):
    """General statements on a version, and the threads its new text left detached."""

    detached: list[DetachedThread] = Field(description="Threads on paragraphs of earlier "
                                           "versions that this version no longer has: the "
                                           "first page of each")


class NewSubmission(Body):
    """A comment, reply, amendment or support on a paragraph."""

    # Any string: an unknown kind or language is the service's to refuse, in its words.
    kind: PostedKind | None = Field(
        None, description="comment (default), amendment or support")
    body: str | None = Field(None, description="Markdown; required for comments, the "
                             "explanation of an amendment, optional for a support", **TEXT)
    proposed_text: str | None = Field(None, description="Amendments: the paragraph's new "
                                      "wording", **TEXT)
    parent_id: int | None = Field(None, description="Replies: the submission answered; "
                                  "supports: the amendment supported")
    language: one_of(UN_LANGUAGES) | None = None


class NewStatement(NewSubmission):
    """A general statement on a version, or a reply to one."""

    kind: StatementKind | None = Field(
        None, description="statement (default), or comment with parent_id: a reply")


class SubmissionEdit(Body):
    """New words for one's own submission."""

    body: str | None = Field(None, **TEXT)
    proposed_text: str | None = Field(None, description="Amendments only", **TEXT)
    revision: int | None = Field(None, description="The revision the edit started from; "
                                 "409 if the submission was edited since")


class NoFields(Body):
    """An optional body that carries nothing (any JSON object is accepted)."""

    model_config = ConfigDict(extra="ignore", strict=True)


class ThreadQuery(Query):
    """A thread read a page at a time."""

    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int | None = Field(None, ge=1, le=100, description="Conversations per page "
                                 "(default 20)")
    order: str = Field("oldest", description="activity: newest visible submission first; "
                       "oldest: in the order the conversations were started",
                       json_schema_extra={"enum": ["activity", "oldest"]})


class ParagraphThreadQuery(ThreadQuery):
    """A paragraph's thread a page at a time, in one language if asked."""

    in_: one_of(UN_LANGUAGES) | None = Field(None, alias="in", description="Only the "
                                             "conversations started in this language")


# --- serialisers -----------------------------------------------------------------------

def submission_fields(s, supporters) -> dict:
    """The fields of a submission (API.md), for `Submission` and the models built on it."""
    paragraph = s.paragraph
    slug = s.version.consultation.slug
    fields = {
        "id": s.id,
        "consultation": slug,
        "version_id": s.version_id,
        "paragraph_id": s.paragraph_id,
        "paragraph_label": paragraph.label if paragraph else None,
        "paragraph_key": paragraph.key.key if paragraph else None,
        "parent_id": s.parent_id,
        "kind": s.kind,
        "language": s.language,
        "body": s.body,
        "html": s.body_html,
        "proposed_text": s.proposed_text,
        "proposed_diff_html": s.proposed_diff_html,
        "proposed_html": s.proposed_html,
        "author": s.author.name,
        "delegation": DelegationRef(code=s.delegation.code, name=s.delegation.name_en),
        "created_at": s.created_at,
        "edited_at": s.edited_at,
        "withdrawn_at": s.withdrawn_at,
        "status": s.public_status,
        "revision": s.revision,
        "supporters": [d.code for d in supporters],
        "disposition": s.disposition,
        "disposition_note": s.disposition_note,
        "url": url_for("comments.submission", slug=slug, submission_id=s.id, _external=True),
    }
    if s.is_concealed:
        # Only its author and the moderators get this far: tell them why.
        fields["hidden"] = HiddenNote(at=s.hidden_at, reason_code=s.hidden_reason_code,
                                      reason=s.hidden_reason, with_parent=not s.is_hidden)
    return fields


def threaded_submission(item: services.ThreadItem) -> ThreadedSubmission:
    """A submission of a thread with its visible replies.

    Everything comes from rows already loaded (the thread's supports, the identity map for
    versions and paragraphs), so a thread costs no query per item.
    """
    return ThreadedSubmission(**submission_fields(item.submission, item.supporters),
                              replies=[threaded_submission(reply) for reply in item.replies])


def submission_data(submission) -> Submission:
    """One submission, without its replies."""
    return Submission(**submission_fields(submission, services.supporters_of(submission)))


def _thread_fields(thread: services.Thread) -> dict:
    return {
        "version": VersionLabel(id=thread.version.id, label=thread.version.label),
        "paragraph_id": thread.paragraph.id if thread.paragraph else None,
        "paragraph_label": thread.paragraph.label if thread.paragraph else None,
        "paragraph_key": thread.paragraph.key.key if thread.paragraph else None,
        "count": thread.count,
        "submissions": [threaded_submission(item) for item in thread.items],
        # The conversations come a page at a time (?page=, ?per_page=, ?order=).
        "conversations": thread.conversations,
        "page": thread.page,
        "pages": thread.pages,
        "per_page": thread.per_page,
        "order": thread.order,
    }


def _page_args(query: ThreadQuery) -> dict:
    """?page=, ?per_page= (at most 100) and ?order= (activity, oldest) of a thread."""
    # The API keeps the order it always had (conversations as they were started); the
    # pages put the newest activity first.
    return {"page": query.page, "per_page": query.per_page or None,
            "order": query.order or "oldest"}


def _detached_data(thread: services.DetachedThread) -> DetachedThread:
    """A thread left on a paragraph this version dropped: counted, and where to read it."""
    first, _earlier = services.paragraph_threads(api_user(), thread.paragraph)
    return DetachedThread(**_thread_fields(first), delegations=thread.delegations,
                          comments_url=url_for("api.paragraph_comments",
                                               paragraph_id=thread.paragraph.id,
                                               _external=True))


def _revision_data(revision) -> Revision:
    return Revision(number=revision.number, body=revision.body, html=revision.body_html,
                    proposed_text=revision.proposed_text,
                    proposed_diff_html=revision.proposed_diff_html,
                    proposed_html=revision.proposed_html, written_at=revision.written_at,
                    replaced_at=revision.replaced_at)


def _changing_response(payload: Answer):
    """A read whose answer changes with every post: always revalidated, ETag for 304.

    The public's answer may sit in shared caches (but never be served stale); a logged-in
    caller may see more (their own hidden submissions, a moderator everything), so that
    answer stays private to them.
    """
    response = _cached_json(payload.dump())  # the route's REVALIDATED
    response.vary.update(("Authorization", "Cookie"))
    return response


def _submission_fields(sent: NewSubmission, *, default_kind: str) -> dict:
    return {"kind": sent.kind or default_kind, "body": sent.body,
            "proposed_text": sent.proposed_text, "parent_id": sent.parent_id,
            "language": sent.language}


def _load_paragraph(user, paragraph_id: int) -> Paragraph:
    paragraph = db.session.get(Paragraph, paragraph_id) if 0 < paragraph_id <= MAX_ID else None
    if paragraph is None:
        raise NotFound(_("Not found."))
    # A draft's paragraphs stay invisible (404) to all but those who run the consultation.
    permissions.require(user, "view_version", paragraph.version)
    return paragraph


def _created(submission):
    submission = services.get_submission(api_user(), submission.id)
    response = jsonify(submission_data(submission).dump())
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_comment", submission_id=submission.id,
                                           _external=True)
    return response


# --- endpoints -------------------------------------------------------------------------

CHANGING = Reply("Not modified (If-None-Match); threads change, so these answers are "
                 "always revalidated")
POSTING_ERRORS = (400, 401, 403, 404, 409, 413, 429)


@routes.get("/paragraphs/<int:paragraph_id>/comments", cache=REVALIDATED)
@operation("getParagraphComments", "The visible thread on a paragraph, and those on the "
           "same paragraph in earlier versions", query=ParagraphThreadQuery,
           replies={200: Reply("Threads", ParagraphThreads), 304: CHANGING}, errors=(400, 404))
def paragraph_comments(paragraph_id: int):
    """The visible thread on a paragraph, and those on its earlier versions (same key)."""
    user = api_user()
    paragraph = _load_paragraph(user, paragraph_id)
    query = read_query(ParagraphThreadQuery)
    args = _page_args(query)
    current, earlier = services.paragraph_threads(user, paragraph, query.in_,
                                                  earlier_items=args["per_page"] or 20,
                                                  **args)
    return _changing_response(ParagraphThreads(
        **_thread_fields(current),
        earlier=[Thread(**_thread_fields(thread)) for thread in earlier]))


@routes.post("/paragraphs/<int:paragraph_id>/comments")
@operation("postParagraphComment", "Comment, reply, propose an amendment or support one "
           "(delegates, observers)", body=NewSubmission,
           replies={201: Reply("The submission, attributed to the poster's delegation",
                               Submission)}, errors=POSTING_ERRORS, login=True)
def post_paragraph_comment(paragraph_id: int):
    """Comment, reply, amendment or support on a paragraph (delegates and observers)."""
    user = require_login()
    sent = read_body(NewSubmission)
    paragraph = _load_paragraph(user, paragraph_id)
    fields = _submission_fields(sent, default_kind="comment")
    return _created(services.post_submission(user, paragraph=paragraph, **fields))


@routes.get("/versions/<int:version_id>/comments", cache=REVALIDATED)
@operation("getVersionComments", "General statements on a version with their replies, and "
           "threads left detached by earlier versions' removed paragraphs", query=ThreadQuery,
           replies={200: Reply("Threads", VersionThreads), 304: CHANGING}, errors=(400, 404))
def version_comments(version_id: int):
    """General statements on a version with their replies, and detached threads."""
    user = api_user()
    version = get_version(user, version_id)
    thread = services.statement_thread(user, version, **_page_args(read_query(ThreadQuery)))
    return _changing_response(VersionThreads(
        **_thread_fields(thread),
        detached=[_detached_data(detached)
                  for detached in services.detached_threads(user, version)]))


@routes.post("/versions/<int:version_id>/comments")
@operation("postVersionComment", "A general statement on a version, or a reply to one "
           "(delegates, observers)", body=NewStatement,
           replies={201: Reply("The submission", Submission)}, errors=POSTING_ERRORS,
           login=True)
def post_version_comment(version_id: int):
    """A general statement on a version (kind statement), or a reply to one (kind comment)."""
    user = require_login()
    sent = read_body(NewStatement)
    version = get_version(user, version_id)
    fields = _submission_fields(sent, default_kind="statement")
    return _created(services.post_submission(user, version=version, **fields))


def comment_detail(user, submission) -> SubmissionDetail:
    """One submission with its visible replies and its earlier texts."""
    return SubmissionDetail(
        **submission_fields(submission, services.supporters_of(submission)),
        replies=[threaded_submission(item) for item in services.replies_to(user, submission)],
        revisions=[_revision_data(r) for r in submission.revisions])


@routes.get("/comments/<int:submission_id>", cache=REVALIDATED)
@operation("getComment", "One submission, its replies and its earlier texts (404 if hidden, "
           "except for moderators and its author)",
           replies={200: Reply("The submission", SubmissionDetail), 304: CHANGING},
           errors=(404,))
def get_comment(submission_id: int):
    """One submission with its edit history and its visible replies."""
    user = api_user()
    submission = services.get_submission(user, submission_id)
    payload = comment_detail(user, submission)
    if submission.is_concealed:
        keep_private()  # shown only to moderators and the author: never kept by any cache
        return jsonify(payload.dump())
    return _changing_response(payload)


@routes.patch("/comments/<int:submission_id>", cache=NO_STORE)
@operation("editComment", "Edit one's own submission while the period is open; the earlier "
           "text is kept in revisions",
           description="409 (with the reason in the message) when the period has closed, the "
                       "revision is stale, or the submission is a proposal the "
                       "co-facilitators have decided on (any disposition but pending): its "
                       "wording and explanation are then frozen until the disposition is set "
                       "back to pending.",
           body=SubmissionEdit, replies={200: Reply("The edited submission", SubmissionDetail)},
           errors=(400, 401, 403, 404, 409, 413), login=True)
def edit_comment(submission_id: int):
    """Edit one's own submission while the period is open; the earlier text is kept."""
    user = require_login()
    sent = read_body(SubmissionEdit)
    if sent.body is None and sent.proposed_text is None:
        raise Invalid(_("Send 'body' and/or 'proposed_text' to edit."))
    submission = services.get_submission(user, submission_id)
    services.edit_submission(user, submission, body=sent.body,
                             proposed_text=sent.proposed_text, expected_revision=sent.revision)
    return _fresh_comment(submission_id)


@routes.post("/comments/<int:submission_id>/withdraw", cache=NO_STORE)
@operation("withdrawComment", "Withdraw one's own submission (a support: any member of the "
           "delegation); it stays in the record, marked withdrawn",
           description="409 when already withdrawn, when the period has closed, or when the "
                       "proposal (or, for a support, the proposal supported) has a "
                       "disposition other than pending.",
           body=NoFields, body_required=False,
           replies={200: Reply("The withdrawn submission", SubmissionDetail)},
           errors=(400, 401, 403, 404, 409), login=True)
def withdraw_comment(submission_id: int):
    """Withdraw one's own submission (a support: any member of its delegation)."""
    user = require_login()
    read_body(NoFields, optional=True)  # a body, when sent, must at least be a JSON object
    submission = services.get_submission(user, submission_id)
    services.withdraw_submission(user, submission)
    return _fresh_comment(submission_id)


def _fresh_comment(submission_id: int):
    """The submission as just committed, never from a cache."""
    db.session.expire_all()
    return get_comment(submission_id)  # the route's NO_STORE
