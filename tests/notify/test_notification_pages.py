"""Issue 18, notifications over HTTP: the choices page of a consultation, and the
unsubscribe link of a received message (a real SMTP server, aiosmtpd)."""

from __future__ import annotations

import datetime as dt

from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.mail.delivery import deliver_due
from consult.notify import fanout, preferences
from consult.notify.models import Frequency
from consult.notify.unsubscribe import unsubscribe_token
from tests.conftest import SMALL_DRAFT, csrf_token, fresh, login, mail_link

PAGE = "/consultations/gpa/notifications"
ALL = {"versions": "immediate", "deadlines": "none", "replies": "daily",
       "proposals": "none"}


def choices(user, consultation) -> dict:
    fresh()
    return {c: f.value for c, f in preferences.notification_choices(user, consultation).items()}


def test_a_delegate_chooses_what_they_are_told(app, client, consultation, make_user):
    delegate = make_user("delegate", delegation="FRA")
    assert login(client, delegate.email).status_code == 302
    assert 'href="/consultations/gpa/notifications"' in \
        client.get("/consultations/gpa").get_data(as_text=True)
    page = client.get(PAGE)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-store"
    html = page.get_data(as_text=True)
    assert 'name="versions" value="immediate" id="versions-immediate" checked' in html
    assert 'name="deadlines" value="none" id="deadlines-none" checked' in html

    token = csrf_token(client, PAGE)
    saved = client.post(PAGE, data={"csrf_token": token, **ALL})
    assert saved.status_code == 302
    assert choices(delegate, consultation) == ALL
    assert "Your notification choices are saved." in \
        client.get(PAGE).get_data(as_text=True)

    # Refused, and nothing changed: an unknown kind, an unknown frequency, one missing.
    for bad, message in (({**ALL, "gossip": "daily"}, "Unknown kind of notification: gossip"),
                         ({**ALL, "versions": "hourly"}, "Choose at once, daily or never"),
                         ({"versions": "none"}, "Choose at once, daily or never")):
        refused = client.post(PAGE, data={"csrf_token": token, **bad})
        assert refused.status_code == 400
        assert message in refused.get_data(as_text=True)
        assert choices(delegate, consultation) == ALL
    # Without the CSRF token: refused too.
    assert client.post(PAGE, data={**ALL, "versions": "none"}).status_code == 400
    assert choices(delegate, consultation) == ALL


def test_the_staff_and_the_public_have_no_choices_page(app, client, consultation, make_user):
    assert client.get(PAGE).status_code in (302, 401)
    staff = make_user("cofacilitator")
    login(client, staff.email)
    assert client.get(PAGE).status_code == 403
    assert "/notifications" not in client.get("/consultations/gpa").get_data(as_text=True)


def _publish(staff, consultation, label="Zero"):
    drafts.create_version(staff, consultation, label=label, text=SMALL_DRAFT, publish=True,
                          comments_close_at=utcnow() + dt.timedelta(days=10))
    db.session.commit()
    fanout.fan_out_events()
    deliver_due()


def test_the_unsubscribe_link_of_a_message_stops_that_kind_of_message(
        app, client, consultation, staff, make_user, smtp_server):
    delegate = make_user("delegate", delegation="FRA", email="fra@example.org")
    _publish(staff, consultation)
    [message] = smtp_server.to("fra@example.org")
    path = mail_link(message, r"http://consult\.test(/unsubscribe/\S+)")
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Stop e-mail to fra@example.org about new versions and the silence procedure" in \
        " ".join(html.split())
    assert choices(delegate, consultation)["versions"] == "immediate"  # a GET changes nothing
    done = client.post(path)  # no log-in, no CSRF token: the signature is enough
    assert done.status_code == 200
    assert "will no longer receive e-mail about" in done.get_data(as_text=True)
    assert choices(delegate, consultation)["versions"] == "none"
    _publish(staff, consultation, "Rev.1")
    assert len(smtp_server.to("fra@example.org")) == 1  # nothing more


def test_one_click_unsubscribe_as_mail_programs_post_it(app, client, consultation, staff,
                                                        make_user, smtp_server):
    delegate = make_user("delegate", delegation="FRA", email="fra@example.org")
    _publish(staff, consultation)
    [message] = smtp_server.to("fra@example.org")
    url = message["List-Unsubscribe"].strip("<>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    answer = client.post(url.removeprefix("http://consult.test"),
                         data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert choices(delegate, consultation)["versions"] == "none"


def test_an_altered_or_foreign_token_changes_nothing_else(app, client, consultation,
                                                          make_user):
    alice = make_user("delegate", delegation="FRA")
    bob = make_user("delegate", delegation="NOR")
    token = unsubscribe_token(alice.id, consultation.id, "replies")
    for altered in (token[:-3] + "xyz", token.replace(".", "x.", 1),
                    "WzIsMSwicmVwbGllcyJd.bogus"):
        answer = client.post(f"/unsubscribe/{altered}")
        assert answer.status_code == 404
        assert "This unsubscribe link is not valid" in answer.get_data(as_text=True)
        assert client.get(f"/unsubscribe/{altered}").status_code == 404
    # Alice's token, followed by Bob logged in: Alice's choice changes, never Bob's.
    login(client, bob.email)
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    assert choices(alice, consultation)["replies"] == "none"
    assert choices(bob, consultation)["replies"] == "immediate"
    # A token for the daily summary stops "daily" choices only.
    preferences.save_notification_choices(bob, consultation, {
        "versions": "daily", "deadlines": "none", "replies": "daily", "proposals": "immediate"})
    db.session.commit()
    assert client.post(f"/unsubscribe/{unsubscribe_token(bob.id, None, 'digest')}"
                       ).status_code == 200
    fresh()
    assert preferences.notification_choices(bob, consultation) == {
        "versions": Frequency.none, "deadlines": Frequency.none, "replies": Frequency.none,
        "proposals": Frequency.immediate}
