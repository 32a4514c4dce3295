"""Fault: SQLite's write lock contended, then held too long, in the embedded default
(issue 17, part 2).

One node on SQLite (gunicorn, --workers sync workers, the app's own index thread).
Phase 1, contention: --clients clients post --posts comments as fast as they can; every
write request takes SQLite's write lock up front (BEGIN IMMEDIATE) and, when another
holds it, SQLite retries for up to busy_timeout (10 s): all must be stored, none refused.
Phase 2, a lock held too long: another process holds the write lock for --hold seconds
(longer than busy_timeout) while the clients go on posting: posts that wait past
busy_timeout get a clear 503 ("too busy … nothing was saved", Retry-After) and are not
stored; the others are stored once the lock is free. Nothing acknowledged is ever lost.

    .venv/bin/python bench/fault_locked.py [--clients 20] [--posts 400] [--hold 14] \\
        [--workers 4] [--out FILE.json]

Everything listens on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sqlite3
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fault_setup import (check_search, percentile, prepare_consultation,  # noqa: E402
                               request, sort_answer, start_sqlite_node, stored_bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--posts", type=int, default=400, help="posts in phase 1")
    parser.add_argument("--hold", type=float, default=14)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--out")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="consult-lockfault-"))
    instance = folder / "instance"
    path = instance / "consult.sqlite3"
    node, url, _secret = start_sqlite_node(instance, instance, workers=args.workers)
    try:
        tokens, paragraph = prepare_consultation(node, args.clients, folder)
        numbers = itertools.count()
        lock = threading.Lock()
        samples = []  # (phase, started, seconds, kind, tag)
        phase = ["contention"]
        stop = threading.Event()

        def client(n: int, limit: int | None) -> None:
            while not stop.is_set():
                with lock:
                    number = next(numbers)
                if limit is not None and number >= limit:
                    return
                tag = f"lock post {number:05d}"
                started = time.monotonic()
                answer = request(f"{node.url}/api/v1/paragraphs/{paragraph}/comments",
                                 token=tokens[n], body={"kind": "comment", "body": tag},
                                 timeout=60)
                samples.append((phase[0], started, time.monotonic() - started,
                                sort_answer(*answer), tag))

        def run(limit: int | None) -> list[threading.Thread]:
            threads = [threading.Thread(target=client, args=(n, limit))
                       for n in range(args.clients)]
            for thread in threads:
                thread.start()
            return threads

        begun = time.monotonic()
        for thread in run(args.posts):
            thread.join()
        contention_seconds = time.monotonic() - begun

        phase[0] = "before the hold"
        threads = run(None)
        time.sleep(3)
        holder = sqlite3.connect(path, timeout=30, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        phase[0] = "lock held"
        held_at = time.monotonic()
        time.sleep(args.hold)
        holder.execute("ROLLBACK")
        holder.close()
        released_at = time.monotonic()
        phase[0] = "after the hold"
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join()

        stored = stored_bodies(url, "lock post ")
        table: dict[str, Counter] = {}
        latency: dict[str, list[float]] = {}
        for name, _started, seconds, kind, _tag in samples:
            table.setdefault(name, Counter())[kind] += 1
            latency.setdefault(name, []).append(seconds)
        acknowledged = [s[4] for s in samples if s[3] == "ok"]
        refused = [s[4] for s in samples if s[3].startswith("503")]
        report = {
            "clients": args.clients, "workers": args.workers,
            "contention: posts, seconds, posts/s": [
                args.posts, round(contention_seconds, 1),
                round(args.posts / contention_seconds, 1)],
            "lock held (s)": round(released_at - held_at, 1),
            "answers by phase": {k: dict(v) for k, v in table.items()},
            "latency by phase (p50 / p95 / max, s)": {
                k: [round(percentile(v, 0.5), 3), round(percentile(v, 0.95), 3),
                    round(max(v), 3)] for k, v in latency.items()},
            "acknowledged (201)": len(acknowledged),
            "lost after a 201": sum(1 for t in acknowledged if not stored.get(t)),
            "stored twice": sum(1 for c in stored.values() if c > 1),
            "answered 503 but stored": sum(1 for t in refused if stored.get(t)),
            "search check": check_search([node]),
        }
        print(json.dumps(report, indent=2))
        if args.out:
            Path(args.out).write_text(json.dumps(report, indent=2))
        kinds = {k for v in table.values() for k in v}
        bad = (report["lost after a 201"] or report["stored twice"]
               or report["answered 503 but stored"]
               or set(table["contention"]) != {"ok"}
               or kinds - {"ok", "503 busy"}
               or not all("agrees" in c for c in report["search check"].values()))
        sys.exit(1 if bad else 0)
    finally:
        node.stop()


if __name__ == "__main__":
    main()
