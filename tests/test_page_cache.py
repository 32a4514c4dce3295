"""Public pages answered from the change clock: cheap 304s, one render per burst, never stale."""

import datetime as dt

import pytest
from sqlalchemy import event, update

from consult import change_clock
from consult.comments import services as comments
from consult.comments.models import Submission
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.moderation import services as moderation
from tests.comments.conftest import fra, nor, paragraph  # noqa: F401  (fixtures)
from tests.conftest import fresh, login


@pytest.fixture
def zero(staff, consultation):
    found = drafts.create_version(staff, consultation, label="Zero draft",
                                  text="# Plan\n\n1. *Calls upon* States to act;\n\n"
                                       "2. *Decides* to review the plan.\n",
                                  comments_close_at=utcnow() + dt.timedelta(days=10),
                                  publish=True)
    db.session.commit()
    return found


def _url(version, label=None):
    base = f"/consultations/{version.consultation.slug}/versions/{version.id}"
    return f"{base}/paragraphs/{label}" if label else base


class Queries:
    """Counts the SQL statements the app sends while it is open."""

    def __enter__(self):
        self.statements = []
        event.listen(db.engine, "before_cursor_execute", self._note)
        return self

    def _note(self, conn, cursor, statement, *args):
        if statement not in ("BEGIN", "BEGIN IMMEDIATE"):
            self.statements.append(statement)

    def __exit__(self, *exc):
        event.remove(db.engine, "before_cursor_execute", self._note)


def test_a_reader_who_has_the_page_gets_a_304_for_one_read_of_the_clock(client, zero):
    first = client.get(_url(zero))
    assert first.status_code == 200 and first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    with Queries() as seen:
        again = client.get(_url(zero), headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, no-cache"
    # Nothing read through SQLAlchemy: only the clock, on the driver's own connection.
    assert seen.statements == [], seen.statements


def test_a_burst_of_readers_costs_one_render(client, zero, monkeypatch):
    client.get(_url(zero, "OP1"))
    import consult.comments.views as views
    monkeypatch.setattr(views, "render_template", _refuse)
    kept = client.get(_url(zero, "OP1"))
    assert kept.status_code == 200
    assert "Calls upon" in kept.get_data(as_text=True)


def _refuse(*args, **kwargs):
    raise AssertionError("rendered again although nothing changed")


def test_a_change_renews_the_page_at_once(client, zero, fra):
    before = client.get(_url(zero, "OP1"))
    comments.post_comment(fra, paragraph(zero, "OP1"), "France welcomes the paragraph.")
    db.session.commit()
    after = client.get(_url(zero, "OP1"), headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert "France welcomes the paragraph." in after.get_data(as_text=True)
    assert after.headers["ETag"] != before.headers["ETag"]


def test_every_kind_of_change_moves_the_clock(zero, fra, nor, staff, make_user):
    def moved(action):
        before = change_clock.current_stamp()
        action()
        db.session.commit()
        return change_clock.current_stamp() != before

    op1 = paragraph(zero, "OP1")
    holder = {}
    assert moved(lambda: holder.update(c=comments.post_comment(fra, op1, "A comment.")))
    assert moved(lambda: holder.update(a=comments.propose_amendment(nor, op1, "New words.")))
    assert moved(lambda: comments.support_amendment(fra, holder["a"]))
    assert moved(lambda: comments.edit_submission(fra, holder["c"], body="Edited.",
                                                  expected_revision=0))
    assert moved(lambda: moderation.hide_submission(staff, holder["c"],
                                                    reason_code="abusive"))
    assert moved(lambda: moderation.set_disposition(staff, holder["a"], "incorporated"))
    secretariat = make_user("secretariat")
    assert moved(lambda: drafts.update_consultation(
        secretariat, zero.consultation, title="A new title", mandate="", description="",
        cofacilitators="", reference_date=None))
    # A bulk statement through the session counts too.
    assert moved(lambda: db.session.execute(update(Submission).where(
        Submission.id == holder["c"].id).values(body="Bulk.")))
    # Nothing written, or written and rolled back: the clock stays.
    assert not moved(lambda: None)
    before = change_clock.current_stamp()
    comments.post_comment(fra, op1, "Never sent.")
    db.session.flush()
    db.session.rollback()
    assert change_clock.current_stamp() == before


def test_a_deadline_passing_renews_the_page_without_any_write(client, zero, monkeypatch):
    open_page = client.get(_url(zero, "OP1"))
    later = utcnow() + dt.timedelta(days=11)
    monkeypatch.setattr(change_clock, "utcnow", lambda: later)
    monkeypatch.setattr(drafts, "utcnow", lambda: later)
    assert change_clock.StampReader(db.engine).stamp() == change_clock.current_stamp()
    closed = client.get(_url(zero, "OP1"), headers={"If-None-Match": open_page.headers["ETag"]})
    assert closed.status_code == 200
    assert "Comments on Zero draft are closed" in closed.get_data(as_text=True)


def test_each_language_has_its_own_page(client, zero):
    english = client.get(_url(zero), headers={"Accept-Language": "en"})
    french = client.get(_url(zero), headers={"Accept-Language": "fr"})
    assert english.headers["ETag"] != french.headers["ETag"]
    assert 'lang="fr"' in french.get_data(as_text=True)
    again = client.get(_url(zero), headers={"Accept-Language": "fr",
                                            "If-None-Match": english.headers["ETag"]})
    assert again.status_code == 200 and 'lang="fr"' in again.get_data(as_text=True)


def test_logged_in_readers_never_get_the_shared_page_nor_give_theirs(app, client, zero,
                                                                     make_user):
    client.get(_url(zero, "OP1"))  # kept for anonymous readers
    user = make_user("delegate", delegation="NOR", name="Delegate of Norway")
    delegate = app.test_client()
    assert login(delegate, user.email).status_code == 302
    own = delegate.get(_url(zero, "OP1")).get_data(as_text=True)
    assert "Delegate of Norway" in own and 'name="csrf_token"' in own
    anonymous = client.get(_url(zero, "OP1")).get_data(as_text=True)
    assert "Delegate of Norway" not in anonymous and 'name="csrf_token"' not in anonymous


def test_a_draft_is_never_kept_for_anyone(app, staff, consultation):
    draft = drafts.create_version(staff, consultation, label="Rev.1", text="1. Words.\n")
    db.session.commit()
    anonymous = app.test_client()
    assert anonymous.get(_url(draft)).status_code == 404
    assert app.extensions["consult_rendered_pages"].size == 0
    fresh()


def test_the_clock_is_read_again_after_its_connection_was_dropped(app, client, zero):
    """A database restart or failover kills the clock's connection: the next reader still
    gets the page, not an error."""
    reader = change_clock.StampReader(db.engine)
    before = reader.stamp()
    reader.clock_engine.dispose()  # so that the pool's next connection is the one killed
    invalidated = []
    event.listen(reader.clock_engine, "invalidate", lambda *args: invalidated.append(args))
    held = reader.clock_engine.raw_connection()
    if db.engine.dialect.name == "postgresql":
        pid = held.driver_connection.info.backend_pid
        with db.engine.connect() as admin:
            admin.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
    else:
        held.dbapi_connection.close()
    held.close()  # back into the pool, dead
    assert reader.stamp() == before
    assert len(invalidated) == 1  # it was tried, failed, and the read went on
    comments_url = _url(zero, "OP1")
    assert client.get(comments_url).status_code == 200


def test_the_clock_is_read_at_most_once_per_max_age_unless_this_process_changed_something(
        zero, fra, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(change_clock.time, "monotonic", lambda: now[0])
    reader = change_clock.StampReader(db.engine, max_age=0.25)
    reads = []
    read_seq_on = change_clock._read_seq_on
    monkeypatch.setattr(change_clock, "_read_seq_on",
                        lambda engine: reads.append(1) or read_seq_on(engine))
    first = reader.stamp()
    # Another process or node commits a change: not through this process's sessions.
    with db.engine.begin() as elsewhere:
        elsewhere.execute(update(change_clock.ChangeClock).values(
            seq=change_clock.ChangeClock.seq + 1))
    now[0] += 0.2
    assert reader.stamp() == first and len(reads) == 1  # within max_age: not read again
    now[0] += 0.1
    moved = reader.stamp()
    assert moved != first and len(reads) == 2  # past it: read, and the change is seen
    # A change this process commits is seen at once, max_age or not.
    comments.post_comment(fra, zero.paragraphs[0], "Seen at once.")
    db.session.commit()
    assert reader.stamp() != moved and len(reads) == 3
    # Nothing changed: still one read per max_age.
    assert reader.stamp() == reader.stamp() and len(reads) == 3
