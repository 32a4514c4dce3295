"""`flask --app app archive export DIR`: the static archive of the public record."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from consult.archive.static_site import ArchiveError, export_archive
from consult.db import utcnow

archive_cli = AppGroup("archive", help="The public archive: a static copy of the record.")


@archive_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--site-url", default="", help="Address of the live site, for links to what "
              "the archive does not hold (search, log in); e.g. https://consult.example. "
              "Default: the PUBLIC_URL setting.")
@click.option("--made-on", default="", help="The date and time to stamp (ISO 8601, UTC); "
              "the same record stamped the same way gives byte-identical files. Default: "
              "SOURCE_DATE_EPOCH if set, else now.")
@click.option("--update", is_flag=True, help="Refresh the archive already in DIRECTORY: "
              "pages whose record did not change are kept, not rendered again.")
def export_command(directory: Path, site_url: str, made_on: str, update: bool):
    """Write the static site, the open data and SHA256SUMS into DIRECTORY (new or empty).

    The archive is written beside DIRECTORY and moved into place when complete: if the
    export fails or is stopped, DIRECTORY is as it was.
    """
    try:
        now = _stamp(made_on)
    except ValueError:
        click.echo("Error: --made-on must be a date and time such as 2010-06-30T18:00.",
                   err=True)
        sys.exit(1)
    made_on = now.strftime("%Y-%m-%d %H:%M UTC")
    try:
        result = export_archive(current_app._get_current_object(), directory,
                                live_site=site_url or current_app.config["PUBLIC_URL"],
                                made_on=made_on, generated_at=now,
                                progress=lambda message: click.echo(message, err=True),
                                update=update)
    except ArchiveError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Archive written to {result.root}: {result.pages} pages, {result.data_files} "
               f"data files, {result.files} files listed in SHA256SUMS. Check a copy with: "
               f"cd {result.root} && sha256sum -c SHA256SUMS")


def _stamp(value: str) -> dt.datetime:
    """The archive's date: as given, else SOURCE_DATE_EPOCH (reproducible builds), else now."""
    if value:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
    return utcnow()
