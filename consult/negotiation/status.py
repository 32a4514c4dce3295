"""Paragraph statuses: what the co-facilitators record as agreed, and what stays open."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from consult import permissions
from consult.audit.services import record_action, version_facts
from consult.db import db, utcnow
from consult.drafts.models import (ConsultationStatus, Paragraph, ParagraphStatus, Version,
                                   VersionStatus)
from consult.errors import Conflict, Invalid, NotFound
from consult.negotiation.silence import running_silence
from consult.words import clean_words

MAX_NOTE_CHARS = 2000
# The order statuses are listed in, on pages, in the API and in the chart.
STATUSES = tuple(ParagraphStatus)


@dataclasses.dataclass(frozen=True)
class StatusChange:
    """One paragraph whose status changed: its label, the status before and after."""

    label: str
    before: ParagraphStatus
    after: ParagraphStatus


def parse_status(value) -> ParagraphStatus:
    """The status named by `value` (its code); Invalid for anything else."""
    try:
        return ParagraphStatus(value)
    except ValueError:
        raise Invalid(_("Unknown status; choose one of: %(statuses)s.",
                        statuses=", ".join(s.value for s in STATUSES)),
                      field="status") from None


def clean_note(value) -> str:
    """A status note as stored: trimmed, without NUL, not too long (may be empty)."""
    return clean_words(value, field="note", limit=MAX_NOTE_CHARS)


def require_status_editable(actor, version: Version) -> None:
    """Raise unless `actor` may record paragraph statuses in `version` now.

    Statuses are recorded in a draft and in the newest published version while the
    consultation is open; an earlier version's are part of its record, and a text under
    silence is put to the delegations as it stands.
    """
    permissions.require(actor, "set_paragraph_status", version)
    if version.consultation.status != ConsultationStatus.open:
        raise Conflict(_("%(title)s is closed: its record can no longer change.",
                         title=version.consultation.title))
    if version.status not in (VersionStatus.draft, VersionStatus.published):
        raise Conflict(_("%(label)s is no longer the newest version: record statuses in the "
                         "newest one.", label=version.label))
    if running_silence(version) is not None:
        raise Conflict(_("%(label)s is under silence procedure: its paragraphs' statuses "
                         "cannot change until the procedure ends.", label=version.label))


def _paragraphs_named(version: Version, labels) -> list[Paragraph]:
    if isinstance(labels, str) or not labels:
        raise Invalid(_("Choose at least one paragraph."), field="labels")
    wanted = []
    for label in labels:
        if not isinstance(label, str) or not label.strip():
            raise Invalid(_("Choose at least one paragraph."), field="labels")
        wanted.append(label.strip())
    by_label = {p.label: p for p in version.paragraphs}
    by_anchor = {p.anchor: p for p in version.paragraphs}
    found, missing = [], []
    for label in dict.fromkeys(wanted):
        paragraph = by_label.get(label) or by_anchor.get(label)
        if paragraph is None:
            missing.append(label)
        elif paragraph not in found:
            found.append(paragraph)
    if missing:
        raise NotFound(_("%(version)s has no paragraph %(labels)s; nothing was changed.",
                         version=version.label, labels=", ".join(missing[:10])))
    return found


def set_paragraph_statuses(actor, version: Version, labels, status, note: str = "", *,
                           now: dt.datetime | None = None) -> list[StatusChange]:
    """Record one status (and note) for the named paragraphs of a version, in one step.

    Paragraphs already at that status with that note are left as they are. Every change to
    a published version is written to the public log, one entry per paragraph.
    """
    status = parse_status(status)
    note = clean_note(note)
    # Lock the consultation first: publication and silence take the same lock.
    db.session.execute(select(version.consultation.__class__.id)
                       .where(version.consultation.__class__.id == version.consultation_id)
                       .with_for_update())
    db.session.refresh(version)
    require_status_editable(actor, version)
    paragraphs = _paragraphs_named(version, labels)
    now = now or utcnow()
    changes = []
    for paragraph in paragraphs:
        if paragraph.status == status and paragraph.status_note == note:
            continue
        changes.append(StatusChange(paragraph.label, paragraph.status, status))
        before = paragraph.status
        paragraph.status = status
        paragraph.status_note = note
        paragraph.status_changed_at = now
        if version.is_public:
            # Drafts are not public: their preparation is not logged; publication is.
            record_action(actor, "paragraph.status", "version", version.id,
                          consultation_id=version.consultation_id,
                          target_facts={**version_facts(version), "paragraph": paragraph.label},
                          reason=note, at=now,
                          details={"paragraph": paragraph.label, "from": before.value,
                                   "to": status.value})
    db.session.flush()
    return changes


def set_paragraph_status(actor, paragraph: Paragraph, status, note: str = "", *,
                         now: dt.datetime | None = None) -> list[StatusChange]:
    """Record the status of one paragraph (see `set_paragraph_statuses`)."""
    return set_paragraph_statuses(actor, paragraph.version, [paragraph.label], status, note,
                                  now=now)


def count_statuses(version_ids) -> dict[int, dict[str, int]]:
    """{version id: {status: paragraphs}} for these versions, every status present."""
    from sqlalchemy import func

    counts = {vid: {s.value: 0 for s in STATUSES} for vid in version_ids}
    if not counts:
        return counts
    rows = db.session.execute(
        select(Paragraph.version_id, Paragraph.status, func.count(Paragraph.id))
        .where(Paragraph.version_id.in_(list(counts)))
        .group_by(Paragraph.version_id, Paragraph.status))
    for version_id, status, count in rows:
        counts[version_id][ParagraphStatus(status).value] = count
    return counts


def carried_status(predecessor: Paragraph | None, text: str) -> tuple[ParagraphStatus, str]:
    """The status a new version's paragraph starts with: its predecessor's while the text
    is the same, open once it changed (agreement was on the words)."""
    if predecessor is None or predecessor.text != text:
        return ParagraphStatus.open, ""
    return predecessor.status, predecessor.status_note


def reopened_paragraphs(version: Version) -> list[tuple[Paragraph, Paragraph]]:
    """(paragraph, predecessor) for each paragraph of a draft whose predecessor was agreed
    (or deleted) but whose text changed: it goes back to open, and the co-facilitator is
    told before publishing."""
    if version.status != VersionStatus.draft:
        return []
    if version.based_on_id is None:
        return []
    previous = {p.key_id: p for p in db.session.scalars(
        select(Paragraph).where(Paragraph.version_id == version.based_on_id))}
    found = []
    for paragraph in version.paragraphs:
        before = previous.get(paragraph.key_id)
        if before is not None and before.status != ParagraphStatus.open \
                and before.text != paragraph.text:
            found.append((paragraph, before))
    return found
