"""Issue 18, part 1: the outbox is sent by a worker over SMTP (a real aiosmtpd server):
retried with backoff when the server cannot take a message, stopped for an address refused
for good, never lost when a worker dies, and one message per event and person."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from consult.auth.links import invite
from consult.db import db
from consult.mail import delivery
from consult.mail.models import MailMessage, MailStatus, UndeliverableAddress
from consult.mail.outbox import queue_message
from consult.permissions import COMMAND_LINE
from tests.conftest import fresh

ROOT = Path(__file__).resolve().parents[2]


def _invited(make_user, email="fr@example.org", name=None):
    user = make_user("delegate", email=email, name=name)
    invite(COMMAND_LINE, user)
    db.session.commit()
    return user


def _messages():
    fresh()
    return db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()


def test_one_message_per_event_and_person(app, make_user, smtp_server):
    user = make_user("delegate", email="fr@example.org")
    first = queue_message("event:1:1", user, "invitation", link="http://consult.test/x",
                          expires_at=user.created_at)
    again = queue_message("event:1:1", user, "invitation", link="http://consult.test/x",
                          expires_at=user.created_at)
    db.session.commit()
    assert first is not None and again is None
    assert delivery.deliver_due()["sent"] == 1
    assert delivery.deliver_due()["sent"] == 0  # sent is sent
    assert len(smtp_server.messages) == 1


def test_a_message_claimed_by_one_worker_is_not_sent_by_another(app, make_user, smtp_server):
    _invited(make_user)
    [message] = _messages()
    stale = message.created_at
    assert delivery._claim(message.id, stale) is not None
    assert delivery._claim(message.id, stale) is None  # the second worker loses
    assert delivery.deliver_due()["sent"] == 0 and not smtp_server.messages


def test_a_worker_killed_between_sending_and_marking(app, database_url, make_user,
                                                     smtp_server, tmp_path):
    """The worker (`flask mail send`, a process of its own) is killed by the mail server
    the moment it has accepted the message, before the worker marks it sent. The message is
    not lost: it is sent again once MAIL_CLAIM_SECONDS have passed, with the same
    Message-ID, which a mail store takes for the same message; nothing else is sent."""
    _invited(make_user)
    env = {**os.environ, "CONSULT_DATABASE_URL": database_url,
           "CONSULT_INSTANCE_PATH": str(tmp_path / "worker"), "CONSULT_SECRET_KEY": "test",
           "CONSULT_MAIL_SERVER": "127.0.0.1", "CONSULT_MAIL_PORT": str(smtp_server.port),
           "CONSULT_PUBLIC_URL": "http://consult.test", "CONSULT_MAIL_DELIVERY": "external"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "mail", "send"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    smtp_server.kill_after_data = worker.pid
    output = worker.communicate(timeout=60)[0].decode()
    assert worker.returncode == -signal.SIGKILL, output
    [message] = _messages()
    assert len(smtp_server.messages) == 1
    assert message.status == MailStatus.sending  # claimed, never marked

    # Before the claim is stale, another worker leaves it alone…
    assert delivery.deliver_due()["sent"] == 0
    # …after, it sends it again, as the same message.
    app.config["MAIL_CLAIM_SECONDS"] = 0
    assert delivery.deliver_due()["sent"] == 1
    first, second = smtp_server.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 1
    [message] = _messages()
    assert message.status == MailStatus.sent and message.attempts == 2
    assert delivery.deliver_due()["sent"] == 0


def test_an_address_refused_for_good_is_marked_and_not_tried_again(
        app, make_user, smtp_server, runner):
    smtp_server.refuse["gone@example.org"] = 550
    gone = _invited(make_user, email="gone@example.org")
    _invited(make_user, email="fr@example.org")
    assert delivery.deliver_due() == {"sent": 1, "retry": 0, "failed": 0, "bounced": 1}
    bounced, sent = _messages()
    assert bounced.status == MailStatus.bounced and "550" in bounced.last_error
    assert sent.status == MailStatus.sent
    assert db.session.scalar(select(UndeliverableAddress.address)) == "gone@example.org"
    # Nothing more is queued for it, and nothing is retried.
    invite(COMMAND_LINE, gone)
    db.session.commit()
    assert len(_messages()) == 2
    assert delivery.deliver_due()["bounced"] == 0
    status = runner.invoke(args=["mail", "status"]).output
    assert "refused: gone@example.org" in status
    # The address repaired, the secretariat clears it: mail goes there again.
    del smtp_server.refuse["gone@example.org"]
    assert runner.invoke(args=["mail", "forget-refusal", "gone@example.org"]).exit_code == 0
    invite(COMMAND_LINE, gone)
    db.session.commit()
    assert delivery.deliver_due()["sent"] == 1
    assert len(smtp_server.to("gone@example.org")) == 1


def test_temporary_failures_are_retried_later_then_given_up(app, make_user, smtp_server):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    _invited(make_user)
    smtp_server.fail_next = [451, 452]
    assert delivery.deliver_due()["retry"] == 1
    [message] = _messages()
    assert message.status == MailStatus.pending
    waited = (message.next_attempt_at - message.claimed_at).total_seconds()
    assert 55 <= waited <= 65  # MAIL_RETRY_SECONDS at first
    assert delivery.deliver_due()["retry"] == 0  # not before its time
    message.next_attempt_at = message.created_at
    db.session.commit()
    assert delivery.deliver_due()["failed"] == 1
    [message] = _messages()
    assert message.status == MailStatus.failed and "452" in message.last_error
    assert not smtp_server.messages


def test_a_mail_server_that_is_down_is_a_quiet_retry(app, make_user, smtp_server):
    _invited(make_user)
    app.config["MAIL_PORT"] = 9  # nothing listens there
    assert delivery.deliver_due() == {"sent": 0, "retry": 1, "failed": 0, "bounced": 0}
    [message] = _messages()
    assert message.status == MailStatus.pending
    assert "cannot reach the mail server" in message.last_error


def test_a_newline_in_a_name_never_adds_a_header(app, make_user, smtp_server):
    _invited(make_user, name="Evil\r\nBcc: spy@evil.example\r\nX-Injected: yes")
    delivery.deliver_due()
    [message] = smtp_server.messages
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["To"].addresses[0].addr_spec == "fr@example.org"
    assert "Evil Bcc: spy@evil.example X-Injected: yes" in str(message["To"])


def test_without_a_mail_server_messages_go_to_files_and_the_console(app, make_user, caplog):
    app.config["MAIL_SERVER"] = ""
    _invited(make_user)
    with caplog.at_level("WARNING", logger="consult.mail.delivery"):
        assert delivery.deliver_due()["sent"] == 1
    [written] = (Path(app.instance_path) / "mail").glob("*.eml")
    assert b"Subject: Your account on Consult" in written.read_bytes()
    assert f"mail to fr@example.org: Your account on Consult ({written})" in caplog.text


@pytest.mark.fresh_app
def test_the_web_processes_own_thread_sends_soon_after_the_request(
        app, make_user, smtp_server, tmp_path):
    """The embedded default (MAIL_DELIVERY=background): no worker to run; the process that
    queued the message sends it from its thread, after its request has answered."""
    from consult import create_app
    from tests.conftest import _bind, _test_config, csrf_token

    make_user("delegate", email="fr@example.org")
    db.session.remove()  # a new app binds `db` to its engine (the same database)
    original = db.engine
    served = create_app({**_test_config(app.config["DATABASE_URL"]),
                         "MAIL_DELIVERY": "background", "MAIL_SERVER": "127.0.0.1",
                         "MAIL_PORT": smtp_server.port, "PUBLIC_URL": "http://consult.test",
                         "TRUSTED_HOSTS": ("consult.test", "localhost")},
                        instance=tmp_path / "served")
    worker = served.extensions["consult_mail_worker"]
    try:
        client = served.test_client()
        token = csrf_token(client, "/password/forgot")
        answer = client.post("/password/forgot", data={"csrf_token": token,
                                                       "email": "fr@example.org"})
        assert answer.status_code == 200
        deadline = time.monotonic() + 20
        while not smtp_server.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        [message] = smtp_server.to("fr@example.org")
        assert message["Subject"] == "Choose a new password for Consult"
    finally:
        worker.stop()  # or it would run rounds on the tables of later tests
        db.session.remove()
        db.engine.dispose()
        _bind(original)
