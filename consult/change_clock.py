"""The change clock: one number that moves, in the same transaction, with every change a
reader could see.

Public pages are validated against it before anything is rendered (`consult/page_cache.py`):
a reader who already has the page gets a 304 for the price of one small query, and a burst
of readers after a new revision costs one render. The clock is moved by the session itself
(after any flush or bulk statement that wrote a table some page shows), so no service can
forget it, and it commits or rolls back with the change it counts.

One clock for the whole site, not one per version: a change anywhere renews every page's
validator. Writes are rare beside reads (a few thousand a day against readers in the
millions), so a finer clock would save little and could be forgotten by a new feature.
"""

from __future__ import annotations

import bisect
import functools
import time

from sqlalchemy import BigInteger, bindparam, create_engine, event, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from consult.db import Base, UTCDateTime, db, utcnow

# Tables no public page shows: writing them does not move the clock (log-in bookkeeping,
# the search feed's queue, the mail outbox and its links, the clock itself).
UNSEEN_TABLES = frozenset({"change_clock", "login_session", "login_failure", "api_token",
                           "search_outbox", "alembic_version", "mail_message",
                           "undeliverable_address", "account_token",
                           "password_reset_request", "notification_event",
                           "notification_preference", "notification_digest"})
_CHANGED = "consult_changed"
_ADVANCED = "consult_clock_advanced"
# Commits in this process that moved the clock: a StampReader reads the clock again at once
# after one, whatever its max_age.
_local_advances = 0


class ChangeClock(Base):
    """The one row (id 1) whose `seq` counts committed changes that pages could show."""

    __tablename__ = "change_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


def _shown(table_name: str | None) -> bool:
    return table_name is not None and table_name not in UNSEEN_TABLES


@event.listens_for(Session, "after_flush")
def _note_flushed(session, flush_context):
    """A flush that wrote any row some page shows marks the transaction as changing."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(obj, "__tablename__", None)
        if _shown(table) and (obj not in session.dirty or session.is_modified(obj)):
            session.info[_CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    """So do bulk INSERT, UPDATE and DELETE statements run through the session."""
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if _shown(getattr(table, "name", None)):
            state.session.info[_CHANGED] = True


@event.listens_for(Session, "before_commit")
def _advance(session):
    """Move the clock inside the transaction that is about to commit, if it changed anything."""
    if session.info.get(_CHANGED) is None:
        # Changes still pending are flushed by commit after this hook: flush them now, so
        # that they are counted in this same transaction.
        if not (session.new or session.dirty or session.deleted):
            return
        session.flush()
        if not session.info.get(_CHANGED):
            return
    session.info.pop(_CHANGED, None)
    advanced = session.execute(update(ChangeClock).where(ChangeClock.id == 1)
                               .values(seq=ChangeClock.seq + 1))
    if advanced.rowcount == 0:  # a database made before the clock existed, or emptied
        session.add(ChangeClock(id=1, seq=1))
        session.flush()
    session.info[_ADVANCED] = True


@event.listens_for(Session, "after_commit")
def _note_advance(session):
    global _local_advances
    if session.info.pop(_ADVANCED, None):
        _local_advances += 1


@event.listens_for(Session, "after_rollback")
def _forget(session):
    session.info.pop(_CHANGED, None)
    session.info.pop(_ADVANCED, None)


@functools.lru_cache(maxsize=1)
def _stamp_statement():
    # Built once: constructing the expression costs more than running it.
    from consult.drafts.models import Version
    from consult.negotiation.models import SilenceProcedure, SilenceState

    now = bindparam("now", type_=UTCDateTime())
    return select(
        select(ChangeClock.seq).where(ChangeClock.id == 1).scalar_subquery(),
        select(func.count(Version.id)).where(Version.comments_close_at <= now)
        .scalar_subquery(),
        select(func.count(SilenceProcedure.id))
        .where(SilenceProcedure.state == SilenceState.running, SilenceProcedure.until <= now)
        .scalar_subquery())


def current_stamp(connection=None) -> str:
    """The clock and how many comment and silence deadlines have passed: what a public page
    depends on besides its address and language (a deadline passing closes a form, or
    adopts a text, without any write).

    Read on `connection` if given (the page cache, before any session exists), else in the
    request's session."""
    reader = db.session if connection is None else connection
    row = reader.execute(_stamp_statement(), {"now": utcnow()}).one()
    return f"{row[0] or 0}.{row[1] + row[2]}"


class StampReader:
    """current_stamp() for the page cache, at the price of one statement without
    parameters, read at most once per `max_age` seconds: the deadlines are read again only
    when the clock has moved (changing a deadline moves it), and those passed are counted
    in memory.

    Within `max_age` the last value read is used, unless this process has itself committed
    a change since: a change made through another process or node reaches anonymous readers
    up to `max_age` later (a quarter of a second by default, less than a page takes to
    travel), while the reader who made it, logged in, never goes through the kept pages.
    A page is never keyed newer than what it shows: the stamp is read before the page is."""

    def __init__(self, engine, max_age: float = 0.0):
        self.engine = engine
        self.clock_engine = _clock_engine(engine)
        self.max_age = max_age
        # (seq, deadlines, monotonic time of the read, local advances seen then)
        self._last: tuple[int, list, float, int] | None = None

    def stamp(self) -> str:
        """The same value as current_stamp(), read on a connection of its own."""
        from consult.drafts.models import Version
        from consult.negotiation.models import SilenceProcedure, SilenceState

        last, now, advances = self._last, time.monotonic(), _local_advances
        if last is None or now - last[2] >= self.max_age or advances != last[3]:
            seq = self._read_seq()
            if last is not None and seq == last[0]:
                deadlines = last[1]
            else:
                with self.engine.connect() as connection:
                    # A silence deadline passing adopts a text: pages change as they do
                    # when a comment period ends.
                    deadlines = sorted(list(connection.scalars(
                        select(Version.comments_close_at)
                        .where(Version.comments_close_at.is_not(None)))) + list(
                        connection.scalars(select(SilenceProcedure.until).where(
                            SilenceProcedure.state == SilenceState.running))))
            # One tuple, replaced whole: threads of `flask run` see the old or the new.
            self._last = last = (seq, deadlines, now, advances)
        return f"{last[0]}.{bisect.bisect_right(last[1], utcnow())}"

    def _read_seq(self) -> int:
        # A connection the server dropped (restart, failover, idle timeout) fails once;
        # the pool is then renewed and the read tried again.
        try:
            return _read_seq_on(self.clock_engine)
        except self.clock_engine.dialect.loaded_dbapi.Error:
            if self.clock_engine is not self.engine:
                self.clock_engine.dispose()
            return _read_seq_on(self.clock_engine)


def _read_seq_on(engine) -> int:
    # The driver's own connection, in autocommit: no transaction to begin and end around
    # one read.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT seq FROM change_clock WHERE id = 1")
        found = cursor.fetchone()
        cursor.close()
        return found[0] if found else 0
    except engine.dialect.loaded_dbapi.Error:
        raw.invalidate()
        raise
    finally:
        raw.close()


def _clock_engine(engine):
    """The engine the clock is read on: on a database server, a pool of its own in
    autocommit, with no ping on checkout and no rollback on return, so that a 304 costs
    one round trip instead of four (ping, BEGIN, SELECT, ROLLBACK). SQLite reads in-process
    and uses the app's engine."""
    if engine.dialect.name == "sqlite":
        return engine
    clock = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_size=2,
                          pool_reset_on_return=None)
    # Closed with the app's engine (tests, `flask` commands), not left to the collector.
    event.listen(engine, "engine_disposed", lambda _engine: clock.dispose())
    return clock
