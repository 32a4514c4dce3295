"""JSON API v1: consultations and versions (API.md is the contract)."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from consult.api.errors import http_error_message, json_error
from consult.api.openapi import build_document
from consult.auth import services as auth_services
from consult.comments import services as comment_services
from consult.db import db
from consult.drafts import services, translations
from consult.errors import Invalid, ServiceError, Unauthorized
from consult.routes import ONE_MINUTE, REVALIDATED, Routes, build_blueprint, keep_private

routes = Routes()



def blueprint() -> Blueprint:
    """The API: this module's routes and those of every module of the package."""
    from consult.api import (akn, compilation, diff, export, feed, moderation, participation,
                             search, translations)

    bp = build_blueprint("api", __name__, routes, *(module.routes for module in (
        participation, search, diff, compilation, translations, moderation, export, akn,
        feed)))
    bp.before_request(authenticate)
    bp.register_error_handler(ServiceError, service_error)
    bp.register_error_handler(CSRFError, csrf_error)
    bp.register_error_handler(HTTPException, http_error)
    return bp


# --- authentication --------------------------------------------------------------------

def authenticate():
    """Bearer token, else the browser session (whose writes must carry the CSRF header)."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _space, secret = header.partition(" ")
        user = auth_services.load_token_user(secret.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            return json_error(401, "unauthorized",
                              _("The API token is missing, invalid or revoked."))
        g.api_user = user
        return None
    g.api_user = current_user if current_user.is_authenticated else None
    if g.api_user is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
        from consult.extensions import csrf
        csrf.protect()
    return None


def api_user():
    """The caller: a user, or None for the public."""
    return g.get("api_user")


def require_login():
    """The caller, who must be authenticated."""
    user = api_user()
    if user is None:
        raise Unauthorized(_("Log in or send Authorization: Bearer TOKEN."))
    return user


def service_error(exc: ServiceError):
    """Every refusal of the API as {"error": {"code", "message", …}} (rolled back already)."""
    response = json_error(exc.status, exc.code, exc.message)
    extra = {}
    if getattr(exc, "warnings", None) is not None:
        # A refused publication lists the numbering problems to confirm (confirm_numbering).
        extra["warnings"] = exc.warnings
    if getattr(exc, "problems", None) is not None:
        # A misaligned translation: which paragraphs do not line up, to fix them all at once.
        extra["paragraphs"] = [problem.as_dict() for problem in exc.problems]
    if extra:
        body = response.get_json()
        body["error"].update(extra)
        response.set_data(json.dumps(body, ensure_ascii=False))
    if exc.status == 429:
        # Posting is limited per window (POST_RATE_LIMIT): by then the allowance is back.
        response.headers["Retry-After"] = str(comment_services.rate_limit().get_expiry())
    return response


def csrf_error(exc):
    return json_error(400, "csrf", _("Missing or invalid X-CSRFToken header for a "
                                     "session-authenticated write."))


def http_error(exc: HTTPException):
    code = {413: "too_large", 404: "not_found", 405: "method_not_allowed",
            500: "internal_error"}.get(exc.code, "invalid")
    # Our own message per status: werkzeug's descriptions are English only.
    return json_error(exc.code or 400, code, http_error_message(exc.code or 400))


def json_body() -> dict:
    """The request's JSON object, or Invalid with a clear message."""
    if not request.is_json:
        raise Invalid(_("Send a JSON body with Content-Type: application/json."))
    try:
        data = json.loads(request.get_data(as_text=False).decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Invalid(_("The body is not valid JSON.")) from None
    if not isinstance(data, dict):
        raise Invalid(_("The body must be a JSON object."))
    if any(_is_unstorable(value) for value in data.values()):
        raise Invalid(_("Text must be valid Unicode without NUL characters."))
    return data


def _is_unstorable(value) -> bool:
    """NUL or lone surrogates ("\\ud800"), which no database column can store."""
    if isinstance(value, str):
        if "\x00" in value:
            return True
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_is_unstorable(k) or _is_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_is_unstorable(v) for v in value)
    return False


def _cached_json(payload: dict, last_modified=None):
    """A JSON response with an ETag (and Last-Modified if given); 304 when the client has it."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    return response.make_conditional(request)


# --- serialisers -----------------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value else None


def version_summary(version) -> dict:
    """The fields of a version in lists."""
    return {
        "id": version.id,
        "label": version.label,
        "symbol": version.symbol,
        "status": version.status.value,
        "based_on": version.based_on_id,
        "created_at": _iso(version.created_at),
        "published_at": _iso(version.published_at),
        "comments_close_at": _iso(version.comments_close_at),
        "original_language": version.language,
        "languages": translations.text_languages(version),
        "url": url_for("drafts.version", slug=version.consultation.slug, version_id=version.id,
                       _external=True),
    }


def paragraph_data(paragraph, slug: str, counts: dict[int, int] | None = None) -> dict:
    """The fields of a paragraph; `counts` maps paragraph ids to visible submissions."""
    return {
        "id": paragraph.id,
        "key": paragraph.key.key,
        "label": paragraph.label,
        "kind": paragraph.kind.value,
        "number": paragraph.number,
        "parent_label": paragraph.parent_label,
        "text": paragraph.text,
        "html": paragraph.html,
        "language": paragraph.version.language,
        "match": paragraph.match_status.value,
        "previous_label": paragraph.previous_label,
        "comment_count": (counts or {}).get(paragraph.id, 0),
        "url": url_for("comments.paragraph", slug=slug, version_id=paragraph.version_id,
                       label=paragraph.anchor, _external=True),
    }


def consultation_data(consultation, user) -> dict:
    """The fields of a consultation with the versions the caller may see."""
    return {
        "slug": consultation.slug,
        "title": consultation.title,
        "status": consultation.status.value,
        "mandate": consultation.mandate,
        "cofacilitators": consultation.cofacilitators,
        "description": consultation.description,
        "reference_date": _iso(consultation.reference_date),
        "versions": [version_summary(v) for v in services.visible_versions(user, consultation)],
    }


# --- endpoints -------------------------------------------------------------------------

@routes.get("/openapi.json", cache=ONE_MINUTE)
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(build_document(request.url_root.rstrip("/") + "/api/v1"))


@routes.get("/consultations", cache=ONE_MINUTE)
def list_consultations():
    """Every consultation: slug, title, status."""
    return jsonify({"consultations": [
        {"slug": c.slug, "title": c.title, "status": c.status.value, "mandate": c.mandate,
         "url": url_for("drafts.consultation", slug=c.slug, _external=True)}
        for c in services.list_consultations()]})


@routes.get("/consultations/<slug>", cache=ONE_MINUTE)
def get_consultation(slug: str):
    """One consultation and its versions."""
    consultation = services.get_consultation(slug)
    return jsonify(consultation_data(consultation, api_user()))


@routes.post("/consultations/<slug>/versions")
def create_version(slug: str):
    """Import a Markdown text as a new version (co-facilitators)."""
    user = require_login()
    consultation = services.get_consultation(slug)
    data = json_body()
    for field in ("label", "text"):
        if not isinstance(data.get(field), str):
            raise Invalid(_("'%(field)s' is required and must be a string.", field=field),
                          field=field)
    for field in ("symbol", "comments_close_at", "language"):
        if data.get(field) is not None and not isinstance(data[field], str):
            raise Invalid(_("'%(field)s' must be a string.", field=field), field=field)
    based_on = data.get("based_on")
    if based_on is not None and (not isinstance(based_on, int) or isinstance(based_on, bool)):
        raise Invalid(_("'%(field)s' must be a version id (integer).", field="based_on"),
                      field="based_on")
    publish = _flag(data, "publish")
    version = services.create_version(
        user, consultation, label=data["label"], text=data["text"], symbol=data.get("symbol"),
        based_on_id=based_on, comments_close_at=data.get("comments_close_at"), publish=publish,
        max_chars=current_app.config["MAX_DRAFT_CHARS"], language=data.get("language"),
        confirm_numbering=_flag(data, "confirm_numbering"))
    return _version_response(version, user), 201


@routes.post("/versions/<int:version_id>/publish")
def publish_version(version_id: int):
    """Publish a draft version (co-facilitators).

    Optional JSON body: `confirm_numbering` (true to publish a draft whose numbering changes
    labels; without it such a draft gets 409 `numbering_unconfirmed` with `warnings`).
    """
    user = require_login()
    version = services.get_version(user, version_id)
    data = json_body() if request.get_data() else {}
    services.publish_version(user, version, confirm_numbering=_flag(data, "confirm_numbering"))
    return _version_response(version, user)


def _flag(data: dict, field: str) -> bool:
    """An optional true/false field of a JSON body (false when absent)."""
    value = data.get(field, False)
    if not isinstance(value, bool):
        raise Invalid(_("'%(field)s' must be true or false.", field=field), field=field)
    return value


def _version_payload(version, user, language: str | None = None) -> dict:
    payload = version_summary(version)
    payload["consultation"] = version.consultation.slug
    # What this caller may see (one query for the whole version, not one per paragraph).
    counts = comment_services.count_submissions(user, version)
    payload["paragraphs"] = [paragraph_data(p, version.consultation.slug, counts)
                             for p in version.paragraphs]
    if language and language != version.language:
        # The same paragraphs (ids, keys, labels, counts) with the text in that language.
        rows = translations.translated_paragraphs(version, language)
        for item in payload["paragraphs"]:
            row = rows.get(item["id"])
            if row is not None:
                item.update(text=row.text, html=row.html, language=language)
    payload["language"] = language or version.language
    return payload


def _text_language(version) -> str | None:
    """The text language asked with ?lang= if the version has it (None: the original).

    A code that is not one of the six is refused (400); one of the six the version has no
    text in gives the original, each paragraph saying its `language`.
    """
    return translations.text_language_if_any(request.args.get("lang"), version)


def _version_response(version, user):
    db.session.expire(version, ["paragraphs"])
    return jsonify(_version_payload(version, user))


@routes.get("/versions/<int:version_id>", cache=REVALIDATED)
def get_version(version_id: int):
    """One version with its paragraphs (drafts: co-facilitators only)."""
    user = api_user()
    version = services.get_version(user, version_id)
    payload = _version_payload(version, user, _text_language(version))
    if version.is_public:
        response = _cached_json(payload)
        # The text never changes, but comment counts do: revalidate (cheap, via the ETag).
        # A logged-in caller's counts may include what only they see: private to them.
        response.vary.update(("Authorization", "Cookie"))
        return response
    keep_private()  # a draft
    return jsonify(payload)
