"""Issue 17, security gaps: API tokens do not outlive the credentials they were taken with,
and the CSRF secret changes at log-in (a token taken before is refused after)."""

from __future__ import annotations

from consult.auth.services import create_token
from consult.db import db
from consult.permissions import COMMAND_LINE
from tests.conftest import csrf_token, login


def _token_works(client, secret) -> bool:
    # Any call that needs a log-in: 401 when the token is refused, 404 (no such version)
    # when it is accepted.
    answer = client.post("/api/v1/versions/999999/publish", json={},
                         headers={"Authorization": f"Bearer {secret}"})
    assert answer.status_code in (401, 404), answer.get_data(as_text=True)
    return answer.status_code == 404


def test_changing_ones_password_revokes_ones_api_tokens(client, make_user):
    user = make_user("delegate", delegation="FRA", email="d@example.org")
    _, secret = create_token(COMMAND_LINE, user)
    db.session.commit()
    assert _token_works(client, secret)
    login(client, "d@example.org")
    token = csrf_token(client, "/account")
    done = client.post("/account", data={
        "csrf_token": token, "action": "password", "password-current": "correct horse battery",
        "password-password": "a brand new passphrase"}, follow_redirects=True)
    assert "your API tokens revoked" in done.get_data(as_text=True)
    assert not _token_works(app_client(client), secret)


def app_client(client):
    """A second client with no session: what a script holding the token would be."""
    return client.application.test_client()


def test_a_reset_or_a_disabled_account_revokes_its_tokens_for_good(client, make_user, login_as):
    login_as("secretariat")
    user = make_user("delegate", delegation="FRA", email="d@example.org")
    _, first = create_token(COMMAND_LINE, user)
    _, second = create_token(COMMAND_LINE, user)
    db.session.commit()
    page = f"/admin/users/{user.id}"
    token = csrf_token(client, page)
    client.post(page, data={"csrf_token": token, "action": "password",
                            "password-password": "another long passphrase"})
    assert not _token_works(app_client(client), first)
    _, third = create_token(COMMAND_LINE, user)
    db.session.commit()
    assert _token_works(app_client(client), third)
    client.post(page, data={"csrf_token": token, "action": "disable"})
    client.post(page, data={"csrf_token": token, "action": "enable"})
    # Enabled again, the account's old tokens stay revoked: new ones must be made.
    assert not _token_works(app_client(client), second)
    assert not _token_works(app_client(client), third)


def test_a_form_token_from_before_log_in_is_refused_after_it(client, make_user):
    make_user("delegate", delegation="FRA", email="d@example.org")
    before = csrf_token(client, "/login")
    assert login(client, "d@example.org").status_code == 302
    # A form posted with the token of the logged-out page: refused, nothing done.
    refused = client.post("/account", data={"csrf_token": before, "action": "create_token",
                                            "token-name": "planted"})
    assert refused.status_code == 400
    after = csrf_token(client, "/account")
    assert after != before
    made = client.post("/account", data={"csrf_token": after, "action": "create_token",
                                         "token-name": "mine"})
    assert made.status_code == 200 and "cst_" in made.get_data(as_text=True)


def test_guessing_the_current_password_from_a_session_is_throttled(app, client, make_user):
    app.config["LOGIN_MAX_FAILURES"] = 3
    make_user("delegate", delegation="FRA", email="d@example.org")
    login(client, "d@example.org")
    token = csrf_token(client, "/account")

    def change(current):
        return client.post("/account", data={
            "csrf_token": token, "action": "password", "password-current": current,
            "password-password": "a brand new passphrase"})

    for guess in ("guess one", "guess two", "guess three"):
        wrong = change(guess)
        assert wrong.status_code == 400
        assert "current password is not right" in wrong.get_data(as_text=True)
    # The fourth try is refused before the password is even checked, the right one too.
    refused = change("correct horse battery")
    assert refused.status_code == 429
    assert "Too many failed log-in attempts" in refused.get_data(as_text=True)
    # And the guesses count against logging in from this address as well.
    other = app.test_client()
    assert login(other, "d@example.org").status_code == 429
