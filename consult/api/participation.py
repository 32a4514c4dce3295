"""JSON API v1: threads, submissions, edits and withdrawals (API.md is the contract).

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from consult import permissions
from consult.api.views import _cached_json, _iso, api_user, json_body, require_login
from consult.comments import services
from consult.db import db
from consult.drafts.models import Paragraph
from consult.drafts.services import get_version
from consult.errors import Invalid, NotFound
from consult.routes import NO_STORE, REVALIDATED, Routes, keep_private
from consult.urls import MAX_ID

routes = Routes()

# Fields a client may send; anything else is refused, so that a misspelt field
# ("proposed_txt") is reported instead of silently ignored.
POST_FIELDS = {"body", "kind", "proposed_text", "parent_id", "language"}
PATCH_FIELDS = {"body", "proposed_text", "revision"}


# --- serialisers -----------------------------------------------------------------------

def submission_data(item: services.ThreadItem | None = None, *, submission=None,
                    supporters=None, with_replies: bool = True) -> dict:
    """The fields of a submission (API.md), with its visible replies when threaded.

    In thread listings everything comes from rows already loaded (the thread's supports,
    the identity map for versions and paragraphs), so a thread costs no query per item.
    """
    s = item.submission if item is not None else submission
    if supporters is None:
        supporters = item.supporters if item is not None else services.supporters_of(s)
    paragraph = s.paragraph
    slug = s.version.consultation.slug
    data = {
        "id": s.id,
        "consultation": slug,
        "version_id": s.version_id,
        "paragraph_id": s.paragraph_id,
        "paragraph_label": paragraph.label if paragraph else None,
        "paragraph_key": paragraph.key.key if paragraph else None,
        "parent_id": s.parent_id,
        "kind": s.kind.value,
        "language": s.language,
        "body": s.body,
        "html": s.body_html,
        "proposed_text": s.proposed_text,
        "proposed_diff_html": s.proposed_diff_html,
        "proposed_html": s.proposed_html,
        "author": s.author.name,
        "delegation": {"code": s.delegation.code, "name": s.delegation.name_en},
        "created_at": _iso(s.created_at),
        "edited_at": _iso(s.edited_at),
        "withdrawn_at": _iso(s.withdrawn_at),
        "status": s.public_status,
        "revision": s.revision,
        "supporters": [d.code for d in supporters],
        "disposition": s.disposition.value if s.disposition else None,
        "disposition_note": s.disposition_note,
        "url": url_for("comments.submission", slug=slug, submission_id=s.id, _external=True),
    }
    if s.is_concealed:
        # Only its author and the moderators get this far: tell them why.
        data["hidden"] = {"at": _iso(s.hidden_at), "reason_code": s.hidden_reason_code,
                          "reason": s.hidden_reason, "with_parent": not s.is_hidden}
    if item is not None and with_replies:
        data["replies"] = [submission_data(reply) for reply in item.replies]
    return data


def _thread_data(thread: services.Thread) -> dict:
    return {
        "version": {"id": thread.version.id, "label": thread.version.label},
        "paragraph_id": thread.paragraph.id if thread.paragraph else None,
        "paragraph_label": thread.paragraph.label if thread.paragraph else None,
        "paragraph_key": thread.paragraph.key.key if thread.paragraph else None,
        "count": thread.count,
        "submissions": [submission_data(item) for item in thread.items],
        # The conversations come a page at a time (?page=, ?per_page=, ?order=).
        "conversations": thread.conversations,
        "page": thread.page,
        "pages": thread.pages,
        "per_page": thread.per_page,
        "order": thread.order,
    }


def _page_args() -> dict:
    """?page=, ?per_page= (at most 100) and ?order= (activity, oldest) of a thread."""
    from consult.api.moderation import _int_arg

    per_page = _int_arg("per_page", 0) or None
    if per_page is not None and per_page > 100:
        raise Invalid(_("'%(field)s' must be between 1 and 100.", field="per_page"),
                      field="per_page")
    # The API keeps the order it always had (conversations as they were started); the
    # pages put the newest activity first.
    return {"page": _int_arg("page", 1), "per_page": per_page,
            "order": request.args.get("order") or "oldest"}


def _detached_data(thread: services.DetachedThread) -> dict:
    """A thread left on a paragraph this version dropped: counted, and where to read it."""
    first, _earlier = services.paragraph_threads(api_user(), thread.paragraph)
    return dict(_thread_data(first), delegations=thread.delegations,
                comments_url=url_for("api.paragraph_comments",
                                     paragraph_id=thread.paragraph.id, _external=True))


def _revision_data(revision) -> dict:
    return {"number": revision.number, "body": revision.body, "html": revision.body_html,
            "proposed_text": revision.proposed_text,
            "proposed_diff_html": revision.proposed_diff_html,
            "proposed_html": revision.proposed_html,
            "written_at": _iso(revision.written_at), "replaced_at": _iso(revision.replaced_at)}


def _changing_response(payload: dict):
    """A read whose answer changes with every post: always revalidated, ETag for 304.

    The public's answer may sit in shared caches (but never be served stale); a logged-in
    caller may see more (their own hidden submissions, a moderator everything), so that
    answer stays private to them.
    """
    response = _cached_json(payload)  # the route's REVALIDATED
    response.vary.update(("Authorization", "Cookie"))
    return response


# --- input -----------------------------------------------------------------------------

def _optional(data: dict, field: str, kind: type):
    value = data.get(field)
    if value is None:
        return None
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise Invalid(_("'%(field)s' must be an integer.", field=field), field=field)
    if kind is str and not isinstance(value, str):
        raise Invalid(_("'%(field)s' must be a string.", field=field), field=field)
    return value


def _refuse_unknown(data: dict, known: set[str]) -> None:
    unknown = set(data) - known
    if unknown:
        raise Invalid(_("Unknown field(s): %(unknown)s; expected %(known)s.",
                        unknown=", ".join(sorted(unknown)), known=", ".join(sorted(known))))


def _submission_fields(data: dict, *, default_kind: str) -> dict:
    _refuse_unknown(data, POST_FIELDS)
    kind = data.get("kind")
    if kind is None:
        kind = default_kind
    if not isinstance(kind, str):
        raise Invalid(_("'%(field)s' must be a string.", field="kind"), field="kind")
    return {"kind": kind, "body": _optional(data, "body", str),
            "proposed_text": _optional(data, "proposed_text", str),
            "parent_id": _optional(data, "parent_id", int),
            "language": _optional(data, "language", str)}


def _load_paragraph(user, paragraph_id: int) -> Paragraph:
    paragraph = db.session.get(Paragraph, paragraph_id) if 0 < paragraph_id <= MAX_ID else None
    if paragraph is None:
        raise NotFound(_("Not found."))
    # A draft's paragraphs stay invisible (404) to all but those who run the consultation.
    permissions.require(user, "view_version", paragraph.version)
    return paragraph


def _created(submission):
    submission = services.get_submission(api_user(), submission.id)
    response = jsonify(submission_data(submission=submission))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_comment", submission_id=submission.id,
                                           _external=True)
    return response


# --- endpoints -------------------------------------------------------------------------

@routes.get("/paragraphs/<int:paragraph_id>/comments", cache=REVALIDATED)
def paragraph_comments(paragraph_id: int):
    """The visible thread on a paragraph, and those on its earlier versions (same key)."""
    user = api_user()
    paragraph = _load_paragraph(user, paragraph_id)
    args = _page_args()
    current, earlier = services.paragraph_threads(user, paragraph, request.args.get("in"),
                                                  earlier_items=args["per_page"] or 20,
                                                  **args)
    payload = _thread_data(current)
    payload["earlier"] = [_thread_data(thread) for thread in earlier]
    return _changing_response(payload)


@routes.post("/paragraphs/<int:paragraph_id>/comments")
def post_paragraph_comment(paragraph_id: int):
    """Comment, reply, amendment or support on a paragraph (delegates and observers)."""
    user = require_login()
    data = json_body()
    paragraph = _load_paragraph(user, paragraph_id)
    fields = _submission_fields(data, default_kind="comment")
    return _created(services.post_submission(user, paragraph=paragraph, **fields))


@routes.get("/versions/<int:version_id>/comments", cache=REVALIDATED)
def version_comments(version_id: int):
    """General statements on a version with their replies, and detached threads."""
    user = api_user()
    version = get_version(user, version_id)
    payload = _thread_data(services.statement_thread(user, version, **_page_args()))
    payload["detached"] = [_detached_data(thread)
                           for thread in services.detached_threads(user, version)]
    return _changing_response(payload)


@routes.post("/versions/<int:version_id>/comments")
def post_version_comment(version_id: int):
    """A general statement on a version (kind statement), or a reply to one (kind comment)."""
    user = require_login()
    data = json_body()
    version = get_version(user, version_id)
    fields = _submission_fields(data, default_kind="statement")
    return _created(services.post_submission(user, version=version, **fields))


@routes.get("/comments/<int:submission_id>", cache=REVALIDATED)
def get_comment(submission_id: int):
    """One submission with its edit history and its visible replies."""
    user = api_user()
    submission = services.get_submission(user, submission_id)
    payload = submission_data(submission=submission)
    payload["replies"] = [submission_data(item) for item in services.replies_to(user, submission)]
    payload["revisions"] = [_revision_data(r) for r in submission.revisions]
    if submission.is_concealed:
        keep_private()  # shown only to moderators and the author: never kept by any cache
        return jsonify(payload)
    return _changing_response(payload)


@routes.patch("/comments/<int:submission_id>", cache=NO_STORE)
def edit_comment(submission_id: int):
    """Edit one's own submission while the period is open; the earlier text is kept."""
    user = require_login()
    data = json_body()
    _refuse_unknown(data, PATCH_FIELDS)
    body = _optional(data, "body", str)
    proposed_text = _optional(data, "proposed_text", str)
    revision = _optional(data, "revision", int)
    if body is None and proposed_text is None:
        raise Invalid(_("Send 'body' and/or 'proposed_text' to edit."))
    submission = services.get_submission(user, submission_id)
    services.edit_submission(user, submission, body=body, proposed_text=proposed_text,
                             expected_revision=revision)
    return _fresh_comment(submission_id)


@routes.post("/comments/<int:submission_id>/withdraw", cache=NO_STORE)
def withdraw_comment(submission_id: int):
    """Withdraw one's own submission (a support: any member of its delegation)."""
    user = require_login()
    if request.get_data(cache=True):
        json_body()  # a body, when sent, must at least be a JSON object
    submission = services.get_submission(user, submission_id)
    services.withdraw_submission(user, submission)
    return _fresh_comment(submission_id)


def _fresh_comment(submission_id: int):
    """The submission as just committed, never from a cache."""
    db.session.expire_all()
    return get_comment(submission_id)  # the route's NO_STORE
