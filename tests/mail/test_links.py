"""Issue 18: invitations and forgotten passwords, through a real SMTP server (aiosmtpd):
the link in the received message is followed, works once, and only until it expires."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from consult.auth.models import AccountToken
from consult.db import db
from consult.mail.delivery import deliver_due
from consult.mail.models import MailMessage, MailStatus
from tests.conftest import csrf_token, fresh, login, mail_link

GOOD = "ferry lantern orchid"


def _set_password(client, path, password=GOOD, confirmation=None):
    token = csrf_token(client, path)
    return client.post(path, data={"csrf_token": token, "password": password,
                                   "confirmation": confirmation or password})


def test_the_secretariat_invites_a_delegate_who_chooses_a_password(
        app, client, login_as, smtp_server):
    login_as("secretariat", delegation=None)
    token = csrf_token(client, "/admin/users")
    created = client.post("/admin/users", data={
        "csrf_token": token, "email": "new.delegate@example.org", "name": "Amina Diallo",
        "role": "delegate", "delegation": "SEN", "password": ""}, follow_redirects=True)
    assert "an invitation to choose a password was sent to new.delegate@example.org" in \
        created.get_data(as_text=True)
    assert deliver_due()["sent"] == 1
    [message] = smtp_server.to("new.delegate@example.org")
    assert message["Subject"] == "Your account on Consult"
    assert message["Message-ID"].startswith("<consult.")
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Amina Diallo" in text and "Senegal" in text
    assert "<img" not in html and "http://consult.test/password/set/" in html

    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    path = mail_link(message)
    page = client.get(path)
    assert page.status_code == 200 and "Welcome, Amina Diallo" in page.get_data(as_text=True)
    done = _set_password(client, path)
    assert done.status_code == 302
    assert client.get("/account").status_code == 200  # logged in
    # The link is spent.
    again = client.get(path)
    assert again.status_code == 404
    assert "This link no longer works" in again.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert login(client, "new.delegate@example.org", GOOD).status_code == 302


def test_a_forgotten_password_is_reset_through_the_link(app, client, make_user, smtp_server):
    user = make_user("delegate", email="fr@example.org")
    for address in ("fr@example.org", "nobody@example.org"):
        token = csrf_token(client, "/password/forgot")
        answer = client.post("/password/forgot", data={"csrf_token": token, "email": address})
        assert answer.status_code == 200
        assert "If an account exists for this address" in answer.get_data(as_text=True)
    deliver_due()
    assert [str(m["To"]) for m in smtp_server.messages] == [f"{user.name} <fr@example.org>"]
    path = mail_link(smtp_server.messages[0])
    assert _set_password(client, path, GOOD, "another thing entirely").status_code == 400
    assert _set_password(client, path, "password12").status_code == 400
    assert _set_password(client, path).status_code == 302
    assert client.get(path).status_code == 404


def test_expired_altered_and_replaced_links_do_not_work(app, client, make_user, smtp_server):
    make_user("delegate", email="fr@example.org")
    for _ in range(2):
        token = csrf_token(client, "/password/forgot")
        client.post("/password/forgot", data={"csrf_token": token, "email": "fr@example.org"})
    deliver_due()
    first, second = (mail_link(m) for m in smtp_server.messages)
    assert client.get(first).status_code == 404  # replaced by the newer link
    assert client.get(second[:-2] + "xx").status_code == 404  # altered
    fresh()
    newest = db.session.scalars(select(AccountToken).order_by(AccountToken.id.desc())).first()
    newest.expires_at = newest.created_at - dt.timedelta(seconds=1)
    db.session.commit()
    assert client.get(second).status_code == 404  # expired


def test_a_mail_server_that_is_down_keeps_the_message_for_later(app, client, make_user,
                                                               smtp_server):
    make_user("delegate", email="fr@example.org")
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"csrf_token": token, "email": "fr@example.org"})
    smtp_server.fail_next = [451]
    assert deliver_due()["retry"] == 1
    fresh()
    message = db.session.scalars(select(MailMessage)).one()
    assert message.status == MailStatus.pending and message.attempts == 1
    assert "451" in message.last_error
    message.next_attempt_at = message.created_at  # the retry's time has come
    db.session.commit()
    assert deliver_due()["sent"] == 1
    assert len(smtp_server.messages) == 1


def test_users_create_without_a_password_sends_the_invitation(app, client, runner,
                                                              smtp_server):
    app.config["MAIL_DELIVERY"] = "background"  # the command sends what it queued itself
    result = runner.invoke(args=["users", "create", "--email", "cli@example.org", "--name",
                                 "Cli User", "--role", "delegate", "--delegation", "NOR"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().isdigit()  # scripts read the id alone
    assert "Invitation to choose a password: sent." in result.stderr
    [message] = smtp_server.to("cli@example.org")
    assert _set_password(client, mail_link(message)).status_code == 302

    # Sent again on request; the first link stops working.
    result = runner.invoke(args=["users", "invite", "--email", "cli@example.org"])
    assert result.exit_code == 0 and "sent" in result.output
    assert len(smtp_server.to("cli@example.org")) == 2


def test_the_secretariat_sends_the_invitation_again(app, client, login_as, make_user,
                                                    smtp_server):
    invited = make_user("delegate", email="late@example.org", password=None)
    login_as("secretariat", delegation=None)
    page = client.get(f"/admin/users/{invited.id}").get_data(as_text=True)
    assert "No password has been chosen for this account yet." in page
    for _ in range(2):
        token = csrf_token(client, f"/admin/users/{invited.id}")
        answer = client.post(f"/admin/users/{invited.id}",
                             data={"csrf_token": token, "action": "invite"},
                             follow_redirects=True)
        assert "the earlier link no longer works" in answer.get_data(as_text=True)
    deliver_due()
    first, second = (mail_link(m) for m in smtp_server.to("late@example.org"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_forgotten_password_requests_are_throttled(app, client, make_user, smtp_server):
    app.config.update(PASSWORD_RESET_PER_ACCOUNT=2, PASSWORD_RESET_PER_ADDRESS=4)
    make_user("delegate", email="fr@example.org")
    answers = []
    for _ in range(5):
        token = csrf_token(client, "/password/forgot")
        answers.append(client.post("/password/forgot", data={
            "csrf_token": token, "email": "fr@example.org"}))
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert "Too many requests for password links" in answers[-1].get_data(as_text=True)
    deliver_due()
    assert len(smtp_server.to("fr@example.org")) == 2  # the account's own limit


def test_a_disabled_account_gets_no_link_and_its_links_stop(app, client, make_user,
                                                            smtp_server):
    from consult.auth.services import set_user_disabled
    from consult.permissions import COMMAND_LINE

    user = make_user("delegate", email="fr@example.org")
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"csrf_token": token, "email": "fr@example.org"})
    deliver_due()
    path = mail_link(smtp_server.messages[0])
    set_user_disabled(COMMAND_LINE, user, True)
    db.session.commit()
    assert client.get(path).status_code == 404
    token = csrf_token(client, "/password/forgot")
    answer = client.post("/password/forgot", data={"csrf_token": token,
                                                   "email": "fr@example.org"})
    assert "If an account exists for this address" in answer.get_data(as_text=True)
    deliver_due()
    assert len(smtp_server.messages) == 1


def test_messages_are_in_the_recipients_language(app, make_user, smtp_server):
    from consult.auth.links import invite
    from consult.auth.services import set_language_preference
    from consult.permissions import COMMAND_LINE

    for email, language in (("fr@example.org", "fr"), ("eg@example.org", "ar")):
        user = make_user("delegate", email=email, delegation="EGY", password=None)
        set_language_preference(user, language)
        invite(COMMAND_LINE, user)
    db.session.commit()
    deliver_due()
    [french] = smtp_server.to("fr@example.org")
    assert french["Subject"] == "Votre compte sur Consult"
    assert french["Content-Language"] == "fr"
    assert "Égypte" in french.get_body(preferencelist=("plain",)).get_content()
    [arabic] = smtp_server.to("eg@example.org")
    assert arabic["Subject"] == "حسابكم في Consult"
    html = arabic.get_body(preferencelist=("html",)).get_content()
    assert '<html lang="ar" dir="rtl">' in html
