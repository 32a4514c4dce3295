"""Fault: the disk under the instance folder fills up, then turns read-only, while the
embedded default (SQLite, the app's own index thread) serves readers and writers
(issue 17, part 2).

The instance folder (database, search index) is put on a small tmpfs of the script's own
(`mount -t tmpfs`, so it must run as root); the logs stay outside. One node (gunicorn,
2 workers, `SEARCH_UPDATES=background`); 4 clients post comments and read a page, the API
and a search, in turn. Phases: normal; the disk filled to the last byte; space freed;
the node restarted on the file system remounted read-only (Linux will not remount it
while the database is open for writing); made writable again while the node serves; the
node restarted (SQLite keeps files it opened read-only so until they are closed).

What must hold: while the disk is full or read-only a post gets a clear 503 (a page or the
API's JSON error saying that nothing was saved, with Retry-After), never a 500, a hang or
a half-written row; readers (pages, API, search) go on being answered; once space is back,
posts are stored again without restarting anything; after a read-only volume, once the
node is restarted; every 201 is stored once, no post answered 503 is
stored; `PRAGMA integrity_check` is ok and the index agrees with the database.

    sudo .venv/bin/python bench/fault_disk.py [--size-mb 64] [--hold 10] [--out FILE.json]

Everything listens on 127.0.0.1 and stops by itself; the tmpfs is unmounted at the end.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fault_setup import (UNLIMITED_POSTS, check_search, percentile,  # noqa: E402
                               prepare_consultation, request, sort_answer,
                               start_sqlite_node, stored_bodies)
from deploy.two_nodes import start_node  # noqa: E402


def _fill(path: Path) -> int:
    """Write zeros to `path` until the file system has no byte left; returns the bytes."""
    written = 0
    block = b"\0" * (1 << 20)
    with open(path, "wb", buffering=0) as filler:
        for size in (1 << 20, 1 << 12, 1):
            while True:
                try:
                    written += filler.write(block[:size])
                except OSError:
                    break
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=64)
    parser.add_argument("--hold", type=float, default=10, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--out")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("This script mounts a tmpfs of its own: run it as root.")

    folder = Path(tempfile.mkdtemp(prefix="consult-diskfault-"))
    disk = folder / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.size_mb}m", "tmpfs",
                    str(disk)], check=True)
    node = None
    try:
        instance = disk / "instance"
        node, url, secret = start_sqlite_node(instance, folder)
        tokens, paragraph = prepare_consultation(node, args.clients, folder)

        numbers = itertools.count()
        samples = []  # (started, seconds, what, kind, tag)
        posts: dict[str, str] = {}
        stop = threading.Event()
        pause = threading.Event()  # while the node restarts
        lock = threading.Lock()

        def client(n: int) -> None:
            for turn in itertools.count():
                if stop.is_set():
                    return
                if pause.is_set():
                    time.sleep(0.05)
                    continue
                what = ("post", "page", "api", "search")[turn % 4]
                tag = None
                started = time.monotonic()
                if what == "post":
                    with lock:
                        tag = f"disk post {next(numbers):05d}"
                    answer = request(f"{node.url}/api/v1/paragraphs/{paragraph}/comments",
                                     token=tokens[n], body={"kind": "comment", "body": tag})
                elif what == "page":
                    answer = request(f"{node.url}/consultations/gpa")
                elif what == "api":
                    answer = request(f"{node.url}/api/v1/versions/1")
                else:
                    answer = request(f"{node.url}/search?q=post")
                kind = sort_answer(*answer)
                if tag:
                    posts[tag] = kind
                samples.append((started, time.monotonic() - started, what, kind, tag))
                time.sleep(0.05)

        phases = []  # (name, started)

        def enter(name: str) -> None:
            phases.append((name, time.monotonic()))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        enter("normal")
        for thread in threads:
            thread.start()
        time.sleep(args.hold / 2)
        enter("disk full")
        filled = _fill(disk / "filler")
        time.sleep(args.hold)
        (disk / "filler").unlink()
        enter("space freed")
        time.sleep(args.hold)
        # Linux refuses to remount a file system read-only while files on it are open for
        # writing (as the database is): the node is stopped, the folder turned read-only
        # and the node started on it, as after a restart onto a volume the kernel had
        # turned read-only; it is made writable again while the node serves.
        pause.set()
        time.sleep(1)  # let requests in flight finish
        node.stop()
        logs = [(folder / "a-gunicorn.log").read_text(errors="replace")]
        (folder / "a-gunicorn-1.log").write_text(logs[0])
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        node = start_node("a", url, instance, secret, follower=False, log_dir=folder,
                          extra_env=UNLIMITED_POSTS)
        enter("read-only")
        pause.clear()
        time.sleep(args.hold)
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True)
        enter("writable again")
        time.sleep(args.hold)
        # SQLite keeps the files it opened read-only so, in every process that has them
        # open: the operator restarts the node once the volume is repaired.
        pause.set()
        time.sleep(1)
        node.stop()
        logs.append((folder / "a-gunicorn.log").read_text(errors="replace"))
        (folder / "a-gunicorn-2.log").write_text(logs[1])
        node = start_node("a", url, instance, secret, follower=False, log_dir=folder,
                          extra_env=UNLIMITED_POSTS)
        enter("node restarted")
        pause.clear()
        time.sleep(args.hold)
        stop.set()
        for thread in threads:
            thread.join()

        def phase_of(started: float) -> str:
            name = phases[0][0]
            for phase, at in phases:
                if started >= at:
                    name = phase
            return name

        table = defaultdict(lambda: defaultdict(Counter))
        latencies = defaultdict(list)
        slowest = defaultdict(float)
        for started, seconds, what, kind, _tag in samples:
            table[phase_of(started)][what][kind] += 1
            latencies[phase_of(started)].append(seconds)
            slowest[(phase_of(started), what)] = max(slowest[(phase_of(started), what)],
                                                      seconds)
        stored = stored_bodies(url, "disk post ")
        acknowledged = [t for t, k in posts.items() if k == "ok"]
        refused = [t for t, k in posts.items() if k.startswith("503")]
        with sqlite3.connect(instance / "consult.sqlite3") as check:
            integrity = check.execute("PRAGMA integrity_check").fetchone()[0]
            foreign = check.execute("PRAGMA foreign_key_check").fetchall()
        log = "".join(logs) + (folder / "a-gunicorn.log").read_text(errors="replace")
        report = {
            "tmpfs (MB)": args.size_mb, "filler (MB)": round(filled / 2**20, 1),
            "answers by phase": {p: {w: dict(k) for w, k in table[p].items()}
                                 for p, _ in phases},
            "latency by phase (p95 / max, s)": {
                p: [round(percentile(latencies[p], 0.95), 3), round(max(latencies[p]), 3)]
                for p, _ in phases if latencies[p]},
            "slowest answer by phase and kind (s)": {
                f"{p} / {w}": round(v, 3) for (p, w), v in slowest.items()},
            "posts": len(posts), "acknowledged (201)": len(acknowledged),
            "lost after a 201": sum(1 for t in acknowledged if not stored.get(t)),
            "stored twice": sum(1 for c in stored.values() if c > 1),
            "answered 503 but stored": sum(1 for t in refused if stored.get(t)),
            "integrity_check": integrity, "foreign_key_check": len(foreign),
            "tracebacks in the server log": log.count("Traceback"),
            "search check": check_search([node]),
        }
        print(json.dumps(report, indent=2))
        if args.out:
            Path(args.out).write_text(json.dumps(report, indent=2))
        kinds = {k for p in table.values() for w in p.values() for k in w}
        bad = (report["lost after a 201"] or report["tracebacks in the server log"]
               or report["stored twice"]
               or report["answered 503 but stored"] or integrity != "ok" or foreign
               or any(k in ("500", "no answer") or "no Retry-After" in k for k in kinds)
               or "ok" not in table["space freed"]["post"]
               or set(table["node restarted"]["post"]) != {"ok"}
               or not all("agrees" in c for c in report["search check"].values()))
        sys.exit(1 if bad else 0)
    finally:
        if node is not None:
            node.stop()
        subprocess.run(["umount", "-l", str(disk)])


if __name__ == "__main__":
    main()
