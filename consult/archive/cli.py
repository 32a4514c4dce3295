"""`flask --app app archive export DIR`: the static archive of the public record."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from consult.archive.static_site import ArchiveError, export_archive, remove_partial
from consult.db import utcnow

archive_cli = AppGroup("archive", help="The public archive: a static copy of the record.")


@archive_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--site-url", default="", help="Address of the live site, for links to what "
              "the archive does not hold (search, log in); e.g. https://consult.example")
def export_command(directory: Path, site_url: str):
    """Write the static site, the open data and SHA256SUMS into DIRECTORY (new or empty)."""
    created = not directory.exists()
    now = utcnow()
    made_on = now.strftime("%Y-%m-%d %H:%M UTC")
    try:
        result = export_archive(current_app._get_current_object(), directory,
                                live_site=site_url, made_on=made_on, generated_at=now,
                                progress=lambda message: click.echo(message, err=True))
    except ArchiveError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except BaseException:
        if created:
            remove_partial(directory)  # never leave a half archive that looks whole
        raise
    click.echo(f"Archive written to {result.root}: {result.pages} pages, {result.data_files} "
               f"data files, {result.files} files listed in SHA256SUMS. Check a copy with: "
               f"cd {result.root} && sha256sum -c SHA256SUMS")
