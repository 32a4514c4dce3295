"""Fault: kill -9 an app worker, then a whole node, in the middle of 200 posts from 10
clients against two nodes on one database (issue 17, part 2).

Every post that got a 201 must be in the database once, and, after the node is restarted,
in the search index of both nodes (`search check` clean). Each post carries an
Idempotency-Key of its own; posts that got no answer (the connection died with the process)
may or may not be stored: they are counted apart, then sent once more with the same key
after the restart, as a client would, and must then be stored exactly once (a post whose
first attempt had committed gets its stored answer back, Idempotent-Replayed: true).

    .venv/bin/python bench/fault_kill.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/consult_fault

The database is emptied first (DROP SCHEMA / a new SQLite file). Everything listens on
127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import uuid
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.fault_setup import UNLIMITED_POSTS, prepare_consultation, reset_database  # noqa: E402
from deploy.two_nodes import start_node, start_two_nodes  # noqa: E402

def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _post(url: str, token: str, body: str, key: str) -> tuple[int | None, bool]:
    """(status or None for no answer, whether the answer was a replay of a stored one)."""
    request = urllib.request.Request(
        url, data=json.dumps({"kind": "comment", "body": body}).encode(), method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                 "Idempotency-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers.get("Idempotent-Replayed") == "true"
    except urllib.error.HTTPError as error:
        return error.code, False
    except OSError:
        return None, False  # no answer: the process died with the request


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="consult-fault-"))
    reset_database(args.database_url)
    a, b = start_two_nodes(args.database_url, folder,
                           extra_env=UNLIMITED_POSTS)
    try:
        tokens, paragraph = prepare_consultation(a, args.clients, folder)

        results: dict[str, int | None] = {}
        sent: dict[str, tuple[int, str, str]] = {}  # body -> (client, node url, key)
        counter = iter(range(args.posts))
        lock = threading.Lock()
        events = []

        def client(n: int) -> None:
            while True:
                with lock:
                    number = next(counter, None)
                if number is None:
                    return
                node = (a, b)[number % 2]
                body = f"fault post {number:04d}"
                key = uuid.uuid4().hex  # one key per post, kept for its retry
                sent[body] = (n, node.name, key)
                results[body], _replayed = _post(
                    f"{node.url}/api/v1/paragraphs/{paragraph}/comments", tokens[n], body, key)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while len(results) < args.posts * 0.3:
            time.sleep(0.01)
        worker = _children(a.processes[0].pid)[0]
        os.kill(worker, signal.SIGKILL)
        events.append(f"{len(results)} posts answered: kill -9 of node A's worker {worker}")
        while len(results) < args.posts * 0.6:
            time.sleep(0.01)
        gunicorn = a.processes[0]
        for pid in _children(gunicorn.pid) + [gunicorn.pid]:
            os.kill(pid, signal.SIGKILL)
        events.append(f"{len(results)} posts answered: kill -9 of node A (master and workers)")
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        a.stop()
        a = start_node("a", args.database_url, a.instance, a.env["CONSULT_SECRET_KEY"],
                       extra_env=UNLIMITED_POSTS)
        events.append("node A restarted")

        def stored_now() -> Counter:
            engine = create_engine(args.database_url)
            with engine.connect() as connection:
                found = Counter(row[0] for row in connection.execute(text(
                    "SELECT body FROM submission WHERE body LIKE 'fault post %'")))
            engine.dispose()
            return found

        before_retry = stored_now()
        unanswered = [body for body, status in results.items() if status is None]
        # What a client does with a post whose answer it lost: send it again, same key.
        nodes = {"a": a, "b": b}
        retried = {}
        for body in unanswered:
            n, name, key = sent[body]
            retried[body] = _post(f"{nodes[name].url}/api/v1/paragraphs/{paragraph}/comments",
                                  tokens[n], body, key)
        events.append(f"{len(unanswered)} unanswered posts sent again with their keys")
        stored = stored_now()
        statuses = Counter(results.values())
        acknowledged = [body for body, status in results.items() if status == 201]
        lost = [body for body in acknowledged if stored[body] == 0]
        twice = [body for body, count in stored.items() if count > 1]
        retry_statuses = Counter(status for status, _replayed in retried.values())
        checks = {}
        for node in (a, b):
            deadline = time.monotonic() + 30
            while (done := node.flask("search", "check")).returncode != 0 and \
                    time.monotonic() < deadline:
                time.sleep(0.5)
            checks[node.name] = (done.stdout + done.stderr).strip()
        report = {
            "posts": args.posts, "clients": args.clients, "seconds": round(elapsed, 1),
            "answers": {str(k): v for k, v in statuses.items()},
            "acknowledged (201)": len(acknowledged), "lost after a 201": len(lost),
            "stored twice": len(twice), "no answer": len(unanswered),
            "no answer but stored": sum(1 for body in unanswered if before_retry[body]),
            "retried": len(retried),
            "retry answers": {str(k): v for k, v in retry_statuses.items()},
            "retry replayed (first attempt had committed)":
                sum(1 for _status, replayed in retried.values() if replayed),
            "retried and stored once": sum(1 for body in retried if stored[body] == 1),
            "events": events, "search check": checks,
        }
        print(json.dumps(report, indent=2))
        retries_whole = all(stored[body] == 1 for body in retried)
        sys.exit(0 if not lost and not twice and retries_whole
                 and all("agrees" in c for c in checks.values()) else 1)
    finally:
        a.stop()
        b.stop()


if __name__ == "__main__":
    main()
