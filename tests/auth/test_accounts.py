"""Accounts, log-in, throttling, server-side logout and API tokens."""

import pytest
from sqlalchemy import select

from consult.auth import services
from consult.auth.models import LoginSession, User
from consult.db import db
from consult.errors import Conflict, Forbidden, Invalid
from tests.conftest import TEST_PASSWORD, csrf_token, login
from consult.permissions import COMMAND_LINE


def test_delegate_logs_in_and_sees_delegation_on_every_page(client, make_user, consultation):
    user = make_user("delegate", delegation="NOR", email="ola@example.org", name="Ola Nordmann")
    response = login(client, "ola@example.org")
    assert response.status_code == 302
    for path in ("/", "/consultations/gpa", "/account"):
        html = client.get(path).get_data(as_text=True)
        assert "Ola Nordmann" in html and "NOR" in html and "Norway" in html, path


def test_wrong_password_is_refused_with_a_message(client, make_user):
    make_user("delegate", email="a@example.org")
    response = login(client, "a@example.org", "not the password")
    assert response.status_code == 401
    assert "Wrong e-mail address or password" in response.get_data(as_text=True)
    assert "a@example.org" not in client.get("/").get_data(as_text=True)


def test_login_is_throttled_after_repeated_failures(client, make_user):
    make_user("delegate", email="b@example.org")
    for _ in range(5):
        assert login(client, "b@example.org", "wrong wrong wrong").status_code == 401
    # Even the right password is refused while the account is throttled.
    response = login(client, "b@example.org", TEST_PASSWORD)
    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.get_data(as_text=True)


def test_logout_invalidates_a_copied_cookie(app, make_user):
    make_user("delegate", email="c@example.org")
    first = app.test_client()
    assert login(first, "c@example.org").status_code == 302
    cookie = first.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert "c@example.org" in thief.get("/account").get_data(as_text=True)

    token = csrf_token(first, "/account")
    assert first.post("/logout", data={"csrf_token": token}).status_code == 302
    response = thief.get("/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    db.session.rollback()
    assert db.session.scalar(select(LoginSession)).revoked_at is not None


def test_logout_needs_post_with_csrf(client, login_as):
    login_as("delegate")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200


def test_disabled_account_cannot_log_in_and_is_logged_out(app, client, make_user):
    user = make_user("delegate", email="d@example.org")
    assert login(client, "d@example.org").status_code == 302
    services.set_user_disabled(COMMAND_LINE, db.session.get(User, user.id), True)
    db.session.commit()
    assert client.get("/account").status_code == 302
    assert login(app.test_client(), "d@example.org").status_code == 401


def test_passwords_are_hashed_with_argon2(make_user):
    user = make_user("delegate")
    assert user.password_hash.startswith("$argon2")
    assert TEST_PASSWORD not in user.password_hash


def test_delegate_needs_a_delegation_and_unknown_codes_are_refused(app):
    with pytest.raises(Invalid, match="must belong to a delegation"):
        services.create_user(COMMAND_LINE, email="x@example.org", name="X", role="delegate")
    with pytest.raises(Invalid, match="Unknown delegation code 'XYZ'"):
        services.create_user(COMMAND_LINE, email="x@example.org", name="X", role="delegate",
                             delegation_code="XYZ")
    with pytest.raises(Invalid, match="Unknown role"):
        services.create_user(COMMAND_LINE, email="x@example.org", name="X", role="king")
    with pytest.raises(Invalid, match="at least 10"):
        services.create_user(COMMAND_LINE, email="x@example.org", name="X", role="secretariat",
                             password="short")
    db.session.rollback()
    assert db.session.scalar(select(User)) is None


def test_duplicate_email_conflicts(make_user):
    make_user("delegate", email="same@example.org")
    with pytest.raises(Conflict):
        services.create_user(COMMAND_LINE, email="SAME@example.org", name="Y", role="secretariat")


def test_only_secretariat_manages_accounts(make_user):
    cofacilitator = make_user("cofacilitator")
    with pytest.raises(Forbidden):
        services.create_user(cofacilitator, email="z@example.org", name="Z", role="delegate",
                             delegation_code="FRA")


def test_secretariat_manages_accounts_in_the_browser(client, login_as):
    login_as("secretariat", email="sec@example.org")
    token = csrf_token(client, "/admin/users")
    response = client.post("/admin/users", data={
        "csrf_token": token, "email": "new@example.org", "name": "Ana Silva",
        "role": "delegate", "delegation": "BRA", "password": "a long password"})
    assert response.status_code == 302
    db.session.rollback()
    user = db.session.scalar(select(User).where(User.email == "new@example.org"))
    assert user.delegation.code == "BRA"

    # Change role and delegation, reset the password, disable.
    page = f"/admin/users/{user.id}"
    token = csrf_token(client, page)
    assert client.post(page, data={"csrf_token": token, "action": "update", "name": "Ana Silva",
                                   "role": "observer", "delegation": "IOM"}).status_code == 302
    assert client.post(page, data={"csrf_token": token, "action": "password",
                                   "password-password": "another long one"}).status_code == 302
    assert client.post(page, data={"csrf_token": token, "action": "disable"}).status_code == 302
    db.session.rollback()
    user = db.session.get(User, user.id)
    assert (user.role.value, user.delegation.code, user.is_disabled) == ("observer", "IOM", True)

    # A delegate without a delegation is refused with a message, and nothing changes.
    response = client.post("/admin/users", data={
        "csrf_token": token, "email": "bad@example.org", "name": "Bad", "role": "delegate",
        "delegation": ""})
    assert response.status_code == 400
    assert "must belong to a delegation" in response.get_data(as_text=True)


def test_user_pages_are_for_the_secretariat_only(client, login_as):
    login_as("cofacilitator")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/delegations").status_code == 403


def test_forms_without_csrf_token_are_refused(client, login_as):
    login_as("secretariat")
    response = client.post("/admin/users", data={"email": "n@example.org", "name": "N",
                                                  "role": "secretariat"})
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.email == "n@example.org")) is None


def test_api_token_from_account_page_works_and_can_be_revoked(client, login_as):
    login_as("cofacilitator")
    token = csrf_token(client, "/account")
    html = client.post("/account", data={"csrf_token": token, "action": "create_token",
                                         "token-name": "script"}).get_data(as_text=True)
    import re
    secret = re.search(r"(cst_[A-Za-z0-9_-]+)", html).group(1)
    db.session.rollback()
    stored = services.list_tokens(db.session.scalar(select(User)))[0]
    assert stored.token_hash != secret and secret not in stored.token_hash

    api = client.application.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    body = {"label": "Zero draft", "text": "1. Text."}
    assert api.post("/api/v1/consultations/nope/versions", json=body,
                    headers=headers).status_code == 404  # authenticated: consultation unknown

    assert client.post(f"/account/tokens/{stored.id}/revoke",
                       data={"csrf_token": token}).status_code == 302
    response = api.post("/api/v1/consultations/nope/versions", json=body, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_cli_creates_users_and_tokens(runner, app):
    result = runner.invoke(args=["users", "create", "--email", "cli@example.org", "--name",
                                 "Cli User", "--role", "delegate", "--delegation", "fra",
                                 "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0, result.output
    assert result.output.strip().isdigit()
    result = runner.invoke(args=["tokens", "create", "--email", "cli@example.org"])
    assert result.exit_code == 0
    assert result.output.strip().startswith("cst_") and "\n" not in result.output.strip()
    assert services.load_token_user(result.output.strip()).email == "cli@example.org"


def test_cli_refuses_unknown_delegation_clearly(runner):
    result = runner.invoke(args=["users", "create", "--email", "q@example.org", "--name", "Q",
                                 "--role", "delegate", "--delegation", "XYZ"])
    assert result.exit_code != 0
    assert "Unknown delegation code 'XYZ'" in result.output


def test_secretariat_adds_an_ngo(client, login_as):
    login_as("secretariat")
    token = csrf_token(client, "/admin/delegations")
    response = client.post("/admin/delegations", data={
        "csrf_token": token, "code": "la-strada", "kind": "ngo",
        "name_en": "La Strada International", "name_fr": "La Strada International"})
    assert response.status_code == 302
    page = client.get("/delegations/LA-STRADA").get_data(as_text=True)
    assert "La Strada International" in page
    response = client.post("/admin/delegations", data={
        "csrf_token": token, "code": "FRA", "kind": "ngo", "name_en": "Fake"})
    assert response.status_code == 400


def test_reference_data_is_loaded(app):
    from consult.auth.services import count_member_states_on
    import datetime as dt

    assert count_member_states_on(dt.date(2010, 6, 1)) == 192
    assert count_member_states_on(dt.date.today()) == 193
    assert services.get_delegation("tur").name_en == "Türkiye"
    assert services.get_delegation("PRK").name("en") == "Democratic People's Republic of Korea"
    assert services.get_delegation("CHN").name("zh") == "中国"
    assert services.get_delegation("G77").kind.value == "group"


def test_security_headers_and_cookie_flags(client, make_user):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    make_user("delegate", email="e@example.org")
    response = login(client, "e@example.org")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_login_redirects_only_to_local_pages(client, make_user):
    make_user("delegate", email="f@example.org")
    token = csrf_token(client)
    response = client.post("/login?next=https://evil.example/", data={
        "email": "f@example.org", "password": TEST_PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_login_sessions_expire(app, client, make_user):
    import datetime as dt

    make_user("delegate", email="old@example.org")
    assert login(client, "old@example.org").status_code == 302
    login_row = db.session.scalar(select(LoginSession))
    login_row.created_at = login_row.created_at - dt.timedelta(
        seconds=app.config["SESSION_LIFETIME_SECONDS"] + 1)
    db.session.commit()
    assert client.get("/account").status_code == 302


def test_one_address_failing_for_many_accounts_is_throttled_too(app, make_user):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    make_user("delegate", email="victim@example.org")
    client = app.test_client()
    for n in range(3):
        assert login(client, f"guess{n}@example.org", "whatever").status_code == 401
    assert login(client, "victim@example.org").status_code == 429


def test_client_address_comes_from_the_trusted_proxy_only(app, make_user):
    from werkzeug.middleware.proxy_fix import ProxyFix

    # What create_app does when TRUSTED_PROXIES = 1 (tests/test_config.py checks the wiring).
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 2
    make_user("delegate", email="px@example.org")
    client = app.test_client()
    token = csrf_token(client)
    for _ in range(2):
        client.post("/login", data={"email": "nobody@example.org", "password": "x" * 10,
                                    "csrf_token": token},
                    headers={"X-Forwarded-For": "203.0.113.9"})
    blocked = client.post("/login", data={"email": "px@example.org", "password": TEST_PASSWORD,
                                          "csrf_token": token},
                          headers={"X-Forwarded-For": "203.0.113.9"})
    assert blocked.status_code == 429
    # Another client behind the same proxy is not locked out.
    response = client.post("/login", data={"email": "px@example.org", "password": TEST_PASSWORD,
                                           "csrf_token": token},
                           headers={"X-Forwarded-For": "198.51.100.7"})
    assert response.status_code == 302
