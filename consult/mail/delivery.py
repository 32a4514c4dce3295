"""Sending the outbox: claim a message, hand it to the mail server, mark it; retry
temporary failures with a growing delay; stop at an address refused for good.

Any number of workers may run (a thread in each web process, or `flask --app app mail
send --follow` beside each node): a message is claimed by one conditional UPDATE, which
only one of them can win. A worker killed after the server accepted a message but before
marking it leaves the message claimed; it is sent again once MAIL_CLAIM_SECONDS have
passed, with the same Message-ID, which mail stores take for the same message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import smtplib
import threading
import time
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from consult.db import db, utcnow
from consult.mail.models import MailMessage, MailStatus, UndeliverableAddress

log = logging.getLogger(__name__)

# Delay before the n-th retry: MAIL_RETRY_SECONDS × 2^(n-1), at most six hours.
MAX_RETRY_DELAY = 6 * 3600


class TemporaryFailure(Exception):
    """The server could not take the message now (4xx, unreachable): tried again later."""


class PermanentFailure(Exception):
    """The server refused the message for good (5xx)."""

    def __init__(self, reason: str, *, address_refused: bool):
        super().__init__(reason)
        self.address_refused = address_refused


# --- the message as sent ------------------------------------------------------------------


def message_id(message: MailMessage, sender: str) -> str:
    """The Message-ID: from the message's key, so a message sent again is the same one."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "consult.invalid"
    digest = hashlib.sha256(message.key.encode()).hexdigest()[:24]
    return f"<consult.{message.id}.{digest}@{domain}>"


def build_email(message: MailMessage, sender: str) -> EmailMessage:
    """The message with its headers, text and HTML parts (no remote content, no tracking)."""
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = Address(display_name=message.to_name, addr_spec=message.to_address)
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = message_id(message, sender)
    email["Auto-Submitted"] = "auto-generated"
    if message.unsubscribe_url:
        # RFC 2369 and RFC 8058: mail programs show an "Unsubscribe" button that posts here.
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.text_body)
    email.add_alternative(message.html_body, subtype="html")
    # After the parts: set_content() drops every Content-* header set before it.
    email["Content-Language"] = message.language
    return email


# --- transports ---------------------------------------------------------------------------


class SmtpTransport:
    """A mail server over SMTP (smtplib), one connection per round."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.connection is not None:
            try:
                self.connection.quit()
            except (smtplib.SMTPException, OSError):
                self.connection.close()
            self.connection = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        try:
            connection = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"],
                                      timeout=config["MAIL_TIMEOUT_SECONDS"])
            if config["MAIL_USE_TLS"]:
                connection.starttls()
            if config["MAIL_USERNAME"]:
                connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except smtplib.SMTPResponseException as exc:
            raise TemporaryFailure(_smtp_reason(exc.smtp_code, exc.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise TemporaryFailure(f"cannot reach the mail server: {exc}") from None
        return connection

    def send(self, email: EmailMessage, to_address: str) -> None:
        """Hand one message over; TemporaryFailure or PermanentFailure if it is not taken."""
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(email, to_addrs=[to_address])
        except smtplib.SMTPRecipientsRefused as exc:
            code, reason = next(iter(exc.recipients.values()))
            self._after_refusal(code)
            if code >= 500:
                raise PermanentFailure(_smtp_reason(code, reason), address_refused=True) \
                    from None
            raise TemporaryFailure(_smtp_reason(code, reason)) from None
        except smtplib.SMTPResponseException as exc:
            self._after_refusal(exc.smtp_code)
            if exc.smtp_code >= 500:
                raise PermanentFailure(_smtp_reason(exc.smtp_code, exc.smtp_error),
                                       address_refused=False) from None
            raise TemporaryFailure(_smtp_reason(exc.smtp_code, exc.smtp_error)) from None
        except (smtplib.SMTPException, OSError) as exc:
            self.connection = None  # broken: the next message connects again
            raise TemporaryFailure(f"mail server connection lost: {exc}") from None

    def _after_refusal(self, code: int) -> None:
        # A refused message leaves the connection usable after RSET; a 421 closes it.
        try:
            if code == 421:
                raise smtplib.SMTPServerDisconnected()
            self.connection.rset()
        except (smtplib.SMTPException, OSError):
            self.connection.close()
            self.connection = None


def _smtp_reason(code: int, error) -> str:
    text = error.decode(errors="replace") if isinstance(error, bytes) else str(error)
    return f"{code} {text}"[:500]


class FileTransport:
    """No mail server (the embedded default): each message is written to
    instance/mail/<id>.eml and announced on the console (the log)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __enter__(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        return self

    def __exit__(self, *exc):
        return None

    def send(self, email: EmailMessage, to_address: str) -> None:
        """Write the message where the operator can open it."""
        number = email["Message-ID"].split(".")[1]
        path = self.folder / f"{number}.eml"
        try:
            path.write_bytes(bytes(email))
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {path}: {exc}") from None
        log.warning("mail to %s: %s (%s)", to_address, email["Subject"], path)


def transport_for(app: Flask):
    """The transport the settings name: SMTP when MAIL_SERVER is set, else files."""
    if app.config["MAIL_SERVER"]:
        return SmtpTransport(app.config)
    return FileTransport(Path(app.instance_path) / "mail")


# --- one round ------------------------------------------------------------------------------


def deliver_due(limit: int = 200, transport=None) -> dict[str, int]:
    """Send the messages that are due (and those a dead worker left claimed); counts of
    what happened to them."""
    app = current_app._get_current_object()
    config = app.config
    now = utcnow()
    stale = now - dt.timedelta(seconds=config["MAIL_CLAIM_SECONDS"])
    due = db.session.scalars(
        select(MailMessage.id)
        .where(or_((MailMessage.status == MailStatus.pending)
                   & (MailMessage.next_attempt_at <= now),
                   (MailMessage.status == MailStatus.sending)
                   & (MailMessage.claimed_at < stale)))
        .order_by(MailMessage.id).limit(limit)).all()
    db.session.rollback()  # no transaction held while talking to the mail server
    counts = {"sent": 0, "retry": 0, "failed": 0, "bounced": 0}
    if not due:
        return counts
    with (transport or transport_for(app)) as sender:
        for message_id_ in due:
            outcome = _deliver_one(message_id_, sender, config, stale)
            if outcome:
                counts[outcome] += 1
    return counts


def _claim(message_id_: int, stale: dt.datetime) -> MailMessage | None:
    now = utcnow()
    won = db.session.execute(
        update(MailMessage)
        .where(MailMessage.id == message_id_,
               or_(MailMessage.status == MailStatus.pending,
                   (MailMessage.status == MailStatus.sending)
                   & (MailMessage.claimed_at < stale)))
        .values(status=MailStatus.sending, claimed_at=now,
                attempts=MailMessage.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not won:
        return None  # another worker has it
    return db.session.get(MailMessage, message_id_, populate_existing=True)


def _deliver_one(message_id_: int, sender, config, stale) -> str | None:
    message = _claim(message_id_, stale)
    if message is None:
        return None
    email = build_email(message, config["MAIL_SENDER"])
    try:
        sender.send(email, message.to_address)
    except TemporaryFailure as exc:
        message.last_error = str(exc)[:500]
        if message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            message.status = MailStatus.failed
            outcome = "failed"
            log.error("mail %s to %s given up after %d attempts: %s", message.id,
                      message.to_address, message.attempts, exc)
        else:
            message.status = MailStatus.pending
            delay = min(config["MAIL_RETRY_SECONDS"] * 2 ** (message.attempts - 1),
                        MAX_RETRY_DELAY)
            message.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
            outcome = "retry"
            log.warning("mail %s to %s not sent (%s); again in %d s", message.id,
                        message.to_address, exc, delay)
    except PermanentFailure as exc:
        message.last_error = str(exc)[:500]
        message.status = MailStatus.bounced if exc.address_refused else MailStatus.failed
        outcome = "bounced" if exc.address_refused else "failed"
        if exc.address_refused:
            _mark_undeliverable(message.to_address, str(exc))
        log.error("mail %s to %s refused: %s", message.id, message.to_address, exc)
    else:
        message.status = MailStatus.sent
        message.sent_at = utcnow()
        message.last_error = None
        outcome = "sent"
    db.session.commit()
    return outcome


def _mark_undeliverable(address: str, reason: str) -> None:
    address = address.lower()
    if db.session.scalar(select(UndeliverableAddress.id).where(
            UndeliverableAddress.address == address)) is None:
        db.session.add(UndeliverableAddress(address=address, reason=reason[:500]))
    # Nothing more goes there: what is still queued for it is marked too.
    db.session.execute(
        update(MailMessage)
        .where(MailMessage.to_address == address, MailMessage.status == MailStatus.pending)
        .values(status=MailStatus.bounced, last_error="address refused earlier")
        .execution_options(synchronize_session=False))


# --- the worker ---------------------------------------------------------------------------


def run_round(app: Flask) -> dict[str, int]:
    """One round of the worker: the scheduled work that queues messages (notifications,
    digests, deadlines), then delivery."""
    with app.app_context():
        for task in app.extensions.get("consult_mail_tasks", []):
            try:
                task()
            except Exception:  # one failing task must not stop the mail
                db.session.rollback()
                log.exception("mail task %s failed", getattr(task, "__name__", task))
        return deliver_due()


class MailWorker:
    """A daemon thread that runs rounds soon after each commit that queued mail, and
    every MAIL_POLL_SECONDS (retries, digests, deadlines)."""

    def __init__(self, app: Flask):
        self.app = app
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def start(self) -> None:
        """Start the thread if it is not running (cheap when it is)."""
        if self._thread is not None and self._thread.is_alive():
            return
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="consult-mail",
                                                daemon=True)
                self._thread.start()

    def poke(self) -> None:
        """Ask for a round now."""
        self.start()
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the thread after its round (tests; a process that ends needs nothing)."""
        self._stopping = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        self._stopping = False
        while True:
            self._wake.wait(timeout=self.app.config["MAIL_POLL_SECONDS"])
            self._wake.clear()
            if self._stopping:
                return
            try:
                run_round(self.app)
            except Exception:  # the outbox keeps everything: the next round tries again
                log.exception("mail round failed")
                time.sleep(1.0)


def follow(app: Flask, interval: float, rounds: int | None = None) -> None:
    """`mail send --follow`: rounds every `interval` seconds, until stopped."""
    done = 0
    while rounds is None or done < rounds:
        try:
            counts = run_round(app)
            if any(counts.values()):
                log.info("mail: %s", counts)
        except Exception:
            log.exception("mail round failed")
        done += 1
        time.sleep(interval)
