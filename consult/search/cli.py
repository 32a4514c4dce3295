"""`flask search …`: rebuild, check and feed the search index."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the search index from the database."""
    from consult.search import services

    started = time.monotonic()
    count = services.reindex(log_line=lambda line: click.echo(f"  {line}"))
    click.echo(f"Search index rebuilt: {count} documents in {time.monotonic() - started:.1f} s.")


@search_cli.command("check")
@click.option("--show", default=10, help="How many differing ids to list per kind.")
def check_command(show):
    """Compare index and database; exit 0 when they agree, 1 with a summary when not."""
    from consult.search import services

    report = services.check()
    if report["problem"]:
        click.echo(f"Search index drift: {report['problem']}.", err=True)
        sys.exit(1)
    if report["ok"] and not report["pending"]:
        click.echo(f"Search index agrees with the database ({report['documents']} documents).")
        return
    click.echo("Search index drift:", err=True)
    for name, meaning in (("missing", "in the database, not in the index"),
                          ("extra", "in the index, not (or no longer visible) in the database"),
                          ("stale", "in both, but the index holds an older state")):
        ids = report[name]
        if ids:
            listed = ", ".join(ids[:show]) + (" …" if len(ids) > show else "")
            click.echo(f"  {len(ids)} {name} ({meaning}): {listed}", err=True)
    if report["pending"]:
        click.echo(f"  {report['pending']} outbox changes not applied yet "
                   "(run `search sync`, or `search reindex`)", err=True)
    sys.exit(1)


@search_cli.command("sync")
@click.option("--follow", is_flag=True, help="Keep running and apply changes as they come.")
@click.option("--interval", default=0.5, help="Seconds between looks at the outbox (--follow).")
def sync_command(follow, interval):
    """Apply the outbox changes this node's index has not applied yet."""
    from consult.search import services

    applied = services.sync()
    click.echo(f"{applied} changes applied.")
    while follow:
        time.sleep(interval)
        try:
            applied = services.sync()
        except Exception as exc:  # the database or index may be away for a moment
            click.echo(f"Error: {exc}", err=True)
            time.sleep(5)
            continue
        if applied:
            click.echo(f"{applied} changes applied.")
