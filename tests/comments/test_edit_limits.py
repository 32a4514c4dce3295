"""Issue 17, security gaps: edits count in the posting limit, and one submission's history
is bounded (each edit keeps the earlier text, shown to everyone)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.comments import services as comments
from consult.comments.models import SubmissionRevision
from consult.db import db
from consult.drafts import services as drafts
from consult.errors import Conflict, TooMany
from tests.conftest import SMALL_DRAFT


@pytest.fixture
def comment(app, consultation, staff, make_user):
    version = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                    publish=True)
    author = make_user("delegate", delegation="FRA")
    posted = comments.post_comment(author, drafts.get_paragraph(author, version, "OP1"),
                                   "First words")
    db.session.commit()
    return author, posted


def test_edits_count_in_the_posting_limit(app, comment):
    author, posted = comment
    app.config["POST_RATE_LIMIT"] = "3 per minute"
    comments.edit_submission(author, posted, body="Second words")
    comments.edit_submission(author, posted, body="Third words")
    db.session.commit()
    with pytest.raises(TooMany):  # the post and two edits: the allowance is spent
        comments.edit_submission(author, posted, body="Fourth words")
    db.session.rollback()
    with pytest.raises(TooMany):
        comments.post_comment(author, posted.paragraph, "A new comment")
    db.session.rollback()
    assert db.session.scalar(select(func.count(SubmissionRevision.id))) == 2


def test_a_submission_is_edited_a_bounded_number_of_times(app, client, comment):
    author, posted = comment
    app.config["MAX_SUBMISSION_EDITS"] = 2
    comments.edit_submission(author, posted, body="Second words")
    comments.edit_submission(author, posted, body="Third words")
    db.session.commit()
    with pytest.raises(Conflict, match="edited 2 times, the most allowed"):
        comments.edit_submission(author, posted, body="Fourth words")
    db.session.rollback()
    assert db.session.get(type(posted), posted.id).body == "Third words"
    history = client.get(f"/api/v1/comments/{posted.id}").get_data(as_text=True)
    assert "Fourth words" not in history
