"""Queueing messages: rendered in the recipient's language, written in the caller's
transaction, sent later by the delivery worker (delivery.py)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import current_app, has_request_context
from flask_babel import force_locale
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from consult.db import db
from consult.mail.models import MailMessage, UndeliverableAddress

# Control characters, line breaks included: never part of a header (a newline in a name
# or title must not add a header line).
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(text: str, limit: int = 300) -> str:
    """Text fit for a header: control characters and line breaks become spaces."""
    return " ".join(_CONTROL.sub(" ", str(text or "")).split())[:limit]


def mail_base_url() -> str:
    """The address links in messages start with: PUBLIC_URL, never a request's Host (a
    forged Host would otherwise put its own site in a password-reset link)."""
    return current_app.config["PUBLIC_URL"] or current_app.config["MAIL_LINK_FALLBACK_URL"]


def mail_url(endpoint: str, **values) -> str:
    """An absolute link to a page of the site, for a message: built from mail_base_url()
    alone, outside any request (the worker has none; a request's Host must not count)."""
    parts = urlsplit(mail_base_url())
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path or "/",
                                       url_scheme=parts.scheme)
    return adapter.build(endpoint, values, force_external=True)


def recipient_language(user) -> str:
    """The user's interface language when it has a catalog, else the site's default."""
    languages = current_app.config["LANGUAGES"]
    return user.language if user.language in languages \
        else current_app.config["BABEL_DEFAULT_LOCALE"]


def render_message(template: str, language: str, **context) -> tuple[str, str, str]:
    """(subject, text, HTML) of `mail/<template>.txt` (blocks subject and body) and
    `mail/<template>.html`, in `language`, with links to the public site."""
    env = current_app.jinja_env
    with force_locale(language):
        context = {**context, "language": language, "site_url": mail_base_url()}
        text_template = env.get_template(f"mail/{template}.txt")
        ctx = text_template.new_context(context)
        subject = one_line("".join(text_template.blocks["subject"](ctx)))
        text = text_template.render(context).strip() + "\n"
        html = env.get_template(f"mail/{template}.html").render(context)
    return subject, text, html


def is_undeliverable(address: str) -> bool:
    """Whether a mail server refused this address for good."""
    return db.session.scalar(select(UndeliverableAddress.id).where(
        UndeliverableAddress.address == address.lower())) is not None


def queue_message(key: str, user, template: str, *, unsubscribe_url: str | None = None,
                  **context) -> MailMessage | None:
    """Queue `template` for `user` under `key`, in the caller's transaction; None when a
    message with this key exists already (one per event and person) or the address was
    refused for good."""
    if db.session.scalar(select(MailMessage.id).where(MailMessage.key == key)) is not None:
        return None
    if is_undeliverable(user.email):
        return None
    language = recipient_language(user)
    subject, text, html = render_message(template, language, user=user,
                                         unsubscribe_url=unsubscribe_url, **context)
    message = MailMessage(key=key, user_id=user.id, to_address=user.email,
                          to_name=one_line(user.name, 200), language=language,
                          subject=subject, text_body=text, html_body=html,
                          unsubscribe_url=unsubscribe_url)
    db.session.add(message)
    db.session.info["mail_queued"] = True
    return message


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    # Wake this process's delivery thread, if it runs one (MAIL_DELIVERY = "background").
    if session.info.pop("mail_queued", False) and has_request_context():
        worker = current_app.extensions.get("consult_mail_worker")
        if worker is not None:
            worker.poke()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop("mail_queued", None)
