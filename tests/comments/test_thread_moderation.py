"""A paragraph's thread as the co-facilitators and readers see it (issue 13, items 6, 7, 9).

Moderating from the thread (hide, restore, disposition on each submission, back to the same
submission), the disposition note under its badge, and attribution that names delegations
in full with their code and the author apart.
"""

from __future__ import annotations

import re
from html import unescape

import pytest

from consult.comments import services as comments
from consult.comments.models import Disposition, Submission
from consult.db import db
from consult.moderation import services as moderation
from tests.comments.conftest import paragraph
from tests.conftest import csrf_token, fresh, login


def words(html: str) -> str:
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r"\(\s+", "(", re.sub(r"\s+([,.:;)])", r"\1", text))


def item_html(html: str, submission_id: int) -> str:
    """The <li> of one submission in a thread, without the items nested in it."""
    start = html.index(f'<li id="s{submission_id}"')
    end = html.index("</article>", start)
    return html[start:end]


@pytest.fixture
def discussed(version, fra, nor, can):
    op1 = paragraph(version, "OP1")
    amendment = comments.propose_amendment(fra, op1, "*Calls upon* all Member States to act;")
    comments.support_amendment(nor, amendment)
    comments.support_amendment(can, amendment)
    reply = comments.post_comment(nor, op1, "A reply worth reading.", parent_id=amendment.id)
    db.session.commit()
    return {"amendment": amendment, "reply": reply,
            "url": f"/consultations/gpa/versions/{version.id}/paragraphs/OP1"}


def test_a_cofacilitator_has_hide_and_disposition_on_each_submission_of_the_thread(
        client, staff, discussed):
    login(client, staff.email)
    html = client.get(discussed["url"]).get_data(as_text=True)
    amendment = item_html(html, discussed["amendment"].id)
    reply = item_html(html, discussed["reply"].id)
    back = f'{discussed["url"]}#s{discussed["amendment"].id}'
    assert f'action="/consultations/gpa/submissions/{discussed["amendment"].id}/disposition"' \
        in amendment
    assert f'action="/consultations/gpa/submissions/{discussed["amendment"].id}/hide"' \
        in amendment
    assert f'name="next" value="{back}"' in amendment
    assert f'action="/consultations/gpa/submissions/{discussed["reply"].id}/hide"' in reply
    assert "/disposition" not in reply  # only proposals get a disposition


def test_the_public_and_delegates_get_no_moderation_forms(client, app, fra, discussed):
    assert "/hide" not in client.get(discussed["url"]).get_data(as_text=True)
    login(client, fra.email)
    assert "/hide" not in client.get(discussed["url"]).get_data(as_text=True)


def test_hiding_from_the_thread_comes_back_to_the_same_submission(client, staff, discussed):
    login(client, staff.email)
    reply = discussed["reply"]
    token = csrf_token(client, discussed["url"])
    response = client.post(f"/consultations/gpa/submissions/{reply.id}/hide", data={
        "csrf_token": token, "reason_code": "off_topic", "reason": "",
        "next": f'{discussed["url"]}#s{reply.id}'})
    assert response.status_code == 303
    assert response.headers["Location"] == f'{discussed["url"]}#s{reply.id}'
    fresh()
    assert db.session.get(Submission, reply.id).is_hidden
    # Back in the thread, the hidden reply has its Restore form at hand.
    html = client.get(discussed["url"]).get_data(as_text=True)
    assert f'action="/consultations/gpa/submissions/{reply.id}/restore"' in \
        item_html(html, reply.id)
    restored = client.post(f"/consultations/gpa/submissions/{reply.id}/restore", data={
        "csrf_token": token, "reason": "Mistaken.", "next": f'{discussed["url"]}#s{reply.id}'})
    assert restored.headers["Location"] == f'{discussed["url"]}#s{reply.id}'


def test_a_disposition_from_the_thread_inline_on_the_reading_page(client, staff, discussed,
                                                                  version):
    """The thread loaded into the version page sends its forms back to the version page."""
    login(client, staff.email)
    amendment = discussed["amendment"]
    fragment = client.get(discussed["url"] + "?partial=thread").get_data(as_text=True)
    back = f"/consultations/gpa/versions/{version.id}?thread=OP1#s{amendment.id}"
    assert f'name="next" value="{back}"' in fragment
    response = client.post(f"/consultations/gpa/submissions/{amendment.id}/disposition", data={
        "csrf_token": csrf_token(client, discussed["url"]), "disposition": "not_retained",
        "note": "Covered by OP2.", "next": back})
    assert response.status_code == 303 and response.headers["Location"] == back


def test_the_next_address_must_stay_on_the_site(client, staff, discussed):
    login(client, staff.email)
    reply = discussed["reply"]
    response = client.post(f"/consultations/gpa/submissions/{reply.id}/hide", data={
        "csrf_token": csrf_token(client, discussed["url"]), "reason_code": "off_topic",
        "next": "//evil.example/"})
    assert response.status_code == 303 and "evil" not in response.headers["Location"]


def test_the_disposition_note_is_shown_under_the_badge_in_the_thread(client, staff,
                                                                      discussed):
    amendment = discussed["amendment"]
    moderation.set_disposition(staff, amendment, "not_retained",
                               "Covered by OP2 <b>already</b>.\nSee the compilation.")
    db.session.commit()
    html = client.get(discussed["url"]).get_data(as_text=True)
    item = item_html(html, amendment.id)
    assert "not retained — Covered by OP2" in words(item)
    assert "Covered by OP2 &lt;b&gt;already&lt;/b&gt;." in item  # escaped, not markup
    assert item.index('class="badge disposition"') < item.index('class="disposition-note"')
    # On the submission's own page too, once.
    page = client.get(f"/consultations/gpa/submissions/{amendment.id}").get_data(as_text=True)
    assert page.count('class="disposition-note"') == 1


def test_attribution_names_delegations_in_full_and_the_author_apart(client, discussed):
    html = client.get(discussed["url"]).get_data(as_text=True)
    text = words(item_html(html, discussed["amendment"].id))
    assert ("Proposed by France (FRA); supported by Norway (NOR) and Canada (CAN). "
            "Posted by Delegate of France.") in text
    assert "Reply · Norway (NOR). Posted by Delegate of Norway." in words(
        item_html(html, discussed["reply"].id))


@pytest.mark.parametrize("lang, expected", [
    ("fr", "Norvège (NOR) et Canada (CAN)"),
    ("zh", "(NOR)和"),
    ("ar", "(NOR) و"),
])
def test_the_list_of_supporters_is_punctuated_as_the_language_writes_it(client, discussed,
                                                                        lang, expected):
    html = client.get(discussed["url"] + f"?lang={lang}").get_data(as_text=True)
    assert expected in words(item_html(html, discussed["amendment"].id)).replace(" 和", "和")


def test_disposition_is_pending_by_default(discussed):
    fresh()
    assert db.session.get(Submission, discussed["amendment"].id).disposition \
        == Disposition.pending
