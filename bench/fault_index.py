"""Fault: node A's search index deleted, then one of its segment files cut short, while 10
readers search node A continuously (issue 17, part 2).

Two nodes (`deploy/two_nodes.py`: gunicorn with 2 workers and a `search sync --follow`
each, SEARCH_UPDATES external) on one database, loaded first with the synthetic demo
(`flask demo --comments N --seed 7`) so that a rebuild takes long enough to be seen. Half
the readers use the API (`/api/v1/search`), half the page (`/search`). Phase 1 deletes node
A's whole index folder (SEARCH_INDEX_PATH); phase 2, once searches are whole again, cuts
the largest segment file of the new index to half its size. For each phase: the answers
by status (200, 503 with the "being rebuilt" notice, anything else), the highest and the
95th-percentile latency of the answers during the outage, the time until searches give
their full results again (every API answer the same total as before the fault), which
processes logged a rebuild; at the end, `search check` on both nodes.

    .venv/bin/python bench/fault_index.py --comments 20000
    .venv/bin/python bench/fault_index.py --comments 20000 \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/consult_fault_index

Run by hand, never in the tests. A PostgreSQL database is emptied first (DROP SCHEMA);
without --database-url, an SQLite file in a new temporary folder is used. Everything
listens on 127.0.0.1 and stops by itself (--phase-seconds bounds each phase).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fault_setup import reset_database  # noqa: E402
from deploy.two_nodes import BIN, ROOT, start_two_nodes  # noqa: E402

# Words of the synthetic demo in its six languages: different words each time, so that the
# readers' postings are read from the files, not only from the arrays kept in memory.
QUERIES = ("victims", "trafficking", "protection", "cooperation", "States", "children",
           "prevention", "assistance", "exploitation", "national", "traite", "víctimas",
           "торговли", "الاتجار", "贩运", "victims NOT children", '"States Parties"')
NOTICE = "The search index is being rebuilt."
# A phase lasts at least this long (seconds): a kept searcher may answer from memory for a
# while, and the follower looks at the files afresh every 5 s.
PHASE_MINIMUM = 20.0
# Then it is over once this many answers in a row, over this many seconds, are whole.
SETTLED_ANSWERS = 40
SETTLED_SECONDS = 5.0


@dataclass
class Answer:
    """One search a reader made."""

    started: float  # seconds, monotonic
    latency: float
    page: str  # "api" or "html"
    query: str
    status: int | None  # None: no answer (connection refused or timed out)
    notice: bool  # a 503 saying the index is being rebuilt
    total: int | None  # the API's total


def _flask(env: dict, *args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _search(base: str, page: str, query: str) -> Answer:
    quoted = urllib.parse.quote(query)
    url = (f"{base}/api/v1/search?q={quoted}&per_page=5" if page == "api"
           else f"{base}/search?q={quoted}")
    started = time.monotonic()
    status, body = None, ""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            status, body = answer.status, answer.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode("utf-8", "replace")
    except OSError:
        pass
    latency = time.monotonic() - started
    notice, total = False, None
    if status == 503:
        if page == "api":
            try:
                notice = json.loads(body)["error"]["code"] == "search_rebuilding"
            except (ValueError, KeyError, TypeError):
                notice = False
        else:
            notice = NOTICE in body
    elif status == 200 and page == "api":
        total = json.loads(body)["total"]
    return Answer(started, latency, page, query, status, notice, total)


class Readers:
    """Reader threads searching one node until told to stop; every answer recorded."""

    def __init__(self, base: str, count: int, pause: float):
        self.base, self.pause = base, pause
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._run, args=(n,), daemon=True)
                         for n in range(count)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def since(self, moment: float) -> list[Answer]:
        with self._lock:
            return [a for a in self.answers if a.started >= moment]

    def _run(self, n: int) -> None:
        page = "api" if n % 2 == 0 else "html"
        turn = n
        while not self._stop.is_set():
            answer = _search(self.base, page, QUERIES[turn % len(QUERIES)])
            turn += 1
            with self._lock:
                self.answers.append(answer)
            self._stop.wait(self.pause)  # a reader reads; it does not hammer


def _whole(answer: Answer, expected: dict[str, int]) -> bool:
    if answer.status != 200:
        return False
    return answer.page == "html" or answer.total == expected[answer.query]


def _baseline(base: str) -> dict[str, int]:
    totals = {}
    for query in QUERIES:
        answer = _search(base, "api", query)
        if answer.status != 200:
            raise RuntimeError(f"search {query!r} answered {answer.status} before the fault")
        totals[query] = answer.total
    return totals


def _wait_for_check(env: dict, seconds: float) -> str:
    """`search check` until it is clean or `seconds` have passed; its last words."""
    deadline = time.monotonic() + seconds
    while True:
        done = _flask(env, "search", "check", timeout=600)
        if done.returncode == 0 or time.monotonic() > deadline:
            return (done.stdout + done.stderr).strip().splitlines()[-1]
        time.sleep(2)


def _rebuilds_logged(logs: list[Path], start: dict[str, int], end: dict[str, int] | None
                     ) -> dict[str, int]:
    """Lines saying "rebuilding it" written to each log between two sets of offsets."""
    found = {}
    for log in logs:
        with open(log, "rb") as handle:
            handle.seek(start.get(str(log), 0))
            stop = (end or {}).get(str(log))
            data = handle.read() if stop is None else handle.read(stop - start.get(str(log), 0))
            lines = data.decode("utf-8", "replace").splitlines()
        count = sum(1 for line in lines if "rebuilding it" in line)
        if count:
            found[log.name.removesuffix(".log")] = count
    return found


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _phase(name: str, fault, readers: Readers, expected: dict[str, int], logs: list[Path],
           limit: float) -> dict:
    """Make the fault, wait until searches are whole again (or `limit`), and sum it up
    (the rebuilds logged are counted at the end, from the log offsets kept here)."""
    offsets = {str(log): log.stat().st_size for log in logs}
    time.sleep(2)  # answers before the fault, for the record
    began = time.monotonic()
    what = fault()
    print(f"{name}: {what}", flush=True)
    recovered = None
    while time.monotonic() - began < limit:
        time.sleep(0.5)
        now = time.monotonic()
        after = readers.since(began)
        bad = [a for a in after if not _whole(a, expected)]
        last_bad = max((a.started + a.latency for a in bad), default=began)
        settled = [a for a in after if a.started > last_bad]
        if (now - began >= PHASE_MINIMUM and len(settled) >= SETTLED_ANSWERS
                and now - last_bad >= SETTLED_SECONDS):
            first_good = min((a.started for a in settled if a.page == "api"),
                             default=settled[0].started)
            recovered = first_good if bad else began
            break
    after = readers.since(began)
    end = recovered if recovered is not None else time.monotonic()
    during = [a for a in after if a.started < end] if recovered != began else []
    statuses = Counter("200" if a.status == 200 else "503 notice" if a.notice
                       else f"other ({a.status})" for a in during)
    latencies = [a.latency for a in during]
    return {
        "phase": name, "fault": what,
        "answers during the outage": len(during),
        "by status": dict(statuses),
        "200 with fewer results": sum(1 for a in during if a.status == 200
                                      and not _whole(a, expected)),
        "max latency s": round(max(latencies, default=0.0), 3),
        "p95 latency s": round(_percentile(latencies, 0.95), 3),
        "back to full results s": None if recovered is None else round(recovered - began, 1),
        "log offsets": offsets,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: SQLite in a new temporary folder")
    parser.add_argument("--comments", type=int, default=0,
                        help="synthetic submissions to load first (demo --comments N --seed 7)")
    parser.add_argument("--readers", type=int, default=10)
    parser.add_argument("--pause", type=float, default=0.1,
                        help="seconds each reader waits between two searches")
    parser.add_argument("--inline-below", type=int, default=None,
                        help="SEARCH_REBUILD_INLINE_BELOW for the nodes (default: the app's)")
    parser.add_argument("--phase-seconds", type=float, default=900,
                        help="give up on a phase after this long")
    parser.add_argument("--out", help="also write the report as JSON to this file")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="consult-fault-index-"))
    url = args.database_url or f"sqlite:///{folder}/consult.sqlite3"
    reset_database(url)
    started = time.monotonic()
    prepare = {**os.environ, "CONSULT_DATABASE_URL": url,
               "CONSULT_INSTANCE_PATH": str(folder / "node-a")}
    demo = ("demo", "--comments", str(args.comments), "--seed", "7", "--no-reindex")
    for command in (("init",), demo if args.comments else ("demo",)):
        done = _flask(prepare, *command, timeout=3600)
        if done.returncode != 0:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stderr}")
    shutil.rmtree(folder / "node-a" / "search", ignore_errors=True)  # built by `init` below
    extra = ({"CONSULT_SEARCH_REBUILD_INLINE_BELOW": str(args.inline_below)}
             if args.inline_below is not None else {})
    a, b = start_two_nodes(url, folder, extra_env=extra)
    readers = None
    try:
        for node in (a, b):  # each follower builds its node's index first
            print(f"node {node.name}: {_wait_for_check(node.env, 1800)}", flush=True)
        loaded = time.monotonic() - started
        expected = _baseline(a.url)
        logs = sorted(a.instance.glob("*.log"))
        readers = Readers(a.url, args.readers, args.pause)
        readers.start()
        index_root = a.instance / "search"

        def delete_folder():
            shutil.rmtree(index_root)
            return f"rm -r {index_root}"

        def cut_segment():
            current = index_root / (index_root / "CURRENT").read_text().strip()
            segment = max(current.glob("*.seg"), key=lambda p: p.stat().st_size)
            size = segment.stat().st_size
            os.truncate(segment, size // 2)
            return f"{segment.name} cut from {size} to {size // 2} bytes"

        phases = [_phase("index folder deleted", delete_folder, readers, expected, logs,
                         args.phase_seconds),
                  _phase("segment cut to half", cut_segment, readers, expected, logs,
                         args.phase_seconds)]
        readers.stop()
        checks = {node.name: _wait_for_check(node.env, 120) for node in (a, b)}
        for phase, following in zip(phases, phases[1:] + [None]):
            phase["rebuilds logged"] = _rebuilds_logged(
                logs, phase.pop("log offsets"), following and following["log offsets"])
        database = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        report = {"database": database, "comments": args.comments, "readers": args.readers,
                  "set-up s": round(loaded, 1), "queries": len(QUERIES),
                  "answers in all": len(readers.answers), "phases": phases,
                  "search check": checks, "folder": str(folder)}
        print()
        print("| phase | answers in the outage | 200 | 503 notice | other | max / p95 latency "
              "(s) | back to full results (s) | rebuilds logged |")
        print("|---|---:|---:|---:|---:|---|---:|---|")
        for phase in phases:
            by = phase["by status"]
            other = sum(v for k, v in by.items() if k.startswith("other"))
            rebuilds = ", ".join(f"{k}: {v}" for k, v in phase["rebuilds logged"].items())
            print(f"| {phase['phase']} | {phase['answers during the outage']} | "
                  f"{by.get('200', 0)} | {by.get('503 notice', 0)} | {other} | "
                  f"{phase['max latency s']} / {phase['p95 latency s']} | "
                  f"{phase['back to full results s']} | {rebuilds or '—'} |")
        for name, words in checks.items():
            print(f"search check, node {name}: {words}")
        if args.out:
            Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False))
        ok = all(p["back to full results s"] is not None for p in phases) and all(
            "agrees" in words for words in checks.values())
        sys.exit(0 if ok else 1)
    finally:
        if readers is not None:
            readers.stop()
        a.stop()
        b.stop()


if __name__ == "__main__":
    main()
