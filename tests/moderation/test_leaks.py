"""Nothing hidden or unpublished leaks: every public route is walked with planted secrets.

The walk reads the application's own URL map, so a route added later is walked too (or
the test fails until it is given parameters here).
"""

import datetime as dt
import io
import itertools
import zipfile

import pytest

from consult.comments import services as comments
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.moderation import services
from tests.comments.conftest import REV1, paragraph
from tests.conftest import login

# Words that exist only in hidden submissions or in an unpublished draft.
SECRETS = ("hiddenxylophone", "orphanquokka", "deeperorphanmarmot", "hiddensupportyak",
           "hiddenstatementemu", "replyunderstatementibis", "draftnarwhal")


@pytest.fixture
def planted(app, consultation, staff, fra, nor, can, make_user):
    """A zero draft and Rev.1 (published), Rev.2 (draft), and hidden submissions on Rev.1."""
    deadline = utcnow() + dt.timedelta(days=10)
    from tests.conftest import SMALL_DRAFT

    zero = drafts.create_version(staff, consultation, label="Zero draft", text=SMALL_DRAFT,
                                 comments_close_at=deadline, publish=True)
    db.session.commit()
    rev1 = drafts.create_version(staff, consultation, label="Rev.1", text=REV1,
                                 comments_close_at=deadline, publish=True)
    db.session.commit()
    op1 = paragraph(rev1, "OP1")
    visible = comments.propose_amendment(fra, op1, "*Calls upon* all Member States to act;",
                                         "A visible proposal.")
    hidden_support = comments.support_amendment(nor, visible, "hiddensupportyak")
    comments.support_amendment(can, visible)
    hidden = comments.propose_amendment(can, op1, "*Calls upon* hiddenxylophone States;",
                                        "Because hiddenxylophone.")
    orphan = comments.post_comment(nor, op1, "orphanquokka agrees", parent_id=hidden.id)
    comments.post_comment(fra, op1, "deeperorphanmarmot too", parent_id=orphan.id)
    statement = comments.post_statement(fra, rev1, "hiddenstatementemu is our view")
    comments.post_statement(nor, rev1, "replyunderstatementibis", parent_id=statement.id)
    db.session.commit()
    for target in (hidden, hidden_support, statement):
        services.hide_submission(staff, target, reason_code="abusive", reason="Rules.")
    db.session.commit()
    draft = drafts.create_version(staff, consultation, label="Rev.2",
                                  text=REV1 + "\n4. *Requests* draftnarwhal reports.\n")
    db.session.commit()
    return {"versions": [zero, rev1], "draft": draft, "visible": visible, "hidden": hidden,
            "outsider": make_user("delegate", delegation="DEU")}


def _values(planted):
    from sqlalchemy import select

    from consult.comments.models import Submission
    from consult.drafts.models import Paragraph, ParagraphKey

    versions = planted["versions"] + [planted["draft"]]
    version_ids = [v.id for v in versions]
    submission_ids = list(db.session.scalars(select(Submission.id)))
    return {
        "slug": ["gpa"],
        "version_id": version_ids,
        "a": version_ids,
        "b": version_ids,
        "label": ["OP1", "OP2", "OP3", "OP4", "PP1"],
        "submission_id": submission_ids,
        "paragraph_id": list(db.session.scalars(select(Paragraph.id))),
        "code": ["FRA", "NOR", "CAN", "DEU"],
        "user_id": [1, 2, 3],
        "filename": ["consult.css"],
        "key": [k for k in db.session.scalars(select(ParagraphKey.key))],
        # Links sent by e-mail: one that never existed (the pages of working ones say only
        # whose account they open, to whoever holds the link).
        "token": ["no-such-link"],
    }


# Extra query strings for routes whose answer depends on them.
QUERIES = {
    "search.search": ["q=hiddenxylophone", "q=hiddenxylophona", "q=orphanquokka",
                      "q=draftnarwhal", "q=proposal", "q=States&type=amendment",
                      "q=hidden*", "q=agrees"],
    "api.search": ["q=hiddenxylophone", "q=hiddenxylophona", "q=orphanquokka",
                   "q=draftnarwhal", "q=proposal", "q=States", "q=hidden*", "q=agrees"],
    "drafts.compare": ["view=side", "view=inline"],
    "moderation.log": ["action=submission.hide"],
    "api.moderation_log": ["per_page=200"],
    "archive.submissions": ["kind=comment", "kind=support", "page=2"],
    "api.export_csv": ["table=versions", "table=paragraphs", "table=log", "bom=1"],
}


def _urls(app, planted):
    values = _values(planted)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        names = sorted(rule.arguments)
        missing = [n for n in names if n not in values]
        assert not missing, f"give the leak walk values for {rule.rule}: {missing}"
        for combo in itertools.product(*(values[n] for n in names)):
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **dict(zip(names, combo)))
            yield rule.endpoint, url
            for query in QUERIES.get(rule.endpoint, []):
                yield rule.endpoint, f"{url}?{query}"


def _readable(response) -> str:
    """The response as text, with zipped documents (.docx) opened up."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace")
                             for name in archive.namelist())
    return data.decode("utf-8", "replace")


def _echoes(client, url, secret) -> int:
    """How often a page repeats a word asked for (a search box shows the query).

    Measured with a word found nowhere in its place: more appearances than that of the
    secret itself mean the page shows it from somewhere else.
    """
    if secret not in url:
        return 0
    stand_in = "zqxjnowherezqxj"
    response = client.get(url.replace(secret, stand_in))
    count = _readable(response).lower().count(stand_in)
    response.close()
    return count


def _walk(app, planted, client):
    visited, leaks = set(), []
    for endpoint, url in _urls(app, planted):
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        visited.add(endpoint)
        text = _readable(response).lower()
        response.close()
        for secret in SECRETS:
            if secret in text and text.count(secret) > _echoes(client, url, secret):
                leaks.append((url, response.status_code, secret))
    return visited, leaks


def test_no_public_route_shows_hidden_submissions_or_drafts_to_the_public(app, planted):
    visited, leaks = _walk(app, planted, app.test_client())
    assert leaks == []
    # Every GET route of the application was walked.
    assert visited == {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}


def test_nor_to_a_delegate_who_wrote_none_of_them(app, planted):
    client = app.test_client()
    login(client, planted["outsider"].email)
    _visited, leaks = _walk(app, planted, client)
    assert leaks == []


def test_public_counts_leave_the_hidden_out(app, client, planted):
    rev1 = planted["versions"][1]
    op1 = paragraph(rev1, "OP1")
    data = client.get(f"/api/v1/versions/{rev1.id}").get_json()
    assert next(p for p in data["paragraphs"] if p["label"] == "OP1")["comment_count"] == 1
    thread = client.get(f"/api/v1/paragraphs/{op1.id}/comments").get_json()
    assert thread["count"] == 1
    assert thread["submissions"][0]["supporters"] == ["CAN"]
    statements = client.get(f"/api/v1/versions/{rev1.id}/comments").get_json()
    assert statements["count"] == 0
    page = client.get(f"/consultations/gpa/versions/{rev1.id}").get_data(as_text=True)
    assert "1 comment or proposal" in page and "0 general statements" in page
    results = client.get("/api/v1/search?q=agrees").get_json()
    assert results["total"] == 0 and results["results"] == []
    assert all(sum(bucket.values()) == 0 if isinstance(bucket, dict) else True
               for bucket in results["facets"].values()) or results["total"] == 0
    assert results["suggestion"] is None
    hinted = client.get("/api/v1/search?q=hiddenxylophona").get_json()
    assert hinted["suggestion"] is None


def test_the_moderators_still_see_everything_marked(app, planted, staff):
    client = app.test_client()
    login(client, staff.email)
    rev1 = planted["versions"][1]
    page = client.get(f"/consultations/gpa/versions/{rev1.id}/paragraphs/OP1")
    text = page.get_data(as_text=True)
    assert "hiddenxylophone" in text and "orphanquokka" in text
    assert "Hidden by the moderators" in text
    # What only moderators see is never kept by a shared cache.
    assert "public" not in page.headers.get("Cache-Control", "")
    found = client.get("/api/v1/search?q=hiddenxylophone").get_json()
    assert found["total"] == 1
