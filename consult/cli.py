"""The `flask --app app …` commands (API.md lists the ones others rely on)."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from consult.db import db, get_engine
from consult.errors import ServiceError
from consult.permissions import COMMAND_LINE


def _fail(message: str) -> None:
    """Print one clear line on stderr and exit non-zero."""
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@contextmanager
def transaction():
    """Commit what the block did; on a service's refusal, print it and exit 1."""
    try:
        yield
        db.session.commit()
    except ServiceError as exc:
        _fail(exc.message)
    except UnicodeEncodeError:
        # Arguments that are not UTF-8 reach Python as lone surrogates.
        _fail("Arguments must be UTF-8 text.")


users_cli = AppGroup("users", help="Manage accounts.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")
consultations_cli = AppGroup("consultations", help="Manage consultations.")
drafts_cli = AppGroup("drafts", help="Import drafts.")
db_cli = AppGroup("db", help="Database schema.")


@click.command("init")
@with_appcontext
def init_command():
    """Create or upgrade the schema and load reference data (safe to rerun)."""
    from consult.auth.services import load_reference_delegations
    from consult.migrate import upgrade_to_head

    upgrade_to_head(get_engine())
    added = load_reference_delegations()
    db.session.commit()
    Path(current_app.config["SEARCH_INDEX_PATH"]).mkdir(parents=True, exist_ok=True)
    click.echo(f"Database ready at {get_engine().url.render_as_string(hide_password=True)}; "
               f"{added} delegations added.")
    # An upgrade that changed the search schema (or a node without an index) rebuilds it
    # here, before the application serves, rather than in the first search request.
    from consult.search.sync import current_index, ensure_index

    if not current_index().exists():
        click.echo("Search index missing or of an older schema: rebuilding it…")
        ensure_index()


@click.command("demo")
@click.option("--comments", "comments", type=click.IntRange(min=0), default=None,
              help="Also write N synthetic submissions on the demo consultation (benchmarks); "
                   "earlier synthetic ones are replaced.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the synthetic submissions: the same seed gives the same ones.")
@click.option("--no-reindex", is_flag=True, hidden=True,
              help="Do not rebuild the search index after --comments (benchmarks time it).")
@with_appcontext
def demo_command(comments, seed, no_reindex):
    """Load the demo consultations and accounts (safe to rerun)."""
    from consult.demo import DEMO_PASSWORD, load_demo

    with transaction():
        load_demo(log=lambda line: click.echo(f"  {line}"))
    if comments is not None:
        from consult.demo.synthetic import generate_submissions

        with transaction():
            generate_submissions(comments, seed, log=lambda line: click.echo(f"  {line}"),
                                 reindex=not no_reindex)
    from consult.notify.events import pass_over_pending_events

    with transaction():
        # The demo's publications, replies and supports happened "in 2010": nobody is
        # e-mailed about them when the site starts. What happens next is told as usual.
        pass_over_pending_events()
    click.echo(f"Demo loaded. Demo accounts use the password {DEMO_PASSWORD!r}.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True,
              type=click.Choice(["delegate", "observer", "cofacilitator", "secretariat"]))
@click.option("--delegation", "delegation_code", default=None,
              help="ISO alpha-3 (FRA) or group/organisation code (EU, G77).")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from standard input; without it, the person is sent "
                   "an invitation to choose one.")
def create_user_command(email, name, role, delegation_code, password_stdin):
    """Create an account and print its id; without --password-stdin, send an invitation."""
    from consult.auth.links import invite
    from consult.auth.services import create_user

    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with transaction():
        user = create_user(COMMAND_LINE, email=email, name=name, role=role,
                           delegation_code=delegation_code, password=password)
        if password is None:
            invite(COMMAND_LINE, user)
    click.echo(user.id)
    if password is None:
        click.echo(f"Invitation to choose a password: {_deliver_now()}", err=True)


@users_cli.command("invite")
@click.option("--email", required=True)
def invite_user_command(email):
    """Send an account's owner an invitation to choose a password (again)."""
    from consult.auth.links import invite
    from consult.auth.services import get_user_by_email

    with transaction():
        invite(COMMAND_LINE, get_user_by_email(email))
    click.echo(f"Invitation to {email}: {_deliver_now()}")


def _deliver_now() -> str:
    """Send what this command queued, unless a separate worker sends mail (external)."""
    from flask import current_app

    from consult.mail.delivery import deliver_due

    if current_app.config["MAIL_DELIVERY"] == "external":
        return "queued for `flask --app app mail send`."
    counts = deliver_due()
    if counts["sent"]:
        return "sent."
    return "queued; the mail server did not take it yet (see `flask --app app mail status`)."


@users_cli.command("disable")
@click.option("--email", required=True)
def disable_user_command(email):
    """Disable an account and end its sessions."""
    from consult.auth.services import get_user_by_email, set_user_disabled

    with transaction():
        set_user_disabled(COMMAND_LINE, get_user_by_email(email), True)
    click.echo(f"{email} disabled.")


@users_cli.command("enable")
@click.option("--email", required=True)
def enable_user_command(email):
    """Enable a disabled account."""
    from consult.auth.services import get_user_by_email, set_user_disabled

    with transaction():
        set_user_disabled(COMMAND_LINE, get_user_by_email(email), False)
    click.echo(f"{email} enabled.")


@users_cli.command("update")
@click.option("--email", required=True)
@click.option("--name", default=None)
@click.option("--role", default=None,
              type=click.Choice(["delegate", "observer", "cofacilitator", "secretariat"]))
@click.option("--delegation", "delegation_code", default=None,
              help="New delegation code; an empty string removes it.")
def update_user_command(email, name, role, delegation_code):
    """Change an account's name, role or delegation."""
    from consult.auth.services import get_user_by_email, update_user

    with transaction():
        update_user(COMMAND_LINE, get_user_by_email(email), name=name, role=role,
                    delegation_code=delegation_code)
    click.echo(f"{email} updated.")


@users_cli.command("list")
def list_users_command():
    """Print every account: id, e-mail, role, delegation, status."""
    from sqlalchemy import select

    from consult.auth.models import User

    for user in db.session.scalars(select(User).order_by(User.id)):
        code = user.delegation.code if user.delegation else "-"
        state = "disabled" if user.is_disabled else "active"
        click.echo(f"{user.id}\t{user.email}\t{user.role.value}\t{code}\t{state}")


@users_cli.command("set-password")
@click.option("--email", required=True)
def set_password_command(email):
    """Set an account's password from standard input."""
    from consult.auth.services import get_user_by_email, reset_password

    password = sys.stdin.readline().rstrip("\r\n")
    with transaction():
        reset_password(COMMAND_LINE, get_user_by_email(email), password)
    click.echo(f"Password of {email} changed.")


@tokens_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default="CLI token")
def create_token_command(email, name):
    """Print a new API token for that user on one line."""
    from consult.auth.services import create_token, get_user_by_email

    with transaction():
        _, secret = create_token(COMMAND_LINE, get_user_by_email(email), name)
    click.echo(secret)


@tokens_cli.command("revoke")
@click.option("--email", required=True)
@click.option("--prefix", default=None,
              help="Revoke only the token whose shown prefix this is (10 characters, cst_…).")
def revoke_tokens_command(email, prefix):
    """Revoke a user's API tokens (all of them, or the one with this prefix)."""
    from consult.auth.services import get_user_by_email, list_tokens, revoke_token

    with transaction():
        user = get_user_by_email(email)
        if prefix is not None and len(prefix) < 10:
            _fail("Give the token's whole prefix (10 characters, as shown on the account page).")
        live = [t for t in list_tokens(user) if t.revoked_at is None
                and (prefix is None or prefix[:10] == t.prefix)]
        if not live:
            _fail("No matching live token.")
        for token in live:
            revoke_token(user, token.id)
    click.echo(f"{len(live)} token(s) revoked.")


@consultations_cli.command("create")
@click.option("--slug", required=True)
@click.option("--title", required=True)
@click.option("--mandate", default="",
              help="The decision that asks for it, in one line (shown on its pages).")
@click.option("--cofacilitators", default="", help="Who the co-facilitators are (public text).")
@click.option("--cofacilitator-email", "emails", multiple=True,
              help="A co-facilitator account that runs it (repeatable).")
@click.option("--language", default="en", show_default=True,
              help="The language of its title and texts (ar, zh, en, fr, ru or es).")
def create_consultation_command(slug, title, mandate, cofacilitators, emails, language):
    """Create a consultation."""
    from consult.auth.services import get_user_by_email
    from consult.drafts.services import assign_cofacilitator, create_consultation

    with transaction():
        consultation = create_consultation(COMMAND_LINE, slug=slug, title=title, mandate=mandate,
                                           cofacilitators=cofacilitators, language=language)
        for email in emails:
            assign_cofacilitator(COMMAND_LINE, consultation, get_user_by_email(email))
    click.echo(f"Consultation {slug} created.")


@consultations_cli.command("assign")
@click.option("--slug", required=True)
@click.option("--email", required=True, help="The co-facilitator account.")
@click.option("--remove", is_flag=True, help="Take the account off the consultation.")
def assign_command(slug, email, remove):
    """Let a co-facilitator account run a consultation (or stop it)."""
    from consult.auth.services import get_user_by_email
    from consult.drafts.services import (assign_cofacilitator, get_consultation,
                                         unassign_cofacilitator)

    with transaction():
        change = unassign_cofacilitator if remove else assign_cofacilitator
        change(None, get_consultation(slug), get_user_by_email(email))
    click.echo(f"{email} {'removed from' if remove else 'assigned to'} {slug}.")


@drafts_cli.command("import")
@click.option("--consultation", "slug", required=True)
@click.option("--label", required=True)
@click.option("--symbol", default=None)
@click.option("--comments-close-at", default=None, help="ISO 8601, e.g. 2010-06-30T18:00Z")
@click.option("--publish", is_flag=True)
@click.option("--accept-numbering", is_flag=True,
              help="With --publish: publish even though the numbering changes labels "
                   "(duplicate or out-of-order numbers, a new label scheme) or brackets do "
                   "not balance, once checked.")
@click.option("--language", default=None,
              help="The language the text is written in (ar, zh, en, fr, ru or es); "
                   "default that of the version before, English to begin with.")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_draft_command(slug, label, symbol, comments_close_at, publish, accept_numbering,
                         language, file):
    """Import a Markdown draft as the next version of a consultation."""
    from consult.drafts.services import NumberingUnconfirmed, create_version, get_consultation

    try:
        text = file.read()
    except UnicodeDecodeError:
        _fail(f"{file.name} is not UTF-8 text.")
    with transaction():
        try:
            version = create_version(COMMAND_LINE, get_consultation(slug), label=label, text=text,
                                     symbol=symbol, comments_close_at=comments_close_at,
                                     publish=publish, language=language,
                                     confirm_numbering=accept_numbering,
                                     max_chars=current_app.config["MAX_DRAFT_CHARS"])
        except NumberingUnconfirmed as exc:
            for warning in exc.warnings:
                click.echo(f"  {warning['message']}", err=True)
                for rename in warning["renames"]:
                    click.echo(f"    {rename['from']} -> {rename['to']}", err=True)
            _fail("The numbering changes paragraph labels, or brackets do not balance "
                  "(above); nothing was imported. Correct the text, or check each warning "
                  "and import again with --accept-numbering.")
    click.echo(f"{version.label}: version {version.id}, {len(version.paragraphs)} paragraphs, "
               f"{version.status.value}.")


@drafts_cli.command("import-translation")
@click.option("--version", "version_id", required=True, type=click.IntRange(min=1))
@click.option("--language", required=True, help="ar, zh, en, fr, ru or es")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
def import_translation_command(version_id, language, file):
    """Add a version's text in another UN language (same paragraphs, same order)."""
    from consult.drafts.models import Version
    from consult.drafts.translations import TranslationMisaligned, add_translation
    from consult.urls import MAX_ID

    try:
        text = file.read()
    except UnicodeDecodeError:
        _fail(f"{file.name} is not UTF-8 text.")
    version = db.session.get(Version, version_id) if version_id <= MAX_ID else None
    if version is None:
        _fail(f"There is no version {version_id}.")
    with transaction():
        try:
            translation = add_translation(COMMAND_LINE, version, language, text)
        except TranslationMisaligned as exc:
            for problem in exc.problems[:50]:
                click.echo(f"  paragraph {problem.position}: the original has "
                           f"{problem.expected or 'nothing'}, the translation "
                           f"{problem.found or 'nothing'}", err=True)
            raise
        count = len(translation.paragraphs)
    click.echo(f"{version.label}: text in {translation.language} stored, {count} paragraphs.")


@db_cli.command("check")
def db_check_command():
    """Exit 1 if the models and the migrations have drifted apart."""
    from alembic.util.exc import AutogenerateDiffsDetected

    from consult.migrate import check_drift

    try:
        check_drift(get_engine())
    except AutogenerateDiffsDetected as exc:
        _fail(f"models and migrations differ: {exc}")
    click.echo("Models and migrations agree.")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision_command(message):
    """Write a new migration from the difference between models and database."""
    from alembic import command

    from consult.migrate import alembic_config

    with get_engine().begin() as connection:
        command.revision(alembic_config(connection), message=message, autogenerate=True)


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path):
    """Write a consistent backup of the database into DIRECTORY (new or empty), online."""
    from consult.backup import BackupError, backup

    try:
        manifest = backup(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backup of the {manifest['database']} database written to {directory} "
               f"(schema {manifest['schema_revision']}, sha256 {manifest['sha256'][:16]}…).")


@click.command("restore")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@with_appcontext
def restore_command(directory: Path):
    """Restore a backup into this instance's empty database, then rebuild the search index."""
    from consult.backup import BackupError, restore
    from consult.migrate import upgrade_to_head
    from consult.search import services as search

    try:
        manifest = restore(directory)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    upgrade_to_head(get_engine())  # a backup of an older release is brought up to date
    db.session.remove()
    count = search.reindex()
    click.echo(f"Restored the backup made {manifest['made_at']}; search index rebuilt "
               f"({count} documents).")


def register_commands(app: Flask) -> None:
    """Attach every command to the app."""
    for command in (init_command, demo_command, users_cli, tokens_cli, consultations_cli,
                    drafts_cli, db_cli, backup_command, restore_command):
        app.cli.add_command(command)
