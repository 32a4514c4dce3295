"""Recording changes for the search index, inside the transaction that makes them."""

from __future__ import annotations

from flask import current_app, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from consult.db import db
from consult.search.models import SearchOutbox


def record_submission_change(submission_id: int, *, with_replies: bool = False) -> None:
    """Queue a submission (and, for visibility changes, every reply under it) for indexing."""
    ids = [submission_id]
    if with_replies:
        ids += _descendants(submission_id)
    db.session.add_all(SearchOutbox(doc_type="submission", object_id=i) for i in ids)
    db.session.info["search_outbox_changed"] = True


def record_version_change(version_id: int) -> None:
    """Queue a version's paragraphs for indexing (on publication)."""
    db.session.add(SearchOutbox(doc_type="version", object_id=version_id))
    db.session.info["search_outbox_changed"] = True


def _descendants(submission_id: int) -> list[int]:
    from consult.comments.models import Submission

    found, frontier = [], [submission_id]
    while frontier:
        children = db.session.scalars(
            select(Submission.id).where(Submission.parent_id.in_(frontier))).all()
        found += children
        frontier = children
    return found


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Wake this app's in-process consumer, if it runs one (SEARCH_UPDATES = "background").
    # Only web requests wake it: a command's process may end before a thread finishes.
    if session.info.pop("search_outbox_changed", False) and has_request_context():
        feed = current_app.extensions.get("consult_search_feed")
        if feed is not None:
            feed.poke()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("search_outbox_changed", None)
