"""Every page, as every kind of visitor: plain titles, unique ids, labelled form fields."""

import re
from html.parser import HTMLParser

import pytest

from consult.comments import services as comments
from consult.db import db
from consult.drafts import services
from tests.conftest import SMALL_DRAFT, login


class PageChecker(HTMLParser):
    """Collects ids, the title, and form fields with their labels."""

    def __init__(self):
        super().__init__()
        self.ids, self.title, self.in_title = [], "", False
        self.fields, self.labels = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "title":
            self.in_title = True
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in (
                "hidden", "submit"):
            self.fields.append(attrs.get("id"))

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False

    def handle_data(self, data):
        if self.in_title:
            self.title += data


@pytest.fixture
def site(make_user, consultation):
    """A consultation with a published version and a draft, and accounts of each role."""
    staff = make_user("cofacilitator", email="cofac@example.org")
    zero = services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT,
                                   publish=True)
    draft = services.create_version(staff, consultation, label="Rev.1", text=SMALL_DRAFT)
    make_user("secretariat", email="sec@example.org")
    delegate = make_user("delegate", email="del@example.org")
    other = make_user("delegate", delegation="NOR")
    op2a = next(p for p in zero.paragraphs if p.label == "OP2(a)")
    amendment = comments.propose_amendment(delegate, op2a, "With safe shelter;", "Safer.")
    comments.support_amendment(other, amendment)
    comment = comments.post_comment(other, op2a, "A comment")
    comments.post_comment(delegate, op2a, "A reply", parent_id=comment.id)
    comments.post_statement(delegate, zero, "A statement")
    db.session.commit()
    return {"zero": zero.id, "draft": draft.id, "user": make_user("delegate").id,
            "amendment": amendment.id}


def pages(site):
    base = "/consultations/gpa"
    return ["/", base, f"{base}/versions/{site['zero']}",
            f"{base}/versions/{site['zero']}/paragraphs/OP2_a", f"{base}/versions/new",
            f"{base}/versions/{site['draft']}/review", f"{base}/versions/{site['draft']}/edit",
            "/consultations/new", "/login", "/account", "/admin/users",
            f"/admin/users/{site['user']}", "/admin/delegations", "/delegations/FRA",
            f"{base}/versions/{site['zero']}/paragraphs/OP2_a?partial=thread",
            f"{base}/versions/{site['zero']}/statements",
            f"{base}/submissions/{site['amendment']}",
            f"{base}/submissions/{site['amendment']}/edit",
            f"{base}/moderation", f"{base}/moderation?show=hidden",
            f"{base}/moderation?show=pending", f"{base}/versions/{site['zero']}/workbench",
            f"{base}/versions/{site['draft']}/workbench",
            f"{base}/versions/{site['zero']}/dispositions", "/moderation-log", f"{base}/log",
            f"{base}/versions/{site['zero']}/compilation", f"{base}/compare",
            f"{base}/compare/{site['zero']}/{site['zero']}"]


@pytest.mark.parametrize("who", [None, "del@example.org", "cofac@example.org",
                                 "sec@example.org"])
def test_pages_are_well_formed_for_every_visitor(client, site, who):
    if who:
        login(client, who)
    for path in pages(site):
        response = client.get(path)
        assert response.status_code in (200, 302, 403, 404), path
        if response.status_code != 200:
            continue
        checker = PageChecker()
        checker.feed(response.get_data(as_text=True))
        if "partial=" not in path:  # a fragment for the version page has no title
            assert checker.title.strip() and "<" not in checker.title, path
        duplicates = {i for i in checker.ids if checker.ids.count(i) > 1}
        assert not duplicates, (path, duplicates)
        unlabelled = [f for f in checker.fields if f not in checker.labels]
        assert not unlabelled, (path, unlabelled)
        assert not re.search(r"Traceback|jinja2\.exceptions", response.get_data(as_text=True))
