"""Export benchmark: the open-data JSON export of a large consultation, time and peak memory.

Run by hand from the repository root (never in the tests), on an otherwise idle machine:

    .venv/bin/python bench/export_bench.py --sizes 10000,100000 --seed 1 [--root DIR] [--out FILE]

For each size N:
1. an instance folder of its own (SQLite): `init`, then `demo --comments N --seed S
   --no-reindex` (the demo consultation plus N synthetic submissions; no search index,
   which the export does not use); `--reuse` keeps a corpus made by an earlier run;
2. in a fresh subprocess each (so that peak memory is the export's own):
   - `generator`: `iter_export_json` end to end, chunks written to a file;
   - `generator+tracemalloc`: the same under tracemalloc, for the peak of Python
     allocations (slower; its time is not the one reported);
   - `http`: GET /api/v1/consultations/gpa-trafficking/export.json through the Flask test
     client, the streamed body read chunk by chunk and written to a file;
   - `csv`: `iter_export_csv(table="submissions")`;
   - `etag`: the conditional request a client with the current file makes (304);
3. the JSON written is parsed (in this process) and checked against the database: as
   many submissions as are public, none hidden, no e-mail address.

Memory is flat when the peaks at 10,000 and at 100,000 submissions are about the same.
See bench/README.md for the figures measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app"]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
MARKER = ".consult-export-bench"  # an instance folder this script made (holds N and seed)
SLUG = "gpa-trafficking"
WORKERS = ("generator", "generator+tracemalloc", "http", "csv", "etag")


def log(line: str) -> None:
    print(line, flush=True)


def memory_mb() -> dict:
    """Current and peak resident memory of this process (MB)."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    found["ru_maxrss"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return found


def run(cmd: list[str], env: dict, *, timeout: float, label: str) -> dict:
    """Run a command; its wall time, exit status, output and peak RSS (wait4)."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   text=True)
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.02)
        wall = time.perf_counter() - started
        out.seek(0)
        output = out.read()
    result = {"label": label, "wall_s": round(wall, 2), "exit": os.waitstatus_to_exitcode(status),
              "max_rss_mb": round(usage.ru_maxrss / 1024, 1), "output": output[-3000:]}
    if result["exit"]:
        log(f"  {label} failed (exit {result['exit']}):\n  " + output[-2000:].replace("\n", "\n  "))
    else:
        log(f"  {label}: {wall:.1f} s, peak RSS {result['max_rss_mb']} MB")
    return result


# --- the workers (each in a process of its own) ------------------------------------------


def worker(kind: str, target: Path) -> dict:
    """Export once in this process and say how long it took and how much memory it used."""
    import tracemalloc

    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    from consult import create_app
    from consult.archive import export
    from consult.drafts.services import get_consultation

    app = create_app()
    result: dict = {"kind": kind}
    with app.app_context():
        consultation = get_consultation(SLUG)
        path = f"/api/v1/consultations/{SLUG}/export.json"
        if kind == "etag":
            client = app.test_client()
            first = client.head(path)
            samples = []
            for _ in range(7):
                started = time.perf_counter()
                response = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
                samples.append(time.perf_counter() - started)
                assert response.status_code == 304, response.status_code
            samples.sort()
            return {"kind": kind, "median_ms": round(samples[3] * 1000, 1),
                    "max_ms": round(samples[-1] * 1000, 1)}
        progress: list = []
        result["memory_before"] = memory_mb()
        if kind == "generator+tracemalloc":
            tracemalloc.start()
        started = time.perf_counter()
        size = chunks = 0
        with open(target, "w", encoding="utf-8", newline="") as out:
            if kind == "http":
                response = app.test_client().get(path)
                assert response.status_code == 200 and response.is_streamed
                for chunk in response.iter_encoded():
                    out.write(chunk.decode("utf-8"))
                    size += len(chunk)
                    chunks += 1
                response.close()
            else:
                if kind == "csv":
                    stream = export.iter_export_csv(consultation, "submissions")
                else:
                    stream = export.iter_export_json(
                        consultation, progress=lambda done, total: progress.append(done))
                for chunk in stream:
                    out.write(chunk)
                    size += len(chunk.encode("utf-8"))
                    chunks += 1
        result["wall_s"] = round(time.perf_counter() - started, 2)
        if kind == "generator+tracemalloc":
            result["tracemalloc_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
        result["memory_after"] = memory_mb()
        result["export_rss_growth_mb"] = round(
            result["memory_after"]["VmHWM"] - result["memory_before"]["VmRSS"], 1)
        result["bytes"] = size
        result["chunks"] = chunks
        result["progress_calls"] = len(progress)
    return result


# --- the corpus ----------------------------------------------------------------------------


def prepare(root: Path, n: int, seed: int, reuse: bool, timeout: float) -> tuple[Path, dict]:
    """An instance folder holding the demo and N synthetic submissions (made or reused)."""
    instance = root / f"n{n}-seed{seed}"
    env = _env(instance)
    marker = instance / MARKER
    if reuse and marker.exists() and marker.read_text() == f"{n} {seed}" and \
            (instance / "consult.sqlite3").exists():
        log(f"reusing {instance}")
        return instance, {"reused": True}
    if instance.exists():
        if not marker.exists():
            sys.exit(f"{instance} exists and was not made by this benchmark; choose another "
                     "--root.")
        shutil.rmtree(instance)
    instance.mkdir(parents=True)
    step = run(FLASK + ["init"], env, timeout=timeout, label="init")
    if step["exit"]:
        sys.exit(1)
    step = run(FLASK + ["demo", "--comments", str(n), "--seed", str(seed), "--no-reindex"],
               env, timeout=timeout, label=f"demo --comments {n}")
    if step["exit"]:
        sys.exit(1)
    marker.write_text(f"{n} {seed}")
    found = re.search(r"in ([\d.]+) s", step["output"])
    return instance, {"wall_s": step["wall_s"], "max_rss_mb": step["max_rss_mb"],
                      "reported_s": float(found.group(1)) if found else None}


def _env(instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("CONSULT_DATABASE_URL", "CONSULT_SETTINGS")}
    env["CONSULT_INSTANCE_PATH"] = str(instance)
    return env


def check(instance: Path, exported: Path) -> dict:
    """What the database says is public, against what the JSON file holds."""
    with sqlite3.connect(instance / "consult.sqlite3") as connection:
        public, hidden = connection.execute(
            "SELECT sum(NOT s.is_hidden AND NOT s.under_hidden), "
            "sum(s.is_hidden OR s.under_hidden) FROM submission s "
            "JOIN version v ON v.id = s.version_id JOIN consultation c ON c.id = s.consultation_id "
            "WHERE c.slug = ? AND v.status != 'draft'", (SLUG,)).fetchone()
        hidden_ids = {row[0] for row in connection.execute(
            "SELECT id FROM submission WHERE is_hidden OR under_hidden")}
    text = exported.read_text(encoding="utf-8")
    data = json.loads(text)
    ids = [s["id"] for s in data["submissions"]]
    return {"public_in_database": public, "hidden_in_database": hidden,
            "submissions_exported": len(ids), "log_entries": len(data["moderation_log"]),
            "ordered": ids == sorted(ids), "hidden_exported": len(hidden_ids & set(ids)),
            "email_addresses": len(re.findall(r"[\w.+-]+@[\w-]+\.[\w.-]+", text)),
            "ok": public == len(ids) and not hidden_ids & set(ids) and ids == sorted(ids)}


def measure(instance: Path, timeout: float) -> dict:
    """Every worker once on this corpus."""
    results = {}
    # Read the database file once, so that the first worker does not pay for a cold cache.
    with open(instance / "consult.sqlite3", "rb") as database:
        while database.read(1 << 20):
            pass
    out_dir = instance / "bench"
    out_dir.mkdir(exist_ok=True)
    for kind in WORKERS:
        target = out_dir / f"export-{kind}.{'csv' if kind == 'csv' else 'json'}"
        result_file = out_dir / f"result-{kind}.json"
        step = run([PYTHON, str(Path(__file__).resolve()), "--worker", kind, "--target",
                    str(target), "--result", str(result_file)], _env(instance),
                   timeout=timeout, label=kind)
        if step["exit"] or not result_file.exists():
            results[kind] = {"failed": True, "output": step["output"]}
            continue
        result = json.loads(result_file.read_text(encoding="utf-8"))
        result["process_max_rss_mb"] = step["max_rss_mb"]
        result["process_wall_s"] = step["wall_s"]
        results[kind] = result
    results["check"] = check(instance, out_dir / "export-generator.json")
    results["check_http"] = check(instance, out_dir / "export-http.json")
    return results


def print_report(report: dict) -> None:
    """A table: one column per size."""
    sizes = list(report["runs"])
    rows = [("submissions exported", lambda r: r["check"]["submissions_exported"]),
            ("JSON size (MB)", lambda r: round(r["generator"]["bytes"] / 2**20, 1))]
    for kind in ("generator", "http", "csv"):
        rows += [(f"{kind}: wall time (s)", lambda r, k=kind: r[k]["wall_s"]),
                 (f"{kind}: process peak RSS (MB)", lambda r, k=kind: r[k]["process_max_rss_mb"]),
                 (f"{kind}: RSS growth during export (MB)",
                  lambda r, k=kind: r[k]["export_rss_growth_mb"])]
    rows += [("tracemalloc peak (MB)",
              lambda r: r["generator+tracemalloc"]["tracemalloc_peak_mb"]),
             ("rows per second (generator)",
              lambda r: round(r["check"]["submissions_exported"] / r["generator"]["wall_s"])),
             ("304 on If-None-Match, median (ms)", lambda r: r["etag"]["median_ms"]),
             ("checks (count, order, no hidden)", lambda r: "OK" if r["check"]["ok"] and
              r["check_http"]["ok"] else "FAILED")]
    width = max(len(name) for name, _ in rows)
    log("\n" + " " * width + "".join(f"{n:>14}" for n in sizes))
    for name, get in rows:
        cells = []
        for n in sizes:
            try:
                cells.append(f"{get(report['runs'][n])!s:>14}")
            except (KeyError, TypeError, ZeroDivisionError):
                cells.append(f"{'-':>14}")
        log(f"{name:<{width}}" + "".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated numbers of synthetic submissions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--root", help="folder for the instance folders (default: a new "
                                       "temporary folder)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse corpora made by an earlier run in --root")
    parser.add_argument("--out", help="write the report as JSON to this file")
    parser.add_argument("--timeout", type=float, default=1800, help="per step, seconds")
    parser.add_argument("--worker", choices=WORKERS, help=argparse.SUPPRESS)
    parser.add_argument("--target", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        result = worker(args.worker, Path(args.target))
        Path(args.result).write_text(json.dumps(result), encoding="utf-8")
        return 0

    root = Path(args.root).resolve() if args.root else Path(
        tempfile.mkdtemp(prefix="consult-export-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    report: dict = {"date": time.strftime("%Y-%m-%d %H:%M %Z"),
                    "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                "python": platform.python_version()},
                    "seed": args.seed, "root": str(root), "runs": {}}
    for n in (int(s) for s in args.sizes.split(",")):
        log(f"\n== {n} synthetic submissions ==")
        instance, generation = prepare(root, n, args.seed, args.reuse, args.timeout)
        report["runs"][n] = {"generation": generation, **measure(instance, args.timeout)}
    print_report(report)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")
        log(f"\nreport written to {args.out}")
    return 0 if all(r["check"]["ok"] for r in report["runs"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
