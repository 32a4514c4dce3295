"""Issue 17, part 1: two nodes, one database, as production runs them (gunicorn with two
workers each, each node's own search index fed by its own `search sync --follow`).

Shown here: a submission posted on node A is readable on B at once and searchable on B
within 2 s; a session made on A works on B; the posting limit and the log-in throttle hold
across both; `search check` is clean on both."""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from deploy.two_nodes import start_two_nodes
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def open(self, url, data=None):
        """(status, body) of a GET, or of a POST of `data` (a dict)."""
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(url, body, timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def token(self, url):
        """The CSRF token of the form on a page."""
        return re.search(r'name="csrf_token" value="([^"]+)"', self.open(url)[1]).group(1)


def _database(database_url, tmp_path) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path / 'nodes.sqlite3'}"
    name = f"{url.database}_nodes"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def nodes(database_url, tmp_path):
    url = _database(database_url, tmp_path)
    a, b = start_two_nodes(url, tmp_path, extra_env={
        "CONSULT_POST_RATE_LIMIT": "4 per minute", "CONSULT_LOGIN_MAX_FAILURES": "3"})
    try:
        draft = tmp_path / "draft.md"
        draft.write_text(SMALL_DRAFT, encoding="utf-8")
        for args, stdin in ((["users", "create", "--email", "fra@example.org", "--name",
                              "Delegate of France", "--role", "delegate", "--delegation",
                              "FRA", "--password-stdin"], TEST_PASSWORD + "\n"),
                            (["consultations", "create", "--slug", "gpa", "--title", "GPA"],
                             None),
                            (["drafts", "import", "--consultation", "gpa", "--label",
                              "Zero draft", "--publish", str(draft)], None)):
            done = a.flask(*args, input=stdin)
            assert done.returncode == 0, done.stderr + done.stdout
        yield a, b
    finally:
        a.stop()
        b.stop()


def _post(browser, node, body):
    page = f"{node.url}/consultations/gpa/versions/1/paragraphs/OP1"
    return browser.open(page + "/submissions", {"csrf_token": browser.token(page),
                                                "kind": "comment", "body": body})


def test_two_nodes_share_sessions_text_search_and_limits(nodes):
    a, b = nodes
    delegate = Browser()
    token = delegate.token(f"{a.url}/login")
    status, _ = delegate.open(f"{a.url}/login", {"csrf_token": token, "email": "fra@example.org",
                                                 "password": TEST_PASSWORD})
    assert status == 302
    # The session made on A works on B.
    status, page = delegate.open(f"{b.url}/account")
    assert status == 200 and "fra@example.org" in page

    status, _ = _post(delegate, a, "Zanzibarian wording for the first paragraph")
    assert status in (302, 303)
    posted = time.monotonic()
    status, page = Browser().open(f"{b.url}/consultations/gpa/versions/1/paragraphs/OP1")
    assert "Zanzibarian wording" in page  # readable on B at once
    while True:  # searchable on B within 2 s
        status, results = Browser().open(f"{b.url}/search?q=Zanzibarian")
        if "Zanzibarian wording" in results:
            break
        assert time.monotonic() - posted < 2.0, "not searchable on node B within 2 s"
        time.sleep(0.1)

    # The posting limit (4 a minute here) is counted across both nodes.
    assert _post(delegate, b, "Second")[0] in (302, 303)
    assert _post(delegate, a, "Third")[0] in (302, 303)
    assert _post(delegate, b, "Fourth")[0] in (302, 303)
    assert _post(delegate, a, "Fifth")[0] == 429

    # So is the log-in throttle (3 failures here).
    guesser = Browser()
    for node in (a, b, a):
        token = guesser.token(f"{node.url}/login")
        assert guesser.open(f"{node.url}/login", {"csrf_token": token, "email":
                                                  "fra@example.org", "password": "wrong"})[0] \
            == 401
    token = guesser.token(f"{b.url}/login")
    assert guesser.open(f"{b.url}/login", {"csrf_token": token, "email": "fra@example.org",
                                           "password": TEST_PASSWORD})[0] == 429

    # Each node's index agrees with the database once its follower caught up.
    for node in (a, b):
        deadline = time.monotonic() + 10
        while (checked := node.flask("search", "check")).returncode != 0:
            assert time.monotonic() < deadline, checked.stderr
            time.sleep(0.3)
