"""JSON API v1: consultations and versions (API.md is the contract)."""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from pydantic import Field

from consult.api.declare import (NOT_MODIFIED, Answer, Body, Day, Language, Query, Reply,
                                 Timestamp, one_of, operation, read_body, read_query)
from consult.api.errors import http_error_message, json_error
from consult.api.idempotency import idempotent
from consult.api.openapi import build_document
from consult.auth import services as auth_services
from consult.comments import services as comment_services
from consult.db import db
from consult.drafts import services, translations
from consult.drafts.models import (UN_LANGUAGES, ConsultationStatus, MatchStatus,
                                   ParagraphKind, ParagraphStatus, VersionStatus)
from consult.negotiation import silence as silence_services
from consult.negotiation.models import SilenceState
from consult.errors import ServiceError, Unauthorized
from consult.routes import ONE_MINUTE, REVALIDATED, Routes, build_blueprint, keep_private

routes = Routes()


def api_routes() -> list[Routes]:
    """The routes of this module and of every module of the package."""
    from consult.api import (akn, compilation, diff, export, feed, moderation, negotiation,
                             participation, search, translations)

    return [routes] + [module.routes for module in (
        participation, search, diff, compilation, translations, moderation, negotiation,
        export, akn, feed)]


def blueprint() -> Blueprint:
    """The API: this module's routes and those of every module of the package."""
    # Writes sent with an Idempotency-Key are answered once and replayed after (idempotency).
    bp = build_blueprint("api", __name__, *api_routes(), wrap=idempotent)
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
    response.headers.update(exc.headers())
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


def _cached_json(payload: dict, last_modified=None):
    """A JSON response with an ETag (and Last-Modified if given); 304 when the client has it."""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    return response.make_conditional(request)


# --- answers and bodies ------------------------------------------------------------------

class ConsultationSummary(Answer):
    """A consultation in the list."""

    slug: str
    title: str
    status: ConsultationStatus
    mandate: str
    url: str


class ConsultationList(Answer):
    """Every consultation."""

    consultations: list[ConsultationSummary]


class VersionSummary(Answer):
    """A version in lists."""

    id: int
    label: str
    symbol: str | None
    status: VersionStatus
    based_on: int | None
    created_at: Timestamp
    published_at: Timestamp | None
    comments_close_at: Timestamp | None
    original_language: Language = Field(description="The language the text was written in")
    languages: list[Language] = Field(description="Languages the text can be read in "
                                                  "(?lang=), the original first")
    url: str


class Consultation(Answer):
    """A consultation and the versions the caller may see."""

    slug: str
    title: str
    status: ConsultationStatus
    mandate: str
    cofacilitators: str
    description: str
    reference_date: Day | None
    versions: list[VersionSummary]


class Paragraph(Answer):
    """A paragraph of a version."""

    id: int
    key: str = Field(description="Stable across versions")
    label: str = Field(examples=["OP12(b)"])
    kind: ParagraphKind
    number: str | None
    parent_label: str | None
    text: str = Field(description="Markdown source")
    html: str = Field(description="The text rendered: each bracketed passage in "
                                  "<span class=\"bracketed\">, each of its brackets in "
                                  "<span class=\"bracket\">")
    language: Language = Field(description="The language of text and html: the one asked, "
                                           "or the original where a paragraph has no "
                                           "translation")
    match: MatchStatus
    previous_label: str | None
    status: ParagraphStatus = Field(description="Recorded by the co-facilitators: open, "
                                    "agreed_ad_ref, agreed or deleted (by agreement)")
    status_note: str
    comment_count: int
    brackets: int = Field(description="Bracketed passages (unagreed text) in the original "
                                      "text, nested ones included: [a [b]] is two; links, "
                                      "footnote marks and escaped brackets are not brackets")
    url: str


class SilenceBreak(Answer):
    """A Member State's statement breaking silence."""

    delegation: str = Field(description="Delegation code", examples=["FRA"])
    delegation_name: str
    statement: str
    language: Language | None
    at: Timestamp


class Silence(Answer):
    """A version's (latest) silence procedure and where it stands now."""

    until: Timestamp
    state: SilenceState = Field(description="running, broken, adopted (the deadline passed "
                                            "unbroken) or withdrawn")
    message: str
    started_at: Timestamp
    ended_at: Timestamp | None = Field(description="The first break, the withdrawal, or the "
                                                   "deadline of an adopted text")
    withdraw_reason: str
    breaks: list[SilenceBreak]


class Version(VersionSummary):
    """A version with its paragraphs."""

    silence: Silence | None = Field(None, description="Its latest silence procedure, if it "
                                                      "ever had one")
    consultation: str
    language: Language = Field(description="The language asked with ?lang= (else the "
                                           "original's)")
    brackets: int = Field(description="Bracketed passages in the whole text: the sum of "
                                      "its paragraphs' `brackets`")
    paragraphs: list[Paragraph]


class NewVersion(Body):
    """A new version, imported from Markdown."""

    messages = {"based_on": lambda: _("'%(field)s' must be a version id (integer).",
                                           field="based_on")}
    label: str = Field(examples=["Rev.1"], json_schema_extra={"maxLength": 100})
    text: str = Field(description="Markdown of the whole draft")
    symbol: str | None = None
    based_on: int | None = Field(None, description="Version id; default the newest "
                                 "published. 409 if it is no longer the newest.")
    comments_close_at: str | None = Field(None, description="ISO 8601 date-time (UTC if no "
                                          "offset)", json_schema_extra={"format": "date-time"})
    publish: bool = False
    confirm_numbering: bool = Field(False, description="With publish: publish although the "
                                    "numbering changes labels or brackets do not balance "
                                    "(409 numbering_unconfirmed with warnings otherwise)")
    # Any string: an unknown language is the service's to refuse, in its own words.
    language: one_of(UN_LANGUAGES) | None = Field(
        None, description="The language of the text; default that of the version before "
                          "(English to begin with)")


class PublishRequest(Body):
    """Options of a publication (the body may be left out)."""

    confirm_numbering: bool = Field(False, description="Publish although the numbering "
                                    "changes labels or brackets do not balance")


class VersionQuery(Query):
    """?lang= of a version's text."""

    lang: one_of(UN_LANGUAGES) | None = Field(
        None, description="The text in this language where the version has it (see "
                          "`languages`; else the original, each paragraph's `language` says "
                          "which): the same paragraphs, ids and keys. Error messages follow "
                          "it too.")


def version_summary(version, model: type[VersionSummary] = VersionSummary,
                    **more) -> VersionSummary:
    """The fields of a version in lists."""
    return model(
        id=version.id,
        label=version.label,
        symbol=version.symbol,
        status=version.status,
        based_on=version.based_on_id,
        created_at=version.created_at,
        published_at=version.published_at,
        comments_close_at=version.comments_close_at,
        original_language=version.language,
        languages=translations.text_languages(version),
        url=url_for("drafts.version", slug=version.consultation.slug, version_id=version.id,
                    _external=True),
        **more,
    )


def paragraph_data(paragraph, slug: str, counts: dict[int, int] | None = None) -> dict:
    """The fields of a paragraph; `counts` maps paragraph ids to visible submissions."""
    return {
        "id": paragraph.id,
        "key": paragraph.key.key,
        "label": paragraph.label,
        "kind": paragraph.kind,
        "number": paragraph.number,
        "parent_label": paragraph.parent_label,
        "text": paragraph.text,
        "html": paragraph.html,
        "language": paragraph.version.language,
        "match": paragraph.match_status,
        "previous_label": paragraph.previous_label,
        "status": paragraph.status,
        "status_note": paragraph.status_note,
        "comment_count": (counts or {}).get(paragraph.id, 0),
        "brackets": paragraph.brackets,
        "url": url_for("comments.paragraph", slug=slug, version_id=paragraph.version_id,
                       label=paragraph.anchor, _external=True),
    }


def consultation_data(consultation, user) -> Consultation:
    """The fields of a consultation with the versions the caller may see."""
    return Consultation(
        slug=consultation.slug,
        title=consultation.title,
        status=consultation.status,
        mandate=consultation.mandate,
        cofacilitators=consultation.cofacilitators,
        description=consultation.description,
        reference_date=consultation.reference_date,
        versions=[version_summary(v) for v in services.visible_versions(user, consultation)],
    )


# --- endpoints -------------------------------------------------------------------------

@routes.get("/openapi.json", cache=ONE_MINUTE)
@operation("getOpenapi", "This document", replies={200: Reply("OpenAPI 3.1 document")})
def openapi():
    """The OpenAPI document of this API."""
    return jsonify(build_document(request.url_root.rstrip("/") + "/api/v1", api_routes()))


@routes.get("/consultations", cache=ONE_MINUTE)
@operation("listConsultations", "List consultations",
           replies={200: Reply("Consultations", ConsultationList)})
def list_consultations():
    """Every consultation: slug, title, status."""
    return jsonify(ConsultationList(consultations=[
        ConsultationSummary(slug=c.slug, title=c.title, status=c.status, mandate=c.mandate,
                            url=url_for("drafts.consultation", slug=c.slug, _external=True))
        for c in services.list_consultations()]).dump())


@routes.get("/consultations/<slug>", cache=ONE_MINUTE)
@operation("getConsultation", "A consultation and its versions",
           replies={200: Reply("The consultation", Consultation)}, errors=(404,))
def get_consultation(slug: str):
    """One consultation and its versions."""
    consultation = services.get_consultation(slug)
    return jsonify(consultation_data(consultation, api_user()).dump())


@routes.post("/consultations/<slug>/versions")
@operation("createVersion", "Import a new version (co-facilitators)", body=NewVersion,
           replies={201: Reply("The new version", Version)},
           errors=(400, 401, 403, 404, 409, 413), login=True)
def create_version(slug: str):
    """Import a Markdown text as a new version (co-facilitators)."""
    user = require_login()
    consultation = services.get_consultation(slug)
    sent = read_body(NewVersion)
    version = services.create_version(
        user, consultation, label=sent.label, text=sent.text, symbol=sent.symbol,
        based_on_id=sent.based_on, comments_close_at=sent.comments_close_at,
        publish=sent.publish, max_chars=current_app.config["MAX_DRAFT_CHARS"],
        language=sent.language, confirm_numbering=sent.confirm_numbering)
    return _version_response(version, user), 201


@routes.post("/versions/<int:version_id>/publish")
@operation("publishVersion", "Publish a draft version (co-facilitators)",
           description="A draft whose numbering changes labels (duplicate or out-of-order "
                       "numbers, labels built otherwise than in the previous version) or "
                       "whose brackets do not balance in a paragraph is refused with 409 "
                       "numbering_unconfirmed and error.warnings (kind, number, previous, "
                       "labels, lines, renames: from, to; message; kind \"brackets\" names "
                       "one paragraph in labels, with unclosed, stray, closes_in and "
                       "opened_in) until confirm_numbering is true.",
           body=PublishRequest, body_required=False,
           replies={200: Reply("The published version", Version)},
           errors=(400, 401, 403, 404, 409), login=True)
def publish_version(version_id: int):
    """Publish a draft version (co-facilitators).

    Optional JSON body: `confirm_numbering` (true to publish a draft whose numbering changes
    labels or whose brackets do not balance; without it such a draft gets 409
    `numbering_unconfirmed` with `warnings`).
    """
    user = require_login()
    version = services.get_version(user, version_id)
    sent = read_body(PublishRequest, optional=True)
    services.publish_version(user, version, confirm_numbering=sent.confirm_numbering)
    return _version_response(version, user)


def _version_payload(version, user, language: str | None = None) -> Version:
    # What this caller may see (one query for the whole version, not one per paragraph).
    counts = comment_services.count_submissions(user, version)
    paragraphs = [paragraph_data(p, version.consultation.slug, counts)
                  for p in version.paragraphs]
    if language and language != version.language:
        # The same paragraphs (ids, keys, labels, counts) with the text in that language.
        rows = translations.translated_paragraphs(version, language)
        for item in paragraphs:
            row = rows.get(item["id"])
            if row is not None:
                item.update(text=row.text, html=row.html, language=language)
    return version_summary(version, Version, consultation=version.consultation.slug,
                           paragraphs=paragraphs, language=language or version.language,
                           brackets=sum(item["brackets"] for item in paragraphs),
                           silence=silence_data(silence_services.latest_silence(version))
                           if version.is_public else None)


def silence_data(procedure) -> Silence | None:
    """The public fields of a silence procedure (None for none)."""
    if procedure is None:
        return None
    locale = _locale()
    return Silence(
        until=procedure.until, state=silence_services.state_of(procedure),
        message=procedure.message, started_at=procedure.started_at,
        ended_at=procedure.until if silence_services.state_of(procedure) == SilenceState.adopted
        else procedure.ended_at, withdraw_reason=procedure.withdraw_reason,
        breaks=[SilenceBreak(delegation=b.delegation.code,
                             delegation_name=b.delegation.name(locale),
                             statement=b.statement, language=b.language, at=b.at)
                for b in procedure.breaks])


def _locale() -> str:
    return str(get_locale() or "en")


def _text_language(version) -> str | None:
    """The text language asked with ?lang= if the version has it (None: the original).

    A code that is not one of the six is refused (400); one of the six the version has no
    text in gives the original, each paragraph saying its `language`.
    """
    return translations.text_language_if_any(read_query(VersionQuery).lang, version)


def _version_response(version, user):
    db.session.expire(version, ["paragraphs"])
    return jsonify(_version_payload(version, user).dump())


@routes.get("/versions/<int:version_id>", cache=REVALIDATED)
@operation("getVersion", "A version with its paragraphs (drafts: co-facilitators only)",
           query=VersionQuery, replies={200: Reply("The version", Version), 304: NOT_MODIFIED},
           errors=(400, 404))
def get_version(version_id: int):
    """One version with its paragraphs (drafts: co-facilitators only)."""
    user = api_user()
    version = services.get_version(user, version_id)
    payload = _version_payload(version, user, _text_language(version)).dump()
    if version.is_public:
        response = _cached_json(payload)
        # The text never changes, but comment counts do: revalidate (cheap, via the ETag).
        # A logged-in caller's counts may include what only they see: private to them.
        response.vary.update(("Authorization", "Cookie"))
        return response
    keep_private()  # a draft
    return jsonify(payload)
