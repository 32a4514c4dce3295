"""Issue 18, notifications: what delegations are told by e-mail, through the services, the
mail worker's rounds and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from consult.audit.models import LogEntry
from consult.comments import services as comments
from consult.db import db, utcnow
from consult.drafts import services as drafts
from consult.mail.delivery import deliver_due
from consult.moderation import services as moderation
from consult.negotiation import silence
from consult.notify import fanout, preferences
from consult.notify.models import NotificationEvent
from tests.conftest import SMALL_DRAFT

REV1 = SMALL_DRAFT.replace("act;", "act without delay;")


def send() -> dict:
    """One round of the worker, as `mail send` runs it (tests have no background thread)."""
    fanout.fan_out_events()
    return deliver_due()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def op(version, label="OP1"):
    return next(p for p in version.paragraphs if p.label == label)


@pytest.fixture
def people(make_user, staff):
    """Two delegates of France, one of Norway, an observer, and the secretariat."""
    return {"fra": make_user("delegate", delegation="FRA", email="fra@example.org",
                             name="Amélie Dupont"),
            "fra2": make_user("delegate", delegation="FRA", email="fra2@example.org"),
            "nor": make_user("delegate", delegation="NOR", email="nor@example.org"),
            "obs": make_user("observer", delegation="UNODC", email="obs@example.org"),
            "sec": make_user("secretariat", delegation=None, email="sec@example.org"),
            "staff": staff}


def publish(staff, consultation, label="Zero", text=SMALL_DRAFT, days=10, **kwargs):
    version = drafts.create_version(staff, consultation, label=label, text=text, publish=True,
                                    comments_close_at=utcnow() + dt.timedelta(days=days),
                                    **kwargs)
    db.session.commit()
    return version


def choose(user, consultation, **choices):
    values = {**{c: f.value for c, f in preferences.notification_choices(
        user, consultation).items()}, **choices}
    preferences.save_notification_choices(user, consultation, values)
    db.session.commit()


def test_a_publication_is_announced_to_delegates_and_observers_and_logged(
        app, client, consultation, people, smtp_server):
    zero = publish(people["staff"], consultation)
    assert send()["sent"] == 4
    told = sorted(str(m["To"]).rpartition("<")[2].rstrip(">") for m in smtp_server.messages)
    assert told == ["fra2@example.org", "fra@example.org", "nor@example.org",
                    "obs@example.org"]  # not the staff nor the secretariat
    [message] = smtp_server.to("fra@example.org")
    assert message["Subject"] == "Global Plan of Action: New version: Zero"
    assert "Zero of Global Plan of Action has been published." in text_of(message)
    assert f"http://consult.test/consultations/gpa/versions/{zero.id}" in text_of(message)
    assert message["List-Unsubscribe"].startswith("<http://consult.test/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "<img" not in html_of(message)
    entry = db.session.scalars(select(LogEntry).where(
        LogEntry.action == "version.announced")).one()
    assert entry.details["recipients"] == 4 and entry.actor_name == "system"
    assert entry.target_id == zero.id
    page = client.get("/consultations/gpa/log").get_data(as_text=True)
    assert "publication announced by e-mail: 4 recipients" in " ".join(page.split())

    # The next version links to what changed; nothing is sent twice.
    rev1 = publish(people["staff"], consultation, label="Rev.1", text=REV1)
    assert send()["sent"] == 4
    assert send()["sent"] == 0
    newest = smtp_server.to("nor@example.org")[-1]
    assert f"http://consult.test/consultations/gpa/compare/{zero.id}/{rev1.id}" in \
        text_of(newest)


def test_a_reply_tells_the_delegation_answered_but_not_the_one_who_wrote_it(
        app, consultation, people, smtp_server):
    zero = publish(people["staff"], consultation)
    send()
    smtp_server.messages.clear()
    comment = comments.post_comment(people["fra"], op(zero), "A comment of France.")
    db.session.commit()
    assert send()["sent"] == 0  # a comment is nobody's news
    comments.post_comment(people["nor"], op(zero), "Norway answers.", parent_id=comment.id)
    db.session.commit()
    assert send()["sent"] == 2
    assert sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages) == [
        "fra2@example.org", "fra@example.org"]
    message = smtp_server.to("fra@example.org")[0]
    assert message["Subject"] == "Global Plan of Action: A reply to your delegation"
    assert "Norway replied to a submission of your delegation on OP1 of Zero" in \
        text_of(message)
    # A colleague answering France's own comment: the others are told, not the writer.
    smtp_server.messages.clear()
    comments.post_comment(people["fra2"], op(zero), "France adds.", parent_id=comment.id)
    db.session.commit()
    assert send()["sent"] == 1
    assert [str(m["To"]) for m in smtp_server.messages] == ["Amélie Dupont <fra@example.org>"]


def test_support_and_disposition_of_a_proposal_tell_its_delegation(
        app, consultation, people, smtp_server):
    zero = publish(people["staff"], consultation)
    send()
    smtp_server.messages.clear()
    proposal = comments.propose_amendment(people["fra"], op(zero), "*Calls upon* all States;")
    db.session.commit()
    comments.support_amendment(people["nor"], proposal)
    db.session.commit()
    assert send()["sent"] == 2  # the two French delegates
    support = smtp_server.to("fra@example.org")[0]
    assert "Norway supports the amendment your delegation proposed to OP1 of Zero" in \
        text_of(support)
    assert f"/consultations/gpa/submissions/{proposal.id}" in text_of(support)
    assert smtp_server.to("nor@example.org") == []
    moderation.set_disposition(people["staff"], proposal, "incorporated")
    db.session.commit()
    assert send()["sent"] == 2
    decision = smtp_server.to("fra@example.org")[1]
    assert decision["Subject"].endswith("Decision on your delegation's proposal")
    assert "proposed to OP1 of Zero (Global Plan of Action): incorporated." in text_of(decision)


def test_none_sends_nothing_and_daily_sends_one_summary_of_several_events(
        app, consultation, people, smtp_server):
    app.config["MAIL_DIGEST_HOUR"] = utcnow().hour  # the events fall in today's period
    fra, nor = people["fra"], people["nor"]
    choose(nor, consultation, versions="none")
    choose(fra, consultation, versions="daily", replies="daily")
    zero = publish(people["staff"], consultation)
    comment = comments.post_comment(fra, op(zero), "A comment of France.")
    db.session.commit()
    comments.post_comment(nor, op(zero), "A first answer.", parent_id=comment.id)
    comments.post_comment(nor, op(zero, "OP2"), "Elsewhere.")
    db.session.commit()
    comments.post_comment(people["obs"], op(zero), "A second answer.", parent_id=comment.id)
    db.session.commit()
    send()
    assert smtp_server.to("nor@example.org") == []  # "none"
    assert smtp_server.to("fra@example.org") == []  # "daily": nothing at once
    assert len(smtp_server.to("fra2@example.org")) == 3  # the defaults: at once

    tomorrow = utcnow() + dt.timedelta(days=1)
    assert fanout.send_daily_digests(now=tomorrow) == 1
    assert fanout.send_daily_digests(now=tomorrow) == 0  # once a day
    deliver_due()
    [digest] = smtp_server.to("fra@example.org")
    assert digest["Subject"] == "Consult: your daily summary (3 events)"
    text = text_of(digest)
    assert "Zero of Global Plan of Action has been published." in text
    assert "Norway replied to a submission of your delegation" in text
    assert "United Nations Office on Drugs and Crime replied" in text
    assert digest["List-Unsubscribe"].startswith("<http://consult.test/unsubscribe/")
    # The next day, nothing new: no message.
    assert fanout.send_daily_digests(now=tomorrow + dt.timedelta(days=1)) == 0


def test_comments_closing_within_48_hours_are_announced_once_and_a_moved_deadline_too(
        app, consultation, people, smtp_server):
    choose(people["fra"], consultation, deadlines="immediate")
    zero = publish(people["staff"], consultation, days=1)
    assert fanout.announce_closing_deadlines() == 1
    assert fanout.announce_closing_deadlines() == 0  # the next round: not again
    send()
    soon = [m for m in smtp_server.to("fra@example.org") if "close soon" in m["Subject"]]
    assert len(soon) == 1
    assert "Comments on Zero of Global Plan of Action close on" in text_of(soon[0])
    assert all("close soon" not in m["Subject"] for m in smtp_server.to("nor@example.org"))

    moderation.change_deadline(people["staff"], zero,
                               (utcnow() + dt.timedelta(hours=30)).strftime("%Y-%m-%d %H:%M"),
                               reason="More time.")
    db.session.commit()
    kinds = [e.kind for e in db.session.scalars(select(NotificationEvent).order_by(
        NotificationEvent.id))]
    assert kinds[-1] == "deadline_moved"
    assert fanout.announce_closing_deadlines() == 1  # a new deadline, a new reminder
    send()
    subjects = [m["Subject"] for m in smtp_server.to("fra@example.org")]
    assert sum("New comment deadline for Zero" in s for s in subjects) == 1
    assert sum("close soon" in s for s in subjects) == 2


def test_the_silence_procedure_is_announced(app, consultation, people, smtp_server):
    zero = publish(people["staff"], consultation)
    send()
    smtp_server.messages.clear()
    silence.start_silence(people["staff"], zero, until=utcnow() + dt.timedelta(hours=72),
                          message="We intend to adopt.")
    db.session.commit()
    assert send()["sent"] == 4
    assert "Silence procedure on Zero" in smtp_server.to("nor@example.org")[0]["Subject"]
    smtp_server.messages.clear()
    silence.break_silence(people["nor"], zero, statement="Norway cannot join.")
    db.session.commit()
    assert send()["sent"] == 3
    assert smtp_server.to("nor@example.org") == []  # the one who broke it
    assert "Norway has broken silence on Zero" in text_of(smtp_server.to("fra@example.org")[0])


def test_an_adoption_nobody_read_is_recorded_and_announced_by_the_worker(
        app, consultation, people, smtp_server):
    zero = publish(people["staff"], consultation)
    start = utcnow() - dt.timedelta(days=4)
    silence.start_silence(people["staff"], zero, until=start + dt.timedelta(hours=72),
                          message="We intend to adopt.", now=start)
    db.session.commit()
    assert fanout.record_due_adoptions() == 1
    send()
    adopted = [m for m in smtp_server.to("fra@example.org")
               if "adopted under silence procedure" in m["Subject"]]
    assert len(adopted) == 1


def test_a_line_break_in_a_title_adds_no_header(app, consultation, people, smtp_server):
    consultation.title = "Global Plan\r\nBcc: x@evil.example"
    db.session.commit()
    publish(people["staff"], consultation)
    send()
    message = smtp_server.to("fra@example.org")[0]
    assert message["Bcc"] is None
    assert message["Subject"] == "Global Plan Bcc: x@evil.example: New version: Zero"
    assert all("evil" not in str(m["To"]) for m in smtp_server.messages)
    assert len(smtp_server.messages) == 4


def test_a_message_in_the_recipients_language(app, consultation, people, smtp_server):
    people["fra"].language = "fr"
    db.session.commit()
    drafts.create_version(people["staff"], consultation, label="Zero", text=SMALL_DRAFT,
                          publish=True, comments_close_at="2099-03-01 12:00")
    db.session.commit()
    send()
    [message] = smtp_server.to("fra@example.org")
    assert message["Content-Language"] == "fr"
    assert "1 mars 2099" in text_of(message)  # the date as French writes it
    [english] = smtp_server.to("nor@example.org")
    assert english["Content-Language"] == "en" and "1 March 2099" in text_of(english)
