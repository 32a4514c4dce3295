"""Start Consult as two nodes on one database, as production runs it, on this machine.

Each node is gunicorn (2 sync workers) on its own port with its own instance folder and
search index, plus its own `flask search sync --follow` feeding that index from the
database's outbox. Both share the database and the secret key, so a session made on one
works on the other.

    .venv/bin/python deploy/two_nodes.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/consult \\
        --seconds 600

Listens on 127.0.0.1 only and stops by itself after --seconds (or on Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    """A TCP port nobody listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Node:
    """One node: its address, instance folder and processes."""

    name: str
    url: str
    instance: Path
    env: dict
    processes: list = field(default_factory=list)
    logs: list = field(default_factory=list)

    def flask(self, *args: str, input: str | None = None, timeout: float = 120
              ) -> subprocess.CompletedProcess:
        """Run a `flask --app app` command as this node."""
        return subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT,
                              env=self.env, capture_output=True, text=True, input=input,
                              timeout=timeout)

    def stop(self) -> None:
        """Stop this node's processes (TERM, then KILL after 10 s)."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()


def start_node(name: str, database_url: str, instance: Path, secret_key: str, *,
               workers: int = 2, extra_env: dict | None = None, log_dir: Path | None = None,
               wait: bool = True, follower: bool = True) -> Node:
    """Start one node (gunicorn and, with `follower`, its search follower; without, the
    app's own background thread feeds the index); returns once it answers (with `wait`;
    else at once, to wait with `wait_until_answering`)."""
    port = free_port()
    env = {**os.environ, "CONSULT_DATABASE_URL": database_url,
           "CONSULT_INSTANCE_PATH": str(instance), "CONSULT_SECRET_KEY": secret_key,
           "CONSULT_SEARCH_UPDATES": "external" if follower else "background",
           **(extra_env or {})}
    node = Node(name, f"http://127.0.0.1:{port}", instance, env)
    instance.mkdir(parents=True, exist_ok=True)
    log_dir = log_dir or instance
    out = open(log_dir / f"{name}-gunicorn.log", "w")
    node.logs.append(out)
    node.processes.append(subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--timeout", "60", "app:app"], cwd=ROOT, env=env, stdout=out, stderr=out))
    if follower:
        follower_log = open(log_dir / f"{name}-search.log", "w")
        node.logs.append(follower_log)
        node.processes.append(subprocess.Popen(
            [str(BIN / "flask"), "--app", "app", "search", "sync", "--follow",
             "--interval", "0.2"], cwd=ROOT, env=env, stdout=follower_log,
            stderr=follower_log))
    if wait:
        try:
            wait_until_answering(node)
        except RuntimeError:
            node.stop()
            raise
    return node


def wait_until_answering(node: Node, timeout: float = 60) -> None:
    """Wait until the node answers HTTP (its processes may take seconds to import)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in node.processes):
            raise RuntimeError(f"node {node.name} stopped while starting; see its logs in "
                               f"{node.instance}")
        try:
            with urllib.request.urlopen(node.url + "/", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"node {node.name} did not answer within {timeout} s")


def start_two_nodes(database_url: str, folder: Path, **options) -> tuple[Node, Node]:
    """Prepare the database (`flask init`, once: the schema is shared; each node's index
    is built by its follower) and start nodes A and B on it, side by side."""
    secret_key = secrets.token_hex(32)
    done = subprocess.run([str(BIN / "flask"), "--app", "app", "init"], cwd=ROOT,
                          env={**os.environ, "CONSULT_DATABASE_URL": database_url,
                               "CONSULT_INSTANCE_PATH": str(folder / "node-a"),
                               "CONSULT_SECRET_KEY": secret_key},
                          capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise RuntimeError(f"flask init failed: {done.stderr}")
    nodes = [start_node(name, database_url, folder / f"node-{name}", secret_key, wait=False,
                        **options) for name in ("a", "b")]
    try:
        for node in nodes:
            wait_until_answering(node)
    except RuntimeError:
        for node in nodes:
            node.stop()
        raise
    return nodes[0], nodes[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--folder", default="/tmp/consult-two-nodes")
    parser.add_argument("--seconds", type=float, default=600)
    args = parser.parse_args()
    a, b = start_two_nodes(args.database_url, Path(args.folder))
    print(f"node A: {a.url}  node B: {b.url}  (instance folders under {args.folder})",
          flush=True)
    try:
        time.sleep(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        a.stop()
        b.stop()


if __name__ == "__main__":
    main()
