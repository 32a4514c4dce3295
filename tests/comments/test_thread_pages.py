"""Long threads read a page of conversations at a time: every submission reachable, the
newest activity first, and a refused reply kept in its own form wherever it was."""

import datetime as dt
import re

import pytest

from consult.comments import services
from consult.db import db, utcnow
from tests.comments.conftest import fra, nor, paragraph, version  # noqa: F401  (fixtures)
from tests.conftest import csrf_token, login


@pytest.fixture
def thread(app, version, fra, nor):  # noqa: F811
    """Seven comments on OP1, a minute apart, the oldest first."""
    app.config["THREADS_PER_PAGE"] = 3
    start = utcnow() - dt.timedelta(hours=1)
    made = [services.post_comment(fra if n % 2 else nor, paragraph(version, "OP1"),
                                  f"Comment number {n}.", now=start + dt.timedelta(minutes=n))
            for n in range(7)]
    db.session.commit()
    return made


def _url(version, **args):  # noqa: F811
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return f"/consultations/gpa/versions/{version.id}/paragraphs/OP1" + (f"?{query}" if query
                                                                         else "")


def _shown(html):
    return [int(n) for n in re.findall(r"Comment number (\d+)\.", html)]


def test_every_conversation_is_on_exactly_one_page_newest_first(client, version, thread):  # noqa: F811
    pages = [client.get(_url(version, page=n)).get_data(as_text=True) for n in (1, 2, 3)]
    assert [_shown(p) for p in pages] == [[6, 5, 4], [3, 2, 1], [0]]
    assert "Page 1 of 3" in pages[0] and "(7)" in pages[0]  # the whole thread's count
    assert f'href="{_url(version, page=2)}#thread" rel="next"' in pages[0].replace("&amp;", "&")
    assert 'rel="prev"' in pages[2] and 'rel="next"' not in pages[2]
    oldest = client.get(_url(version, order="oldest")).get_data(as_text=True)
    assert _shown(oldest) == [0, 1, 2]


def test_an_answer_brings_its_conversation_to_the_first_page(client, version, thread, nor):  # noqa: F811
    services.post_comment(nor, paragraph(version, "OP1"), "A late answer.",
                          parent_id=thread[0].id)
    db.session.commit()
    first = client.get(_url(version)).get_data(as_text=True)
    assert _shown(first)[:1] == [0] and "A late answer." in first


def test_pages_that_do_not_exist_say_so_and_change_nothing(client, version, thread):  # noqa: F811
    assert client.get(_url(version, page=4)).status_code == 404
    bad = client.get(_url(version, page="abc"))
    assert bad.status_code == 400 and "page must be between 1 and 1000000." in \
        bad.get_data(as_text=True)
    odd = client.get(_url(version, order="sideways"))
    assert odd.status_code == 400 and "Unknown order" in odd.get_data(as_text=True)


def test_a_refused_reply_to_a_conversation_on_a_later_page_keeps_its_own_form(
        client, version, thread, fra):  # noqa: F811
    assert login(client, fra.email).status_code == 302
    page = _url(version, page=3)
    response = client.post(_url(version) + "/submissions", data={
        "csrf_token": csrf_token(client, page), "kind": "comment", "body": "   ",
        "parent_id": str(thread[0].id), "next": page})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert _shown(html)[0] == 0  # the conversation answered, first
    form = html[html.index(f'id="reply-{thread[0].id}"'):]
    assert 'role="alert"' in form[:2000]
    assert "Your reply was not sent" not in html  # in its own form, not the fallback box


def test_the_api_pages_threads_with_the_old_order_by_default(client, version, thread):  # noqa: F811
    op1 = paragraph(version, "OP1")
    first = client.get(f"/api/v1/paragraphs/{op1.id}/comments?per_page=2").get_json()
    assert [s["body"] for s in first["submissions"]] == ["Comment number 0.",
                                                         "Comment number 1."]
    assert (first["count"], first["conversations"], first["page"], first["pages"],
            first["order"]) == (7, 7, 1, 4, "oldest")
    last = client.get(f"/api/v1/paragraphs/{op1.id}/comments?per_page=2&page=4").get_json()
    assert [s["body"] for s in last["submissions"]] == ["Comment number 6."]
    assert client.get(f"/api/v1/paragraphs/{op1.id}/comments?per_page=101").status_code == 400
    assert client.get(f"/api/v1/paragraphs/{op1.id}/comments?page=9").status_code == 404
