"""What the fault scripts share: an empty database, a consultation, delegates with tokens,
a client that posts and never hangs, and a PostgreSQL server of the script's own."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

DRAFT = "# Plan\n\n*Recalling* the Charter,\n\n1. *Calls upon* States to act;\n"
PASSWORD = "ferry lantern orchid"
# The scripts post faster than a delegate may: the posting limit is not what they test.
UNLIMITED_POSTS = {"CONSULT_POST_RATE_LIMIT": "100000 per minute"}


def reset_database(url: str) -> None:
    """Empty the database the script will use (a new SQLite file, or DROP SCHEMA)."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def start_sqlite_node(instance: Path, log_dir: Path, workers: int = 2):
    """The embedded default as one node: a new SQLite database in `instance`, `flask init`,
    gunicorn with the app's own index thread and no posting limit; returns (node, url,
    secret key), to start it again with `start_node`."""
    from deploy.two_nodes import BIN, ROOT, start_node

    url = f"sqlite:///{instance}/consult.sqlite3"
    secret = secrets.token_hex(32)
    env = {**os.environ, "CONSULT_DATABASE_URL": url, "CONSULT_INSTANCE_PATH": str(instance),
           "CONSULT_SECRET_KEY": secret}
    subprocess.run([str(BIN / "flask"), "--app", "app", "init"], cwd=ROOT, env=env,
                   check=True, capture_output=True, timeout=300)
    node = start_node("a", url, instance, secret, follower=False, workers=workers,
                      log_dir=log_dir, extra_env=UNLIMITED_POSTS)
    return node, url, secret


def prepare_consultation(node, clients: int, folder: Path) -> tuple[list[str], int]:
    """Create `clients` delegates with API tokens and a published draft through `node`'s
    commands; returns the tokens and the id of the paragraph to comment on."""
    draft = folder / "draft.md"
    draft.write_text(DRAFT, encoding="utf-8")
    tokens = []
    for n in range(clients):
        email = f"delegate{n}@example.org"
        made = node.flask("users", "create", "--email", email, "--name", f"Delegate {n}",
                          "--role", "delegate", "--delegation", "FRA", "--password-stdin",
                          input=PASSWORD + "\n")
        assert made.returncode == 0, made.stderr
        made = node.flask("tokens", "create", "--email", email)
        assert made.returncode == 0, made.stderr
        tokens.append(made.stdout.strip().split()[-1])
    for command in (("consultations", "create", "--slug", "gpa", "--title", "GPA"),
                    ("drafts", "import", "--consultation", "gpa", "--label", "Zero",
                     "--publish", str(draft))):
        made = node.flask(*command)
        assert made.returncode == 0, made.stderr
    with urllib.request.urlopen(f"{node.url}/api/v1/versions/1", timeout=30) as answer:
        paragraph = json.load(answer)["paragraphs"][-1]["id"]
    return tokens, paragraph


def request(url: str, *, token: str | None = None, body: dict | None = None,
            timeout: float = 30) -> tuple[int | None, bytes, dict]:
    """One HTTP request: (status or None when no answer came, body, headers)."""
    headers = {"Accept": "application/json"} if body is not None or "/api/" in url else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    call = urllib.request.Request(url, data=data, headers=headers,
                                  method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(call, timeout=timeout) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)
    except OSError:
        return None, b"", {}


def stored_bodies(url: str, prefix: str) -> dict[str, int]:
    """How many times each submission body starting with `prefix` is stored."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT body FROM submission WHERE body LIKE :p"),
                                      {"p": prefix + "%"})
            counts: dict[str, int] = {}
            for (body,) in rows:
                counts[body] = counts.get(body, 0) + 1
            return counts
    finally:
        engine.dispose()


def check_search(nodes, seconds: float = 60) -> dict[str, str]:
    """`search check` on every node, retried while its follower catches up."""
    checks = {}
    for node in nodes:
        deadline = time.monotonic() + seconds
        while (done := node.flask("search", "check")).returncode != 0 and \
                time.monotonic() < deadline:
            time.sleep(0.5)
        checks[node.name] = (done.stdout + done.stderr).strip()
    return checks


MEANINGS = {b"cannot record anything": "storage", b"too busy": "busy",
            b"cannot reach its database": "away", b"being rebuilt": "search rebuilding"}


def sort_answer(status: int | None, body: bytes, headers: dict) -> str:
    """Sort one answer by what a reader sees: ok, "503 storage" and the like, "500"."""
    if status is None:
        return "no answer"
    if status < 400:
        return "ok"
    if status == 500 or b"Traceback" in body:
        return "500"
    meaning = next((m for words, m in MEANINGS.items() if words in body), "other")
    retry = "" if "Retry-After" in headers or status != 503 else " (no Retry-After)"
    return f"{status} {meaning}{retry}"


def percentile(values: list[float], share: float) -> float | None:
    """The value below which `share` of the values lie (nearest rank)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class OwnPostgres:
    """A PostgreSQL server of the script's own (initdb in a temporary folder, its own
    port), so that it can be stopped and started without touching anyone else's."""

    def __init__(self, folder: Path, port: int):
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"

    def _run(self, *command: str) -> subprocess.CompletedProcess:
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True,
                                text=True).stdout.strip()
        argv = [str(Path(bindir) / command[0]) if bindir else command[0], *command[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            argv = ["runuser", "-u", "postgres", "--", *argv]
        return subprocess.run(argv, capture_output=True, text=True, timeout=120)

    def create(self) -> None:
        """initdb (trust authentication, 127.0.0.1 only)."""
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
            self.folder.parent.chmod(0o755)  # mkdtemp's 0700 would keep the server out
        done = self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
                         "--no-sync")
        if done.returncode:
            raise RuntimeError(f"initdb failed: {done.stderr}")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        done = self._run("pg_ctl", "-D", str(self.data), "-w", "-l",
                         str(self.folder / "server.log"), "-o",
                         f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                         "-c fsync=off -c max_connections=100", "start")
        if done.returncode:
            raise RuntimeError(f"pg_ctl start failed: {done.stdout}{done.stderr}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (fast: roll back open transactions, close connections)."""
        self._run("pg_ctl", "-D", str(self.data), "-w", "-m", mode, "stop")

    def destroy(self) -> None:
        """Stop the server if running and remove its folder."""
        self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
