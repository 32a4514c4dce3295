"""Engine, session and declarative base shared by every feature package."""

from __future__ import annotations

import datetime as dt
import gc
import sys
import threading

from flask import Flask, current_app
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

# Constraint names that Alembic can find again on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite forgets time zones; PostgreSQL keeps them. Normalising here means the
    rest of the code compares aware datetimes on both.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(dt.timezone.utc)


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.timezone.utc)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Turn on foreign keys and WAL for SQLite connections (ignored elsewhere)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers go on while one writer commits; busy_timeout makes writers queue
    # instead of failing with "database is locked" when several post at once.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create the engine for a database URL."""
    if not url.startswith("sqlite"):
        # A database that cannot be reached fails a request within seconds (a 503 that says
        # so), rather than holding it until the operating system gives up on the socket.
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})

    @event.listens_for(engine, "connect")
    def _manual_transactions(dbapi_connection, connection_record):
        # Let SQLAlchemy emit BEGIN itself (the driver's own BEGIN is always DEFERRED).
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        # A deferred transaction that read first cannot later take the write lock if
        # another writer committed meanwhile: SQLite fails it at once, busy_timeout or not.
        # Requests that change data therefore take the write lock up front and queue.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _is_write_request() else "BEGIN")

    return engine


def _is_write_request() -> bool:
    from flask import has_request_context, request

    return has_request_context() and request.method not in ("GET", "HEAD", "OPTIONS")


class _GCPause:
    """Pause the cyclic garbage collector (re-entrant, shared by threads)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._reenable = False

    def __enter__(self):
        with self._lock:
            if self._depth == 0:
                self._reenable = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc_info):
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._reenable:
                gc.enable()


_gc_paused = _GCPause()


class ConsultSession(Session):
    """A Session that, on CPython 3.11, keeps the cyclic GC out of its bulk state updates.

    CPython 3.11 can run a collection inside the allocation of an object's __dict__. When
    close(), rollback(), commit() or expire_all() sets attributes on every InstanceState
    and such a collection frees the mapped object of the state being given its __dict__
    (rendered pages leave ORM objects in Jinja's reference cycles), SQLAlchemy's weakref
    callback writes to that half-built state and the interpreter frees its attribute array
    twice: SIGSEGV. Python 3.12+ collects only between bytecodes (gh-97922).
    """

    if sys.version_info < (3, 12):
        def close(self) -> None:
            with _gc_paused:
                super().close()

        def rollback(self) -> None:
            with _gc_paused:
                super().rollback()

        def commit(self) -> None:
            with _gc_paused:
                super().commit()

        def expire_all(self) -> None:
            with _gc_paused:
                super().expire_all()


class Database:
    """The app's engine and a session scoped to the Flask application context."""

    def __init__(self):
        self.engine: Engine | None = None
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(class_=ConsultSession, expire_on_commit=False), scopefunc=_context_id
        )

    def init_app(self, app: Flask) -> None:
        """Bind the engine for this app and remove the session after each context."""
        self.engine = make_engine(app.config["DATABASE_URL"])
        app.extensions["consult_db"] = self
        self.session.configure(bind=self.engine)

        # Anything not committed by the view is rolled back: a failed request changes nothing.
        @app.teardown_request
        def _remove_request_session(exc):
            self.session.remove()

        @app.teardown_appcontext
        def _remove_context_session(exc):
            self.session.remove()


def _context_id():
    """Scope sessions by request, else by application context (CLI command, test)."""
    from flask import globals as flask_globals

    for var in (flask_globals._cv_request, flask_globals._cv_app):
        try:
            return id(var.get())
        except LookupError:
            continue
    return 0


db = Database()


def get_engine() -> Engine:
    """The engine of the current app."""
    return current_app.extensions["consult_db"].engine
