"""JSON API v1: paragraph statuses, progress and the silence procedure (API.md)."""

from __future__ import annotations

from flask import jsonify
from pydantic import Field

from consult.api.declare import Answer, Body, Reply, one_of, operation, read_body
from consult.api.views import Paragraph, Silence, paragraph_data, require_login, silence_data
from consult.comments import services as comment_services
from consult.drafts import services as drafts
from consult.drafts.models import UN_LANGUAGES, ParagraphStatus
from consult.negotiation import progress, silence, status
from consult.routes import NO_STORE, REVALIDATED, Routes

routes = Routes()
NOTE = {"json_schema_extra": {"maxLength": status.MAX_NOTE_CHARS}}


class StatusRequest(Body):
    """The status to record for one paragraph, with an optional note."""

    status: one_of(s.value for s in ParagraphStatus)
    note: str | None = Field(None, **NOTE)


class SilenceRequest(Body):
    """Put a version under silence: the deadline and the message to delegations."""

    until: str = Field(description="ISO 8601 date-time (UTC if no offset); at least "
                                   "SILENCE_MINIMUM_HOURS ahead",
                       json_schema_extra={"format": "date-time"})
    message: str


class BreakRequest(Body):
    """A Member State's statement breaking silence."""

    statement: str
    language: one_of(UN_LANGUAGES) | None = None


class WithdrawRequest(Body):
    """Why the co-facilitators withdraw a silence procedure."""

    reason: str


class StatusCounts(Answer):
    """Paragraphs by status."""

    open: int
    agreed_ad_ref: int
    agreed: int
    deleted: int


class VersionProgress(Answer):
    """One published version's figures."""

    id: int
    label: str
    brackets: int = Field(description="Bracketed passages left (nested pairs counted)")
    paragraphs: StatusCounts


class Progress(Answer):
    """How close the consultation is to consensus, version by version (oldest first)."""

    versions: list[VersionProgress]


@routes.post("/versions/<int:version_id>/paragraphs/<label>/status", cache=NO_STORE)
@operation("setParagraphStatus", "Record a paragraph's status (co-facilitators; logged "
           "for published versions)", body=StatusRequest,
           replies={200: Reply("The paragraph", Paragraph)},
           errors=(400, 401, 403, 404, 409), login=True)
def set_paragraph_status(version_id: int, label: str):
    """Record the status of one paragraph of a draft or of the newest published version."""
    user = require_login()
    version = drafts.get_version(user, version_id)
    sent = read_body(StatusRequest)
    status.set_paragraph_statuses(user, version, [label], sent.status, sent.note or "")
    paragraph = drafts.get_paragraph(user, version, label)
    counts = comment_services.count_submissions(user, version)
    return jsonify(Paragraph(**paragraph_data(paragraph, version.consultation.slug,
                                              counts)).dump())


@routes.get("/consultations/<slug>/progress", cache=REVALIDATED)
@operation("getProgress", "Paragraphs by status and brackets left, for each published "
           "version", replies={200: Reply("The figures", Progress)}, errors=(404,))
def get_progress(slug: str):
    """Paragraphs by status and brackets left in each published version."""
    consultation = drafts.get_consultation(slug)
    figures = progress.consultation_progress(consultation)
    return jsonify(Progress(versions=[
        VersionProgress(id=f.id, label=f.label, brackets=f.brackets,
                        paragraphs=StatusCounts(**f.paragraphs)) for f in figures]).dump())


def _silence_answer(version, code: int = 200):
    return jsonify(silence_data(silence.latest_silence(version)).dump()), code


@routes.post("/versions/<int:version_id>/silence", cache=NO_STORE)
@operation("startSilence", "Put the newest published version under silence procedure "
           "(co-facilitators; logged)", body=SilenceRequest,
           replies={201: Reply("The silence procedure", Silence)},
           errors=(400, 401, 403, 404, 409), login=True)
def start_silence(version_id: int):
    """Put a version under silence until a deadline, with a message to delegations."""
    user = require_login()
    version = drafts.get_version(user, version_id)
    sent = read_body(SilenceRequest)
    silence.start_silence(user, version, until=sent.until, message=sent.message)
    return _silence_answer(version, 201)


@routes.post("/versions/<int:version_id>/silence/break", cache=NO_STORE)
@operation("breakSilence", "Break silence with a statement (Member States' delegates; "
           "public at once)", body=BreakRequest,
           replies={200: Reply("The silence procedure", Silence)},
           errors=(400, 401, 403, 404, 409), login=True)
def break_silence(version_id: int):
    """A Member State breaks silence before the deadline; once per delegation."""
    user = require_login()
    version = drafts.get_version(user, version_id)
    sent = read_body(BreakRequest)
    silence.break_silence(user, version, statement=sent.statement, language=sent.language)
    return _silence_answer(version)


@routes.post("/versions/<int:version_id>/silence/withdraw", cache=NO_STORE)
@operation("withdrawSilence", "Withdraw a running silence procedure (co-facilitators; "
           "logged)", body=WithdrawRequest,
           replies={200: Reply("The silence procedure", Silence)},
           errors=(400, 401, 403, 404, 409), login=True)
def withdraw_silence(version_id: int):
    """Withdraw a running silence procedure before its deadline, with a reason."""
    user = require_login()
    version = drafts.get_version(user, version_id)
    sent = read_body(WithdrawRequest)
    silence.withdraw_silence(user, version, reason=sent.reason)
    return _silence_answer(version)
