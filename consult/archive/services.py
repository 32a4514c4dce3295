"""Reading the public record: a paragraph's whole history, every visible submission."""

from __future__ import annotations

import dataclasses

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from consult import visibility
from consult import permissions
from consult.comments.models import Submission, SubmissionKind
from consult.db import db
from consult.drafts.models import Paragraph, ParagraphKey, Version
from consult.errors import Invalid, NotFound
from consult.comments.wording import paragraph_diff_html
from consult.paging import Paged, require_page_exists, require_page_number


@dataclasses.dataclass
class HistoryStep:
    """One version's text of a paragraph, with what changed since the step before."""

    version: Version
    paragraph: Paragraph
    diff_html: str | None  # None for the first step, or when the text did not change
    changed: bool
    submissions: int  # visible submissions made on this paragraph of this version


@dataclasses.dataclass
class KeyHistory:
    """A paragraph followed by its key from the first version that had it to the newest."""

    consultation: object
    key: str
    steps: list[HistoryStep]
    ended_in: Version | None  # the version that dropped it, if one did (and is visible)


def paragraph_key_history(user, consultation, key: str) -> KeyHistory:
    """Every visible version's text of one paragraph key, oldest first, with word diffs."""
    found = db.session.scalar(select(ParagraphKey).where(
        ParagraphKey.key == key, ParagraphKey.consultation_id == consultation.id)) \
        if isinstance(key, str) and len(key) <= 16 else None
    if found is None:
        raise NotFound(_("Not found."))
    rows = [p for p in db.session.scalars(
        select(Paragraph).join(Version, Version.id == Paragraph.version_id)
        .where(Paragraph.key_id == found.id).order_by(Version.seq)
        .options(selectinload(Paragraph.version)))
        if permissions.can(user, "view_version", p.version)]
    if not rows:
        raise NotFound(_("Not found."))
    counts = dict(db.session.execute(
        select(Submission.paragraph_id, func.count(Submission.id))
        .where(Submission.paragraph_id.in_([p.id for p in rows]),
               Submission.kind != SubmissionKind.support, visibility.not_concealed())
        .group_by(Submission.paragraph_id)).all())
    steps, previous = [], None
    for paragraph in rows:
        changed = previous is not None and " ".join(previous.text.split()) != " ".join(
            paragraph.text.split())
        steps.append(HistoryStep(paragraph.version, paragraph,
                                 paragraph_diff_html(previous.text, paragraph.text) if changed else None,
                                 changed, counts.get(paragraph.id, 0)))
        previous = paragraph
    ended = db.session.get(Version, found.ended_in_id) if found.ended_in_id else None
    if ended is not None and not permissions.can(user, "view_version", ended):
        ended = None
    return KeyHistory(consultation, key, steps, ended)


@dataclasses.dataclass
class SubmissionPage(Paged):
    """One page of the visible submissions of a consultation, newest first."""

    submissions: list[Submission]
    total: int
    page: int
    per_page: int



def list_public_submissions(consultation, *, page: int = 1, per_page: int = 100,
                            version_id: int | None = None, kind: str | None = None,
                            delegation_id: int | None = None) -> SubmissionPage:
    """The submissions anyone may read (withdrawn ones marked), newest first, a page at a time.

    The same list for everyone, so that the archive reads alike whoever opens it; the
    moderators' view of hidden submissions is the moderation queue.
    """
    if kind is not None and kind not in SubmissionKind.__members__:
        raise Invalid(_("Unknown kind; use comment, amendment, support or statement."),
                      field="kind")
    require_page_number(page)
    # Published versions by id (a handful), not a join: the count is then answered from
    # the index on each submission's place alone.
    public_versions = list(db.session.scalars(select(Version.id).where(
        Version.consultation_id == consultation.id, visibility.public_versions())))
    conditions = [Submission.version_id.in_(public_versions), visibility.not_concealed()]
    if version_id is not None:
        conditions.append(Submission.version_id == version_id)
    if kind is not None:
        conditions.append(Submission.kind == SubmissionKind(kind))
    if delegation_id is not None:
        conditions.append(Submission.delegation_id == delegation_id)
    # Counted from the place index alone; listed along (consultation, time), newest first.
    total = db.session.scalar(select(func.count(Submission.id)).where(*conditions))
    base = select(Submission).where(Submission.consultation_id == consultation.id, *conditions)
    require_page_exists(page, total, per_page)
    rows = list(db.session.scalars(
        base.options(selectinload(Submission.version), selectinload(Submission.paragraph))
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .offset((page - 1) * per_page).limit(per_page)))
    return SubmissionPage(rows, total, page, per_page)
