"""The main pages cost what they show: as many SQL statements at 1,200 submissions as at 300.

A page that loads rows one by one (a query per submission, per supporter, per paragraph)
sends more statements as the consultation grows; one that counts and pages in the database
does not. Rendered-page keeping is switched off here, so every request really renders.
"""

from sqlalchemy import event, func, select

from consult.comments.models import Submission
from consult.db import db
from consult.demo import GPA_SLUG
from consult.drafts.models import Consultation, Paragraph, Version
from tests.conftest import fresh, login


def _demo(runner, comments: int) -> None:
    result = runner.invoke(args=["demo", "--comments", str(comments), "--seed", "3"])
    assert result.exit_code == 0, result.output
    fresh()


def _pages() -> dict[str, str]:
    """The main pages, each at its busiest: the newest version, its busiest paragraph…"""
    gpa = db.session.scalar(select(Consultation).where(Consultation.slug == GPA_SLUG))
    newest = max(gpa.versions, key=lambda v: v.seq)
    busiest_id = db.session.execute(
        select(Submission.paragraph_id).where(Submission.version_id == newest.id,
                                              Submission.paragraph_id.is_not(None))
        .group_by(Submission.paragraph_id).order_by(func.count().desc()).limit(1)).scalar()
    busiest = db.session.get(Paragraph, busiest_id)
    code = db.session.execute(
        select(Submission.delegation_id).group_by(Submission.delegation_id)
        .order_by(func.count().desc()).limit(1)).scalar()
    from consult.auth.models import Delegation
    delegation = db.session.get(Delegation, code)
    some = db.session.scalar(select(Submission.id).where(
        Submission.paragraph_id == busiest_id, Submission.parent_id.is_(None),
        Submission.is_hidden.is_(False)).order_by(Submission.id))
    base = f"/consultations/{GPA_SLUG}"
    version = f"{base}/versions/{newest.id}"
    return {
        "version": version,
        "paragraph": f"{version}/paragraphs/{busiest.anchor}",
        "paragraph, page 2": f"{version}/paragraphs/{busiest.anchor}?page=2",
        "paragraph, oldest first": f"{version}/paragraphs/{busiest.anchor}?order=oldest",
        "statements": f"{version}/statements",
        "submissions list": f"{base}/submissions",
        "submission": f"{base}/submissions/{some}",
        "delegation": f"/delegations/{delegation.code}",
        "paragraph history": f"{base}/paragraphs/{busiest.key.key}",
        "search": "/search?q=trafficking",
        "moderation log": "/moderation-log",
        "API thread": f"/api/v1/paragraphs/{busiest.id}/comments",
        "API statements": f"/api/v1/versions/{newest.id}/comments",
    }


def _count(client, url) -> int:
    statements = []

    def note(conn, cursor, statement, *args):
        if not statement.startswith("BEGIN"):
            statements.append(statement)

    client.get(url)  # once first: what is read once per change of the clock is not counted
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements)


def _all_counts(client, staff_client) -> dict[str, int]:
    counts = {name: _count(client, url) for name, url in _pages().items()}
    gpa = f"/consultations/{GPA_SLUG}"
    counts["moderation queue"] = _count(staff_client, f"{gpa}/moderation")
    counts["paragraph (co-facilitator)"] = _count(staff_client, _pages()["paragraph"])
    return counts


def test_main_pages_send_as_many_queries_at_four_times_the_submissions(app, runner,
                                                                        make_user):
    app.extensions["consult_rendered_pages"].max_bytes = 0  # render every time
    app.config["THREADS_PER_PAGE"] = 5  # so that the busiest thread has a second page
    _demo(runner, 300)
    staff = make_user("cofacilitator")
    staff_client = app.test_client()
    assert login(staff_client, staff.email).status_code == 302
    client = app.test_client()
    small = _all_counts(client, staff_client)
    _demo(runner, 1200)
    large = _all_counts(client, staff_client)
    assert large == small
    # And the busiest thread is paged: its second page exists at 1,200 submissions.
    assert db.session.scalar(select(func.count(Version.id))) >= 2
