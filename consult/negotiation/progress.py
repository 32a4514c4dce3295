"""How close a consultation is to consensus: paragraphs by status and brackets left, for
each published version (the chart, the API and the open-data export)."""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select

from consult.db import db
from consult.drafts.models import Consultation, Paragraph, Version, VersionStatus
from consult.negotiation.status import count_statuses


@dataclasses.dataclass(frozen=True)
class VersionProgress:
    """One published version's figures."""

    id: int
    label: str
    brackets: int
    paragraphs: dict[str, int]  # status -> paragraphs, every status present

    @property
    def total(self) -> int:
        """How many paragraphs the version has."""
        return sum(self.paragraphs.values())


def consultation_progress(consultation: Consultation) -> list[VersionProgress]:
    """The figures of each public version of the consultation, oldest first (two queries)."""
    versions = list(db.session.execute(
        select(Version.id, Version.label).where(
            Version.consultation_id == consultation.id,
            Version.status != VersionStatus.draft).order_by(Version.seq)))
    ids = [row.id for row in versions]
    statuses = count_statuses(ids)
    brackets = dict(db.session.execute(
        select(Paragraph.version_id, func.coalesce(func.sum(Paragraph.brackets), 0))
        .where(Paragraph.version_id.in_(ids)).group_by(Paragraph.version_id)).all()) \
        if ids else {}
    return [VersionProgress(row.id, row.label, int(brackets.get(row.id, 0)), statuses[row.id])
            for row in versions]
