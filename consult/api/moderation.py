"""JSON API v1: hiding, restoring, dispositions, deadlines and the public log (API.md).

Its routes join the API blueprint in `consult.api.views.blueprint`.
"""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from consult.api.participation import _fresh_comment, _optional, _refuse_unknown
from consult.api.views import (
    _iso,
    api_user,
    json_body,
    require_login,
    version_summary,
)
from consult.audit.models import LogEntry
from consult.drafts import services as drafts
from consult.errors import Invalid
from consult.moderation import log_text, services
from consult.paging import page_number
from consult.routes import NO_STORE, SHARED, Routes

routes = Routes()


def _submission(user, submission_id: int):
    return services.get_submission_to_moderate(user, submission_id)


@routes.post("/comments/<int:submission_id>/hide", cache=NO_STORE)
def hide_comment(submission_id: int):
    """Hide a submission and the replies under it (co-facilitators); logged."""
    user = require_login()
    data = json_body()
    _refuse_unknown(data, {"reason", "reason_code"})
    reason = _optional(data, "reason", str) or ""
    # A reason is required: a code from the list, or words (then filed as "other").
    code = _optional(data, "reason_code", str) or ("other" if reason.strip() else None)
    if code is None:
        raise Invalid(_("Give a 'reason' (and optionally a 'reason_code': %(codes)s).",
                        codes=", ".join(services.HIDE_REASONS)), field="reason")
    services.hide_submission(user, _submission(user, submission_id), reason_code=code,
                             reason=reason)
    return _fresh_comment(submission_id)


@routes.post("/comments/<int:submission_id>/restore", cache=NO_STORE)
def restore_comment(submission_id: int):
    """Show a hidden submission again (co-facilitators); logged."""
    user = require_login()
    data = json_body()
    _refuse_unknown(data, {"reason"})
    services.restore_submission(user, _submission(user, submission_id),
                                reason=_optional(data, "reason", str))
    return _fresh_comment(submission_id)


@routes.post("/comments/<int:submission_id>/disposition", cache=NO_STORE)
def set_comment_disposition(submission_id: int):
    """Record what became of a proposed amendment (co-facilitators); logged."""
    user = require_login()
    data = json_body()
    _refuse_unknown(data, {"disposition", "note"})
    if data.get("disposition") is None:
        raise Invalid(_("'disposition' is required: pending, incorporated, "
                        "partly_incorporated or not_retained."), field="disposition")
    services.set_disposition(user, _submission(user, submission_id), data["disposition"],
                             _optional(data, "note", str) or "")
    return _fresh_comment(submission_id)


@routes.post("/versions/<int:version_id>/deadline", cache=NO_STORE)
def change_version_deadline(version_id: int):
    """Close a published version's comment period now, or move its deadline; logged."""
    user = require_login()
    data = json_body()
    _refuse_unknown(data, {"comments_close_at", "reason"})
    deadline = _optional(data, "comments_close_at", str)
    version = drafts.get_version(user, version_id)
    services.change_deadline(user, version, deadline, reason=_optional(data, "reason", str))
    return jsonify(version_summary(version))


def log_entry_data(entry: LogEntry, slugs: dict[int, str]) -> dict:
    """The public fields of one log entry."""
    slug = slugs.get(entry.consultation_id)
    url = None
    if slug and entry.target_type == "submission" and entry.target_id:
        url = url_for("comments.submission", slug=slug, submission_id=entry.target_id,
                      _external=True)
    elif slug and entry.target_type == "version" and entry.target_id:
        url = url_for("drafts.version", slug=slug, version_id=entry.target_id, _external=True)
    return {
        "id": entry.id,
        "at": _iso(entry.at),
        "consultation": slug,
        "actor": {"name": entry.actor_name, "role": entry.actor_role},
        "action": entry.action,
        "target": {"type": entry.target_type, "id": entry.target_id,
                   "label": entry.target_label, "url": url, **_target_facts(entry)},
        # The target in the request's language (Accept-Language or ?lang=).
        "description": log_text.describe_target(entry),
        "reason": services.log_reason_text(entry),
        "reason_code": (entry.details or {}).get("reason_code"),
        "details": {k: v for k, v in (entry.details or {}).items()
                    if k not in ("reason_code", "target")},
    }


# What the log records about each kind of target (API.md: `target`), null when unknown.
TARGET_FACTS = {"submission": ("kind", "reply", "delegation", "proposer", "version_label",
                               "paragraph"),
                "version": ("version_label", "symbol")}


def _target_facts(entry: LogEntry) -> dict:
    facts = log_text.target_facts(entry) or {}
    return {name: facts.get(name) for name in TARGET_FACTS.get(entry.target_type, ())}


def _int_arg(name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 7:
        raise Invalid(_("'%(field)s' must be a positive integer.", field=name), field=name)
    return int(raw)


@routes.get("/moderation-log", cache=SHARED)
def moderation_log():
    """Every moderation and publication action, newest first (public)."""
    api_user()
    slug = request.args.get("consultation")
    consultation = drafts.get_consultation(slug) if slug else None
    log = services.list_log(consultation=consultation, action=request.args.get("action") or None,
                            page=page_number(request.args.get("page")), per_page=_int_arg("per_page", 50))
    slugs = {c.id: c.slug for c in drafts.list_consultations()}
    response = jsonify({"total": log.total, "page": log.page, "per_page": log.per_page,
                        "pages": log.pages,
                        "entries": [log_entry_data(e, slugs) for e in log.entries]})
    # `description` is in the reader's language: shared caches keep one copy per language.
    response.vary.update(("Accept-Language", "Cookie"))
    return response


def openapi_schemas() -> dict:
    """This module's schemas for the OpenAPI document."""
    nullable = {"type": "string", "nullable": True}
    return {
        "HideRequest": {"type": "object", "properties": {
            "reason": {"type": "string", "maxLength": services.MAX_REASON_CHARS},
            "reason_code": {"type": "string", "enum": list(services.HIDE_REASONS)}}},
        "RestoreRequest": {"type": "object", "required": ["reason"], "properties": {
            "reason": {"type": "string", "maxLength": services.MAX_REASON_CHARS}}},
        "DispositionRequest": {"type": "object", "required": ["disposition"], "properties": {
            "disposition": {"type": "string", "enum": ["pending", "incorporated",
                                                       "partly_incorporated", "not_retained"]},
            "note": {"type": "string", "maxLength": services.MAX_REASON_CHARS}}},
        "DeadlineRequest": {"type": "object", "required": ["comments_close_at", "reason"],
                            "properties": {
            "comments_close_at": {"type": "string", "description":
                                  "ISO 8601 date-time (UTC if no offset), or 'now' to close"},
            "reason": {"type": "string"}}},
        "LogEntry": {"type": "object", "properties": {
            "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"},
            "consultation": nullable,
            "actor": {"type": "object", "properties": {"name": {"type": "string"},
                                                       "role": {"type": "string"}}},
            "action": {"type": "string", "enum": list(services.LOG_ACTIONS)},
            "target": {"type": "object", "properties": {
                "type": {"type": "string"}, "id": {"type": "integer", "nullable": True},
                "label": {"type": "string", "description":
                          "The English label, e.g. 'amendment FRA Rev.1 OP3'"},
                "url": nullable,
                "kind": {**nullable, "description": "submission: comment, amendment, "
                         "support or statement"},
                "reply": {"type": "boolean", "nullable": True,
                          "description": "submission: a reply to another submission"},
                "delegation": {**nullable, "description": "submission: its delegation's code"},
                "proposer": {**nullable, "description":
                             "support: the code of the delegation that proposed the amendment"},
                "version_label": {**nullable, "description": "the version's label"},
                "paragraph": {**nullable, "description": "submission: the paragraph's label"},
                "symbol": {**nullable, "description": "version: its UN document symbol"}}},
            "description": {"type": "string", "description":
                            "The target in the request's language (Accept-Language, ?lang=)"},
            "reason": {"type": "string"}, "reason_code": nullable,
            "details": {"type": "object"}}},
        "LogPage": {"type": "object", "properties": {
            "total": {"type": "integer"}, "page": {"type": "integer"},
            "per_page": {"type": "integer"}, "pages": {"type": "integer"},
            "entries": {"type": "array", "items": {"$ref": "#/components/schemas/LogEntry"}}}},
    }


def openapi_paths() -> dict:
    """This module's paths for the OpenAPI document."""
    from consult.api.openapi import _error_responses, _json

    def comment_action(summary: str, operation: str, body: str) -> dict:
        return {"post": {
            "summary": summary, "operationId": operation, "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "requestBody": {"required": True, "content": _json(body)},
            "responses": {"200": {"description": "The submission after the change",
                                  "content": _json("Submission")},
                          **_error_responses(400, 401, 403, 404, 409)}}}

    return {
        "/comments/{id}/hide": comment_action(
            "Hide a submission and the replies under it (co-facilitators; logged)",
            "hideComment", "HideRequest"),
        "/comments/{id}/restore": comment_action(
            "Show a hidden submission again (co-facilitators; logged)", "restoreComment",
            "RestoreRequest"),
        "/comments/{id}/disposition": comment_action(
            "Record the disposition of a proposed amendment (co-facilitators; logged)",
            "setDisposition", "DispositionRequest"),
        "/versions/{id}/deadline": {"post": {
            "summary": "Close the comment period now or move its deadline (co-facilitators; "
                       "logged)", "operationId": "changeDeadline", "security": [{"bearer": []}],
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "requestBody": {"required": True, "content": _json("DeadlineRequest")},
            "responses": {"200": {"description": "The version",
                                  "content": _json("VersionSummary")},
                          **_error_responses(400, 401, 403, 404, 409)}}},
        "/moderation-log": {"get": {
            "summary": "The public log of every publication and moderation action",
            "operationId": "getModerationLog",
            "parameters": [
                {"name": "consultation", "in": "query", "schema": {"type": "string"}},
                {"name": "action", "in": "query",
                 "schema": {"type": "string", "enum": list(services.LOG_ACTIONS)}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "per_page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 200}}],
            "responses": {"200": {"description": "Entries, newest first",
                                  "content": _json("LogPage")},
                          **_error_responses(400, 404)}}},
    }
