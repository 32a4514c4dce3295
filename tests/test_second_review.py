"""Regressions found by the second review: races, leaks, lock-outs, odd input."""

import pytest
from sqlalchemy import select

from consult.audit.models import LogEntry
from consult.auth import services as auth
from consult.db import db
from consult.drafts import services
from consult.drafts.models import ConsultationStatus, Version
from consult.errors import Conflict, Invalid
from tests.conftest import SMALL_DRAFT, TEST_PASSWORD, csrf_token, fresh, login


def test_a_draft_published_meanwhile_cannot_be_edited_with_stale_data(app, staff, consultation):
    draft = services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT)
    db.session.commit()
    # Another request publishes it while this session still holds the draft as loaded.
    with app.test_request_context():
        pass
    other = app.test_client()
    login(other, staff.email)
    token = csrf_token(other, f"/consultations/gpa/versions/{draft.id}/review")
    assert other.post(f"/consultations/gpa/versions/{draft.id}/publish",
                      data={"csrf_token": token, "confirm": "yes"}).status_code == 302
    assert draft.status.value == "draft"  # stale in this session
    with pytest.raises(Conflict, match="can no longer be changed"):
        services.update_draft_text(staff, draft, text=SMALL_DRAFT + "\n4. Late edit.\n")
    db.session.rollback()


def test_two_edits_from_the_same_starting_point_do_not_both_land(app, staff, consultation):
    draft = services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT)
    db.session.commit()
    stamp = services.draft_stamp(draft)
    other = app.test_client()
    login(other, staff.email)
    page = f"/consultations/gpa/versions/{draft.id}/edit"
    token = csrf_token(other, page)
    assert other.post(page, data={"csrf_token": token, "stamp": stamp, "label": "Zero",
                                  "text": SMALL_DRAFT + "\n4. First.\n",
                                  "action": "save"}).status_code == 302
    with pytest.raises(Conflict, match="changed by someone else"):
        services.update_draft_text(staff, draft, text=SMALL_DRAFT + "\n4. Second.\n",
                                   expected_stamp=stamp)


@pytest.mark.parametrize("path", ["/consultations/x%00y", "/api/v1/consultations/x%00y",
                                  "/delegations/F%00RA"])
def test_nul_in_the_address_is_404(client, path):
    assert client.get(path).status_code == 404


def test_odd_digits_in_based_on_are_refused(client, login_as, consultation):
    login_as("cofacilitator")
    path = "/consultations/gpa/versions/new"
    token = csrf_token(client, path)
    response = client.post(path, data={"csrf_token": token, "label": "X", "text": "1. a",
                                       "action": "save", "based_on": "²"})
    assert response.status_code == 400


def test_a_hidden_draft_reads_exactly_like_a_missing_version(client, staff, consultation):
    draft = services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT)
    db.session.commit()
    for prefix in ("/api/v1/versions/", "/consultations/gpa/versions/"):
        hidden = client.get(f"{prefix}{draft.id}")
        missing = client.get(f"{prefix}{draft.id + 1000}")
        assert hidden.status_code == missing.status_code == 404
        assert _message(hidden) == _message(missing)


def _message(response):
    import re

    if response.is_json:
        return response.get_json()
    return re.search(r'role="alert">([^<]*)<', response.get_data(as_text=True)).group(1)


def test_a_closed_consultation_takes_no_new_versions(staff, consultation):
    draft = services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT)
    consultation.status = ConsultationStatus.closed
    db.session.commit()
    with pytest.raises(Conflict, match="is closed"):
        services.create_version(staff, consultation, label="Late", text=SMALL_DRAFT)
    with pytest.raises(Conflict, match="is closed"):
        services.publish_version(staff, draft)


@pytest.mark.parametrize("text", ["⟦¶ kabc⟧", "1. ⟦¶ kabc⟧", "1. Text.\n\n2. ⟦¶ kdef⟧"])
def test_a_paragraph_reduced_to_its_mark_is_refused(staff, consultation, text):
    with pytest.raises(Invalid, match="only its mark"):
        services.create_version(staff, consultation, label="Zero", text=text)


def test_nobody_but_the_secretariat_can_probe_email_addresses(client, login_as, consultation):
    login_as("delegate")
    token = csrf_token(client, "/account")
    for email in ("nobody@example.org", "delegate1@example.org"):
        response = client.post("/consultations/gpa/cofacilitators",
                               data={"csrf_token": token, "email": email})
        assert response.status_code == 403


def test_failing_on_purpose_does_not_lock_the_owner_out(app, make_user):
    make_user("secretariat", email="boss@example.org")
    attacker = app.test_client()
    for n in range(10):
        attacker.environ_base["REMOTE_ADDR"] = f"10.0.0.{n % 2}"
        token = csrf_token(attacker)
        attacker.post("/login", data={"csrf_token": token, "email": "boss@example.org",
                                      "password": "wrong password"})
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "192.0.2.50"
    assert login(owner, "boss@example.org").status_code == 302
    # The attacking address itself is refused even with the right password.
    attacker.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    assert login(attacker, "boss@example.org").status_code == 429


def test_publication_is_logged_at_its_publication_time(staff, consultation):
    import datetime as dt

    draft = services.create_version(staff, consultation, label="Zero", text=SMALL_DRAFT)
    when = dt.datetime(2015, 12, 12, 12, tzinfo=dt.timezone.utc)
    services.publish_version(staff, draft, now=when)
    db.session.commit()
    entry = db.session.scalar(select(LogEntry).where(LogEntry.action == "version.publish"))
    assert entry.at == when == draft.published_at


def test_token_revocation_redirects_only_within_the_site(client, login_as):
    user = login_as("delegate")
    _, _secret = auth.create_token(user, user)
    db.session.commit()
    token_id = auth.list_tokens(user)[0].id
    csrf = csrf_token(client, "/account")
    response = client.post(f"/account/tokens/{token_id}/revoke",
                           data={"csrf_token": csrf, "next": "https://evil.example/admin/"},
                           headers={"Referer": "https://evil.example/admin/"})
    assert response.headers["Location"] == "/account"


def test_the_last_secretariat_cannot_be_removed(runner, make_user):
    make_user("secretariat", email="only@example.org")
    result = runner.invoke(args=["users", "update", "--email", "only@example.org", "--role",
                                 "delegate", "--delegation", "FRA"])
    assert result.exit_code == 1 and "last enabled secretariat" in result.output
    result = runner.invoke(args=["users", "disable", "--email", "only@example.org"])
    assert result.exit_code == 1 and "last enabled secretariat" in result.output
    make_user("secretariat", email="second@example.org")
    assert runner.invoke(args=["users", "disable", "--email", "only@example.org"]).exit_code == 0


def test_cli_arguments_that_are_not_utf8_get_a_clear_error(runner):
    result = runner.invoke(args=["consultations", "create", "--slug", "ok-slug", "--title",
                                 "Bad \udcff title"])
    assert result.exit_code == 1 and "UTF-8" in result.output
    fresh()
    from consult.drafts.models import Consultation
    assert db.session.scalar(select(Consultation)) is None


def test_draft_pages_are_not_stored_by_browsers(client, login_as, consultation):
    user = login_as("cofacilitator")
    draft = services.create_version(user, consultation, label="Zero", text=SMALL_DRAFT)
    db.session.commit()
    for suffix in ("", "/review", "/edit", "/paragraphs/OP1"):
        response = client.get(f"/consultations/gpa/versions/{draft.id}{suffix}")
        assert response.status_code == 200, suffix
        assert "no-store" in response.headers["Cache-Control"], suffix
