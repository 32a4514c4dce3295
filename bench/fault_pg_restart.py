"""Fault: PostgreSQL stopped and started again while two nodes serve readers and writers
(issue 17, part 2).

The script runs a PostgreSQL server of its own (initdb in a temporary folder, its own port:
the machine's shared server is never touched), starts two nodes on it
(`deploy/two_nodes.py`), and has 10 clients read pages and API answers and post comments
on both nodes. After --warm seconds the server is stopped (`pg_ctl stop -m fast`), kept
down --down seconds, then started again (`--mode immediate`: stopped as in a crash); the clients go on for --after seconds.

What must hold: while the database is away every answer is a quick 503 (the page in the
reader's language, or the API's JSON error `unavailable`, with Retry-After), never a hang
and never a 500 or a stack trace; the nodes answer again by themselves once it is back;
every post that got a 201 is stored once, no post answered 503 is stored; both search
indexes agree with the database at the end.

    .venv/bin/python bench/fault_pg_restart.py [--port 5499] [--warm 8] [--down 15] \\
        [--after 20] [--clients 10] [--mode fast|immediate] [--out FILE.json]

Everything listens on 127.0.0.1 and stops by itself.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fault_setup import (UNLIMITED_POSTS, OwnPostgres, check_search,  # noqa: E402
                               percentile, prepare_consultation, request,
                               stored_bodies)
from deploy.two_nodes import start_two_nodes  # noqa: E402

UNAVAILABLE_TEXT = b"cannot reach its database"


def _kind_of(status: int | None, body: bytes, headers: dict) -> str:
    """Sort one answer: ok, a proper 503, or what must never happen."""
    if status is None:
        return "no answer"
    if status < 400:
        return "ok"
    if status == 503:
        proper = UNAVAILABLE_TEXT in body and headers.get("Retry-After")
        return "503 unavailable" if proper else "503 other"
    if status == 500 or b"Traceback" in body:
        return "500"
    return str(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=5499)
    parser.add_argument("--warm", type=float, default=8)
    parser.add_argument("--down", type=float, default=15)
    parser.add_argument("--after", type=float, default=20)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--mode", choices=("fast", "immediate"), default="fast",
                        help="pg_ctl stop mode: fast (a clean shutdown) or immediate (a crash:"
                             " recovery from the WAL at start)")
    parser.add_argument("--out")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="consult-pgfault-"))
    server = OwnPostgres(folder / "pg", args.port)
    server.create()
    server.start()
    url = server.url
    nodes = ()
    try:
        a, b = nodes = start_two_nodes(url, folder, extra_env=UNLIMITED_POSTS)
        tokens, paragraph = prepare_consultation(a, args.clients, folder)
        numbers = itertools.count()
        samples = []  # (started, seconds, node, what, kind, body-tag)
        posts: dict[str, int | None] = {}
        stop = threading.Event()
        lock = threading.Lock()

        def client(n: int) -> None:
            for turn in itertools.count():
                if stop.is_set():
                    return
                node = nodes[(n + turn) % 2]
                what = ("page", "api", "post")[turn % 3]
                tag = None
                started = time.monotonic()
                if what == "page":
                    answer = request(f"{node.url}/consultations/gpa", timeout=30)
                elif what == "api":
                    answer = request(f"{node.url}/api/v1/versions/1", timeout=30)
                else:
                    with lock:
                        tag = f"pg post {next(numbers):05d}"
                    answer = request(f"{node.url}/api/v1/paragraphs/{paragraph}/comments",
                                     token=tokens[n], body={"kind": "comment", "body": tag},
                                     timeout=30)
                    posts[tag] = answer[0]
                samples.append((started, time.monotonic() - started, node.name, what,
                                _kind_of(*answer), tag))
                time.sleep(0.05)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        begun = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(args.warm)
        stopped_at = time.monotonic()
        server.stop(args.mode)
        stop_took = time.monotonic() - stopped_at
        time.sleep(max(0.0, args.down - stop_took))
        restarting_at = time.monotonic()
        server.start()
        back_at = time.monotonic()
        time.sleep(args.after)
        stop.set()
        for thread in threads:
            thread.join()

        def phase(started: float) -> str:
            if started < stopped_at:
                return "before"
            if started < back_at:
                return "down"
            return "after"

        table = defaultdict(Counter)
        latencies = defaultdict(list)
        for started, seconds, _node, what, kind, _tag in samples:
            table[phase(started)][kind] += 1
            latencies[(phase(started), kind)].append(seconds)
        recovered = {}
        for node in nodes:
            ok_after = [s for s in samples if s[2] == node.name and s[0] >= back_at]
            first_ok = min((s[0] + s[1] for s in ok_after if s[4] == "ok"), default=None)
            last_bad = max((s[0] + s[1] for s in ok_after if s[4] != "ok"), default=None)
            recovered[node.name] = {
                "first ok after the server was back (s)":
                    None if first_ok is None else round(first_ok - back_at, 2),
                "errors after the server was back": sum(1 for s in ok_after if s[4] != "ok"),
                "last error after the server was back (s)":
                    None if last_bad is None else round(last_bad - back_at, 2)}
        stored = stored_bodies(url, "pg post ")
        acknowledged = [tag for tag, status in posts.items() if status == 201]
        refused = [tag for tag, status in posts.items() if status == 503]
        tracebacks = sum((node.instance / f"{node.name}-gunicorn.log").read_text(
            errors="replace").count("Traceback") for node in nodes)
        timeouts = sum((node.instance / f"{node.name}-gunicorn.log").read_text(
            errors="replace").count("WORKER TIMEOUT") for node in nodes)
        report = {
            "seconds": round(time.monotonic() - begun, 1),
            "stop mode": args.mode,
            "server stop took (s)": round(stop_took, 2),
            "server start took (s)": round(back_at - restarting_at, 2),
            "answers by phase": {p: dict(table[p]) for p in ("before", "down", "after")},
            "latency while down (s)": {
                kind: {"p50": round(percentile(v, 0.5), 3), "p95": round(percentile(v, 0.95), 3),
                       "max": round(max(v), 3), "n": len(v)}
                for (p, kind), v in latencies.items() if p == "down"},
            "recovery": recovered,
            "posts": len(posts), "acknowledged (201)": len(acknowledged),
            "lost after a 201": sum(1 for t in acknowledged if not stored.get(t)),
            "stored twice": sum(1 for c in stored.values() if c > 1),
            "answered 503 but stored": sum(1 for t in refused if stored.get(t)),
            "no answer": sum(1 for s in posts.values() if s is None),
            "tracebacks in the server logs": tracebacks,
            "worker timeouts": timeouts,
            "search check": check_search(nodes),
        }
        print(json.dumps(report, indent=2))
        if args.out:
            Path(args.out).write_text(json.dumps(report, indent=2))
        bad = (report["lost after a 201"] or report["stored twice"]
               or report["answered 503 but stored"] or tracebacks or timeouts
               or any(k not in ("ok", "503 unavailable") for p in table.values() for k in p)
               or any(r["errors after the server was back"] > args.clients
                      for r in recovered.values())
               or not all("agrees" in c for c in report["search check"].values()))
        sys.exit(1 if bad else 0)
    finally:
        for node in nodes:
            node.stop()
        server.destroy()


if __name__ == "__main__":
    main()
