"""Search benchmark: Consult's search service (Whoosh) against SQLite FTS5 on the same corpus.

Run by hand from the repository root (never in the tests):

    .venv/bin/python bench/search_bench.py --comments 100000 --seed 1 [--instance DIR] [--out FILE]

1. a fresh instance (SQLite): `init`, `demo --comments N --seed S` (generation timed);
2. `search reindex` (index build timed);
3. a fixed, deterministic mix of ~200 queries drawn from the corpus vocabulary (single terms,
   common, mid and rare, in the six languages; several terms; phrases; prefixes; filters by
   delegation, version, kind and language; terms found nowhere);
4. those queries against `consult.search.services.search` (snippets included), in a
   subprocess of their own: p50/p95/p99/max and p95 per category, peak memory (RSS);
5. the same queries against an SQLite FTS5 table of the same texts (bm25, snippet(), count);
6. a summary table, and JSON to --out.

See bench/README.md for the targets and the figures measured.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import random
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "app"]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
MARKER = ".consult-bench"  # an instance folder this script made (and may therefore replace)
PER_PAGE = 20
LANGS = ("en", "fr", "es", "ru", "ar", "zh")
TARGETS = {"p50_ms": 30.0, "p95_ms": 150.0, "index_build_s": 120.0, "worker_rss_mb": 200.0,
           "whoosh_over_fts5_p95": 2.0}
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
WORD = re.compile(r"\w+")

PHRASES = {
    "en": ["forced labour", "trafficking in persons", "trust fund", "national action plans",
           "debt bondage", "non-punishment principle", "Palermo Protocol", "brick kilns",
           "mail-order brides", "countries of origin, transit and destination"],
    "fr": ["traite des êtres humains", "travail forcé", "plans d'action nationaux",
           "servitude pour dettes"],
    "es": ["trata de personas", "trabajo forzoso", "fondo fiduciario"],
    "ru": ["торговли людьми", "принудительный труд", "долговую кабалу"],
    "ar": ["العمل القسري", "الاتجار بالأشخاص", "الصندوق الاستئماني"],
    "zh": ["强迫劳动", "贩运人口", "受害者信托基金"],
}
PREFIXES = {
    "en": ["traffick*", "victim*", "prosecut*", "exploit*", "migra*", "protect*", "cooperat*",
           "recruit*"],
    "fr": ["trafiqu*", "victim*", "exploit*"],
    "es": ["víctim*", "trabaj*", "explot*"],
    "ru": ["жертв*", "торгов*", "принудит*"],
    "ar": ["الضحا*", "الاتج*"],
}
MISSES = ["xylophonequartz", "traffiking", "ненайденноеслово", "未找到的词语", "zzyzx victims"]


# --- helpers ------------------------------------------------------------------------------


def log(line: str) -> None:
    print(line, flush=True)


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(samples)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def stats_ms(samples: list[float]) -> dict:
    if not samples:
        return {}
    return {"n": len(samples), "p50_ms": round(percentile(samples, 50), 2),
            "p95_ms": round(percentile(samples, 95), 2),
            "p99_ms": round(percentile(samples, 99), 2), "max_ms": round(max(samples), 2),
            "mean_ms": round(statistics.fmean(samples), 2)}


def rss_mb() -> dict:
    """Current and peak resident memory of this process, from /proc (MB)."""
    result = {}
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(("VmRSS:", "VmHWM:")):
                result[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    result["ru_maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result


def run(cmd: list[str], env: dict, *, timeout: float, label: str) -> dict:
    """Run a command; its wall time, exit status, output and own peak RSS (wait4)."""
    log(f"$ {'flask ' + ' '.join(cmd[3:]) if cmd[:3] == FLASK else 'search_bench.py ' + ' '.join(cmd[2:4])}")
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
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    timed_out = wall > timeout
    result = {"label": label, "wall_s": round(wall, 2), "exit": process.returncode,
              "timed_out": timed_out, "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
              "output_tail": output[-3000:]}
    if process.returncode != 0:
        log(f"  {label} failed (exit {process.returncode}{', timed out' if timed_out else ''}):")
        log("  " + output[-2000:].replace("\n", "\n  "))
    else:
        log(f"  {label}: {wall:.1f} s, peak RSS {result['max_rss_mb']} MB")
    return result


def git_commit() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=ROOT, text=True, capture_output=True).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def search_code_hash() -> str:
    """A short hash of consult/search/*.py, to tell whether the engine changed mid-run."""
    import hashlib

    digest = hashlib.sha1()
    for path in sorted((ROOT / "consult" / "search").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:10]


def search_available() -> bool:
    services = ROOT / "consult" / "search" / "services.py"
    return services.exists() and "def search(" in services.read_text(encoding="utf-8")


def prepare_instance(path: str | None) -> Path:
    if path is None:
        return Path(tempfile.mkdtemp(prefix="consult-bench-"))
    instance = Path(path).resolve()
    if instance.exists() and any(instance.iterdir()):
        if not (instance / MARKER).exists():
            sys.exit(f"{instance} exists and was not made by this benchmark; choose another "
                     "--instance (or empty it).")
        shutil.rmtree(instance)
    instance.mkdir(parents=True, exist_ok=True)
    return instance


# --- queries --------------------------------------------------------------------------------


def _zh_words(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if len(w) >= 2 and CJK.search(w)]


def _terms(text: str, lang: str) -> set[str]:
    if lang == "zh":
        return set(_zh_words(text))
    minimum = 3 if lang == "ar" else 4
    return {w for w in WORD.findall(text.lower()) if len(w) >= minimum and not any(
        c.isdigit() for c in w) and "_" not in w}


def build_queries(db_path: Path, seed: int) -> list[dict]:
    """A fixed mix of ~200 queries drawn from the corpus (deterministic for a corpus)."""
    import jieba

    jieba.setLogLevel(60)
    rng = random.Random(f"queries-{seed}")
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    df: dict[str, Counter] = {lang: Counter() for lang in LANGS}
    docs = Counter()
    ids_by_lang: dict[str, list[int]] = defaultdict(list)
    ids_by_delegation: dict[str, list[int]] = defaultdict(list)
    for doc_id, lang, code, body in con.execute(
            "SELECT s.id, s.language, d.code, s.body FROM submission s "
            "JOIN delegation d ON d.id = s.delegation_id "
            "WHERE NOT s.is_hidden AND s.language IS NOT NULL AND s.body != '' ORDER BY s.id"):
        if lang in df:
            df[lang].update(_terms(body, lang))
            docs[lang] += 1
            ids_by_lang[lang].append(doc_id)
            ids_by_delegation[code].append(doc_id)
    versions = [row[0] for row in con.execute(
        "SELECT v.id FROM version v JOIN consultation c ON c.id = v.consultation_id "
        "WHERE c.slug = 'gpa-trafficking' AND v.status != 'draft' ORDER BY v.seq")]
    speakers = sorted(ids_by_delegation, key=lambda c: (-len(ids_by_delegation[c]), c))

    pools: dict[str, dict[str, list[str]]] = {}
    for lang in LANGS:
        ranked = [t for t, _ in sorted(df[lang].items(), key=lambda kv: (-kv[1], kv[0]))]
        n = max(docs[lang], 1)
        common = ranked[8:40] or ranked[:10]
        mid = [t for t in ranked if 0.005 * n <= df[lang][t] <= 0.05 * n] or ranked[len(ranked) // 2:][:20]
        rare = [t for t in ranked if df[lang][t] <= max(2, 0.001 * n)] or ranked[-20:]
        pools[lang] = {"common": common, "mid": mid, "rare": rare}

    def sample(lang, pool, k):
        items = pools[lang][pool]
        return rng.sample(items, min(k, len(items))) if items else []

    def document(doc_id):
        """The terms of one submission, most frequent in the corpus first."""
        lang, body = con.execute("SELECT language, body FROM submission WHERE id = ?",
                                 (doc_id,)).fetchone()
        stop = {t for t, _ in df[lang].most_common(8)}
        terms = sorted((t for t in _terms(body, lang) if t not in stop),
                       key=lambda t: (-df[lang][t], t))
        return lang, terms

    queries: list[dict] = []

    def add(category, q, qlang=None, **filters):
        queries.append({"category": category, "q": q, "lang": qlang,
                        "filters": {k: v for k, v in filters.items() if v is not None}})

    for lang in LANGS:  # single terms: 4 common, 4 mid, 4 rare per language
        for pool in ("common", "mid", "rare"):
            for term in sample(lang, pool, 4):
                add(f"term_{pool}", term, lang)
    for lang in LANGS:  # several terms, taken from one submission (so it matches at least it)
        for doc_id in rng.sample(ids_by_lang[lang], min(5, len(ids_by_lang[lang]))):
            lang, terms = document(doc_id)
            if len(terms) < 2:
                continue
            if len(terms) >= 3 and rng.random() < 0.4:
                picked = [terms[0], terms[len(terms) // 2], terms[-1]]
            else:
                picked = [terms[rng.randrange(len(terms) // 2 + 1)], terms[-1]]
            add("multi_term", " ".join(picked), lang)
    for lang, phrases in PHRASES.items():
        for phrase in phrases:
            add("phrase", f'"{phrase}"', lang)
    for lang, prefixes in PREFIXES.items():
        for prefix in prefixes:
            add("prefix", prefix, lang)
    top, middle, tail = speakers[:5], speakers[len(speakers) // 2:][:5], speakers[-5:]
    for code in top + middle + tail:  # a word this delegation used
        lang, terms = document(rng.choice(ids_by_delegation[code]))
        if terms:
            add("filter_delegation", terms[rng.randrange(len(terms))], lang, delegation=code)
    for code in top:  # a rare word: mostly nothing from this delegation
        lang = rng.choice(("en", "en", "fr", "es"))
        add("filter_delegation", rng.choice(pools[lang]["rare"] or ["victims"]), lang,
            delegation=code)
    for version in versions:
        for pool in ("common", "common", "mid", "rare"):
            lang = rng.choice(("en", "en", "fr", "ru", "zh"))
            add("filter_version", rng.choice(pools[lang][pool] or ["victims"]), lang,
                version=version)
        add("filter_version", '"forced labour"', "en", version=version)
        add("filter_version", "traffick*", "en", version=version)
    for kind, q in (("amendment", "victims"), ("amendment", '"trust fund"'),
                    ("statement", "co-facilitators"), ("comment", "trafficking"),
                    ("support", "proposal"), ("amendment", "protocole")):
        add("filter_kind", q, "en", kind=kind)
    for lang, q in (("fr", "victimes"), ("es", "víctimas"), ("ru", "жертв"), ("ar", "الضحايا"),
                    ("zh", "受害者"), ("en", "victims")):
        add("filter_lang", q, lang, lang=lang)
    if versions and speakers:
        add("filter_combined", "victims", "en", delegation=speakers[0], version=versions[-1],
            kind="comment")
        add("filter_combined", "trafficking", "en", delegation=speakers[1], kind="amendment")
        add("filter_combined", "protection", "en", version=versions[0], lang="en")
    for q in MISSES:
        add("miss", q, "zh" if CJK.search(q) else None)
    con.close()
    for index, query in enumerate(queries):
        query["id"] = index
    return queries


# --- FTS5 -------------------------------------------------------------------------------------


def _segment(text: str) -> str:
    """Chinese runs segmented by jieba (search mode) and joined by spaces; the rest as is."""
    if not CJK.search(text):
        return text
    import jieba

    return " ".join(w for w in jieba.cut_for_search(text) if w.strip())


def fts5_match(q: str) -> str:
    """The query in FTS5 syntax: quoted terms (AND), phrases, prefixes; Chinese segmented."""
    parts = []
    for phrase, word in re.findall(r'"([^"]*)"|(\S+)', q):
        text = phrase or word
        prefix = bool(word) and word.endswith("*")
        text = text.rstrip("*") if prefix else text
        if CJK.search(text):
            words = _zh_words(text) or [text]
            if phrase and len(words) > 1:
                parts.append("NEAR(" + " ".join(_quote(w) for w in words) + f", {2 * len(words)})")
            else:
                parts.extend(_quote(w) for w in words)
            continue
        tokens = WORD.findall(text)
        if not tokens:
            continue
        if phrase:
            parts.append(_quote(" ".join(tokens)))
        elif prefix:
            parts.extend(_quote(t) for t in tokens[:-1])
            parts.append(_quote(tokens[-1]) + "*")
        else:
            parts.extend(_quote(t) for t in tokens)
    return " ".join(parts) or '""'


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def build_fts5(db_path: Path, fts_path: Path) -> dict:
    """An FTS5 table of the visible submissions and published paragraphs."""
    import jieba

    jieba.setLogLevel(60)
    started = time.perf_counter()
    jieba.initialize()
    if fts_path.exists():
        fts_path.unlink()
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    dst = sqlite3.connect(fts_path)
    dst.execute("PRAGMA journal_mode=OFF")
    dst.execute("CREATE VIRTUAL TABLE doc USING fts5(body, type UNINDEXED, ref UNINDEXED, "
                "delegation UNINDEXED, version UNINDEXED, kind UNINDEXED, lang UNINDEXED, "
                "tokenize='unicode61 remove_diacritics 2')")
    rows = src.execute(
        "SELECT s.body, s.proposed_text, s.id, d.code, s.version_id, s.kind, s.language "
        "FROM submission s JOIN delegation d ON d.id = s.delegation_id "
        "JOIN version v ON v.id = s.version_id "
        # What the anonymous public finds: active, not hidden, on a published version.
        "WHERE NOT s.is_hidden AND s.status = 'active' AND v.status != 'draft'")
    count = 0
    with dst:
        batch = []
        for body, proposed, ref, code, version, kind, lang in rows:
            text = "\n".join(t for t in (body, proposed) if t)
            batch.append((_segment(text), "submission", ref, code, version, kind, lang))
            if len(batch) >= 5000:
                dst.executemany("INSERT INTO doc VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
                count += len(batch)
                batch.clear()
        for text, ref, version in src.execute(
                "SELECT p.text, p.id, p.version_id FROM paragraph p JOIN version v "
                "ON v.id = p.version_id WHERE v.status != 'draft'"):
            batch.append((_segment(text), "paragraph", ref, None, version, None, None))
        dst.executemany("INSERT INTO doc VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
        count += len(batch)
        dst.execute("INSERT INTO doc(doc) VALUES ('optimize')")
    src.close()
    dst.close()
    return {"build_s": round(time.perf_counter() - started, 2), "documents": count,
            "size_mb": round(fts_path.stat().st_size / 2**20, 1)}


class Fts5Engine:
    def __init__(self, path: Path):
        self.con = sqlite3.connect(path)

    def search(self, q: str, filters: dict):
        where, params = ["doc MATCH ?"], [fts5_match(q)]
        for key, column in (("delegation", "delegation"), ("version", "version"),
                            ("kind", "kind"), ("lang", "lang"), ("type", "type")):
            if filters.get(key) is not None:
                where.append(f"{column} = ?")
                params.append(filters[key])
        condition = " AND ".join(where)
        results = self.con.execute(
            "SELECT type, ref, snippet(doc, 0, '<mark>', '</mark>', '…', 16) FROM doc "
            f"WHERE {condition} ORDER BY rank LIMIT {PER_PAGE}", params).fetchall()
        total = self.con.execute(f"SELECT count(*) FROM doc WHERE {condition}", params
                                 ).fetchone()[0]
        return total, len(results)


# --- workers (subprocesses) -------------------------------------------------------------------


def time_queries(engine_search, queries: list[dict], repeat: int, budget: float) -> dict:
    """Warm up once, then `repeat` timed passes; samples per query, totals, errors.

    After the first timed pass, no new pass starts once `budget` seconds have gone by.
    """
    started = time.perf_counter()
    errors: dict[int, str] = {}
    totals: dict[int, int] = {}
    for query in queries:  # warm-up pass
        try:
            totals[query["id"]], _ = engine_search(query)
        except Exception as exc:  # noqa: BLE001 — a benchmark records failures
            errors[query["id"]] = f"{type(exc).__name__}: {exc}"[:300]
    warmup = time.perf_counter() - started
    samples: dict[int, list[float]] = defaultdict(list)
    passes = 0
    for _ in range(repeat):
        if passes and time.perf_counter() - started > budget:
            break
        passes += 1
        for query in queries:
            if query["id"] in errors:
                continue
            started = time.perf_counter()
            engine_search(query)
            samples[query["id"]].append((time.perf_counter() - started) * 1000)
    return {"samples": samples, "totals": totals, "errors": errors, "passes": passes,
            "warmup_s": round(warmup, 2)}


def worker_whoosh(args) -> dict:
    before = rss_mb()
    started = time.perf_counter()
    from consult import create_app
    from consult.db import db

    app = create_app()
    from consult.search import services as search_services

    queries = json.loads(Path(args.queries).read_text(encoding="utf-8"))

    clean = getattr(search_services, "clean_filters", dict)
    # Every published version, as FTS5 indexes them, so that the totals can be compared
    # (the page's default searches the newest text only; older code has no scope).
    import inspect
    wide = ({"scope": "all"} if "scope" in inspect.signature(search_services.search).parameters
            else {})

    def engine_search(query):
        with app.test_request_context("/search"):
            page = search_services.search(None, query["q"], filters=clean(query["filters"]),
                                          sort="relevance", page=1, per_page=PER_PAGE, **wide)
            results = list(page.results)
            for result in results:  # snippets are part of the work
                result["snippet"]
            total = int(page.total)
            db.session.remove()
        return total, len(results)

    with app.app_context():
        startup_s = time.perf_counter() - started
        timing = time_queries(engine_search, queries, args.repeat, args.budget)
        memory = rss_mb()
        profiles = {}
        if args.profile:
            medians = {qid: statistics.median(s) for qid, s in timing["samples"].items()}
            for qid in sorted(medians, key=medians.get, reverse=True)[:args.profile]:
                query = queries[qid]
                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(3):
                    engine_search(query)
                profiler.disable()
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
                profiles[qid] = out.getvalue()[-6000:]
    return {"engine": "whoosh", "startup_s": round(startup_s, 2), "rss_before_mb": before,
            "rss_after_mb": memory, "profiles": profiles, **timing}


def worker_fts5(args) -> dict:
    before = rss_mb()
    fts_path = Path(args.fts_db)
    build = build_fts5(Path(args.db), fts_path)
    engine = Fts5Engine(fts_path)
    queries = json.loads(Path(args.queries).read_text(encoding="utf-8"))
    timing = time_queries(lambda q: engine.search(q["q"], q["filters"]), queries, args.repeat,
                          args.budget)
    return {"engine": "fts5", "build": build, "rss_before_mb": before,
            "rss_after_mb": rss_mb(), **timing}


def run_worker(kind: str, args, env: dict, instance: Path, queries_path: Path) -> dict:
    result_path = instance / "bench" / f"{kind}-result.json"
    cmd = [PYTHON, str(Path(__file__).resolve()), "--worker", kind, "--queries",
           str(queries_path), "--result", str(result_path), "--repeat", str(args.repeat),
           "--profile", str(args.profile), "--budget", str(args.budget), "--db", str(instance / "consult.sqlite3"),
           "--fts-db", str(instance / "bench" / "fts5.sqlite3")]
    process = run(cmd, env, timeout=args.timeout, label=f"{kind} queries")
    if process["exit"] != 0 or not result_path.exists():
        return {"engine": kind, "failed": True, "process": process}
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["process"] = process
    result["samples"] = {int(k): v for k, v in result["samples"].items()}
    result["totals"] = {int(k): v for k, v in result["totals"].items()}
    result["errors"] = {int(k): v for k, v in result["errors"].items()}
    return result


# --- report ------------------------------------------------------------------------------------


def summarise(result: dict, queries: list[dict]) -> dict:
    if result.get("failed"):
        return {"failed": True}
    samples = result["samples"]
    every = [s for qid in samples for s in samples[qid]]
    categories = defaultdict(list)
    for query in queries:
        categories[query["category"]].extend(samples.get(query["id"], []))
    medians = {qid: statistics.median(s) for qid, s in samples.items() if s}
    slowest = sorted(medians, key=medians.get, reverse=True)[:12]
    return {
        "overall": stats_ms(every),
        "per_category": {c: stats_ms(s) for c, s in sorted(categories.items())},
        "slowest": [{"id": qid, "category": queries[qid]["category"], "q": queries[qid]["q"],
                     "filters": queries[qid]["filters"], "median_ms": round(medians[qid], 2),
                     "total": result["totals"].get(qid)} for qid in slowest],
        "errors": len(result["errors"]),
        "error_examples": [{"q": queries[qid]["q"], "filters": queries[qid]["filters"],
                            "error": message} for qid, message in
                           list(result["errors"].items())[:8]],
    }


def print_report(report: dict) -> None:
    w, f = report.get("whoosh", {}), report.get("fts5", {})
    wo, fo = w.get("overall", {}), f.get("overall", {})
    rows = [
        ("corpus", f"{report['comments']} synthetic submissions (seed {report['seed']}), "
                   f"{report['queries']} queries, timed passes: Whoosh "
                   f"{w.get('timed_passes', '-')}, FTS5 {f.get('timed_passes', '-')}", ""),
        ("generation (demo --comments)", _fmt_s(report["generation"].get("wall_s")),
         f"rows written in {_fmt_s(report['generation'].get('reported_s'))}"),
        ("index build (search reindex)", _fmt_s(report["index"].get("wall_s")),
         f"target <= {TARGETS['index_build_s']:.0f} s"),
        ("index size", f"{report['index'].get('size_mb', '-')} MB", ""),
        ("Whoosh p50 / p95 / p99 / max",
         " / ".join(_fmt_ms(wo.get(k)) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")),
         f"target p50 <= {TARGETS['p50_ms']:.0f}, p95 <= {TARGETS['p95_ms']:.0f} ms"),
        ("Whoosh worker peak RSS", f"{report.get('whoosh_rss_mb', '-')} MB",
         f"target <= {TARGETS['worker_rss_mb']:.0f} MB"),
        ("Whoosh errors", str(w.get("errors", "-")), ""),
        ("FTS5 build", _fmt_s(report.get("fts5_build", {}).get("build_s")),
         f"{report.get('fts5_build', {}).get('documents', '-')} documents"),
        ("FTS5 p50 / p95 / p99 / max",
         " / ".join(_fmt_ms(fo.get(k)) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")), ""),
        ("Whoosh / FTS5 at p50, p95", " / ".join(
            f"{r:.1f}x" if r else "-" for r in (report["ratio"].get("p50"), report["ratio"].get("p95"))),
         f"target p95 <= {TARGETS['whoosh_over_fts5_p95']:.0f}x"),
        ("totals equal (Whoosh = FTS5)", report.get("totals_agreement", "-"), ""),
    ]
    width = max(len(r[0]) for r in rows)
    print()
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<32} {note}")
    if w.get("per_category"):
        print("\nper category, p95 (ms)        Whoosh      FTS5")
        for category, values in w["per_category"].items():
            other = f.get("per_category", {}).get(category, {})
            print(f"  {category:<26} {_fmt_ms(values.get('p95_ms')):>9} "
                  f"{_fmt_ms(other.get('p95_ms')):>9}")
        print("\nslowest Whoosh queries (median ms, total):")
        for item in w["slowest"][:10]:
            print(f"  {item['median_ms']:>8.1f}  {item['category']:<18} {item['q']!r} "
                  f"{item['filters'] or ''} -> {item['total']}")
    print("\nchecks:", ", ".join(f"{k} {'OK' if v else 'MISSED'}" for k, v in
                                  report["checks"].items()) or "-")


def _fmt_ms(value) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def _fmt_s(value) -> str:
    return "-" if value is None else f"{value:.1f} s"


# --- main ------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--instance", help="instance folder to create (replaced if made by "
                                           "an earlier run); default: a new temporary folder")
    parser.add_argument("--out", help="write the report as JSON to this file")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes after warm-up")
    parser.add_argument("--profile", type=int, default=0,
                        help="profile the K slowest Whoosh queries with cProfile")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the corpus of --instance (no init or demo)")
    parser.add_argument("--skip-reindex", action="store_true",
                        help="do not rebuild (nor time) the search index")
    parser.add_argument("--timeout", type=float, default=900, help="per step, seconds")
    parser.add_argument("--budget", type=float, default=300,
                        help="seconds per engine for the query passes: after the first timed "
                             "pass, no new pass starts past it")
    parser.add_argument("--worker", choices=["whoosh", "fts5"], help=argparse.SUPPRESS)
    parser.add_argument("--queries", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--fts-db", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        sys.path.insert(0, str(ROOT))
        os.chdir(ROOT)
        result = worker_whoosh(args) if args.worker == "whoosh" else worker_fts5(args)
        Path(args.result).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
        return 0

    if args.reuse:
        if not args.instance:
            sys.exit("--reuse needs --instance")
        instance = Path(args.instance).resolve()
    else:
        instance = prepare_instance(args.instance)
    (instance / MARKER).touch()
    (instance / "bench").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if k not in ("CONSULT_DATABASE_URL", "CONSULT_SETTINGS")}
    env["CONSULT_INSTANCE_PATH"] = str(instance)
    env["PYTHONHASHSEED"] = "0"
    log(f"instance {instance}; commit {git_commit()}; {os.cpu_count()} CPUs")
    report: dict = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "commit": git_commit(),
                    "search_code": search_code_hash(),
                    "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                                "python": platform.python_version()},
                    "comments": args.comments, "seed": args.seed, "repeat": args.repeat,
                    "instance": str(instance), "targets": TARGETS,
                    "generation": {}, "index": {}, "ratio": {}, "checks": {}}
    has_search = search_available()
    if not args.reuse:
        step = run(FLASK + ["init"], env, timeout=args.timeout, label="init")
        if step["exit"]:
            return 1
        step = run(FLASK + ["demo", "--comments", str(args.comments), "--seed", str(args.seed),
                            "--no-reindex"], env, timeout=args.timeout, label="demo --comments")
        if step["exit"]:
            return 1
        found = re.search(r"synthetic submissions on \S+ \(seed \d+\) in ([\d.]+) s",
                          step["output_tail"])
        report["generation"] = {"wall_s": step["wall_s"], "max_rss_mb": step["max_rss_mb"],
                                "reported_s": float(found.group(1)) if found else None}
    if has_search and not args.skip_reindex:
        step = run(FLASK + ["search", "reindex"], env, timeout=args.timeout,
                   label="search reindex")
        report["index"] = {"wall_s": step["wall_s"], "max_rss_mb": step["max_rss_mb"],
                           "exit": step["exit"], "output_tail": step["output_tail"][-500:]}
    index_dir = instance / "search"
    if index_dir.exists():
        report["index"]["size_mb"] = round(sum(
            p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 2**20, 1)

    started = time.perf_counter()
    queries = build_queries(instance / "consult.sqlite3", args.seed)
    queries_path = instance / "bench" / "queries.json"
    queries_path.write_text(json.dumps(queries, ensure_ascii=False, indent=1), encoding="utf-8")
    report["queries"] = len(queries)
    report["query_mix"] = dict(Counter(q["category"] for q in queries))
    log(f"{len(queries)} queries in {time.perf_counter() - started:.1f} s: "
        f"{report['query_mix']}")

    whoosh = run_worker("whoosh", args, env, instance, queries_path) if has_search else \
        {"engine": "whoosh", "failed": True, "reason": "consult.search.services.search missing"}
    fts5 = run_worker("fts5", args, env, instance, queries_path)
    report["whoosh"] = summarise(whoosh, queries)
    report["fts5"] = summarise(fts5, queries)
    report["fts5_build"] = fts5.get("build", {})
    for name, result in (("whoosh", whoosh), ("fts5", fts5)):
        if not result.get("failed"):
            report[name]["timed_passes"] = result.get("passes")
            report[name]["warmup_pass_s"] = result.get("warmup_s")
    if not whoosh.get("failed"):
        report["whoosh"]["startup_s"] = whoosh.get("startup_s")
        report["whoosh"]["rss_after_mb"] = whoosh.get("rss_after_mb")
        report["whoosh_rss_mb"] = whoosh["process"]["max_rss_mb"]
        report["whoosh_profiles"] = {queries[int(k)]["q"] + " " + json.dumps(
            queries[int(k)]["filters"], ensure_ascii=False): v
            for k, v in whoosh.get("profiles", {}).items()}
    report["fts5_rss_mb"] = fts5.get("process", {}).get("max_rss_mb")
    wo, fo = report["whoosh"].get("overall"), report["fts5"].get("overall")
    if wo and fo:
        report["ratio"] = {p: round(wo[f"{p}_ms"] / fo[f"{p}_ms"], 2) if fo[f"{p}_ms"] else None
                           for p in ("p50", "p95")}
        both = [q["id"] for q in queries if q["id"] in whoosh["totals"]
                and q["id"] in fts5["totals"]]
        same = sum(whoosh["totals"][i] == fts5["totals"][i] for i in both)
        report["totals_agreement"] = f"{same}/{len(both)}"
        report["totals_differ"] = [
            {"q": queries[i]["q"], "filters": queries[i]["filters"],
             "whoosh": whoosh["totals"][i], "fts5": fts5["totals"][i]}
            for i in both if whoosh["totals"][i] != fts5["totals"][i]][:40]
        if report["index"].get("wall_s") is not None:
            report["checks"]["index build"] = report["index"]["wall_s"] <= TARGETS["index_build_s"]
        report["checks"] |= {
            "p50": wo["p50_ms"] <= TARGETS["p50_ms"],
            "p95": wo["p95_ms"] <= TARGETS["p95_ms"],
            "worker RSS": report["whoosh_rss_mb"] <= TARGETS["worker_rss_mb"],
            "Whoosh <= 2x FTS5 at p95": (report["ratio"]["p95"] or 1e9)
            <= TARGETS["whoosh_over_fts5_p95"],
            "no errors": report["whoosh"]["errors"] == 0,
        }
    report["commit_at_end"] = git_commit()
    report["search_code_at_end"] = search_code_hash()
    if (report["commit_at_end"], report["search_code_at_end"]) != (report["commit"],
                                                                   report["search_code"]):
        log(f"warning: the code changed during the run ({report['commit']} "
            f"{report['search_code']} -> {report['commit_at_end']} "
            f"{report['search_code_at_end']}); the figures mix versions")
    print_report(report)
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1),
                                  encoding="utf-8")
        log(f"\nreport written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
