"""Load benchmark: the main public pages under gunicorn, against a static limit.

Run by hand from the repository root (never in the tests), on an otherwise idle machine:
any other process (tests, a second benchmark) takes cores from the server and from wrk and
shows up directly in the requests per second and the tail latencies.

    CONSULT_INSTANCE_PATH=/tmp/b100k .venv/bin/flask --app app init
    CONSULT_INSTANCE_PATH=/tmp/b100k .venv/bin/flask --app app demo --comments 100000 --seed 7
    .venv/bin/python bench/load_bench.py --instance /tmp/b100k [--duration 20] \
        [--connections 20] [--threads 2] [--workers 2] [--port 5100] [--out FILE.json] \
        [--database-url URL] [--only-app] [--pages version,paragraph,...] [--rounds 3]

What it measures (the targets are the issue's):

1. `gunicorn -w W app:app` on the instance (cwd the repository root). The pages of the demo
   consultation (`gpa-trafficking`), found in its database through the app: the newest
   published version's page, the page of its busiest paragraph (most submissions), the
   compilation's first page, the submissions list and a search (`/search?q=victims`).
2. Each page: one GET (status, size, ETag); a warm-up (every worker renders it once: the
   app keeps rendered public pages in memory, keyed by its change counter, and a steady
   reader load is what is measured); then `wrk -t T -c C -d D --latency` for the 200s and
   the same with `If-None-Match: <ETag>` for the 304s (checked to answer 304 first).
3. 10,000 mixed requests (those pages, other paragraph pages, thread pages 2-5, submission
   pages, submissions list pages, API threads, searches) from 2 x W keep-alive clients;
   each worker's RSS (VmRSS) at 0, 5,000 and 10,000 requests.
4. The static limit: `bench/static_limit.py` under the same gunicorn settings, serving the
   very bytes and headers the app answered for each page, wrk'd the same way right after
   each app run (both servers up, one loaded at a time); `--rounds` such pairs, the pair
   with the median ratio kept (the others' ratios are in the JSON).
5. A table on stdout (for bench/README.md) and every figure as JSON to --out.

Targets: each page >= 1/3 of the limit's requests per second with p99 <= 100 ms at 20
connections; 304s >= 1/2 of the limit's; after 10,000 mixed requests each worker <= 250 MB
and flat (growth between the 5,000th and the 10,000th request <= 5 MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
SLUG = "gpa-trafficking"
PAGE_NAMES = ("version", "paragraph", "compilation", "submissions", "search")
SEARCH_WORDS = ("victims", "trafficking", "forced labour", "protection", "migrants", "fund")
MIXED_REQUESTS = 10_000
HOT_SHARE = 0.2  # of the mixed requests: the benchmark pages themselves, as readers would
TARGETS = {"ratio_200": 1 / 3, "p99_ms": 100.0, "ratio_304": 1 / 2, "worker_rss_mb": 250.0,
           "rss_growth_mb": 5.0}
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
PROBE = f"/api/v1/consultations/{SLUG}"  # cheap: answers once a worker is ready
UP_TIMEOUT_S = 120.0  # importing the app and opening a large database takes a while


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def parse_args(argv=None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", required=True, help="instance folder (with data)")
    parser.add_argument("--duration", type=int, default=20, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=5100, help="app port (the limit: +1)")
    parser.add_argument("--out", help="JSON report file")
    parser.add_argument("--database-url", help="CONSULT_DATABASE_URL (PostgreSQL)")
    parser.add_argument("--only-app", action="store_true", help="skip the static limit")
    parser.add_argument("--app-dir", type=Path, default=ROOT,
                        help="checkout whose app:app is served (e.g. a worktree of an older "
                             "commit, for the 'before' figures); pages are found with this one")
    parser.add_argument("--pages", default=",".join(PAGE_NAMES),
                        help="comma-separated subset of " + ",".join(PAGE_NAMES))
    parser.add_argument("--rounds", type=int, default=3,
                        help="app/limit pairs of wrk runs per page and answer (median kept)")
    parser.add_argument("--mixed", type=int, default=MIXED_REQUESTS,
                        help="mixed requests for the memory check (RSS read at half and end)")
    args = parser.parse_args(argv)
    args.pages = [name.strip() for name in args.pages.split(",") if name.strip()]
    unknown = set(args.pages) - set(PAGE_NAMES)
    if unknown:
        parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
    if not Path(args.instance).is_dir():
        parser.error(f"no instance folder {args.instance}")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed")
    return args


def app_environment(args) -> dict:
    """The environment the app runs with, here and under gunicorn."""
    env = dict(os.environ, CONSULT_INSTANCE_PATH=str(Path(args.instance).resolve()))
    if args.database_url:
        env["CONSULT_DATABASE_URL"] = args.database_url
    return env


# --- what to request -------------------------------------------------------------------


def discover(args) -> dict:
    """Ids and labels of the pages to request, from the database through the app."""
    os.environ.update(app_environment(args))
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from consult import create_app
    from consult.comments.models import Submission, SubmissionKind, SubmissionStatus
    from consult.db import db
    from consult.drafts.models import Consultation, Paragraph, Version, VersionStatus

    app = create_app()
    with app.app_context():
        session = db.session
        consultation = session.scalars(select(Consultation).where(
            Consultation.slug == SLUG)).one()
        public = session.scalars(select(Version).where(
            Version.consultation_id == consultation.id,
            Version.status != VersionStatus.draft).order_by(Version.seq.desc())).all()
        newest = next(v for v in public if v.status == VersionStatus.published)
        per_paragraph = func.count(Submission.id)
        busiest = session.execute(
            select(Paragraph.id, Paragraph.label, Paragraph.version_id, per_paragraph)
            .join(Submission, Submission.paragraph_id == Paragraph.id)
            .where(Paragraph.version_id == newest.id)
            .group_by(Paragraph.id, Paragraph.label, Paragraph.version_id)
            .order_by(per_paragraph.desc())).all()
        paragraphs = session.execute(
            select(Paragraph.id, Paragraph.label, Paragraph.version_id)
            .where(Paragraph.version_id.in_([v.id for v in public]))
            .order_by(Paragraph.version_id, Paragraph.position)).all()
        # Submissions shown to the public on a page of their own (supports are not).
        visible = session.scalars(
            select(Submission.id).where(
                Submission.consultation_id == consultation.id,
                Submission.is_hidden.is_(False), Submission.under_hidden.is_(False),
                Submission.status == SubmissionStatus.active,
                Submission.kind != SubmissionKind.support)
            .order_by(Submission.id)).all()
        total = session.scalar(select(func.count()).select_from(Submission))
        dialect = db.engine.dialect.name
    from consult.drafts.models import paragraph_anchor

    return {
        "version_id": newest.id,
        "public_version_ids": [v.id for v in public],
        "busiest": [{"id": pid, "anchor": paragraph_anchor(label), "version_id": vid,
                     "submissions": count} for pid, label, vid, count in busiest],
        "paragraphs": [{"id": pid, "anchor": paragraph_anchor(label), "version_id": vid}
                       for pid, label, vid in paragraphs],
        "visible_submission_ids": visible,
        "submission_count": total,
        "database": dialect,
    }


def page_urls(found: dict) -> dict[str, str]:
    """The benchmark's pages by name (path and query)."""
    version = f"/consultations/{SLUG}/versions/{found['version_id']}"
    return {
        "version": version,
        "paragraph": f"{version}/paragraphs/{found['busiest'][0]['anchor']}",
        "compilation": f"{version}/compilation",
        "submissions": f"/consultations/{SLUG}/submissions",
        "search": "/search?q=victims",
    }


def mixed_population(found: dict) -> list[str]:
    """Addresses readers spread over besides the benchmark pages (deterministic)."""
    paths = []
    for item in found["paragraphs"]:
        paths.append(f"/consultations/{SLUG}/versions/{item['version_id']}"
                     f"/paragraphs/{item['anchor']}")
    for item in found["busiest"][:10]:
        base = (f"/consultations/{SLUG}/versions/{item['version_id']}"
                f"/paragraphs/{item['anchor']}")
        paths += [f"{base}?page={n}" for n in range(2, 6)]
    paths += [f"/consultations/{SLUG}/submissions?page={n}" for n in range(2, 21)]
    ids = found["visible_submission_ids"]
    step = max(1, len(ids) // 1500)  # ~1,500 submission pages spread over the whole record
    paths += [f"/consultations/{SLUG}/submissions/{sid}" for sid in ids[::step]]
    paths += [f"/api/v1/paragraphs/{item['id']}/comments" for item in found["busiest"][:30]]
    paths += [f"/api/v1/versions/{vid}" for vid in found["public_version_ids"]]
    paths.append(f"/api/v1/consultations/{SLUG}")
    paths += ["/search?" + urllib.parse.urlencode({"q": word}) for word in SEARCH_WORDS]
    return paths


def mixed_sequence(hot: list[str], population: list[str], count: int) -> list[str]:
    """`count` addresses: the population shuffled and cycled, with the hot pages mixed in."""
    rng = random.Random(7)
    shuffled = population[:]
    rng.shuffle(shuffled)
    sequence, cursor = [], 0
    for _ in range(count):
        if rng.random() < HOT_SHARE:
            sequence.append(rng.choice(hot))
        else:
            sequence.append(shuffled[cursor % len(shuffled)])
            cursor += 1
    return sequence


# --- servers ---------------------------------------------------------------------------


class Server:
    """A gunicorn master we started, and every worker pid we saw it fork."""

    def __init__(self, name: str, proc: subprocess.Popen, port: int, log_path: Path):
        self.name, self.proc, self.port, self.log_path = name, proc, port, log_path
        self.seen_workers: set[int] = set()

    def workers(self) -> list[int]:
        """The master's current children (recorded, to be sure none outlives the run)."""
        done = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True,
                              text=True, check=False)
        pids = sorted(int(word) for word in done.stdout.split())
        self.seen_workers.update(pids)
        return pids


def port_answers(port: int) -> bool:
    """Whether something listens on this local port."""
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def start_server(name: str, target: str, port: int, workers: int, env: dict,
                 workdir: Path, probe: str, cwd: Path = ROOT) -> Server:
    """gunicorn -w W on 127.0.0.1:PORT, once every worker is up and `probe` answers."""
    if port_answers(port):
        raise SystemExit(f"port {port} is already in use: choose another with --port")
    log_path = workdir / f"{name}.log"
    with open(log_path, "wb") as sink:
        proc = subprocess.Popen([GUNICORN, "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                 target], cwd=cwd, env=env, stdout=sink,
                                stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, proc, port, log_path)
    deadline = time.monotonic() + UP_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{name} server exited: see {log_path}\n" + tail(log_path))
        if len(server.workers()) >= workers and port_answers(port):
            try:
                if fetch(port, probe)[0] < 500:
                    return server
            except OSError:
                pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit(f"{name} server did not answer in {UP_TIMEOUT_S:.0f} s: see {log_path}")


def tail(path: Path, lines: int = 20) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def is_gunicorn(pid: int) -> bool:
    """Whether pid is still a gunicorn process (not a pid reused by something else)."""
    try:
        return b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def stop_server(server: Server) -> None:
    """SIGTERM to the master, then SIGKILL to the master or any worker still there."""
    server.workers()
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGTERM)
        try:
            server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait(timeout=10)
    for pid in sorted(server.seen_workers):
        if is_gunicorn(pid):
            log(f"  {server.name}: worker {pid} survived its master: SIGKILL")
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 10
    while port_answers(server.port) and time.monotonic() < deadline:
        time.sleep(0.2)
    if port_answers(server.port):
        log(f"  WARNING: port {server.port} still answers after stopping {server.name}")


# --- requests ------------------------------------------------------------------------------


def fetch(port: int, path: str, headers: dict | None = None,
          timeout: float = 60.0) -> tuple[int, list, bytes]:
    """One GET: status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def header(headers: list, name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def warm(port: int, path: str, workers: int) -> None:
    """Concurrent GETs, twice as many as workers, so that each has most likely rendered
    the page once before it is measured (a sync worker takes one request at a time)."""
    threads = [threading.Thread(target=fetch, args=(port, path)) for _ in range(2 * workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def parse_wrk(text: str) -> dict:
    """Requests/s, latency distribution (ms), counts and errors from `wrk --latency`."""
    result = {"rps": None, "latency_ms": {}, "requests": None, "non_2xx_3xx": 0,
              "socket_errors": {}}
    found = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if found:
        result["rps"] = float(found.group(1))
    found = re.search(r"Latency\s+([\d.]+)(us|ms|s|m|h)\s", text)
    if found:
        result["latency_ms"]["avg"] = to_ms(found.group(1), found.group(2))
    block = text.split("Latency Distribution", 1)[-1] if "Latency Distribution" in text else ""
    for percent, value, unit in re.findall(r"^\s+(\d+(?:\.\d+)?)%\s+([\d.]+)(us|ms|s|m|h)\s*$",
                                           block, re.M):
        result["latency_ms"][f"p{float(percent):g}"] = to_ms(value, unit)
    found = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)", text)
    if found:
        result["requests"] = int(found.group(1))
        result["seconds"] = to_ms(found.group(2), found.group(3)) / 1000
    found = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if found:
        result["non_2xx_3xx"] = int(found.group(1))
    found = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                      text)
    if found:
        result["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"),
                                           map(int, found.groups())))
    return result


def to_ms(value: str, unit: str) -> float:
    return round(float(value) * UNITS_MS[unit], 3)


def run_wrk(port: int, path: str, args, etag: str | None = None) -> dict:
    """One wrk run against a path (with If-None-Match when an ETag is given)."""
    command = ["wrk", "-t", str(min(args.threads, args.connections)), "-c",
               str(args.connections), "-d", f"{args.duration}s", "--latency",
               # Slow answers are counted in the latencies rather than dropped as timeouts.
               "--timeout", "10s"]
    if etag:
        command += ["-H", f"If-None-Match: {etag}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          timeout=args.duration + 60)
    result = parse_wrk(done.stdout)
    if done.returncode != 0 or result["rps"] is None or "p99" not in result["latency_ms"]:
        result["error"] = (f"wrk exit {done.returncode}: "
                           f"{(done.stderr or done.stdout).strip()[-300:]}")
    return result


def probe_page(port: int, path: str) -> dict:
    """Status, size, type and ETag of a page, and whether its ETag brings a 304."""
    started = time.perf_counter()
    status, headers, body = fetch(port, path)
    first_ms = (time.perf_counter() - started) * 1000
    etag = header(headers, "ETag")
    answer = {"path": path, "status": status, "bytes": len(body), "first_ms": round(first_ms, 1),
              "content_type": header(headers, "Content-Type"), "etag": etag,
              "headers": headers, "body": body, "not_modified": False}
    if etag:
        answer["not_modified"] = fetch(port, path, {"If-None-Match": etag})[0] == 304
    return answer


def measure_pages(server: Server, pages: dict[str, str], args, probes=None,
                  limit: Server | None = None, limit_probes=None) -> tuple[dict, dict | None]:
    """Per page: the probe, wrk for the 200s and, when it answers one, for the 304s.

    With the static limit, each wrk run of the app is followed at once by the same run of
    the limit, `--rounds` times, and the round whose ratio is the median is kept: the
    machine's speed drifts (other guests on the host) by more than the differences being
    measured, and a ratio is only fair between runs made side by side."""
    results, limit_results = {}, ({} if limit else None)
    for name, path in pages.items():
        probe = probes[name] if probes else probe_page(server.port, path)
        entry = {key: value for key, value in probe.items() if key not in ("headers", "body")}
        results[name] = entry
        if limit:
            limit_probe = limit_probes[name]
            limit_results[name] = {key: value for key, value in limit_probe.items()
                                   if key not in ("headers", "body")}
        if probe["status"] != 200:
            log(f"  {server.name} {name}: status {probe['status']}: not measured")
            continue
        warm(server.port, path, args.workers)
        if limit:
            warm(limit.port, path, args.workers)
        runs = [("ok", None, "200")]
        if probe["not_modified"]:
            runs.append(("not_modified_run", probe["etag"], "304"))
        else:
            log(f"  {server.name} {name}: no 304")
        for key, etag, answer in runs:
            rounds = []
            for _ in range(args.rounds if limit else 1):
                mine = run_wrk(server.port, path, args, etag)
                log(f"  {server.name} {name} {answer}: {describe(mine)}")
                theirs = None
                if limit:
                    theirs = run_wrk(limit.port, path, args,
                                     limit_probe["etag"] if etag else None)
                    log(f"  {limit.name} {name} {answer}: {describe(theirs)}")
                rounds.append((mine, theirs))
            mine, theirs = _median_round(rounds)
            entry[key] = mine
            if limit:
                limit_results[name][key] = theirs
        server.workers()
    return results, limit_results


def _median_round(rounds: list[tuple[dict, dict | None]]) -> tuple[dict, dict | None]:
    """The (app, limit) pair whose ratio is the median of the rounds (the first, alone)."""
    def ratio(pair):
        mine, theirs = pair
        if not theirs or not mine.get("rps") or not theirs.get("rps"):
            return 0.0
        return mine["rps"] / theirs["rps"]

    ordered = sorted(rounds, key=ratio)
    chosen = ordered[(len(ordered) - 1) // 2]
    if len(rounds) > 1:
        chosen[0]["round_ratios"] = [round(ratio(pair), 3) for pair in rounds]
    return chosen


def describe(run: dict) -> str:
    if "error" in run:
        return run["error"]
    latency = run["latency_ms"]
    extra = ""
    if run["non_2xx_3xx"] or any(run["socket_errors"].values()):
        extra = f", non-2xx/3xx {run['non_2xx_3xx']}, socket errors {run['socket_errors']}"
    return (f"{run['rps']:.0f} req/s, p50 {latency.get('p50')} ms, "
            f"p99 {latency.get('p99')} ms{extra}")


def save_pages(folder: Path, probes: dict) -> None:
    """The app's answers, for bench/static_limit.py to serve as they are."""
    folder.mkdir(parents=True, exist_ok=True)
    index = {}
    for number, (name, probe) in enumerate(probes.items()):
        if probe["status"] != 200:
            continue
        headers = [[key, value] for key, value in probe["headers"]]
        etag = probe["etag"]
        if etag is None:
            # The limit answers 304s in any case: what the app could do at best.
            etag = f'"limit-{number}-{len(probe["body"])}"'
            headers.append(["ETag", etag])
        (folder / f"{number}-{name}.bin").write_bytes(probe["body"])
        index[probe["path"]] = {"file": f"{number}-{name}.bin", "headers": headers,
                                "etag": etag}
    (folder / "pages.json").write_text(json.dumps(index, indent=1), encoding="utf-8")


# --- memory ----------------------------------------------------------------------------


def rss_mb(pid: int) -> float | None:
    """A process's resident memory (VmRSS) in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def drive(port: int, paths: list[str], clients: int) -> dict:
    """GET every path from `clients` keep-alive connections; statuses counted."""
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def client(share: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine: dict[str, int] = {}
        for path in share:
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                key = str(response.status)
                if response.will_close:
                    conn.close()  # gunicorn's sync workers close: reconnect next time
            except (OSError, http.client.HTTPException) as exc:
                key = type(exc).__name__
                conn.close()
            mine[key] = mine.get(key, 0) + 1
        conn.close()
        with lock:
            for key, value in mine.items():
                counts[key] = counts.get(key, 0) + value

    threads = [threading.Thread(target=client, args=(paths[k::clients],))
               for k in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def measure_memory(server: Server, sequence: list[str], args) -> dict:
    """Each worker's RSS at 0, half and all of the mixed requests."""
    half = len(sequence) // 2
    marks, statuses, pids_at = {}, {}, {}
    started = time.perf_counter()
    for done, batch in ((0, []), (half, sequence[:half]), (len(sequence), sequence[half:])):
        for status, count in drive(server.port, batch, 2 * args.workers).items():
            statuses[status] = statuses.get(status, 0) + count
        pids = server.workers()
        pids_at[done] = pids
        marks[done] = {str(pid): rss_mb(pid) for pid in pids}
        log(f"  after {done:,} mixed requests: RSS {marks[done]} MB")
    final = marks[len(sequence)]
    growth = {pid: round(final[pid] - marks[half][pid], 1)
              for pid in final if pid in marks[half] and final[pid] is not None
              and marks[half][pid] is not None}
    return {"requests": len(sequence), "distinct_paths": len(set(sequence)),
            "seconds": round(time.perf_counter() - started, 1), "statuses": statuses,
            "rss_mb": {str(k): v for k, v in marks.items()},
            # A worker replaced meanwhile (timeout, crash) would hide a leak: said here.
            "workers_replaced": pids_at[0] != pids_at[len(sequence)],
            "max_rss_mb": max((v for v in final.values() if v is not None), default=None),
            "growth_mb": growth,
            "max_growth_mb": max(growth.values(), default=None)}


# --- report ----------------------------------------------------------------------------


def verdicts(results: dict, limit: dict | None) -> None:
    """Ratio to the limit and OK/MISSED for every page run (added in place)."""
    for name, entry in results.items():
        for key, ratio_target, p99_target in (("ok", TARGETS["ratio_200"], TARGETS["p99_ms"]),
                                              ("not_modified_run", TARGETS["ratio_304"], None)):
            run = entry.get(key)
            if not run or "error" in run:
                continue
            base = (limit or {}).get(name, {}).get(key)
            ratio = (run["rps"] / base["rps"] if base and base.get("rps") else None)
            run["limit_rps"] = base["rps"] if base and base.get("rps") else None
            run["ratio"] = round(ratio, 3) if ratio is not None else None
            misses = []
            if ratio is not None and ratio < ratio_target:
                misses.append(f"ratio < {ratio_target:.2f}")
            p99 = run["latency_ms"].get("p99")
            if p99_target is not None and (p99 is None or p99 > p99_target):
                misses.append(f"p99 > {p99_target:g} ms")
            if run["non_2xx_3xx"] or any(run["socket_errors"].values()):
                misses.append("errors")
            if misses:
                run["target"] = "MISSED (" + "; ".join(misses) + ")"
            elif ratio is not None:
                run["target"] = "OK"
            else:  # --only-app: no ratio to judge; the p99 alone for the 200s
                run["target"] = "OK (p99 only)" if p99_target is not None else "— (no limit)"


def number(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def format_table(report: dict) -> str:
    """The Markdown table of the pages and of the memory check."""
    meta = report["meta"]
    lines = [f"Commit {meta['commit']}, {meta['date']}, {meta['database']}, "
             f"{meta['submission_count']:,} submissions, nproc {meta['nproc']}; "
             f"gunicorn -w {meta['workers']}, wrk -t{meta['threads']} "
             f"-c{meta['connections']} -d{meta['duration']}s, median of {meta['rounds']} "
             f"app/limit pairs; load average before "
             f"{meta['loadavg_before']:.2f}.", "",
             "| page | answer | bytes | app req/s | limit req/s | ratio | p50 / p90 / p99 (ms) "
             "| target |", "|---|---|---:|---:|---:|---:|---|---|"]
    for name, entry in report["pages"].items():
        rows = (("200", entry.get("ok")), ("304", entry.get("not_modified_run")))
        if entry["status"] != 200:
            lines.append(f"| {name} | {entry['status']} | {number(entry['bytes'])} "
                         f"| — | — | — | — | not measured |")
            continue
        for answer, run in rows:
            if run is None:
                lines.append(f"| {name} | {answer} | | — | — | — | — | no 304 |")
                continue
            if "error" in run:
                lines.append(f"| {name} | {answer} | | — | — | — | — | wrk: {run['error'][:60]} |")
                continue
            latency = run["latency_ms"]
            size = number(entry["bytes"]) if answer == "200" else "0"
            lines.append(
                f"| {name} | {answer} | {size} | {number(run['rps'])} "
                f"| {number(run.get('limit_rps'))} | {number(run.get('ratio'), 2)} "
                f"| {number(latency.get('p50'), 1)} / {number(latency.get('p90'), 1)} / "
                f"{number(latency.get('p99'), 1)} | {run['target']} |")
    memory = report.get("memory")
    if memory:
        marks = memory["rss_mb"]
        keys = sorted(marks, key=int)
        half, end = (f"{int(k):,}" for k in keys[1:])
        lines += ["", f"| worker | RSS at 0 (MB) | at {half} | at {end} | growth {half}→{end} "
                  "| target |", "|---|---:|---:|---:|---:|---|"]
        for pid in marks[keys[-1]]:
            values = [marks[k].get(pid) for k in keys]
            growth = memory["growth_mb"].get(pid)
            good = (values[-1] is not None and values[-1] <= TARGETS["worker_rss_mb"]
                    and growth is not None and growth <= TARGETS["rss_growth_mb"])
            lines.append(f"| {pid} | " + " | ".join(number(v, 1) for v in values)
                         + f" | {number(growth, 1)} | {'OK' if good else 'MISSED'} |")
        lines.append(f"\n{memory['requests']:,} mixed requests ({memory['distinct_paths']:,} "
                     f"addresses) in {memory['seconds']} s; answers {memory['statuses']}"
                     + ("; a worker was replaced meanwhile" if memory["workers_replaced"]
                        else ""))
    return "\n".join(lines)


def git_commit(where: Path = ROOT) -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=where,
                          capture_output=True, text=True, check=False)
    return done.stdout.strip() or "unknown"


def nproc() -> int:
    return len(os.sched_getaffinity(0))


# --- main ------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    log("Discovering pages in the database…")
    found = discover(args)
    all_pages = page_urls(found)
    pages = {name: all_pages[name] for name in PAGE_NAMES if name in args.pages}
    report = {"meta": {"commit": git_commit(args.app_dir), "date": dt.datetime.now().isoformat(
                  timespec="seconds"), "instance": str(Path(args.instance).resolve()),
                  "database": found["database"], "submission_count": found["submission_count"],
                  "nproc": nproc(), "loadavg_before": os.getloadavg()[0],
                  "workers": args.workers, "threads": args.threads,
                  "connections": args.connections, "duration": args.duration,
                  "rounds": args.rounds,
                  "busiest_paragraph": found["busiest"][0]},
              "targets": TARGETS}
    if report["meta"]["loadavg_before"] > 0.5:
        # Other work on the cores slows the app far more than the limit: ratios fall.
        log(f"WARNING: load average {report['meta']['loadavg_before']:.2f} before the run: "
            "the machine is not idle, the figures will be low and noisy")
    workdir = Path(tempfile.mkdtemp(prefix="load-bench-"))
    servers: list[Server] = []
    try:
        log(f"Starting the app on port {args.port}…")
        env = app_environment(args)
        if args.app_dir != ROOT:
            env = dict(env, PYTHONPATH=str(args.app_dir.resolve()))
        app = start_server("app", "app:app", args.port, args.workers, env, workdir, PROBE,
                           cwd=args.app_dir)
        servers.append(app)
        probes = {name: probe_page(app.port, path) for name, path in pages.items()}
        limit, limit_probes = None, None
        if not args.only_app:
            # The limit serves the app's very answers, and runs beside it (idle while the
            # app is measured), so that each pair of runs is made side by side.
            folder = workdir / "limit"
            save_pages(folder, probes)
            limit_env = dict(os.environ, STATIC_LIMIT_DIR=str(folder),
                             PYTHONPATH=os.pathsep.join(filter(None, (
                                 str(ROOT), os.environ.get("PYTHONPATH")))))
            log(f"Starting the static limit on port {args.port + 1}…")
            limit = start_server("limit", "bench.static_limit:app", args.port + 1,
                                 args.workers, limit_env, workdir, PROBE)
            servers.append(limit)
            limit_probes = {name: probe_page(limit.port, path) for name, path in pages.items()}
        report["pages"], limit_results = measure_pages(app, pages, args, probes, limit,
                                                       limit_probes)
        if limit:
            report["limit"] = limit_results
            stop_server(limit)
            servers.remove(limit)
        hot = [path for name, path in pages.items() if probes[name]["status"] == 200]
        sequence = mixed_sequence(hot or list(pages.values()), mixed_population(found),
                                  args.mixed)
        log(f"Memory: {len(sequence):,} mixed requests…")
        report["memory"] = measure_memory(app, sequence, args)
        stop_server(app)
        servers.remove(app)
        verdicts(report["pages"], limit_results)
    finally:
        for server in servers:
            stop_server(server)
    print(format_table(report))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
        log(f"JSON written to {args.out}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
