"""Fixtures: an app on SQLite (default) or on PostgreSQL (CONSULT_TEST_DATABASE_URL)."""

from __future__ import annotations

import contextlib
import copy
import os
import re
import signal
import socket

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text

from consult import create_app
from consult.db import Base, db
from consult.page_cache import RenderedPages
from consult.permissions import COMMAND_LINE

TEST_PASSWORD = "correct horse battery"


@contextlib.contextmanager
def later_schema(engine):
    """For a migration test that writes old data with today's services: the columns and
    tables added by later migrations, which those services write, exist only while the data
    is made, then are taken away again, leaving the old schema for the migration under
    test. (A column added here has no index or key, so that every database can drop it.)"""
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE submission ADD COLUMN root_id INTEGER"))
        connection.execute(text("CREATE TABLE change_clock (id INTEGER PRIMARY KEY, "
                                "seq BIGINT NOT NULL)"))
        for column in ("status VARCHAR(20) NOT NULL DEFAULT 'open'",
                       "status_note TEXT NOT NULL DEFAULT ''",
                       "status_changed_at TIMESTAMP"):
            connection.execute(text(f"ALTER TABLE paragraph ADD COLUMN {column}"))
        connection.execute(text(
            "CREATE TABLE silence_procedure (id INTEGER PRIMARY KEY, version_id INTEGER, "
            "consultation_id INTEGER, state VARCHAR(20), until TIMESTAMP, message TEXT, "
            "started_at TIMESTAMP, started_by_id INTEGER, ended_at TIMESTAMP, "
            "ended_by_id INTEGER, withdraw_reason TEXT)"))
        connection.execute(text(
            "CREATE TABLE silence_break (id INTEGER PRIMARY KEY, procedure_id INTEGER, "
            "delegation_id INTEGER, user_id INTEGER, statement TEXT, language VARCHAR(8), "
            "at TIMESTAMP)"))
        connection.execute(text("ALTER TABLE paragraph ADD COLUMN brackets INTEGER DEFAULT 0"))
        connection.execute(text("ALTER TABLE paragraph_translation ADD COLUMN brackets "
                                "INTEGER DEFAULT 0"))
        serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
        connection.execute(text(
            f"CREATE TABLE notification_event (id {serial} PRIMARY KEY, key VARCHAR(200), "
            "consultation_id INTEGER, kind VARCHAR(30), category VARCHAR(20), "
            "version_id INTEGER, submission_id INTEGER, delegation_id INTEGER, "
            "actor_id INTEGER, details JSON, created_at TIMESTAMP WITH TIME ZONE, "
            "fanned_out_at TIMESTAMP WITH TIME ZONE)"))
    yield
    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE submission DROP COLUMN root_id"))
        connection.execute(text("DROP TABLE change_clock"))
        for column in ("status", "status_note", "status_changed_at"):
            connection.execute(text(f"ALTER TABLE paragraph DROP COLUMN {column}"))
        connection.execute(text("DROP TABLE silence_break"))
        connection.execute(text("DROP TABLE silence_procedure"))
        connection.execute(text("ALTER TABLE paragraph DROP COLUMN brackets"))
        connection.execute(text("ALTER TABLE paragraph_translation DROP COLUMN brackets"))
        connection.execute(text("DROP TABLE notification_event"))


def _reset_postgres_schema(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


# Mail is sent by the tests themselves (deliver_due), never by the thread of an app a test
# builds with the defaults: such a thread outlives its test and, through the one `db`,
# would fan out and send on the tables of later tests. The servers that tests start as
# processes inherit it too.
os.environ.setdefault("CONSULT_MAIL_DELIVERY", "external")


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Hash test passwords with light argon2 parameters: hundreds of accounts per run."""
    from argon2 import PasswordHasher

    from consult.auth import services

    production = services._hasher
    services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    services._hasher = production


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """A migrated database with reference data, shared by the whole run."""
    url = os.environ.get("CONSULT_TEST_DATABASE_URL")
    if url:
        _reset_postgres_schema(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "test", "TESTING": True},
                     instance=tmp_path_factory.mktemp("instance"))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    db.engine.dispose()
    return url


def _empty_tables(engine) -> None:
    """Delete every row but the reference delegations (fast, keeps ids predictable)."""
    tables = [t for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # DELETE and a sequence restart, in one round trip: far below TRUNCATE's time
            # on these small tables (65 ms). Replica mode skips the triggers: the log's
            # append-only guard, and the foreign keys (every row goes anyway). setval
            # sets a sequence back by writing its one row, where ALTER SEQUENCE … RESTART
            # gave each a new file: 7 ms a test instead of 13 ms.
            statements = ["SET LOCAL session_replication_role = replica"]
            statements += [f'DELETE FROM "{t.name}"' for t in tables if t.name != "delegation"]
            restarts = [f"setval('{name}', {start}, false)"
                        for name, start in _sequences(connection)]
            if restarts:
                statements.append("SELECT " + ", ".join(restarts))
            connection.exec_driver_sql("; ".join(statements))
        else:
            for table in tables:
                if table.name != "delegation":
                    connection.execute(table.delete())
        connection.execute(text("DELETE FROM delegation WHERE NOT is_reference"))


_SEQUENCES: dict[str, list[tuple[str, int]]] = {}


def _sequences(connection) -> list[tuple[str, int]]:
    """The id sequences of every table but the delegations (whose reference rows stay),
    with the value each starts at; read once per database, whose schema the run keeps."""
    key = connection.engine.url.render_as_string()
    if key not in _SEQUENCES:
        _SEQUENCES[key] = [(name, int(start)) for name, start in connection.exec_driver_sql(
            "SELECT sequence_name, start_value FROM information_schema.sequences "
            "WHERE sequence_schema = current_schema()") if not name.startswith("delegation_")]
    return _SEQUENCES[key]


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    Tests hold an app context to use services; without this, requests would share its `g`
    (and Flask-Login's cached user) across requests.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        _check_api_contract(self.application, response)
        return response


def _check_api_contract(app, response) -> None:
    """An API answer must be what the published OpenAPI document declares (api_contract)."""
    from tests import api_contract

    request = response.request
    if not request.path.startswith(api_contract.PREFIX + "/"):
        return
    if response.is_streamed:
        return  # a streamed export or compilation: reading it here would consume it
    body = response.get_json(silent=True) if response.is_json else None
    found = api_contract.problems(app, request.method, request.path, response.status_code,
                                  response.content_type or "", body)
    log = os.environ.get("API_CONTRACT_SURVEY")
    if log:  # survey mode: write the mismatches down instead of failing
        with open(log, "a", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in found)
        return
    assert not found, "the API answered what its OpenAPI document does not declare:\n" + \
        "\n".join(found)


def _test_config(database_url: str) -> dict:
    # Searches catch the index up themselves, and tests send mail with deliver_due(): no
    # background thread racing the test.
    # The hosts the test client and the live server use: trusted, as a deployment's own.
    return {"DATABASE_URL": database_url, "SECRET_KEY": "test-secret", "TESTING": True,
            "SEARCH_UPDATES": "request", "TRUSTED_HOSTS": ("localhost", "127.0.0.1"),
            "MAIL_DELIVERY": "external"}


class SharedApp:
    """The app built once per test session, and what each test may change in it.

    A new app for each of some 1,400 tests cost more than its building (37 ms on an idle
    machine): its Jinja environment compiled every template again at the test's first pages
    (70–100 ms for the first page against 6 ms once compiled). Before each test, `reset`
    puts back what a test (or the previous one) can change: the configuration (tests set
    values such as POST_RATE_LIMIT), the instance and search index folders (one of the
    test's own, as a new app would have), the WSGI stack (a test may wrap it in ProxyFix),
    the extensions (a test may put in a background feed), the kept pages and the page
    cache's reading of the change clock (the tables are emptied, so the clock starts again
    and a stamp kept from the last test could name other rows), the test client class, and
    the engine of `db` (a test that builds its own app rebinds it).

    What cannot be put back is refused instead: a test that adds routes, blueprints or
    request hooks needs an app of its own (`@pytest.mark.fresh_app`); Flask refuses new
    routes after the first request anyway, and `check` fails a test that added them before.
    """

    def __init__(self, app, engine):
        self.app = app
        self.engine = engine
        self.config = copy.deepcopy(dict(app.config))
        self.extensions = dict(app.extensions)
        self.wsgi_app = app.wsgi_app  # the host guard, in front of the page cache layer
        self.page_layer = self.wsgi_app
        while not hasattr(self.page_layer, "pages"):
            self.page_layer = self.page_layer.app
        self.shape = _shape(app)

    def reset(self, instance) -> None:
        app = self.app
        _bind(self.engine)
        app.config.clear()
        app.config.update(copy.deepcopy(self.config))
        app.instance_path = str(instance)
        app.config["SEARCH_INDEX_PATH"] = str(instance / "search")
        (instance / "search").mkdir(parents=True)
        app.extensions.clear()
        app.extensions.update(self.extensions)
        app.wsgi_app = self.wsgi_app
        layer = self.page_layer
        layer.pages = RenderedPages(app.config["PAGE_CACHE_BYTES"])
        app.extensions["consult_rendered_pages"] = layer.pages
        # The clock's last reading: the emptied tables start the clock again, so a seq
        # read in the last test may come back with other deadlines behind it.
        layer.clock._last = None
        app.test_client_class = IsolatedClient

    def check(self) -> None:
        assert _shape(self.app) == self.shape, (
            "this test changed the shared app's routes or hooks, which later tests would "
            "see: mark it @pytest.mark.fresh_app to give it an app of its own")


def _shape(app) -> tuple:
    """What a test must not change in the shared app: its routes, blueprints and hooks."""
    def hooks(registry):
        return sorted((str(scope), len(funcs)) for scope, funcs in registry.items() if funcs)

    handlers = sorted((str(scope), str(code), len(found))
                      for scope, codes in app.error_handler_spec.items()
                      for code, found in codes.items() if found)
    return (sorted(app.view_functions), sorted(app.blueprints),
            len(list(app.url_map.iter_rules())),
            hooks(app.before_request_funcs), hooks(app.after_request_funcs),
            hooks(app.teardown_request_funcs), len(app.teardown_appcontext_funcs),
            hooks(app.template_context_processors), handlers, sorted(app.jinja_env.filters))


def _bind(engine) -> None:
    """Point `db` at an engine (building any app rebinds it to that app's engine)."""
    db.engine = engine
    db.session.configure(bind=engine)


@pytest.fixture(scope="session")
def shared_app(database_url, tmp_path_factory):
    """The app shared by every test that does not ask for a fresh one."""
    app = create_app(_test_config(database_url), instance=tmp_path_factory.mktemp("shared"))
    shared = SharedApp(app, db.engine)
    yield shared
    shared.engine.dispose()


@pytest.fixture
def app(request, database_url, tmp_path):
    """The app, on the shared database emptied before each test.

    The app built once per session, reset (SharedApp.reset), unless the test is marked
    `fresh_app`: then a new one, as every test had before, for a test that adds routes or
    hooks."""
    instance = tmp_path / "instance"
    shared = None
    if request.node.get_closest_marker("fresh_app"):
        app = create_app(_test_config(database_url), instance=instance)
        app.test_client_class = IsolatedClient
    else:
        shared = request.getfixturevalue("shared_app")
        shared.reset(instance)
        app = shared.app
    _empty_tables(db.engine)
    with app.app_context():
        yield app
    db.session.remove()
    from consult.search.engine import close_all
    close_all()  # each test has its own index folder; release its files now
    if shared is None:
        db.engine.dispose()  # the fresh app's engine; the next test binds its own
    else:
        shared.check()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def fresh() -> None:
    """Forget what the test's own session holds, to read what requests have committed."""
    db.session.rollback()
    db.session.expire_all()


def csrf_token(client, path="/login") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def make_user(app):
    """Create an account: make_user(role, delegation=…, email=…).

    A co-facilitator account is assigned to every consultation that exists when it is
    made (pass consultations=[] to leave it unassigned).
    """
    from consult.auth.services import create_user
    from consult.drafts.models import Consultation
    from consult.drafts.services import assign_cofacilitator

    counter = {"n": 0}

    def make(role="delegate", delegation=None, email=None, name=None, password=TEST_PASSWORD,
             consultations=None):
        counter["n"] += 1
        if delegation is None and role in ("delegate", "observer"):
            delegation = "FRA" if role == "delegate" else "UNODC"
        user = create_user(COMMAND_LINE, email=email or f"{role}{counter['n']}@example.org",
                           name=name or f"{role.title()} {counter['n']}", role=role,
                           delegation_code=delegation, password=password)
        if role == "cofacilitator":
            if consultations is None:
                consultations = db.session.scalars(select(Consultation)).all()
            for consultation in consultations:
                assign_cofacilitator(COMMAND_LINE, consultation, user)
        db.session.commit()
        return user

    return make


def login(client, email, password=TEST_PASSWORD):
    """Log a test client in through the login form."""
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": token})


@pytest.fixture
def login_as(client, make_user):
    """Create an account of a role, log the client in as it, and return it."""

    def do(role="delegate", **kwargs):
        user = make_user(role, **kwargs)
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


@pytest.fixture
def consultation(app):
    """An empty consultation."""
    from consult.drafts.services import create_consultation

    found = create_consultation(COMMAND_LINE, slug="gpa", title="Global Plan of Action",
                                mandate="A/RES/64/178, para. 8")
    db.session.commit()
    return found


@pytest.fixture
def staff(make_user, consultation):
    """A co-facilitator account running the `consultation` (service-level actor)."""
    return make_user("cofacilitator", delegation="PRT")


SMALL_DRAFT = """# Draft plan

*Recalling* the Charter of the United Nations,

*Concerned* by trafficking in persons,

1. *Calls upon* Member States to act;

2. *Urges* States to protect victims:

(a) With shelter;

(b) With legal aid;

3. *Decides* to review the plan.
"""


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may be skipped: a skipped test there fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if os.environ.get("CI") and skipped:
        reporter.write_line(f"CI: {skipped} test(s) skipped; failing the run.", red=True)
        session.exitstatus = 1


class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it accepts, and refuses
    what a test tells it to: `refuse[address] = 550` (for good), `fail_next = [451, …]`
    (the next messages, whoever they are for, temporarily)."""

    def __init__(self):
        self.messages: list = []
        self.refuse: dict[str, int] = {}
        self.fail_next: list[int] = []
        # A process to kill once a message is kept, before answering (a worker dying
        # between the server's acceptance and its own mark).
        self.kill_after_data: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.refuse.get(address.lower())
        if code:
            return f"{code} 5.1.1 <{address}>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next:
            code = self.fail_next.pop(0)
            return f"{code} 4.3.0 try again later"
        from email import message_from_bytes, policy
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        if self.kill_after_data:
            os.kill(self.kill_after_data, signal.SIGKILL)
            self.kill_after_data = None
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        """The messages accepted for one address."""
        return [m for m in self.messages if address in str(m["To"])]


@pytest.fixture
def smtp_server(app):
    """Start an SMTP server on a free port of 127.0.0.1 and point the app at it."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        sink.port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port,
                      PUBLIC_URL="http://consult.test", MAIL_TIMEOUT_SECONDS=5)
    yield sink
    controller.stop()


def mail_link(message, pattern: str = r"http://consult\.test(/\S+)") -> str:
    """The first link to the site in a message's text part, as a local path."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(pattern, text)
    assert found, text
    return found.group(1)
