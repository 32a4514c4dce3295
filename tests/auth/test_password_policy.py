"""Issue 17, security gaps: one password policy wherever a password is set (OWASP ASVS
5.0, V6): long enough, not only spaces, not a common password or an easy pattern."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from consult.auth import services
from consult.auth.models import User
from consult.db import db
from consult.errors import Invalid
from consult.permissions import COMMAND_LINE
from tests.conftest import csrf_token, login

WEAK = ["aaaaaaaaaa", "password12", "1234567890", " " * 10, "qwertyuiop", "abcdefghij",
        "iloveyou123", "ana.silva@example.org"]


@pytest.mark.parametrize("password", WEAK)
def test_weak_passwords_are_refused_when_an_account_is_made(app, password):
    with pytest.raises(Invalid) as refused:
        services.create_user(COMMAND_LINE, email="ana.silva@example.org", name="Ana Silva",
                             role="delegate", delegation_code="BRA", password=password)
    assert refused.value.field == "password"
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_the_secretariat_is_told_why_on_the_page(client, login_as):
    login_as("secretariat")
    token = csrf_token(client, "/admin/users")
    for password, words in (("password12", "too easy to guess"), (" " * 10, "only spaces"),
                            ("short", "at least 10 characters")):
        page = client.post("/admin/users", data={
            "csrf_token": token, "email": "new@example.org", "name": "Ana Silva",
            "role": "delegate", "delegation": "BRA", "password": password})
        assert page.status_code == 400 and words in page.get_data(as_text=True), password
    assert db.session.scalar(select(func.count(User.id)).where(
        User.email == "new@example.org")) == 0
    made = client.post("/admin/users", data={
        "csrf_token": token, "email": "new@example.org", "name": "Ana Silva",
        "role": "delegate", "delegation": "BRA", "password": "ferry lantern orchid"})
    assert made.status_code == 302


def test_the_same_policy_for_a_reset_and_for_ones_own_change(client, make_user):
    user = make_user("delegate", delegation="FRA", email="d@example.org", name="Dora Marquez")
    with pytest.raises(Invalid, match="too easy to guess"):
        services.reset_password(COMMAND_LINE, user, "dora marquez")  # the account's name
    db.session.rollback()
    login(client, "d@example.org")
    token = csrf_token(client, "/account")
    page = client.post("/account", data={
        "csrf_token": token, "action": "password", "password-current": "correct horse battery",
        "password-password": "1234567890"})
    assert page.status_code == 400 and "too easy to guess" in page.get_data(as_text=True)
    assert login(client.application.test_client(), "d@example.org").status_code == 302


def test_the_command_line_applies_it_too(runner):
    result = runner.invoke(args=["users", "create", "--email", "c@example.org", "--name", "C",
                                 "--role", "secretariat", "--password-stdin"],
                           input="password12\n")
    assert result.exit_code != 0 and "too easy to guess" in result.output
