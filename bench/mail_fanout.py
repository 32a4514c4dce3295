"""E-mail at the size of a real consultation (issue 18): a publication announced to every
delegate, a burst of replies, the daily summaries, and delivery to a real SMTP server.

    .venv/bin/python bench/mail_fanout.py [--delegates 2000] [--replies 1000]
        [--database-url URL] [--folder /tmp/consult-mail-bench] [--out FILE.json]

1. A new instance (SQLite by default; or the PostgreSQL database given, emptied): `init`,
   `demo`, then `--delegates` accounts spread over the 193 Member States (written in bulk,
   as the secretariat's page would one by one).
2. A publication announced: one `version_published` event, fanned out (one message per
   delegate, rendered in their language: a third French, a sixth Arabic) — timed.
3. `--replies` replies to submissions of the delegations, each an event told to that
   delegation's accounts — timed.
4. A quarter of the delegates chose a daily summary: the day's summaries — timed.
5. Everything queued sent to an aiosmtpd server on 127.0.0.1 — timed (messages a second).

Run on an otherwise idle machine; it stops by itself.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _timed(label, results, action):
    started = time.perf_counter()
    value = action()
    results[label] = {"seconds": round(time.perf_counter() - started, 2), "result": value}
    print(f"{label}: {results[label]}", flush=True)
    return value


class _Writer:
    """On SQLite: another process's writer, as a post would be, taking the write lock again
    and again while the fan-out runs; the longest it waited says how long the fan-out held
    the lock."""

    def __init__(self, url: str):
        import threading
        self.longest = 0.0
        self.running = url.startswith("sqlite")
        self.path = url.split("///", 1)[-1]
        self.thread = threading.Thread(target=self._run, daemon=True)
        if self.running:
            self.thread.start()

    def _run(self):
        import sqlite3
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        while self.running:
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("COMMIT")
            self.longest = max(self.longest, time.perf_counter() - started)
            time.sleep(0.01)
        connection.close()

    def stop(self):
        if not self.running:
            return None
        self.running = False
        self.thread.join()
        return round(self.longest, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delegates", type=int, default=2000)
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--database-url")
    parser.add_argument("--folder", default="/tmp/consult-mail-bench")
    parser.add_argument("--out")
    args = parser.parse_args()

    folder = Path(args.folder)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    if args.database_url:
        from bench.fault_setup import reset_database
        reset_database(args.database_url)
    from aiosmtpd.controller import Controller

    class Sink:
        count = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.count += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(Sink(), hostname="127.0.0.1", port=port)
    smtp.start()

    from consult import create_app
    config = {"MAIL_DELIVERY": "external", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
              "PUBLIC_URL": "https://consult.example.org", "SEARCH_UPDATES": "request"}
    if args.database_url:
        config["DATABASE_URL"] = args.database_url
    app = create_app(config, instance=folder)
    runner = app.test_cli_runner()
    for command in (["init"], ["demo"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output

    from sqlalchemy import func, insert, select

    from consult.auth.models import Delegation, DelegationKind, Role, User
    from consult.comments.models import Submission, SubmissionKind
    from consult.db import db, utcnow
    from consult.drafts.models import Consultation, Version, VersionStatus
    from consult.mail.delivery import deliver_due
    from consult.mail.models import MailMessage
    from consult.notify import fanout
    from consult.notify.events import record_event
    from consult.notify.models import Frequency, NotificationPreference

    results = {"delegates": args.delegates, "replies": args.replies,
               "database": "PostgreSQL" if args.database_url else "SQLite"}
    with app.app_context():
        states = db.session.scalars(select(Delegation).where(
            Delegation.kind == DelegationKind.member_state).order_by(Delegation.id)).all()
        languages = ["fr", "fr", "ar", "en", "es", "ru"]
        now = utcnow()
        db.session.execute(insert(User), [
            {"email": f"bench.{n}@example.org", "name": f"Delegate {n}",
             "role": Role.delegate, "delegation_id": states[n % len(states)].id,
             "language": languages[n % len(languages)], "password_hash": None,
             "is_disabled": False, "created_at": now}
            for n in range(args.delegates)])
        db.session.commit()
        consultation = db.session.scalar(select(Consultation).where(
            Consultation.slug == "gpa-trafficking"))
        version = db.session.scalars(select(Version).where(
            Version.consultation_id == consultation.id,
            Version.status == VersionStatus.published).order_by(Version.id.desc())).first()

        record_event("version_published", consultation_id=consultation.id,
                     version_id=version.id)
        db.session.commit()
        writer = _Writer(app.config["DATABASE_URL"])
        _timed("publication fanned out (messages queued)", results,
               lambda: fanout.fan_out_events() and db.session.scalar(
                   select(func.count(MailMessage.id))))
        results["longest wait of a writer meanwhile (s)"] = writer.stop()

        parents = db.session.scalars(select(Submission).where(
            Submission.consultation_id == consultation.id,
            Submission.kind == SubmissionKind.comment).limit(20)).all()
        author = db.session.scalar(select(User).where(User.email == "bench.1@example.org"))
        for n in range(args.replies):
            parent = parents[n % len(parents)]
            record_event("reply", consultation_id=consultation.id, version_id=version.id,
                         submission_id=parent.id, delegation_id=states[n % len(states)].id,
                         actor=author)
        db.session.commit()
        before = db.session.scalar(select(func.count(MailMessage.id)))

        def fan_out_replies():
            done = 0
            while True:
                made = fanout.fan_out_events()
                if not made:
                    return {"events": done, "messages": db.session.scalar(
                        select(func.count(MailMessage.id))) - before}
                done += made
        _timed("replies fanned out", results, fan_out_replies)

        daily = db.session.scalars(select(User.id).where(
            User.email.like("bench.%")).order_by(User.id)).all()[::4]
        db.session.execute(insert(NotificationPreference), [
            {"user_id": user_id, "consultation_id": consultation.id, "category": "replies",
             "frequency": Frequency.daily} for user_id in daily])
        db.session.commit()
        # The summaries' hour comes an hour or two after the events (MAIL_DIGEST_HOUR).
        summary_time = now + dt.timedelta(hours=2)
        app.config["MAIL_DIGEST_HOUR"] = summary_time.hour
        _timed("daily summaries queued", results,
               lambda: fanout.send_daily_digests(now=summary_time))

        queued = db.session.scalar(select(func.count(MailMessage.id)))

        def send_all():
            sent = 0
            while True:
                counts = deliver_due(limit=500)
                if not sum(counts.values()):
                    return {"sent": sent, "queued": queued}
                sent += counts["sent"]
        sent = _timed("all sent over SMTP", results, send_all)
        results["messages a second (SMTP)"] = round(
            sent["sent"] / max(results["all sent over SMTP"]["seconds"], 0.01), 1)
        results["received by the server"] = Sink.count
    smtp.stop()
    print(json.dumps(results, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
