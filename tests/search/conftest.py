"""Fixtures for search: a published version, delegates of several kinds, a helper to post."""

import pytest

from consult.comments import services as comments
from consult.db import db
from consult.search import services as search_services
from consult.pages import with_urls
from tests.comments.conftest import can, fra, nor, paragraph, version  # noqa: F401


@pytest.fixture
def request_ctx(app):
    """Result addresses are built with url_for, which needs a request context."""
    with app.test_request_context():
        yield


@pytest.fixture
def post(version):
    """post(user, body, label="OP1", kind="comment", **kw): a committed submission."""

    def do(user, body, label="OP1", kind="comment", **kwargs):
        target = paragraph(version, label)
        if kind == "amendment":
            made = comments.propose_amendment(user, target, kwargs.pop("proposed_text"), body,
                                              **kwargs)
        else:
            made = comments.post_comment(user, target, body, **kwargs)
        db.session.commit()
        return made

    return do


@pytest.fixture
def find(request_ctx):
    """find(query, user=None, **filters): the results' (type, id) pairs, in order."""

    def do(query, user=None, sort="relevance", **filters):
        page = search_services.search(user, query, filters=search_services.clean_filters(filters),
                                      sort=sort, per_page=100)
        return with_urls(page)  # as the search page shows them

    return do


def ids(page):
    """The submission ids among a page's results."""
    return [r["id"] for r in page.results if r["type"] != "paragraph"]
