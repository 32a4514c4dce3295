"""JSON API v1: hiding, restoring, dispositions, deadlines and the public log (API.md).

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for
from flask_babel import gettext as _
from pydantic import Field

from consult.api.declare import (Answer, Body, Query, Reply, Timestamp, one_of, operation,
                                 read_body, read_query)
from consult.api.participation import SubmissionDetail, _fresh_comment
from consult.api.views import VersionSummary, api_user, require_login, version_summary
from consult.audit.models import LogEntry as LogRow
from consult.comments.models import Disposition
from consult.drafts import services as drafts
from consult.errors import Invalid
from consult.moderation import log_text, services
from consult.paging import MAX_PAGE
from consult.routes import NO_STORE, SHARED, Routes

routes = Routes()

REASON = {"json_schema_extra": {"maxLength": services.MAX_REASON_CHARS}}
CHANGED = {200: Reply("The submission after the change", SubmissionDetail)}


# --- answers and bodies ------------------------------------------------------------------

class HideRequest(Body):
    """Why a submission is hidden: a code from the list, or words (filed as "other")."""

    reason: str | None = Field(None, **REASON)
    reason_code: one_of(services.HIDE_REASONS) | None = None


class RestoreRequest(Body):
    """Why a hidden submission is shown again."""

    reason: str | None = Field(None, **REASON)


class DispositionRequest(Body):
    """What became of a proposed amendment."""

    messages = {"disposition": lambda: _("'disposition' is required: pending, incorporated, "
                                         "partly_incorporated or not_retained.")}
    disposition: str = Field(json_schema_extra={"enum": [d.value for d in Disposition]})
    note: str | None = Field(None, **REASON)


class DeadlineRequest(Body):
    """A new deadline for comments, or 'now' to close the period."""

    comments_close_at: str | None = Field(None, description="ISO 8601 date-time (UTC if no "
                                          "offset), or 'now' to close")
    reason: str | None = None


class LogActor(Answer):
    """Who acted."""

    name: str
    role: str


class LogTarget(Answer):
    """What was acted on (the facts the log recorded, null when unknown)."""

    type: str
    id: int | None
    label: str | None = Field(description="The English label, e.g. 'amendment FRA Rev.1 "
                                          "OP3'")
    url: str | None
    kind: str | None = Field(None, description="submission: comment, amendment, support or "
                                               "statement")
    reply: bool | None = Field(None, description="submission: a reply to another submission")
    delegation: str | None = Field(None, description="submission: its delegation's code")
    proposer: str | None = Field(None, description="support: the code of the delegation "
                                                   "that proposed the amendment")
    version_label: str | None = Field(None, description="the version's label")
    paragraph: str | None = Field(None, description="submission: the paragraph's label")
    symbol: str | None = Field(None, description="version: its UN document symbol")


class LogEntry(Answer):
    """One entry of the public log."""

    id: int
    at: Timestamp
    consultation: str | None
    actor: LogActor
    action: str = Field(json_schema_extra={"enum": list(services.LOG_ACTIONS)})
    target: LogTarget
    description: str = Field(description="The target in the request's language "
                                          "(Accept-Language, ?lang=)")
    reason: str
    reason_code: str | None
    details: dict[str, Any]


class LogPage(Answer):
    """A page of the public log, newest first."""

    total: int
    page: int
    per_page: int
    pages: int
    entries: list[LogEntry]


class LogQuery(Query):
    """Which entries of the log."""

    consultation: str | None = Field(None, description="The consultation's slug")
    action: one_of(services.LOG_ACTIONS) | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(50, ge=1, le=200)


# --- endpoints -------------------------------------------------------------------------

def _submission(user, submission_id: int):
    return services.get_submission_to_moderate(user, submission_id)


@routes.post("/comments/<int:submission_id>/hide", cache=NO_STORE)
@operation("hideComment", "Hide a submission and the replies under it (co-facilitators; "
           "logged)", body=HideRequest, replies=CHANGED, errors=(400, 401, 403, 404, 409),
           login=True)
def hide_comment(submission_id: int):
    """Hide a submission and the replies under it (co-facilitators); logged."""
    user = require_login()
    sent = read_body(HideRequest)
    reason = sent.reason or ""
    # A reason is required: a code from the list, or words (then filed as "other").
    code = sent.reason_code or ("other" if reason.strip() else None)
    if code is None:
        raise Invalid(_("Give a 'reason' (and optionally a 'reason_code': %(codes)s).",
                        codes=", ".join(services.HIDE_REASONS)), field="reason")
    services.hide_submission(user, _submission(user, submission_id), reason_code=code,
                             reason=reason)
    return _fresh_comment(submission_id)


@routes.post("/comments/<int:submission_id>/restore", cache=NO_STORE)
@operation("restoreComment", "Show a hidden submission again (co-facilitators; logged)",
           body=RestoreRequest, replies=CHANGED, errors=(400, 401, 403, 404, 409),
           login=True)
def restore_comment(submission_id: int):
    """Show a hidden submission again (co-facilitators); logged."""
    user = require_login()
    sent = read_body(RestoreRequest)
    services.restore_submission(user, _submission(user, submission_id), reason=sent.reason)
    return _fresh_comment(submission_id)


@routes.post("/comments/<int:submission_id>/disposition", cache=NO_STORE)
@operation("setDisposition", "Record the disposition of a proposed amendment "
           "(co-facilitators; logged)", body=DispositionRequest, replies=CHANGED,
           errors=(400, 401, 403, 404, 409), login=True)
def set_comment_disposition(submission_id: int):
    """Record what became of a proposed amendment (co-facilitators); logged."""
    user = require_login()
    sent = read_body(DispositionRequest)
    services.set_disposition(user, _submission(user, submission_id), sent.disposition,
                             sent.note or "")
    return _fresh_comment(submission_id)


@routes.post("/versions/<int:version_id>/deadline", cache=NO_STORE)
@operation("changeDeadline", "Close the comment period now or move its deadline "
           "(co-facilitators; logged)", body=DeadlineRequest,
           replies={200: Reply("The version", VersionSummary)},
           errors=(400, 401, 403, 404, 409), login=True)
def change_version_deadline(version_id: int):
    """Close a published version's comment period now, or move its deadline; logged."""
    user = require_login()
    sent = read_body(DeadlineRequest)
    version = drafts.get_version(user, version_id)
    services.change_deadline(user, version, sent.comments_close_at, reason=sent.reason)
    return jsonify(version_summary(version).dump())


def log_entry_data(entry: LogRow, slugs: dict[int, str]) -> LogEntry:
    """The public fields of one log entry."""
    slug = slugs.get(entry.consultation_id)
    url = None
    if slug and entry.target_type == "submission" and entry.target_id:
        url = url_for("comments.submission", slug=slug, submission_id=entry.target_id,
                      _external=True)
    elif slug and entry.target_type == "version" and entry.target_id:
        url = url_for("drafts.version", slug=slug, version_id=entry.target_id, _external=True)
    return LogEntry(
        id=entry.id,
        at=entry.at,
        consultation=slug,
        actor=LogActor(name=entry.actor_name, role=entry.actor_role),
        action=entry.action,
        target=LogTarget(type=entry.target_type, id=entry.target_id, label=entry.target_label,
                         url=url, **_target_facts(entry)),
        # The target in the request's language (Accept-Language or ?lang=).
        description=log_text.describe_target(entry),
        reason=services.log_reason_text(entry),
        reason_code=(entry.details or {}).get("reason_code"),
        details={k: v for k, v in (entry.details or {}).items()
                 if k not in ("reason_code", "target")},
    )


# What the log records about each kind of target (API.md: `target`), null when unknown.
TARGET_FACTS = {"submission": ("kind", "reply", "delegation", "proposer", "version_label",
                               "paragraph"),
                "version": ("version_label", "symbol")}


def _target_facts(entry: LogRow) -> dict:
    facts = log_text.target_facts(entry) or {}
    return {name: facts.get(name) for name in TARGET_FACTS.get(entry.target_type, ())}


@routes.get("/moderation-log", cache=SHARED)
@operation("getModerationLog", "The public log of every publication and moderation action",
           query=LogQuery, replies={200: Reply("Entries, newest first", LogPage)},
           errors=(400, 404))
def moderation_log():
    """Every moderation and publication action, newest first (public)."""
    api_user()
    query = read_query(LogQuery)
    consultation = drafts.get_consultation(query.consultation) if query.consultation else None
    log = services.list_log(consultation=consultation, action=query.action, page=query.page,
                            per_page=query.per_page)
    slugs = {c.id: c.slug for c in drafts.list_consultations()}
    response = jsonify(LogPage(total=log.total, page=log.page, per_page=log.per_page,
                               pages=log.pages,
                               entries=[log_entry_data(e, slugs) for e in log.entries]).dump())
    # `description` is in the reader's language: shared caches keep one copy per language.
    response.vary.update(("Accept-Language", "Cookie"))
    return response
