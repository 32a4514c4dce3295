"""The search outbox: what changed, written in the same transaction as the change."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from consult.db import Base, UTCDateTime, utcnow


class SearchOutbox(Base):
    """One change the search index must follow: re-read this object from the database.

    Rows are only appended; every node keeps its own cursor (next to its index), so any
    number of nodes can each catch up from the same table.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "submission" (id of a submission) or "version" (id of a version: all its paragraphs).
    doc_type: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
