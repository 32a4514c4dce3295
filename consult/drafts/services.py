"""Consultations and versions: import, match paragraphs to their predecessors, publish."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets

from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload

from consult import permissions
from consult.audit.services import record_action, version_facts
from consult.auth.models import Role, User
from consult.auth.services import get_user_by_email
from consult.db import db, utcnow
from consult.drafts.matching import OldParagraph, match_paragraphs
from consult.drafts.alignment import misalignments, parse_translation
from consult.drafts.brackets import Brackets, Unbalanced, version_brackets
from consult.drafts.models import (
    Consultation,
    ConsultationStatus,
    MatchStatus,
    Paragraph,
    ParagraphKey,
    ParagraphKind,
    ParagraphStatus,
    UN_LANGUAGES,
    ParagraphTranslation,
    Version,
    VersionStatus,
    VersionTranslation,
)
from consult.drafts.parsing import (
    MAX_PARAGRAPHS,
    DraftError,
    NumberingWarning,
    ParsedParagraph,
    label_scheme,
    numbering_warnings,
    parse_draft,
    render_draft_markdown,
    scheme_change,
)
from consult.errors import Conflict, Invalid, NotFound
from consult.negotiation.models import SilenceProcedure, SilenceState
from consult.negotiation.silence import running_silence, settle_due
from consult.negotiation.status import carried_status, reopened_paragraphs
from consult.notify.events import record_event
from consult.markdown import draft_brackets, draft_references, render_draft
from consult.search.outbox import record_version_change
from consult.urls import MAX_ID

class NumberingUnconfirmed(Conflict):
    """Publishing was refused: the draft's numbering changed labels, or its brackets do not
    balance, and nobody confirmed it.

    `warnings` are the problems, as `numbering_report` and `bracket_report` give them.
    """

    code = "numbering_unconfirmed"

    def __init__(self, message: str, warnings: list[dict]):
        super().__init__(message, field="confirm_numbering")
        self.warnings = warnings


SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
# Marks a paragraph's key at the end of its text when a version is edited in the browser:
# the paragraph keeps its identity however much it is edited or moved.
KEY_MARKER = re.compile(r"[ \t]*⟦¶\s*([a-z0-9]{1,16})\s*⟧[ \t]*$", re.MULTILINE)
MAX_LABEL_LENGTH = 100
MAX_PARAGRAPH_LABEL = 100  # the paragraph label columns hold 100 characters
# Deadlines outside these years are typing mistakes (and year 9999 overflows time zones).
DEADLINE_YEARS = range(1990, 2201)


# --- consultations ---------------------------------------------------------------------


def create_consultation(
    actor,
    *,
    slug: str,
    title: str,
    mandate: str = "",
    description: str = "",
    cofacilitators: str = "",
    reference_date: dt.date | None = None,
    language: str = "en",
) -> Consultation:
    """Create a consultation (the command line acts as permissions.COMMAND_LINE)."""
    permissions.require(actor, "create_consultation")
    slug = (slug or "").strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise Invalid(
            _(
                "The short name must be 3–64 lower-case letters, digits or hyphens (e.g. gpa-trafficking)."
            ),
            field="slug",
        )
    title = (title or "").strip()
    if not title or len(title) > 300:
        raise Invalid(_("Enter a title (300 characters at most)."), field="title")
    require_un_language(language)
    if db.session.scalar(select(Consultation.id).where(Consultation.slug == slug)):
        raise Conflict(_("A consultation named %(slug)s already exists.", slug=slug), field="slug")
    consultation = Consultation(
        slug=slug,
        language=language,
        title=title,
        mandate=mandate.strip(),
        description=description.strip(),
        cofacilitators=cofacilitators.strip(),
        reference_date=reference_date or utcnow().date(),
    )
    db.session.add(consultation)
    if actor.role == Role.cofacilitator:
        # Whoever opens a consultation runs it.
        consultation.staff.append(actor)
    db.session.flush()
    return consultation


def update_consultation(actor, consultation: Consultation, *, title: str, mandate: str = "",
                        description: str = "", cofacilitators: str = "",
                        reference_date: dt.date | None = None) -> Consultation:
    """Change what a consultation says of itself (the secretariat); its address stays."""
    permissions.require(actor, "edit_consultation", consultation)
    title = (title or "").strip()
    if not title or len(title) > 300:
        raise Invalid(_("Enter a title (300 characters at most)."), field="title")
    consultation.title = title
    consultation.mandate = (mandate or "").strip()
    consultation.description = (description or "").strip()
    consultation.cofacilitators = (cofacilitators or "").strip()
    consultation.reference_date = reference_date or consultation.reference_date
    db.session.flush()
    return consultation


def require_consultation_creator(actor) -> None:
    """Raise unless the actor may open consultations (to show the form)."""
    permissions.require(actor, "create_consultation")


def assign_cofacilitator(actor, consultation: Consultation, user: User) -> Consultation:
    """Let a co-facilitator account run this consultation."""
    permissions.require(actor, "assign_cofacilitators", consultation)
    if user.role != Role.cofacilitator:
        raise Invalid(_("%(name)s is not a co-facilitator account.", name=user.name), field="email")
    if not consultation.is_run_by(user):
        consultation.staff.append(user)
        db.session.flush()
    return consultation


def unassign_cofacilitator(actor, consultation: Consultation, user: User) -> Consultation:
    """Stop a co-facilitator account from running this consultation."""
    permissions.require(actor, "assign_cofacilitators", consultation)
    if consultation.is_run_by(user):
        consultation.staff.remove(user)
        db.session.flush()
    return consultation


def change_cofacilitator(actor, consultation: Consultation, email: str, *,
                         remove: bool = False) -> Consultation:
    """Assign (or remove) the co-facilitator account with this e-mail address."""
    # Permission first: nobody else may learn which addresses have accounts.
    permissions.require(actor, "assign_cofacilitators", consultation)
    user = get_user_by_email(email)
    if remove:
        return unassign_cofacilitator(actor, consultation, user)
    return assign_cofacilitator(actor, consultation, user)


def list_consultations() -> list[Consultation]:
    """Every consultation, newest first."""
    return list(db.session.scalars(select(Consultation).order_by(Consultation.id.desc())))


def versions_open_for_comment(now: dt.datetime | None = None) -> dict[int, Version]:
    """The newest version open for comment of each consultation that has one, by its id.

    The same test as `is_open_for_comment`, in one query for the whole list.
    """
    now = now or utcnow()
    rows = db.session.scalars(
        select(Version).join(Consultation, Consultation.id == Version.consultation_id)
        .where(Consultation.status == ConsultationStatus.open,
               Version.status == VersionStatus.published,
               Version.comments_close_at.is_(None) | (Version.comments_close_at > now),
               ~select(SilenceProcedure.id).where(
                   SilenceProcedure.version_id == Version.id,
                   SilenceProcedure.state == SilenceState.running).exists())
        .order_by(Version.seq))
    return {version.consultation_id: version for version in rows}


def get_consultation(slug: str) -> Consultation:
    """The consultation with this short name, or NotFound."""
    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
    if consultation is None:
        raise NotFound(_("No consultation named %(slug)s.", slug=slug))
    # A silence deadline that passed unbroken is recorded by the first reader to see it.
    settle_due(consultation.id)
    return consultation


def visible_versions(user, consultation: Consultation) -> list[Version]:
    """The versions of a consultation this user may see, in order."""
    return [v for v in consultation.versions if permissions.can(user, "view_version", v)]


def head_version(consultation: Consultation) -> Version | None:
    """The newest published version, or None before the first publication."""
    if not consultation.head_seq:
        return None
    return db.session.scalar(
        select(Version).where(
            Version.consultation_id == consultation.id, Version.seq == consultation.head_seq
        )
    )


# --- reading versions ------------------------------------------------------------------


def get_version(user, version_id: int) -> Version:
    """A version the user may see (drafts only for co-facilitators), with its paragraphs."""
    if not 0 < version_id <= MAX_ID:
        raise NotFound(_("Not found."))
    version = db.session.scalar(
        select(Version).where(Version.id == version_id).options(selectinload(Version.paragraphs))
    )
    if version is None:
        raise NotFound(_("Not found."))
    settle_due(version.consultation_id)
    permissions.require(user, "view_version", version)
    return version


def get_paragraph(user, version: Version, label: str) -> Paragraph:
    """One paragraph of a version by its label or anchor (OP9(a) or OP9_a)."""
    for paragraph in version.paragraphs:
        if label == paragraph.label:
            return paragraph
    for paragraph in version.paragraphs:
        if label == paragraph.anchor:
            return paragraph
    raise NotFound(_("%(version)s has no paragraph %(label)s.", version=version.label, label=label))


def paragraph_history(user, paragraph: Paragraph) -> list[Paragraph]:
    """The same paragraph (same key) in every version the user may see, oldest first."""
    rows = db.session.scalars(
        select(Paragraph)
        .join(Version)
        .where(Paragraph.key_id == paragraph.key_id)
        .order_by(Version.seq)
        .options(selectinload(Paragraph.version))
    )
    return [p for p in rows if permissions.can(user, "view_version", p.version)]


def removed_paragraphs(version: Version) -> list[Paragraph]:
    """Paragraphs of the version this one was based on that it no longer has."""
    if version.based_on_id is None:
        return []
    kept = select(Paragraph.key_id).where(Paragraph.version_id == version.id)
    return list(
        db.session.scalars(
            select(Paragraph)
            .where(Paragraph.version_id == version.based_on_id, Paragraph.key_id.not_in(kept))
            .order_by(Paragraph.position)
        )
    )


def is_open_for_comment(version: Version, now: dt.datetime | None = None) -> bool:
    """Whether delegations may still comment on this version."""
    if version.status != VersionStatus.published:
        return False
    if version.consultation.status != ConsultationStatus.open:
        return False
    now = now or utcnow()
    if version.comments_close_at is not None and now >= version.comments_close_at:
        return False
    # Under silence the text is put to the delegations as it stands.
    return running_silence(version) is None


# --- creating versions -----------------------------------------------------------------


def _parse(text: str, max_chars: int) -> tuple[list[ParsedParagraph], str, dict[int, str]]:
    """Parse a draft, taking out key markers; return paragraphs, clean text and markers."""
    if text is None or not text.strip():
        raise Invalid(_("The draft is empty: paste or upload its Markdown text."), field="text")
    if len(text) > max_chars:
        raise Invalid(
            _(
                "The draft is too long (%(value)s characters; %(max_chars)s at most).",
                value=format_number(len(text)),
                max_chars=format_number(max_chars),
            ),
            field="text",
        )
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        parsed = parse_draft(text)
    except DraftError as exc:
        raise Invalid(_draft_error_message(exc), field="text") from None
    markers: dict[int, str] = {}
    cleaned = []
    for index, paragraph in enumerate(parsed):
        if len(paragraph.label) > MAX_PARAGRAPH_LABEL:
            raise Invalid(
                _(
                    "A paragraph label would be too long (%(value)s…): shorten the heading or numbering it comes from.",
                    value=paragraph.label[:60],
                ),
                field="text",
            )
        found = KEY_MARKER.findall(paragraph.text)
        if found:
            # A paragraph copied with its mark (to split it) leaves two marks alike: the
            # first keeps the identity, the copy is matched by its text.
            if found[-1] not in markers.values():
                markers[index] = found[-1]
            paragraph = _replace_text(paragraph, KEY_MARKER.sub("", paragraph.text).rstrip())
            if not paragraph.text.strip():
                raise Invalid(
                    _("%(label)s has only its mark ⟦¶ …⟧ left: write its text, or delete the "
                      "mark too to remove the paragraph.", label=paragraph.label),
                    field="text")
        cleaned.append(paragraph)
    return cleaned, KEY_MARKER.sub("", text), markers


def _draft_error_message(exc: DraftError) -> str:
    """The parser's refusal in the reader's language."""
    messages = {
        "nul": _("The draft contains a NUL character, which cannot be stored. Remove it (it "
                 "usually comes from a binary file) and try again."),
        "empty": _("The draft is empty: paste or upload its Markdown text."),
        "no_paragraphs": _("The draft has no paragraphs: it contains only front matter, "
                           "comments or markup."),
        "too_many_paragraphs": _("The draft has more than %(count)s paragraphs; split it into "
                                 "smaller documents.", count=format_number(MAX_PARAGRAPHS)),
    }
    return messages.get(exc.reason, str(exc))


def _as_parsed(paragraph: Paragraph) -> ParsedParagraph:
    """A stored paragraph as the parser would have produced it."""
    return ParsedParagraph(
        kind=paragraph.kind.value,
        label=paragraph.label,
        number=paragraph.number,
        text=paragraph.text,
        parent_label=paragraph.parent_label,
        heading_level=paragraph.heading_level,
    )


def _replace_text(paragraph: ParsedParagraph, text: str) -> ParsedParagraph:
    from dataclasses import replace

    return replace(paragraph, text=text)


def _parse_deadline(value) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        parsed = value
    else:
        try:
            parsed = dt.datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise Invalid(
                _("The comment deadline must be a date and time such as 2010-06-30T18:00 (UTC)."),
                field="comments_close_at",
            ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    if parsed.year not in DEADLINE_YEARS:
        raise Invalid(
            _(
                "The comment deadline must fall between %(start)s and %(value)s.",
                start=DEADLINE_YEARS.start,
                value=DEADLINE_YEARS.stop - 1,
            ),
            field="comments_close_at",
        )
    return parsed.astimezone(dt.timezone.utc)


def _check_label(consultation: Consultation, label: str, exclude_id: int | None = None) -> str:
    label = (label or "").strip()
    if not label:
        raise Invalid(_("Give the version a label, such as Zero draft or Rev.1."), field="label")
    if len(label) > MAX_LABEL_LENGTH:
        raise Invalid(
            _(
                "The label is too long (%(max_label_length)s characters at most).",
                max_label_length=MAX_LABEL_LENGTH,
            ),
            field="label",
        )
    query = select(Version.id).where(
        Version.consultation_id == consultation.id, Version.label == label
    )
    if exclude_id:
        query = query.where(Version.id != exclude_id)
    if db.session.scalar(query):
        raise Conflict(
            _(
                "%(title)s already has a version labelled %(label)s.",
                title=consultation.title,
                label=label,
            ),
            field="label",
        )
    return label


def _lock(consultation: Consultation) -> None:
    """Serialise version changes of one consultation (row lock on PostgreSQL).

    Without it two co-facilitators saving at once could both take the same sequence number
    or label and one would fail on the unique constraint instead of getting a clear answer.
    SQLite needs nothing here: write requests hold its write lock from the start.
    """
    db.session.execute(
        select(Consultation.id).where(Consultation.id == consultation.id).with_for_update()
    )


def _new_key(consultation: Consultation, version: Version) -> ParagraphKey:
    key = ParagraphKey(
        consultation_id=consultation.id, key="k" + secrets.token_hex(5), created_in_id=version.id
    )
    db.session.add(key)
    return key


def _old_paragraphs(version: Version | None, *, fresh: bool = False) -> list[Paragraph]:
    if version is None:
        return []
    query = select(Paragraph).where(Paragraph.version_id == version.id) \
        .order_by(Paragraph.position)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return list(db.session.scalars(query))


def _clear_draft_paragraphs(version: Version) -> None:
    """Delete a draft's paragraphs and the keys it minted."""
    db.session.flush()
    db.session.expire(version, ["paragraphs"])
    # Translated rows hang on the paragraphs; the translations themselves are kept and
    # attached again to the rebuilt paragraphs (_attach_draft_translations).
    db.session.execute(
        delete(ParagraphTranslation)
        .where(ParagraphTranslation.paragraph_id.in_(
            select(Paragraph.id).where(Paragraph.version_id == version.id)))
        .execution_options(synchronize_session="fetch")
    )
    # "fetch" also drops the deleted rows from the session, so new rows may reuse their ids.
    db.session.execute(
        delete(Paragraph)
        .where(Paragraph.version_id == version.id)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        delete(ParagraphKey)
        .where(ParagraphKey.created_in_id == version.id)
        .execution_options(synchronize_session="fetch")
    )


@dataclasses.dataclass(frozen=True)
class _StatusKept:
    """A draft paragraph's recorded status, kept across a rebuild of the draft."""

    text: str
    status: ParagraphStatus
    status_note: str


def _build_paragraphs(
    version: Version, parsed: list[ParsedParagraph], explicit: dict[int, str | None]
) -> None:
    """(Re)create the paragraphs of a draft version, matched to its predecessor."""
    consultation = version.consultation
    drafted = {p.text.strip(): _StatusKept(p.text, p.status, p.status_note)
               for p in _old_paragraphs(version)}
    # A draft's paragraphs and the keys it minted are rebuilt whole; nothing else refers
    # to them before publication.
    _clear_draft_paragraphs(version)

    # Read afresh: their statuses, which carry over, may have changed since this session
    # first loaded them (a long-lived session: the command line, the demo, a test).
    old = _old_paragraphs(version.based_on, fresh=True)
    old_by_key = {p.key.key: p for p in old}
    # Markers that name a key the predecessor does not have (a typo, or a key minted by
    # this draft before) cannot be honoured; those paragraphs are matched by text.
    explicit = {i: k for i, k in explicit.items() if k is None or k in old_by_key}
    try:
        matches = match_paragraphs(
            [
                OldParagraph(key=p.key.key, kind=p.kind.value, label=p.label, text=p.text)
                for p in old
            ],
            parsed,
            explicit=explicit,
        )
    except ValueError as exc:
        raise Invalid(_("The paragraph matches cannot be applied: %(exc)s", exc=exc)) from None

    references = draft_references(p.text for p in parsed)
    for match in matches:
        if match.new_index is None:
            continue
        source = parsed[match.new_index]
        if match.old_key is None:
            key = _new_key(consultation, version)
            status, previous_label = MatchStatus.new, None
            predecessor = None
        else:
            predecessor = old_by_key[match.old_key]
            key = predecessor.key
            status, previous_label = MatchStatus(match.status), predecessor.label
        html, brackets = render_draft(source.text, references)
        # What the co-facilitators recorded in this draft before its text was edited again,
        # else what the previous version had, while the words are the same.
        agreed, note = carried_status(drafted.get(source.text.strip()) or predecessor,
                                      source.text)
        db.session.add(
            Paragraph(
                version_id=version.id,
                key=key,
                position=match.new_index,
                kind=ParagraphKind(source.kind),
                label=source.label,
                number=source.number,
                parent_label=source.parent_label,
                heading_level=source.heading_level,
                text=source.text,
                html=html,
                brackets=brackets.count,
                match_status=status,
                match_similarity=match.similarity,
                previous_label=previous_label,
                status=agreed,
                status_note=note,
            )
        )
    db.session.flush()
    db.session.expire(version, ["paragraphs"])
    _attach_draft_translations(version)


def attach_translated_paragraphs(translation: VersionTranslation, paragraphs: list[Paragraph],
                                 parsed: list[ParsedParagraph]) -> None:
    """Write one translated row per paragraph (the caller checked that they line up)."""
    references = draft_references(p.text for p in parsed)
    for paragraph, source in zip(paragraphs, parsed):
        html, brackets = render_draft(source.text, references)
        db.session.add(ParagraphTranslation(
            translation_id=translation.id, paragraph_id=paragraph.id,
            language=translation.language, text=source.text, html=html,
            brackets=brackets.count))
    db.session.flush()


def _attach_draft_translations(version: Version) -> None:
    # After a draft's text changed: a translation that still lines up is attached to the
    # new paragraphs; one that does not stays stored (nothing typed is lost) and shows no
    # text until it is imported again. Either way its page says the original changed.
    translations = list(db.session.scalars(
        select(VersionTranslation).where(VersionTranslation.version_id == version.id)))
    if not translations:
        return
    paragraphs = _old_paragraphs(version)
    labels = [p.label for p in paragraphs]
    for translation in translations:
        try:
            parsed = parse_translation(translation.source_text)
        except DraftError:
            continue
        if not misalignments(parsed, labels):
            attach_translated_paragraphs(translation, paragraphs, parsed)


def create_version(
    actor,
    consultation: Consultation,
    *,
    label: str,
    text: str,
    symbol: str | None = None,
    based_on_id: int | None = None,
    comments_close_at=None,
    publish: bool = False,
    max_chars: int = 500_000,
    language: str | None = None,
    confirm_numbering: bool = True,
) -> Version:
    """Import a Markdown draft as the next version of a consultation.

    With `publish`, `confirm_numbering` False refuses (NumberingUnconfirmed) a text whose
    numbering changes labels (see `publish_version`).
    """
    permissions.require(actor, "create_version", consultation)
    _lock(consultation)
    _require_open(consultation)
    label = _check_label(consultation, label)
    language = _check_original_language(consultation, language)
    symbol = (symbol or "").strip() or None
    if symbol and len(symbol) > 100:
        raise Invalid(
            _("The document symbol is too long (100 characters at most)."), field="symbol"
        )
    deadline = _parse_deadline(comments_close_at)
    parsed, clean_text, markers = _parse(text, max_chars)

    head = head_version(consultation)
    if based_on_id is not None:
        based_on = db.session.get(Version, based_on_id) if 0 < based_on_id <= MAX_ID else None
        if (
            based_on is None
            or based_on.consultation_id != consultation.id
            or not based_on.is_public
        ):
            raise Invalid(
                _("based_on must be a published version of this consultation."), field="based_on"
            )
        if head is None or based_on.id != head.id:
            raise Conflict(
                _(
                    "%(label)s is no longer the newest version: start from %(value)s instead.",
                    label=based_on.label,
                    value=head.label if head else "the newest",
                )
            )
    else:
        based_on = head

    seq = (
        db.session.scalar(
            select(func.max(Version.seq)).where(Version.consultation_id == consultation.id)
        )
        or 0
    ) + 1
    version = Version(
        consultation=consultation,
        seq=seq,
        label=label,
        symbol=symbol,
        based_on=based_on,
        source_text=clean_text,
        language=language,
        comments_close_at=deadline,
        created_by=permissions.account_of(actor),
        status=VersionStatus.draft,
    )
    db.session.add(version)
    db.session.flush()
    _build_paragraphs(version, parsed, dict(markers))
    # Drafts are not public, so their preparation is not written to the public log;
    # publication is.
    if publish:
        publish_version(actor, version, confirm_numbering=confirm_numbering)
    return version


def _lock_draft(version: Version) -> None:
    """Lock the consultation, re-read the version, and refuse unless it is still a draft.

    Checks made on what the request read earlier could be stale: a colleague may have
    published or edited the draft meanwhile (PostgreSQL runs requests side by side).
    """
    _lock(version.consultation)
    db.session.refresh(version)
    _require_draft(version)
    _require_open(version.consultation)


def require_un_language(language) -> str:
    """The language code if it is one of the six UN languages; Invalid otherwise."""
    if language not in UN_LANGUAGES:
        raise Invalid(_("Choose one of the six official languages of the United Nations: "
                        "Arabic, Chinese, English, French, Russian or Spanish."),
                      field="language")
    return language


def _check_original_language(consultation: Consultation, language: str | None) -> str:
    # By default a version is in the language of the one before it (at first, that of the
    # consultation).
    if language is None or language == "":
        head = head_version(consultation)
        return head.language if head else consultation.language
    return require_un_language(language)


def _require_open(consultation: Consultation) -> None:
    if consultation.status != ConsultationStatus.open:
        raise Conflict(_("%(title)s is closed: its record can no longer change.",
                         title=consultation.title))


def _require_draft(version: Version) -> None:
    if version.status != VersionStatus.draft:
        raise Conflict(
            _(
                "%(label)s is published and can no longer be changed; make a new version instead.",
                label=version.label,
            )
        )


def draft_stamp(version: Version) -> str:
    """A fingerprint of a draft's text and label, to detect edits made meanwhile."""
    digest = hashlib.sha256()
    for part in (version.label, version.symbol or "", version.source_text):
        digest.update(part.encode("utf-8") + b"\x00")
    return digest.hexdigest()[:16]


def start_new_version(
    actor, consultation: Consultation, from_previous: bool
) -> tuple[Version | None, str]:
    """What the new-version form starts from: the newest version and, if asked, its text."""
    permissions.require(actor, "create_version", consultation)
    head = head_version(consultation)
    return head, editable_text(head) if (from_previous and head) else ""


def start_draft_edit(actor, version: Version) -> str:
    """The editable text of a draft (with key marks), for its edit form."""
    permissions.require(actor, "edit_draft_version", version.consultation)
    _require_draft(version)
    return editable_text(version)


def get_draft_review(actor, version: Version) -> dict:
    """How a version's paragraphs follow the previous version, for its review page."""
    permissions.require(actor, "edit_draft_version", version.consultation)
    previous = _old_paragraphs(version.based_on)
    counts = {status.value: 0 for status in MatchStatus}
    counts["renamed"] = 0
    renamed = set()
    for item in version.paragraphs:
        if item.match_status != MatchStatus.new and _scheme_changed(item.previous_label,
                                                                      item.label):
            # Same text under a label built another way (OP3 → I-OP3): not "kept".
            renamed.add(item.id)
            counts["renamed"] += 1
            if item.match_status == MatchStatus.kept:
                continue
        counts[item.match_status.value] += 1
    removed = removed_paragraphs(version)
    counts["removed"] = len(removed)
    return {
        "previous": previous,
        "previous_by_key": {p.key_id: p for p in previous},
        "removed": removed,
        "counts": counts,
        "renamed": renamed,
        "numbering": numbering_report(version),
        "reopened": reopened_paragraphs(version),
        "brackets": bracket_report(version),
        "stamp": draft_stamp(version),
    }


# --- numbering checks -------------------------------------------------------------------


def _scheme_changed(old_label: str | None, new_label: str | None) -> bool:
    old, new = label_scheme(old_label), label_scheme(new_label)
    return old is not None and new is not None and old != new


def _warning_data(warning: NumberingWarning) -> dict:
    """A numbering warning for pages and the API: its facts and a message to read."""
    lines = ", ".join(format_number(line) for line in warning.lines)
    labels = ", ".join(warning.labels)
    if warning.kind == "duplicate":
        message = _("OP%(number)s appears %(count)s times (lines %(lines)s): the paragraphs "
                    "are labelled %(labels)s.", number=warning.number,
                    count=format_number(len(warning.labels)), lines=lines, labels=labels)
    elif warning.kind == "out_of_order":
        message = _("OP%(number)s follows OP%(previous)s (line %(lines)s): it is labelled "
                    "%(labels)s.", number=warning.number, previous=warning.previous,
                    lines=lines, labels=labels)
    elif warning.kind == "prefixed":
        message = _("Because paragraph numbers repeat, %(count)s operative paragraphs are "
                    "labelled with their section (%(examples)s…) rather than plainly "
                    "(OP1, OP2…).",
                    count=format_number(len(warning.labels)),
                    examples=", ".join(warning.labels[:3]))
    else:
        first_old, first_new = warning.renames[0]
        message = _("Labels change scheme from %(old)s to %(new)s: %(count)s paragraphs "
                    "would be renamed.", old=first_old, new=first_new,
                    count=format_number(len(warning.renames)))
    return {
        "kind": warning.kind,
        "number": warning.number,
        "previous": warning.previous,
        "labels": list(warning.labels),
        "lines": list(warning.lines),
        "renames": [{"from": old, "to": new} for old, new in warning.renames],
        "message": message,
    }


def _numbering(parsed: list[ParsedParagraph], pairs: list[tuple[str | None, str | None]]
               ) -> list[dict]:
    found = numbering_warnings(parsed)
    change = scheme_change(pairs)
    if change is not None:
        found.append(change)
    return [_warning_data(warning) for warning in found]


def numbering_report(version: Version) -> list[dict]:
    """What in a draft's numbering changes labels: duplicate and out-of-order numbers,
    labels that gained a section, labels built otherwise than in the previous version.

    Each item: `kind`, `number`, `previous`, `labels`, `lines`, `renames` (`from`, `to`)
    and `message`. Empty when the numbering is regular.
    """
    from dataclasses import replace

    paragraphs = sorted(version.paragraphs, key=lambda p: p.position)
    lines = _source_lines(version)
    parsed = [replace(_as_parsed(p), line=lines.get(p.label)) for p in paragraphs]
    pairs = [(p.previous_label, p.label) for p in paragraphs
             if p.match_status != MatchStatus.new]
    return _numbering(parsed, pairs)


def _source_lines(version: Version) -> dict[str, int | None]:
    """Where each paragraph starts in the version's Markdown, by label."""
    try:
        return {p.label: p.line for p in parse_draft(version.source_text or "")}
    except DraftError:
        return {}


# --- bracket checks ---------------------------------------------------------------------


def _bracket_warning(found: Unbalanced, line: int | None) -> dict:
    """A paragraph whose brackets do not balance, for pages and the API (kind "brackets")."""
    parts = []
    if found.unclosed:
        parts.append(ngettext(
            "%(label)s: %(num)d opening bracket is not closed in this paragraph.",
            "%(label)s: %(num)d opening brackets are not closed in this paragraph.",
            found.unclosed, label=found.label))
    if found.stray:
        parts.append(ngettext(
            "%(label)s: %(num)d closing bracket has no opening bracket in this paragraph.",
            "%(label)s: %(num)d closing brackets have no opening bracket in this paragraph.",
            found.stray, label=found.label))
    # A passage over several paragraphs is legitimate: say where its other end is.
    if found.closes_in:
        parts.append(_("A closing bracket follows in %(labels)s.",
                       labels=", ".join(found.closes_in)))
    if found.opened_in:
        parts.append(_("An opening bracket comes before, in %(labels)s.",
                       labels=", ".join(found.opened_in)))
    return {
        "kind": "brackets",
        "number": None,
        "previous": None,
        "labels": [found.label],
        "lines": [line] if line else [],
        "renames": [],
        "unclosed": found.unclosed,
        "stray": found.stray,
        "closes_in": list(found.closes_in),
        "opened_in": list(found.opened_in),
        "message": " ".join(parts),
    }


def _brackets_of(labelled: list[tuple[str, str]], references: dict
                 ) -> list[tuple[str, Brackets]]:
    # Only a text with a bracket character can have brackets to check.
    return [(label, draft_brackets(text, references) if ("[" in text or "]" in text)
             else Brackets()) for label, text in labelled]


def bracket_report(version: Version) -> list[dict]:
    """The paragraphs of a version whose square brackets do not balance (an opening bracket
    not closed in the paragraph, a closing one with nothing open), in reading order.

    Each item is shaped as `numbering_report`'s, with `kind` "brackets", the paragraph in
    `labels`, and `unclosed`, `stray`, `closes_in` and `opened_in` (the paragraphs where
    a passage over several paragraphs seems to end or begin). Empty when all balance.
    """
    paragraphs = sorted(version.paragraphs, key=lambda p: p.position)
    references = draft_references(p.text for p in paragraphs)
    found = version_brackets(_brackets_of([(p.label, p.text) for p in paragraphs], references))
    if not found.unbalanced:
        return []
    lines = _source_lines(version)
    return [_bracket_warning(item, lines.get(item.label)) for item in found.unbalanced]


def publish_confirmation(actor, version: Version) -> dict:
    """What the page asking "Publish this draft?" states: its numbering problems and the
    paragraphs whose brackets do not balance."""
    permissions.require(actor, "publish_version", version.consultation)
    _require_draft(version)
    return {"numbering": numbering_report(version), "brackets": bracket_report(version),
            "reopened": reopened_paragraphs(version)}


def discard_confirmation(actor, version: Version) -> None:
    """Raise unless the actor may discard this draft (to ask "Discard this draft?")."""
    permissions.require(actor, "edit_draft_version", version.consultation)
    _require_draft(version)


def discard_draft(actor, version: Version) -> Consultation:
    """Delete a draft that will not be published (e.g. overtaken by another version)."""
    permissions.require(actor, "edit_draft_version", version.consultation)
    _lock_draft(version)
    consultation = version.consultation
    _clear_draft_paragraphs(version)
    db.session.delete(version)
    db.session.flush()
    db.session.expire(consultation, ["versions"])
    return consultation


def update_draft_text(
    actor,
    version: Version,
    *,
    text: str,
    label: str | None = None,
    symbol: str | None = None,
    max_chars: int = 500_000,
    expected_stamp: str | None = None,
) -> Version:
    """Replace the text of a draft version and match its paragraphs again.

    With `expected_stamp`, the edit is refused if someone changed the draft since the
    editor opened it, instead of silently overwriting their work.
    """
    permissions.require(actor, "edit_draft_version", version.consultation)
    _lock_draft(version)
    if expected_stamp is not None and expected_stamp != draft_stamp(version):
        raise Conflict(
            _(
                "%(label)s was changed by someone else after you opened it. Copy your text, reload the page and apply your changes again.",
                label=version.label,
            )
        )
    if label is not None:
        version.label = _check_label(version.consultation, label, exclude_id=version.id)
    if symbol is not None:
        version.symbol = symbol.strip() or None
    parsed, clean_text, markers = _parse(text, max_chars)
    version.source_text = clean_text
    _build_paragraphs(version, parsed, dict(markers))
    return version


def correct_match(actor, version: Version, paragraph_id: int, old_key: str | None) -> Version:
    """Set which paragraph of the previous version one paragraph continues (None: new)."""
    permissions.require(actor, "edit_draft_version", version.consultation)
    _lock_draft(version)
    paragraphs = sorted(version.paragraphs, key=lambda p: p.position)
    target = next((p for p in paragraphs if p.id == paragraph_id), None)
    if target is None:
        raise NotFound(_("That paragraph is not in this draft."))
    old_keys = {p.key.key for p in _old_paragraphs(version.based_on)}
    if old_key is not None and old_key not in old_keys:
        raise Invalid(
            _("Choose a paragraph of the previous version, or 'new paragraph'."), field="old_key"
        )
    explicit: dict[int, str | None] = {}
    for p in paragraphs:
        current = p.key.key if p.match_status != MatchStatus.new else None
        explicit[p.position] = current
    if old_key is not None:
        # The key moves here; whoever held it becomes a new paragraph.
        for position, key in explicit.items():
            if key == old_key:
                explicit[position] = None
    explicit[target.position] = old_key
    _build_paragraphs(version, [_as_parsed(p) for p in paragraphs], explicit)
    return version


def correct_match_by_label(
    actor, version: Version, paragraph_id: int, old_label: str | None
) -> Version:
    """correct_match, naming the predecessor by its label in the previous version."""
    if old_label is None:
        return correct_match(actor, version, paragraph_id, None)
    for paragraph in _old_paragraphs(version.based_on):
        if old_label in (paragraph.label, paragraph.anchor):
            return correct_match(actor, version, paragraph_id, paragraph.key.key)
    previous = version.based_on.label if version.based_on else "the previous version"
    raise Invalid(
        _("%(previous)s has no paragraph %(old_label)s.", previous=previous, old_label=old_label),
        field="old_label",
    )


def set_deadline(actor, version: Version, comments_close_at) -> Version:
    """Set the comment deadline of a draft (published deadlines change by moderation)."""
    permissions.require(actor, "edit_draft_version", version.consultation)
    _lock_draft(version)
    version.comments_close_at = _parse_deadline(comments_close_at)
    return version


def publish_version(actor, version: Version, now: dt.datetime | None = None, *,
                    confirm_numbering: bool = True) -> Version:
    """Publish a draft: it becomes public, immutable and the consultation's newest text.

    Pages, the API and the command line pass `confirm_numbering` as the person confirmed
    it: False refuses (NumberingUnconfirmed, with the list) a draft whose numbering has
    problems (`numbering_report`), so that nobody publishes renamed paragraphs unawares.
    """
    permissions.require(actor, "publish_version", version.consultation)
    _lock_draft(version)
    now = now or utcnow()
    consultation = version.consultation
    if version.comments_close_at is not None and version.comments_close_at <= now:
        raise Invalid(
            _("The comment deadline has already passed; set a later one."),
            field="comments_close_at",
        )
    if not version.paragraphs:
        raise Invalid(_("This draft has no paragraphs."))
    if not confirm_numbering:
        report = numbering_report(version)
        brackets = bracket_report(version)
        if report or brackets:
            raise NumberingUnconfirmed(_unconfirmed_message(version, report, brackets),
                                       report + brackets)
    if version.based_on is not None and running_silence(version.based_on) is not None:
        raise Conflict(_("%(label)s is under silence procedure: withdraw the procedure before "
                         "publishing a new version.", label=version.based_on.label))
    expected = version.based_on.seq if version.based_on is not None else 0
    # Compare-and-set: if someone published since this draft was started, nothing changes.
    moved = db.session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.head_seq == expected)
        .values(head_seq=version.seq)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        db.session.refresh(consultation)
        current = head_version(consultation)
        raise Conflict(
            _(
                "%(value)s was published after this draft was started from %(value2)s; make the draft again from the newest version.",
                value=current.label if current else "Another version",
                value2=version.based_on.label if version.based_on else "nothing",
            )
        )
    db.session.refresh(consultation)
    if version.based_on is not None:
        version.based_on.status = VersionStatus.superseded
        kept = select(Paragraph.key_id).where(Paragraph.version_id == version.id)
        db.session.execute(
            update(ParagraphKey)
            .where(
                ParagraphKey.id.in_(
                    select(Paragraph.key_id).where(Paragraph.version_id == version.based_on.id)
                ),
                ParagraphKey.id.not_in(kept),
            )
            .values(ended_in_id=version.id)
            .execution_options(synchronize_session="fetch")
        )
    version.status = VersionStatus.published
    version.published_at = now
    version.published_by = permissions.account_of(actor)
    db.session.flush()
    record_version_change(version.id)
    record_action(
        actor,
        "version.publish",
        "version",
        version.id,
        consultation_id=consultation.id,
        target_facts=version_facts(version),
        at=now,
        details={
            "comments_close_at": version.comments_close_at.isoformat()
            if version.comments_close_at
            else None
        },
    )
    record_event("version_published", consultation_id=consultation.id, version_id=version.id,
                 actor=actor, key=f"version_published:{version.id}", at=now)
    return version


def _unconfirmed_message(version: Version, numbering: list[dict], brackets: list[dict]
                         ) -> str:
    """Why publishing waits for a confirmation: the numbering, the brackets, or both."""
    parts = []
    if numbering:
        parts.append(_("The numbering of %(label)s changes paragraph labels. Check each "
                       "change and confirm it before publishing.", label=version.label))
    if brackets:
        labels = [w["labels"][0] for w in brackets]
        named = ", ".join(labels[:10]) + ("…" if len(labels) > 10 else "")
        parts.append(ngettext(
            "Brackets do not balance in %(num)d paragraph of %(label)s (%(labels)s). Check "
            "it and confirm before publishing.",
            "Brackets do not balance in %(num)d paragraphs of %(label)s (%(labels)s). Check "
            "them and confirm before publishing.",
            len(labels), label=version.label, labels=named))
    return " ".join(parts)


def editable_text(version: Version) -> str:
    """The Markdown of a version with key markers, to start the next version from."""
    blocks = []
    for paragraph in sorted(version.paragraphs, key=lambda p: p.position):
        marker = f" ⟦¶ {paragraph.key.key}⟧"
        if paragraph.kind == ParagraphKind.heading:
            # One line, so the marker cannot break a setext underline.
            level = min(max(paragraph.heading_level or 1, 1), 6)
            blocks.append("#" * level + " " + " ".join(paragraph.text.split("\n")) + marker)
            continue
        # The parser's own renderer keeps nesting and continuation text intact.
        blocks.append(render_draft_markdown([_as_parsed(paragraph)]).rstrip("\n") + marker)
    return "\n\n".join(blocks) + "\n"


def preview_draft(text: str, max_chars: int = 500_000, previous: Version | None = None
                  ) -> dict:
    """Parse a draft without saving it: what the co-facilitator will get.

    `paragraphs`: kind, label, number, html, brackets (bracketed passages); `warnings`:
    its numbering problems, against `previous` (the version it will follow) too, as
    `numbering_report` gives them; `brackets`: the paragraphs whose brackets do not
    balance, as `bracket_report` gives them.
    """
    parsed, _clean, markers = _parse(text, max_chars)
    pairs: list[tuple[str | None, str | None]] = []
    old = _old_paragraphs(previous)
    if old:
        old_keys = {p.key.key for p in old}
        try:
            matches = match_paragraphs(
                [OldParagraph(key=p.key.key, kind=p.kind.value, label=p.label, text=p.text)
                 for p in old],
                parsed, explicit={i: k for i, k in markers.items() if k in old_keys})
        except ValueError:
            matches = []
        pairs = [(m.old_label, m.new_label) for m in matches
                 if m.old_key is not None and m.new_index is not None]
    references = draft_references(p.text for p in parsed)
    rendered = [render_draft(p.text, references) for p in parsed]
    lines = {p.label: p.line for p in parsed}
    found = version_brackets([(p.label, brackets) for p, (_html, brackets)
                              in zip(parsed, rendered)])
    return {
        "paragraphs": [{"kind": p.kind, "label": p.label, "number": p.number, "html": html,
                        "brackets": brackets.count}
                       for p, (html, brackets) in zip(parsed, rendered)],
        "warnings": _numbering(parsed, pairs),
        "brackets": [_bracket_warning(item, lines.get(item.label))
                     for item in found.unbalanced],
    }
