"""The Idempotency-Key header of the API's writes (consult/api/idempotency.py): a retry of a
write whose answer was lost gets the first answer again, and nothing is stored twice."""

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from consult.api import idempotency
from consult.api.models import IdempotencyKey
from consult.audit.models import LogEntry
from consult.comments.models import Submission
from consult.db import db, utcnow
from consult.drafts.models import Version
from consult.search.models import SearchOutbox
from tests.api.test_submissions_api import bearer, para, zero  # noqa: F401 - fixtures
from tests.conftest import SMALL_DRAFT, csrf_token, fresh


def post(client, paragraph_id, headers, key=None, **body):
    if key is not None:
        headers = {**headers, "Idempotency-Key": key}
    return client.post(f"/api/v1/paragraphs/{paragraph_id}/comments", headers=headers,
                       json=body)


def count(model) -> int:
    fresh()
    return db.session.scalar(select(func.count()).select_from(model))


def error_code(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    payload = response.get_json()["error"]
    assert payload["message"]
    return payload["code"]


def test_a_comment_sent_twice_with_one_key_is_stored_once_and_answered_twice(
        client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    first = post(client, op1, headers, key="c0ffee-1", body="We welcome this.")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    outbox, log = count(SearchOutbox), count(LogEntry)
    again = post(client, op1, headers, key="c0ffee-1", body="We welcome this.")
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.content_type == first.content_type == "application/json"
    assert count(Submission) == 1 and count(IdempotencyKey) == 1
    assert (count(SearchOutbox), count(LogEntry)) == (outbox, log)


def test_without_a_key_two_posts_are_two_submissions(client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    assert post(client, op1, headers, body="Twice.").status_code == 201
    assert post(client, op1, headers, body="Twice.").status_code == 201
    assert count(Submission) == 2 and count(IdempotencyKey) == 0


def test_the_same_key_for_another_request_is_refused_and_changes_nothing(
        client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    op1, op2 = para(zero, "OP1"), para(zero, "OP2")
    assert post(client, op1, headers, key="k", body="First.").status_code == 201
    assert error_code(post(client, op1, headers, key="k", body="Other."), 422) == \
        "idempotency_key_reused"
    assert error_code(post(client, op2, headers, key="k", body="First."), 422) == \
        "idempotency_key_reused"
    assert count(Submission) == 1 and count(IdempotencyKey) == 1


def test_keys_belong_to_one_account(client, zero, bearer):
    _, fra = bearer("delegate", "FRA")
    _, nor = bearer("delegate", "NOR")
    op1 = para(zero, "OP1")
    assert post(client, op1, fra, key="shared", body="Same words.").status_code == 201
    answer = post(client, op1, nor, key="shared", body="Same words.")
    assert answer.status_code == 201 and "Idempotent-Replayed" not in answer.headers
    assert count(Submission) == 2 and count(IdempotencyKey) == 2


def test_a_refused_request_is_not_kept_and_its_corrected_retry_is_processed(
        client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    assert error_code(post(client, op1, headers, key="k1", body=""), 400) == "invalid"
    assert count(IdempotencyKey) == 0
    retried = post(client, op1, headers, key="k1", body="Now with words.")
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried.headers
    assert count(Submission) == 1 and count(IdempotencyKey) == 1


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there", "line\x7f"])
def test_a_malformed_key_is_400_and_nothing_is_stored(client, zero, bearer, key):
    _, headers = bearer("delegate", "FRA")
    answer = client.post(f"/api/v1/paragraphs/{para(zero, 'OP1')}/comments",
                         headers={**headers, "Idempotency-Key": key},
                         json={"body": "Not stored."})
    assert error_code(answer, 400) == "idempotency_key_invalid"
    assert count(Submission) == 0 and count(IdempotencyKey) == 0


def test_the_longest_key_is_accepted(client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    key = "~ " + "k" * 253
    assert post(client, para(zero, "OP1"), headers, key=key, body="Kept.").status_code == 201
    assert post(client, para(zero, "OP1"), headers, key=key,
                body="Kept.").headers["Idempotent-Replayed"] == "true"
    assert count(Submission) == 1


def test_the_anonymous_cannot_write_with_a_key(client, zero):
    answer = post(client, para(zero, "OP1"), {}, key="anon", body="Anonymous.")
    assert error_code(answer, 401) == "unauthorized"
    assert count(Submission) == 0 and count(IdempotencyKey) == 0


def test_an_expired_key_is_forgotten_and_purged(client, zero, bearer, monkeypatch, app):
    _, headers = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    assert post(client, op1, headers, key="old", body="Yesterday.").status_code == 201
    assert post(client, op1, headers, key="other", body="Also yesterday.").status_code == 201
    hours = app.config["IDEMPOTENCY_KEY_HOURS"]
    later = utcnow() + dt.timedelta(hours=hours, minutes=1)
    monkeypatch.setattr(idempotency, "utcnow", lambda: later)
    # Past the setting, the key is a new one: processed again, and the old rows purged.
    again = post(client, op1, headers, key="old", body="Yesterday.")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert count(Submission) == 3
    fresh()
    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["old"]


def test_a_key_kept_just_under_the_setting_is_still_replayed(client, zero, bearer,
                                                             monkeypatch, app):
    _, headers = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    assert post(client, op1, headers, key="k", body="Kept.").status_code == 201
    later = utcnow() + dt.timedelta(hours=app.config["IDEMPOTENCY_KEY_HOURS"],
                                    minutes=-1)
    monkeypatch.setattr(idempotency, "utcnow", lambda: later)
    assert post(client, op1, headers, key="k", body="Kept.").headers[
        "Idempotent-Replayed"] == "true"
    assert count(Submission) == 1


def test_an_edit_replayed_is_not_an_edit_twice(client, zero, bearer):
    _, headers = bearer("delegate", "FRA")
    created = post(client, para(zero, "OP1"), headers, body="First text.").get_json()
    edit = {"body": "Second text.", "revision": created["revision"]}
    keyed = {**headers, "Idempotency-Key": "edit-1"}
    first = client.patch(f"/api/v1/comments/{created['id']}", headers=keyed, json=edit)
    assert first.status_code == 200
    # Without the key this retry would be a stale edit (409); with it, the first answer.
    again = client.patch(f"/api/v1/comments/{created['id']}", headers=keyed, json=edit)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert again.headers.get("ETag") == first.headers.get("ETag")
    fresh()
    assert db.session.get(Submission, created["id"]).revision == first.get_json()["revision"]


def test_a_new_version_and_its_publication_are_made_once(client, consultation, bearer):
    _, headers = bearer("cofacilitator")
    keyed = {**headers, "Idempotency-Key": "rev-1"}
    body = {"label": "Rev.1", "text": SMALL_DRAFT}
    created = client.post("/api/v1/consultations/gpa/versions", headers=keyed, json=body)
    again = client.post("/api/v1/consultations/gpa/versions", headers=keyed, json=body)
    assert (created.status_code, again.status_code) == (201, 201)
    assert again.get_json() == created.get_json()
    assert count(Version) == 1
    path = f"/api/v1/versions/{created.get_json()['id']}/publish"
    published = client.post(path, headers={**headers, "Idempotency-Key": "pub-1"})
    # Without the key, a second publication is a 409; with it, the first answer again.
    replayed = client.post(path, headers={**headers, "Idempotency-Key": "pub-1"})
    assert published.status_code == replayed.status_code == 200
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert client.post(path, headers=headers).status_code == 409


def test_a_session_write_with_a_key_is_kept_for_that_account(client, zero, login_as):
    login_as("delegate", delegation="FRA")
    token = csrf_token(client, "/")
    headers = {"X-CSRFToken": token, "Idempotency-Key": "browser-1"}
    path = f"/api/v1/paragraphs/{para(zero, 'OP1')}/comments"
    first = client.post(path, headers=headers, json={"body": "From the browser."})
    again = client.post(path, headers=headers, json={"body": "From the browser."})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count(Submission) == 1


def test_a_key_committed_by_another_request_meanwhile_is_409_and_rolls_back(
        client, zero, bearer, monkeypatch):
    """The race as PostgreSQL sees it: both requests looked, found no answer and ran; the
    first committed its key, so the second's insert fails. Its change is rolled back."""
    _, headers = bearer("delegate", "FRA")
    op1 = para(zero, "OP1")
    assert post(client, op1, headers, key="race", body="Once.").status_code == 201
    monkeypatch.setattr(idempotency, "_stored", lambda account_id, key: None)
    answer = post(client, op1, headers, key="race", body="Once.")
    assert error_code(answer, 409) == "idempotency_key_in_use"
    assert count(Submission) == 1 and count(IdempotencyKey) == 1
    monkeypatch.undo()
    assert post(client, op1, headers, key="race",
                body="Once.").headers["Idempotent-Replayed"] == "true"


def test_two_requests_with_one_key_at_once_store_one_submission(app, zero, bearer):
    """Two threads post the same key together: one submission, no 500 (SQLite queues the
    second behind the first; PostgreSQL lets the unique key refuse it with a 409)."""
    _, headers = bearer("delegate", "FRA")
    path = f"/api/v1/paragraphs/{para(zero, 'OP1')}/comments"
    answers, start = [], threading.Barrier(2)

    def send():
        with app.test_client() as own:
            start.wait(10)
            answers.append(own.post(path, headers={**headers, "Idempotency-Key": "both"},
                                    json={"body": "Sent by two threads."}))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses in ([201, 201], [201, 409]), statuses
    if statuses == [201, 201]:
        assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 1
    assert count(Submission) == 1 and count(IdempotencyKey) == 1


def test_the_openapi_document_offers_the_header_on_every_write(client):
    document = client.get("/api/v1/openapi.json").get_json()
    writes = [(path, method, operation) for path, item in document["paths"].items()
              for method, operation in item.items()
              if method in ("post", "put", "patch", "delete")]
    assert len(writes) >= 15
    for path, method, operation in writes:
        names = [p["name"] for p in operation.get("parameters", [])]
        assert "Idempotency-Key" in names, (method, path)
        assert "422" in operation["responses"], (method, path)
        # No write is open to the anonymous, whose keys are therefore never looked at.
        assert operation.get("security") == [{"bearer": []}], (method, path)
    reads = [operation for item in document["paths"].values()
             for method, operation in item.items() if method == "get"]
    assert not any("Idempotency-Key" in [p["name"] for p in op.get("parameters", [])]
                   for op in reads)
