"""The JSON API of participation: threads, comments, amendments, support, edits, withdrawals."""

import datetime as dt
import threading
from html.parser import HTMLParser

import pytest
from sqlalchemy import event, func, select, update

from consult.moderation import services as moderation
from consult.auth.services import create_token
from consult.comments.models import Submission, SubmissionRevision
from consult.db import db, utcnow
from consult.drafts import services as draft_services
from consult.drafts.models import Version
from tests.conftest import SMALL_DRAFT, csrf_token, fresh
from consult.permissions import COMMAND_LINE

SUBMISSION_FIELDS = {
    "id", "paragraph_id", "parent_id", "kind", "body", "html", "proposed_text", "author",
    "delegation", "created_at", "edited_at", "status", "supporters", "disposition",
    "version_id", "paragraph_label", "paragraph_key", "proposed_diff_html", "language",
    "revision", "withdrawn_at", "url",
}


@pytest.fixture
def zero(consultation, staff):
    """A published version open for comment, with SMALL_DRAFT's paragraphs."""
    version = draft_services.create_version(
        staff, consultation, label="Zero draft", text=SMALL_DRAFT, publish=True,
        comments_close_at=(utcnow() + dt.timedelta(days=10)).isoformat())
    db.session.commit()
    return version


def para(version, label):
    """The id of a paragraph of a version, by label."""
    return next(p.id for p in version.paragraphs if p.label == label)


@pytest.fixture
def bearer(make_user):
    """bearer(role, delegation) → (user, headers with a fresh API token)."""

    def make(role="delegate", delegation=None, **kwargs):
        user = make_user(role, delegation=delegation, **kwargs)
        _, secret = create_token(COMMAND_LINE, user)
        db.session.commit()
        return user, {"Authorization": f"Bearer {secret}"}

    return make


def post(client, paragraph_id, headers, **body):
    return client.post(f"/api/v1/paragraphs/{paragraph_id}/comments", headers=headers, json=body)


def stored() -> int:
    fresh()
    return db.session.scalar(select(func.count(Submission.id)))


def error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    payload = response.get_json()["error"]
    assert payload["message"]
    if code:
        assert payload["code"] == code
    return payload["message"]


# --- posting and reading threads --------------------------------------------------------

def test_comment_and_reply_are_threaded_attributed_and_time_stamped(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA", name="Amélie Dupont")
    _, nor_h = bearer("delegate", "NOR")
    op1 = para(zero, "OP1")
    created = post(client, op1, fra_h, body="We **welcome** this.", language="en")
    assert created.status_code == 201
    comment = created.get_json()
    assert set(comment) >= SUBMISSION_FIELDS
    assert comment["kind"] == "comment" and comment["status"] == "active"
    assert comment["author"] == "Amélie Dupont"
    assert comment["delegation"]["code"] == "FRA" and comment["delegation"]["name"] == "France"
    assert comment["html"].strip() == "<p>We <strong>welcome</strong> this.</p>"
    assert comment["paragraph_id"] == op1 and comment["paragraph_label"] == "OP1"
    assert comment["version_id"] == zero.id and comment["language"] == "en"
    assert comment["parent_id"] is None and comment["revision"] == 0
    assert comment["edited_at"] is None and comment["withdrawn_at"] is None
    created_at = dt.datetime.fromisoformat(comment["created_at"])
    assert abs(created_at - utcnow()) < dt.timedelta(minutes=5)
    assert comment["url"].endswith(f"/consultations/gpa/submissions/{comment['id']}")
    assert created.headers["Location"].endswith(f"/api/v1/comments/{comment['id']}")
    # The permanent page exists.
    assert client.get(comment["url"]).status_code == 200

    reply = post(client, op1, nor_h, body="Agreed.", parent_id=comment["id"])
    assert reply.status_code == 201 and reply.get_json()["parent_id"] == comment["id"]

    thread = client.get(f"/api/v1/paragraphs/{op1}/comments")
    assert thread.status_code == 200
    data = thread.get_json()
    assert data["paragraph_id"] == op1 and data["paragraph_label"] == "OP1"
    assert data["version"] == {"id": zero.id, "label": "Zero draft"}
    assert data["count"] == 2 and data["earlier"] == []
    [root] = data["submissions"]
    assert root["id"] == comment["id"]
    assert [r["body"] for r in root["replies"]] == ["Agreed."]
    assert root["replies"][0]["delegation"]["code"] == "NOR"
    # Other paragraphs are untouched.
    other = client.get(f"/api/v1/paragraphs/{para(zero, 'OP2')}/comments").get_json()
    assert other["submissions"] == [] and other["count"] == 0


def test_an_observer_may_post(client, zero, bearer):
    _, headers = bearer("observer", "UNODC")
    response = post(client, para(zero, "PP1"), headers, body="UNODC stands ready.")
    assert response.status_code == 201
    assert response.get_json()["delegation"]["code"] == "UNODC"


def test_amendment_is_shown_as_word_changes_and_supported_by_other_delegations(
        client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    _, nor_h = bearer("delegate", "NOR")
    _, can_h = bearer("delegate", "CAN")
    op1 = para(zero, "OP1")
    created = post(client, op1, fra_h, kind="amendment",
                   proposed_text="*Calls upon* all Member States to act without delay;",
                   body="Stronger wording.")
    assert created.status_code == 201
    amendment = created.get_json()
    assert amendment["kind"] == "amendment" and amendment["disposition"] == "pending"
    assert "<ins>" in amendment["proposed_diff_html"]
    assert "without delay" in amendment["proposed_diff_html"]
    assert amendment["supporters"] == []

    first = post(client, op1, nor_h, kind="support", parent_id=amendment["id"])
    assert first.status_code == 201
    support = first.get_json()
    assert support["kind"] == "support" and support["parent_id"] == amendment["id"]
    assert post(client, op1, can_h, kind="support", parent_id=amendment["id"]).status_code == 201

    shown = client.get(f"/api/v1/comments/{amendment['id']}").get_json()
    assert shown["supporters"] == ["NOR", "CAN"]
    thread = client.get(f"/api/v1/paragraphs/{op1}/comments").get_json()
    [root] = thread["submissions"]
    assert root["supporters"] == ["NOR", "CAN"] and root["delegation"]["code"] == "FRA"
    # Supports are shown on the proposal, not as thread entries or in counts.
    assert root["replies"] == [] and thread["count"] == 1

    # Twice from one delegation (even another of its members): refused, nothing stored.
    before = stored()
    _, nor2_h = bearer("delegate", "NOR")
    error(post(client, op1, nor2_h, kind="support", parent_id=amendment["id"]), 409)
    # One's own delegation's proposal.
    error(post(client, op1, fra_h, kind="support", parent_id=amendment["id"]), 400)
    # Only amendments can be supported.
    comment = post(client, op1, can_h, body="A remark.").get_json()
    error(post(client, op1, nor_h, kind="support", parent_id=comment["id"]), 400)
    assert stored() == before + 1

    # Another member of NOR withdraws the delegation's support.
    withdrawn = client.post(f"/api/v1/comments/{support['id']}/withdraw", headers=nor2_h)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    shown = client.get(f"/api/v1/comments/{amendment['id']}").get_json()
    assert shown["supporters"] == ["CAN"]
    # …and it can support again afterwards.
    assert post(client, op1, nor_h, kind="support", parent_id=amendment["id"]).status_code == 201
    shown = client.get(f"/api/v1/comments/{amendment['id']}").get_json()
    assert shown["supporters"] == ["CAN", "NOR"]


def test_general_statements_and_replies_on_a_version(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    _, nor_h = bearer("delegate", "NOR")
    url = f"/api/v1/versions/{zero.id}/comments"
    created = client.post(url, headers=fra_h, json={"body": "France welcomes the zero draft."})
    assert created.status_code == 201
    statement = created.get_json()
    assert statement["kind"] == "statement" and statement["paragraph_id"] is None
    assert statement["paragraph_label"] is None and statement["version_id"] == zero.id
    reply = client.post(url, headers=nor_h, json={"kind": "comment", "body": "So does Norway.",
                                                  "parent_id": statement["id"]})
    assert reply.status_code == 201 and reply.get_json()["kind"] == "comment"

    data = client.get(url).get_json()
    assert data["count"] == 2 and data["detached"] == []
    [root] = data["submissions"]
    assert root["id"] == statement["id"] and root["replies"][0]["body"] == "So does Norway."

    before = stored()
    error(client.post(url, headers=nor_h, json={"kind": "amendment", "body": "x",
                                                "proposed_text": "y"}), 400)
    error(client.post(url, headers=nor_h, json={"kind": "comment", "body": "no parent"}), 400)
    error(client.post(url, headers=nor_h, json={"body": "   "}), 400)
    # A statement is not made on one paragraph; a paragraph's comment is not a statement reply.
    error(post(client, para(zero, "OP1"), nor_h, kind="statement", body="x"), 400)
    error(post(client, para(zero, "OP1"), nor_h, body="x", parent_id=statement["id"]), 400)
    assert stored() == before


def test_threads_of_earlier_versions_and_detached_ones_are_listed(
        client, consultation, staff, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    op1, op3 = para(zero, "OP1"), para(zero, "OP3")
    on_op1 = post(client, op1, fra_h, body="On the zero draft's OP1.").get_json()
    on_op3 = post(client, op3, fra_h, body="On OP3, which Rev.1 drops.").get_json()
    rev1 = draft_services.create_version(
        staff, consultation, label="Rev.1",
        text=SMALL_DRAFT.replace("3. *Decides* to review the plan.\n", ""), publish=True)
    db.session.commit()
    new_op1 = para(rev1, "OP1")
    assert new_op1 != op1

    data = client.get(f"/api/v1/paragraphs/{new_op1}/comments").get_json()
    assert data["submissions"] == [] and data["version"]["label"] == "Rev.1"
    [earlier] = data["earlier"]
    assert earlier["version"] == {"id": zero.id, "label": "Zero draft"}
    assert earlier["paragraph_label"] == "OP1" and earlier["paragraph_id"] == op1
    assert [s["id"] for s in earlier["submissions"]] == [on_op1["id"]]
    assert earlier["paragraph_key"] == data["paragraph_key"]

    version_data = client.get(f"/api/v1/versions/{rev1.id}/comments").get_json()
    [detached] = version_data["detached"]
    assert detached["paragraph_label"] == "OP3" and detached["version"]["label"] == "Zero draft"
    assert [s["id"] for s in detached["submissions"]] == [on_op3["id"]]

    # The superseded version is no longer open: posting there is refused, reading goes on.
    message = error(post(client, op1, fra_h, body="Late."), 409, "conflict")
    assert "not open for comment" in message
    assert client.get(f"/api/v1/comments/{on_op1['id']}").status_code == 200


def test_get_one_submission_with_replies_and_unknown_ids(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    _, nor_h = bearer("delegate", "NOR")
    op1 = para(zero, "OP1")
    root = post(client, op1, fra_h, body="Root.").get_json()
    child = post(client, op1, nor_h, body="Child.", parent_id=root["id"]).get_json()
    post(client, op1, fra_h, body="Grandchild.", parent_id=child["id"])
    data = client.get(f"/api/v1/comments/{root['id']}").get_json()
    assert set(data) >= SUBMISSION_FIELDS | {"replies", "revisions"}
    assert data["revisions"] == []
    assert [r["body"] for r in data["replies"]] == ["Child."]
    assert [r["body"] for r in data["replies"][0]["replies"]] == ["Grandchild."]
    for path in ("/api/v1/comments/999999", "/api/v1/comments/0",
                 "/api/v1/comments/99999999999999999999", "/api/v1/paragraphs/999999/comments",
                 "/api/v1/versions/999999/comments"):
        error(client.get(path), 404, "not_found")
    error(post(client, 999999, fra_h, body="x"), 404)
    # Nothing is ever deleted.
    assert client.delete(f"/api/v1/comments/{root['id']}", headers=fra_h).status_code == 405


# --- editing and withdrawing ----------------------------------------------------------------

def test_editing_keeps_the_earlier_text_and_refuses_stale_or_foreign_edits(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    _, fra2_h = bearer("delegate", "FRA")
    _, nor_h = bearer("delegate", "NOR")
    op1 = para(zero, "OP1")
    comment = post(client, op1, fra_h, body="First words.").get_json()
    url = f"/api/v1/comments/{comment['id']}"

    edited = client.patch(url, headers=fra_h, json={"body": "Second words.", "revision": 0})
    assert edited.status_code == 200
    data = edited.get_json()
    assert data["body"] == "Second words." and data["revision"] == 1
    assert data["html"].strip() == "<p>Second words.</p>" and data["edited_at"]
    [earlier] = data["revisions"]
    assert earlier["body"] == "First words." and earlier["number"] == 0
    assert earlier["written_at"] == comment["created_at"]
    assert earlier["replaced_at"] == data["edited_at"]
    assert client.get(url).get_json()["revisions"][0]["body"] == "First words."

    # An edit started from revision 0 is now stale.
    error(client.patch(url, headers=fra_h, json={"body": "Third.", "revision": 0}), 409)
    # Not its author: another delegation, a colleague of the same delegation, the public.
    error(client.patch(url, headers=nor_h, json={"body": "Hijack."}), 403, "forbidden")
    error(client.patch(url, headers=fra2_h, json={"body": "Colleague."}), 403, "forbidden")
    error(client.patch(url, json={"body": "Anonymous."}), 401, "unauthorized")
    # Bad edits.
    error(client.patch(url, headers=fra_h, json={}), 400)
    error(client.patch(url, headers=fra_h, json={"body": " \n "}), 400)
    error(client.patch(url, headers=fra_h, json={"body": 5}), 400)
    error(client.patch(url, headers=fra_h, json={"body": "x", "revision": "1"}), 400)
    error(client.patch(url, headers=fra_h, json={"proposed_text": "Not an amendment."}), 400)
    error(client.patch(url, headers=fra_h, json={"body": "Second words."}), 400)
    error(client.patch(url, headers=fra_h, json={"body": "x" * 20_001}), 413, "too_large")
    fresh()
    assert db.session.scalar(select(func.count(SubmissionRevision.id))) == 1
    assert client.get(url).get_json()["body"] == "Second words."

    # Amendments: the proposed wording can be changed, and its diff follows.
    amendment = post(client, op1, fra_h, kind="amendment",
                     proposed_text="*Calls upon* States to act;").get_json()
    changed = client.patch(f"/api/v1/comments/{amendment['id']}", headers=fra_h,
                           json={"proposed_text": "*Calls upon* States to act now;"})
    assert changed.status_code == 200
    data = changed.get_json()
    assert data["proposed_text"] == "*Calls upon* States to act now;"
    assert "now" in data["proposed_diff_html"] and "<ins>" in data["proposed_diff_html"]
    assert data["revisions"][0]["proposed_text"] == "*Calls upon* States to act;"


def test_withdrawing_keeps_the_submission_marked_withdrawn(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    _, nor_h = bearer("delegate", "NOR")
    op1 = para(zero, "OP1")
    comment = post(client, op1, fra_h, body="On second thought…").get_json()
    url = f"/api/v1/comments/{comment['id']}/withdraw"
    error(client.post(url), 401)
    error(client.post(url, headers=nor_h), 403)
    done = client.post(url, headers=fra_h)
    assert done.status_code == 200
    data = done.get_json()
    assert data["status"] == "withdrawn" and data["withdrawn_at"]
    assert data["body"] == "On second thought…"
    thread = client.get(f"/api/v1/paragraphs/{op1}/comments").get_json()
    assert [s["status"] for s in thread["submissions"]] == ["withdrawn"]
    # Withdrawn: no second withdrawal, no edit, no reply.
    error(client.post(url, headers=fra_h), 409)
    error(client.patch(f"/api/v1/comments/{comment['id']}", headers=fra_h,
                       json={"body": "Changed."}), 409)
    error(post(client, op1, nor_h, body="Reply.", parent_id=comment["id"]), 409)
    # A body, when sent, must be JSON.
    other = post(client, op1, fra_h, body="Another.").get_json()
    error(client.post(f"/api/v1/comments/{other['id']}/withdraw", headers=fra_h,
                      data=b"\xff", content_type="application/json"), 400)
    assert client.get(f"/api/v1/comments/{other['id']}").get_json()["status"] == "active"
    assert stored() == 2


# --- deadlines, drafts and roles -----------------------------------------------------------

def test_after_the_deadline_posting_is_refused_and_reading_goes_on(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    comment = post(client, op1, fra_h, body="In time.").get_json()
    db.session.execute(update(Version).where(Version.id == zero.id).values(
        comments_close_at=utcnow() - dt.timedelta(hours=1)))
    db.session.commit()
    message = error(post(client, op1, fra_h, body="Too late."), 409, "conflict")
    assert "closed" in message
    error(client.post(f"/api/v1/versions/{zero.id}/comments", headers=fra_h,
                      json={"body": "Too late."}), 409)
    error(client.patch(f"/api/v1/comments/{comment['id']}", headers=fra_h,
                       json={"body": "Edited late."}), 409)
    error(client.post(f"/api/v1/comments/{comment['id']}/withdraw", headers=fra_h), 409)
    assert stored() == 1
    assert client.get(f"/api/v1/paragraphs/{op1}/comments").get_json()["count"] == 1
    assert client.get(f"/api/v1/comments/{comment['id']}").get_json()["status"] == "active"


def test_draft_paragraphs_are_invisible_and_closed_to_posting(client, consultation, staff,
                                                              bearer):
    draft = draft_services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT)
    db.session.commit()
    op1 = para(draft, "OP1")
    _, fra_h = bearer("delegate", "FRA")
    _, staff_h = bearer("cofacilitator", "PRT")
    error(client.get(f"/api/v1/paragraphs/{op1}/comments"), 404)
    error(client.get(f"/api/v1/paragraphs/{op1}/comments", headers=fra_h), 404)
    error(post(client, op1, fra_h, body="Early."), 404)
    error(client.get(f"/api/v1/versions/{draft.id}/comments"), 404)
    error(client.post(f"/api/v1/versions/{draft.id}/comments", headers=fra_h,
                      json={"body": "Early."}), 404)
    visible = client.get(f"/api/v1/paragraphs/{op1}/comments", headers=staff_h)
    assert visible.status_code == 200 and visible.get_json()["submissions"] == []
    assert "private" in visible.headers["Cache-Control"]
    assert stored() == 0


@pytest.mark.parametrize("role,delegation,status", [
    (None, None, 401),
    ("cofacilitator", "PRT", 403),
    ("secretariat", None, 403),
    ("delegate", "FRA", 201),
    ("observer", "UNODC", 201),
])
def test_who_may_post(client, zero, bearer, role, delegation, status):
    headers = bearer(role, delegation)[1] if role else {}
    response = post(client, para(zero, "OP1"), headers, body="A view.")
    assert response.status_code == status
    assert stored() == (1 if status == 201 else 0)


def test_a_revoked_or_forged_token_is_401(client, zero):
    response = post(client, para(zero, "OP1"), {"Authorization": "Bearer cst_nope"}, body="x")
    error(response, 401)


# --- bad input ------------------------------------------------------------------------------

BAD_BODIES = [
    (b'{"body": ""}', 400),
    (b'{"body": "   \\n\\t  "}', 400),
    (b'{}', 400),
    (b'{"kind": "amendment", "body": "Why."}', 400),
    (b'{"kind": "amendment", "proposed_text": "   "}', 400),
    (b'{"kind": "petition", "body": "x"}', 400),
    (b'{"kind": 3, "body": "x"}', 400),
    (b'{"kind": null, "body": ""}', 400),
    (b'{"body": 42}', 400),
    (b'{"body": ["a"]}', 400),
    (b'{"body": "x", "parent_id": "1"}', 400),
    (b'{"body": "x", "parent_id": true}', 400),
    (b'{"body": "x", "parent_id": 1.5}', 400),
    (b'{"body": "x", "parent_id": -1}', 400),
    (b'{"body": "x", "parent_id": 100000000000000000000000}', 400),
    (b'{"body": "x", "language": "klingon"}', 400),
    (b'{"body": "x", "language": 7}', 400),
    (b'{"body": "x", "paragraph": 1}', 400),
    (b'{"kind": "support"}', 400),
    (b'{"body": "nul \\u0000 here"}', 400),
    (b'{"body": "lone \\ud800 surrogate"}', 400),
    (b'{"body": "\xff\xfe invalid utf-8"}', 400),
    (b'\xff\xfe', 400),
    (b'{not json', 400),
    (b'[1, 2]', 400),
    (b'"just a string"', 400),
    (b'', 400),
    (b'[' * 100_000, 400),
]


@pytest.mark.parametrize("raw,status", BAD_BODIES)
def test_bad_input_is_a_clear_json_error_and_stores_nothing(client, zero, bearer, raw, status):
    _, headers = bearer("delegate", "FRA")
    response = client.post(f"/api/v1/paragraphs/{para(zero, 'OP1')}/comments", headers=headers,
                           data=raw, content_type="application/json")
    error(response, status)
    assert stored() == 0


def test_form_encoded_body_is_refused(client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    response = client.post(f"/api/v1/paragraphs/{para(zero, 'OP1')}/comments", headers=headers,
                           data={"body": "x"})
    error(response, 400)
    assert stored() == 0


def test_parent_must_be_on_the_same_paragraph_and_visible(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    _, nor_h = bearer("delegate", "NOR")
    on_op1 = post(client, para(zero, "OP1"), fra_h, body="On OP1.").get_json()
    error(post(client, para(zero, "OP2"), nor_h, body="Misplaced.", parent_id=on_op1["id"]), 400)
    error(post(client, para(zero, "OP2"), nor_h, kind="support", parent_id=on_op1["id"]), 400)
    error(post(client, para(zero, "OP1"), nor_h, body="Nothing.", parent_id=999999), 404)
    moderation.hide_submission(COMMAND_LINE, db.session.get(Submission, on_op1["id"]),
                               reason_code="off_topic")
    db.session.commit()
    error(post(client, para(zero, "OP1"), nor_h, body="To hidden.", parent_id=on_op1["id"]),
          404)
    assert stored() == 1


def test_texts_over_the_limits_are_413(client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    message = error(post(client, op1, headers, body="x" * 20_001), 413, "too_large")
    assert "20000" in message.replace(",", "")
    error(post(client, op1, headers, kind="amendment", proposed_text="y" * 20_001), 413)
    assert post(client, op1, headers, body="x" * 20_000).status_code == 201
    assert stored() == 1


def test_a_body_over_the_request_limit_is_413_json(client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    response = post(client, para(zero, "OP1"), headers, body="x" * 3_000_000)
    error(response, 413, "too_large")
    assert stored() == 0


def test_posting_too_fast_is_429_with_retry_after(app, client, zero, bearer):
    app.config["POST_RATE_LIMIT"] = "2 per minute"
    _, fra_h = bearer("delegate", "FRA")
    _, nor_h = bearer("delegate", "NOR")
    op1 = para(zero, "OP1")
    assert post(client, op1, fra_h, body="One.").status_code == 201
    assert post(client, op1, fra_h, body="Two.").status_code == 201
    refused = post(client, op1, fra_h, body="Three.")
    message = error(refused, 429, "rate_limited")
    assert "wait" in message
    assert refused.headers["Retry-After"] == "60"
    # Statements count against the same allowance; other accounts are not affected.
    error(client.post(f"/api/v1/versions/{zero.id}/comments", headers=fra_h,
                      json={"body": "Four."}), 429)
    assert post(client, op1, nor_h, body="Norway's first.").status_code == 201
    assert stored() == 3


# --- moderation visibility, counts and caching ------------------------------------------------

def test_hidden_submissions_are_shown_only_to_moderators_and_their_author(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    _, nor_h = bearer("delegate", "NOR")
    staff, staff_h = bearer("cofacilitator", "PRT")
    op1 = para(zero, "OP1")
    kept = post(client, op1, fra_h, body="Kept.").get_json()
    hidden = post(client, op1, fra_h, body="Abusive words.").get_json()
    post(client, op1, nor_h, body="Reply under it.", parent_id=hidden["id"])
    from consult.moderation.services import hide_submission
    hide_submission(staff, db.session.get(Submission, hidden["id"]), reason_code="abusive")
    db.session.commit()

    public = client.get(f"/api/v1/paragraphs/{op1}/comments").get_json()
    assert [s["id"] for s in public["submissions"]] == [kept["id"]]
    assert "Abusive words" not in str(public) and "Reply under it" not in str(public)
    assert public["count"] == 1
    error(client.get(f"/api/v1/comments/{hidden['id']}"), 404)
    error(client.get(f"/api/v1/comments/{hidden['id']}", headers=nor_h), 404)
    counts = client.get(f"/api/v1/versions/{zero.id}").get_json()["paragraphs"]
    assert next(p for p in counts if p["id"] == op1)["comment_count"] == 1

    moderator = client.get(f"/api/v1/comments/{hidden['id']}", headers=staff_h)
    assert moderator.status_code == 200
    assert moderator.get_json()["status"] == "hidden"
    assert moderator.headers["Cache-Control"] == "private, no-store"
    thread = client.get(f"/api/v1/paragraphs/{op1}/comments", headers=staff_h)
    assert [s["status"] for s in thread.get_json()["submissions"]] == ["active", "hidden"]
    assert thread.get_json()["submissions"][1]["replies"][0]["body"] == "Reply under it."
    assert "private" in thread.headers["Cache-Control"]
    staff_counts = client.get(f"/api/v1/versions/{zero.id}", headers=staff_h)
    assert next(p for p in staff_counts.get_json()["paragraphs"]
                if p["id"] == op1)["comment_count"] == 3
    assert "private" in staff_counts.headers["Cache-Control"]
    # Its author still sees it, marked hidden.
    own = client.get(f"/api/v1/comments/{hidden['id']}", headers=fra_h)
    assert own.status_code == 200 and own.get_json()["status"] == "hidden"


def test_comment_count_per_paragraph(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    _, nor_h = bearer("delegate", "NOR")
    op1, pp1 = para(zero, "OP1"), para(zero, "PP1")
    amendment = post(client, op1, fra_h, kind="amendment",
                     proposed_text="*Calls upon* all States to act;").get_json()
    post(client, op1, nor_h, kind="support", parent_id=amendment["id"])
    post(client, op1, nor_h, body="Question?", parent_id=amendment["id"])
    post(client, pp1, nor_h, body="On the preamble.")
    client.post(f"/api/v1/versions/{zero.id}/comments", headers=nor_h, json={"body": "General."})
    counts = {p["label"]: p["comment_count"]
              for p in client.get(f"/api/v1/versions/{zero.id}").get_json()["paragraphs"]}
    assert counts["OP1"] == 2 and counts["PP1"] == 1
    assert sum(counts.values()) == 3


def test_thread_etag_changes_when_the_thread_does(client, zero, bearer):
    _, fra_h = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    path = f"/api/v1/paragraphs/{op1}/comments"
    first = client.get(path)
    assert first.headers["Cache-Control"] == "public, no-cache"
    etag = first.headers["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 304
    post(client, op1, fra_h, body="New.")
    changed = client.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["count"] == 1
    version_path = f"/api/v1/versions/{zero.id}"
    assert client.get(version_path).headers["Cache-Control"] == "public, no-cache"


def test_thread_listing_makes_no_query_per_submission(app, client, zero, bearer):
    headers = [bearer("delegate", code)[1] for code in ("FRA", "NOR", "CAN")]
    op1 = para(zero, "OP1")
    path = f"/api/v1/paragraphs/{op1}/comments"

    def queries():
        seen = []

        def count(*args):
            seen.append(1)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    def add_round(n):
        amendment = post(client, op1, headers[0], kind="amendment",
                         proposed_text=f"*Calls upon* States to act ({n});").get_json()
        post(client, op1, headers[1], kind="support", parent_id=amendment["id"])
        post(client, op1, headers[2], body=f"Reply {n}.", parent_id=amendment["id"])

    add_round(0)
    few = queries()
    for n in range(1, 6):
        add_round(n)
    assert client.get(path).get_json()["count"] == 12
    assert queries() == few


# --- sessions, CSRF and the document -----------------------------------------------------------

def test_session_writes_need_the_csrf_header(client, zero, login_as):
    login_as("delegate", delegation="FRA")
    op1 = para(zero, "OP1")
    error(post(client, op1, {}, body="No header."), 400, "csrf")
    token = csrf_token(client, "/account")
    created = post(client, op1, {"X-CSRFToken": token}, body="With header.")
    assert created.status_code == 201
    comment = created.get_json()
    url = f"/api/v1/comments/{comment['id']}"
    error(client.patch(url, json={"body": "Edited."}), 400, "csrf")
    edited = client.patch(url, json={"body": "Edited."}, headers={"X-CSRFToken": token})
    assert edited.status_code == 200 and edited.get_json()["revision"] == 1
    error(client.post(f"{url}/withdraw"), 400, "csrf")
    assert client.post(f"{url}/withdraw", headers={"X-CSRFToken": token}).status_code == 200
    assert stored() == 1


class _Markup(HTMLParser):
    """Collects what a browser would treat as executable in a piece of HTML."""

    def __init__(self):
        super().__init__()
        self.dangers = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "iframe", "object", "embed", "svg", "img", "style"):
            self.dangers.append(tag)
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.dangers.append(f"{tag}[{name}]")
            if name in ("href", "src") and not (value or "").lower().startswith(
                    ("http://", "https://", "mailto:", "#", "/")):
                self.dangers.append(f"{tag}[{name}={value}]")
            if name in ("href", "src") and (value or "").startswith("//"):
                self.dangers.append(f"{tag}[{name}={value}]")


def _dangers(html: str) -> list:
    parser = _Markup()
    parser.feed(html)
    parser.close()
    return parser.dangers


def test_markup_in_bodies_is_never_served_executable(client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    payloads = [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        '![x" onerror="alert(1)](http://example.org/a.png "t\\" onload=\\"alert(1)")',
        '[x" onmouseover="alert(1)](https://example.org "t\\" onclick=\\"alert(1)")',
        "[ref]\n\n[ref]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "[safe](https://example.org/page)",
    ]
    ids = []
    for payload in payloads:
        response = post(client, op1, headers, body=payload)
        assert response.status_code == 201, payload
        assert _dangers(response.get_json()["html"]) == [], payload
        ids.append(response.get_json()["id"])
    link = client.get(f"/api/v1/comments/{ids[-1]}").get_json()["html"]
    assert 'href="https://example.org/page"' in link and 'rel="nofollow ugc noopener"' in link
    thread = client.get(f"/api/v1/paragraphs/{op1}/comments").get_json()
    assert len(thread["submissions"]) == len(payloads)
    for item in thread["submissions"]:
        assert _dangers(item["html"]) == []


def test_openapi_lists_the_participation_endpoints(client):
    from openapi_spec_validator import validate

    document = client.get("/api/v1/openapi.json").get_json()
    validate(document)
    paths = document["paths"]
    assert set(paths["/paragraphs/{id}/comments"]) == {"get", "post"}
    assert set(paths["/versions/{id}/comments"]) == {"get", "post"}
    assert set(paths["/comments/{id}"]) == {"get", "patch"}
    assert "post" in paths["/comments/{id}/withdraw"]
    schema = document["components"]["schemas"]["Submission"]["properties"]
    assert set(schema) >= SUBMISSION_FIELDS


# --- many at once -----------------------------------------------------------------------------

def test_twenty_delegates_posting_at_once_are_all_stored(app, zero, bearer):
    codes = ["FRA", "NOR", "CAN", "DEU", "ITA", "ESP", "PRT", "BRA", "ARG", "MEX",
             "NGA", "KEN", "EGY", "IND", "JPN", "CHN", "AUS", "NZL", "ZAF", "CHL"]
    op1 = para(zero, "OP1")
    headers = [bearer("delegate", code)[1] for code in codes]
    barrier = threading.Barrier(len(headers))
    statuses = [None] * len(headers)

    def send(index):
        client = app.test_client()
        barrier.wait()
        statuses[index] = client.post(f"/api/v1/paragraphs/{op1}/comments",
                                      headers=headers[index],
                                      json={"body": f"Delegation {index} speaks."}).status_code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(headers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [201] * 20
    assert stored() == 20
    fresh()
    thread = app.test_client().get(f"/api/v1/paragraphs/{op1}/comments").get_json()
    assert thread["count"] == 20
    assert sorted(s["delegation"]["code"] for s in thread["submissions"]) == sorted(codes)
