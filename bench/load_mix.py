"""Load: 100 readers and 10 writers for 5 minutes against two nodes on PostgreSQL, with
locust (issue 17, part 3).

    .venv/bin/pip install -e '.[bench]'          # locust
    .venv/bin/python bench/load_mix.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/consult_load_1x \\
        --comments 10000 [--duration 300] [--users 110] [--folder /tmp/consult-load-1x] \\
        [--reuse] [--out FILE.json]

1. Data: the database is emptied, then `flask init` and `flask demo --comments N --seed 7`
   (the demo consultations plus N synthetic submissions); node A's index is built with
   `search reindex` and copied to node B (an index is a derived copy: any node may start
   from another's). `--reuse` keeps the data and indexes an earlier run left in --folder.
2. Ten writer accounts (delegates of ten delegations) with API tokens.
3. Two nodes (`deploy/two_nodes.py`: gunicorn with 2 sync workers each, each with its own
   index and `search sync --follow`).
4. `locust --headless` with `bench/locustfile.py` (what readers and writers do is
   described there) for --duration seconds; statistics per route from locust's CSV.
5. After: every submission answered 201 is in the database once (posted = stored) and,
   once the followers have caught up, in both indexes (`search check` clean on both: posted
   = indexed). CPU seconds used per process group over the run, to name the bottleneck.

Run on an otherwise idle machine: everything (PostgreSQL, four workers, two followers and
locust itself) shares the two cores. Listens on 127.0.0.1 only; stops by itself.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.fault_setup import check_search, reset_database  # noqa: E402
from deploy.two_nodes import BIN, ROOT, start_node, wait_until_answering  # noqa: E402

WRITERS = ["FRA", "NOR", "EGY", "CHN", "BRA", "IND", "ZAF", "MEX", "JPN", "DEU"]
SLUG = "gpa-trafficking"


def _flask(env: dict, *args: str, input: str | None = None, timeout: float = 1800):
    done = subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, input=input, timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed: {done.stdout}{done.stderr}")
    return done.stdout


def _prepare_data(args, folder: Path, env: dict) -> dict:
    """Demo data and node A's index (copied to node B); returns the timings."""
    timings = {}
    index_a = folder / "node-a" / "search"
    if args.reuse and index_a.exists():
        return {"reused": True}
    reset_database(args.database_url)
    for node in ("node-a", "node-b"):
        shutil.rmtree(folder / node, ignore_errors=True)
    started = time.monotonic()
    _flask(env, "init")
    _flask(env, "demo", "--comments", str(args.comments), "--seed", "7", "--no-reindex")
    timings["init and demo (s)"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    _flask(env, "search", "reindex")
    timings["search reindex (s)"] = round(time.monotonic() - started, 1)
    shutil.copytree(index_a, folder / "node-b" / "search")
    return timings


def _writer_tokens(env: dict) -> list[tuple[str, str]]:
    tokens = []
    for code in WRITERS:
        email = f"load.writer.{code.lower()}@example.org"
        try:
            _flask(env, "users", "create", "--email", email, "--name", f"Writer {code}",
                   "--role", "delegate", "--delegation", code, "--password-stdin",
                   input="ferry lantern orchid\n")
        except RuntimeError as exc:
            if "already" not in str(exc).lower():
                raise
        tokens.append((code, _flask(env, "tokens", "create", "--email", email).split()[-1]))
    return tokens


def _setup(node_urls: list[str], database_url: str, tokens) -> dict:
    """What the locustfile needs: the open version, its paragraphs, amendments to support."""
    with urllib.request.urlopen(f"{node_urls[0]}/api/v1/consultations/{SLUG}") as answer:
        versions = json.load(answer)["versions"]
    version = [v for v in versions if v["status"] == "published"][-1]
    with urllib.request.urlopen(f"{node_urls[0]}/api/v1/versions/{version['id']}") as answer:
        paragraphs = [{"id": p["id"], "label": p["label"], "text": p["text"]}
                      for p in json.load(answer)["paragraphs"]]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        amendments = [list(row) for row in connection.execute(text(
            "SELECT s.id, s.paragraph_id, d.code FROM submission s "
            "JOIN delegation d ON d.id = s.delegation_id WHERE s.version_id = :v "
            "AND s.kind = 'amendment' AND s.status = 'active' AND NOT s.is_hidden "
            "ORDER BY s.id LIMIT 300"), {"v": version["id"]})]
    engine.dispose()
    return {"nodes": node_urls, "slug": SLUG, "version_id": version["id"],
            "paragraphs": paragraphs, "tokens": tokens, "amendments": amendments}


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def _descendants(pid: int) -> list[int]:
    found, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(stat[1]) == parent:
                    found.append(int(entry.name))
                    frontier.append(int(entry.name))
    return found


def _postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in ("postgres", "postmaster"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _stats(prefix: Path) -> list[dict]:
    rows = []
    with open(f"{prefix}_stats.csv", encoding="utf-8") as found:
        for row in csv.DictReader(found):
            rows.append({"route": row["Name"], "requests": int(row["Request Count"]),
                         "failures": int(row["Failure Count"]),
                         "per second": round(float(row["Requests/s"]), 2),
                         "p50 (ms)": row["50%"], "p95 (ms)": row["95%"],
                         "p99 (ms)": row["99%"], "max (ms)": round(float(row["Max Response Time"])),
                         "size (bytes)": round(float(row["Average Content Size"]))})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--comments", type=int, default=10000)
    parser.add_argument("--duration", type=int, default=300)
    parser.add_argument("--writers", type=int, default=10,
                        help="writers among the users (the rest read); 0: readers only")
    parser.add_argument("--users", type=int, default=110, help="100 readers and 10 writers")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--folder", default="/tmp/consult-load")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--out")
    args = parser.parse_args()
    if not args.database_url.startswith("postgresql"):
        sys.exit("Two nodes share one database: give a PostgreSQL URL.")

    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    secret_file = folder / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_hex(32))
    secret = secret_file.read_text().strip()
    env = {**os.environ, "CONSULT_DATABASE_URL": args.database_url,
           "CONSULT_INSTANCE_PATH": str(folder / "node-a"), "CONSULT_SECRET_KEY": secret}
    report = {"comments": args.comments, "duration (s)": args.duration, "users": args.users,
              "writers": args.writers}
    report["data"] = _prepare_data(args, folder, env)
    tokens = _writer_tokens(env)

    nodes = [start_node(name, args.database_url, folder / f"node-{name}", secret, wait=False)
             for name in ("a", "b")]
    try:
        for node in nodes:
            wait_until_answering(node, timeout=300)
        setup = folder / "setup.json"
        setup.write_text(json.dumps(_setup([n.url for n in nodes], args.database_url, tokens)))
        posted_file = folder / "posted.json"
        groups = {f"node {n.name} (gunicorn)": _descendants(n.processes[0].pid) for n in nodes}
        groups.update({f"node {n.name} (search follower)": [n.processes[1].pid]
                       for n in nodes})
        groups["PostgreSQL"] = _postgres_pids()
        before = {name: _cpu_seconds(pids) for name, pids in groups.items()}
        started = time.monotonic()
        locust = subprocess.Popen(
            [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s",
             "--csv", str(folder / "locust"), "--stop-timeout", "20", "--only-summary"],
            cwd=ROOT, env={**os.environ, "CONSULT_LOAD_SETUP": str(setup),
                           "CONSULT_LOAD_WRITERS": str(args.writers),
                           "CONSULT_LOAD_POSTED": str(posted_file)},
            stdout=open(folder / "locust.log", "w"), stderr=subprocess.STDOUT)
        locust.wait(timeout=args.duration + 120)
        elapsed = time.monotonic() - started
        groups["locust"] = [locust.pid]
        cpu = {name: round(_cpu_seconds(pids) - before.get(name, 0), 1)
               for name, pids in groups.items() if name != "locust"}
        report["CPU seconds over the run (2 cores)"] = {
            **cpu, "available": round(2 * elapsed, 1)}
        report["routes"] = _stats(folder / "locust")
        posted = json.loads(posted_file.read_text())
        engine = create_engine(args.database_url)
        with engine.connect() as connection:
            ids = [p["id"] for p in posted]
            stored = connection.execute(text(
                "SELECT count(*) FROM submission WHERE id = ANY(:ids)"), {"ids": ids}).scalar()
        engine.dispose()
        report["posted (201)"] = len(posted)
        report["stored"] = stored
        report["search check"] = check_search(nodes, seconds=120)
        report["indexed on both nodes"] = all("agrees" in c
                                              for c in report["search check"].values())
    finally:
        for node in nodes:
            node.stop()
    _print(report)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2))
    sys.exit(0 if report["posted (201)"] == report["stored"]
             and report["indexed on both nodes"] else 1)


def _print(report: dict) -> None:
    print(json.dumps({k: v for k, v in report.items() if k != "routes"}, indent=2))
    print("\n| route | requests | failures | per s | p50 | p95 | p99 | max (ms) | bytes |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in report["routes"]:
        print(f"| {row['route']} | {row['requests']} | {row['failures']} | "
              f"{row['per second']} | {row['p50 (ms)']} | {row['p95 (ms)']} | "
              f"{row['p99 (ms)']} | {row['max (ms)']} | {row['size (bytes)']} |")


if __name__ == "__main__":
    main()
