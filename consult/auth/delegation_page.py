"""What the public page of a delegation lists: its submissions, a page at a time.

One query for the page's rows (only the columns shown, the start of each text) and one
count, in SQL, whatever the number of submissions: a delegation may have written
hundreds of thousands across consultations.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from consult import visibility
from consult.auth.models import Delegation
from consult.comments.models import Disposition, Submission, SubmissionKind
from consult.db import db
from consult.drafts.models import (Consultation, Paragraph, Version,
                                   paragraph_anchor)
from consult.comments.wording import markdown_plain

PER_PAGE = 50
EXCERPT_CHARS = 200
# How much of the stored Markdown is read for an excerpt: enough for EXCERPT_CHARS of text
# once markup and link addresses are gone, and never a whole long statement.
SOURCE_CHARS = 800



@dataclass(frozen=True)
class DelegationSubmission:
    """One row of the delegation's page."""

    id: int
    kind: SubmissionKind
    status: str  # active, withdrawn or hidden (hidden rows reach staff and their author only)
    disposition: Disposition | None  # proposals only
    created_at: dt.datetime
    edited_at: dt.datetime | None
    language: str | None
    excerpt: str
    consultation_slug: str
    consultation_title: str
    consultation_language: str
    version_id: int
    version_label: str
    paragraph_label: str | None
    paragraph_anchor: str | None
    parent_id: int | None
    parent_delegation_code: str | None  # whom a reply answers, or whose proposal is supported

    @property
    def target_id(self) -> int:
        """The submission to scroll to on the paragraph page (a support: its proposal)."""
        return self.parent_id if self.kind == SubmissionKind.support and self.parent_id \
            else self.id


def plain_excerpt(markdown: str | None, *, truncated: bool = False,
                  limit: int = EXCERPT_CHARS) -> str:
    """Plain text from Markdown, cut at a word boundary near `limit` characters."""
    text = " ".join(markdown_plain(markdown).split())
    if len(text) <= limit and not truncated:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    # Text without spaces (Chinese, say) is cut where the limit falls.
    if len(text) > limit and space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:") + "…"


def delegation_submissions(user, delegation: Delegation, *, page: int = 1,
                           per_page: int = PER_PAGE) -> tuple[list[DelegationSubmission], int]:
    """One page of the submissions of a delegation this user may see, newest first, and
    how many there are."""
    conditions = (Submission.delegation_id == delegation.id,
                  visibility.public_versions(), visibility.visible_submissions(user))
    total = db.session.scalar(
        select(func.count(Submission.id))
        .join(Version, Version.id == Submission.version_id).where(*conditions)) or 0
    parent = aliased(Submission)
    parent_delegation = aliased(Delegation)
    rows = db.session.execute(
        select(Submission.id, Submission.kind, Submission.status, Submission.is_hidden,
               Submission.under_hidden, Submission.disposition, Submission.created_at,
               Submission.edited_at, Submission.language, Submission.parent_id,
               func.substr(Submission.body, 1, SOURCE_CHARS).label("body_start"),
               func.substr(Submission.proposed_text, 1, SOURCE_CHARS).label("proposed_start"),
               Consultation.slug, Consultation.title,
               Consultation.language.label("consultation_language"),
               Version.id.label("version_id"), Version.label.label("version_label"),
               Paragraph.label.label("paragraph_label"),
               parent_delegation.code.label("parent_code"))
        .join(Version, Version.id == Submission.version_id)
        .join(Consultation, Consultation.id == Version.consultation_id)
        .outerjoin(Paragraph, Paragraph.id == Submission.paragraph_id)
        .outerjoin(parent, parent.id == Submission.parent_id)
        .outerjoin(parent_delegation, parent_delegation.id == parent.delegation_id)
        .where(*conditions)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .offset((page - 1) * per_page).limit(per_page))
    return [_row(r) for r in rows], total


def _row(r) -> DelegationSubmission:
    # A proposal is its wording; anything else, its text.
    source = r.proposed_start if r.kind == SubmissionKind.amendment and r.proposed_start \
        else r.body_start
    return DelegationSubmission(
        id=r.id, kind=r.kind,
        status="hidden" if r.is_hidden or r.under_hidden else r.status.value,
        disposition=r.disposition, created_at=r.created_at, edited_at=r.edited_at,
        language=r.language,
        excerpt=plain_excerpt(source, truncated=len(source or "") >= SOURCE_CHARS),
        consultation_slug=r.slug, consultation_title=r.title,
        consultation_language=r.consultation_language,
        version_id=r.version_id, version_label=r.version_label,
        paragraph_label=r.paragraph_label,
        paragraph_anchor=paragraph_anchor(r.paragraph_label) if r.paragraph_label else None,
        parent_id=r.parent_id, parent_delegation_code=r.parent_code)

