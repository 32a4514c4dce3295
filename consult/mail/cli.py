"""`flask mail …`: send the outbox, see where it stands, clear a refused address."""

from __future__ import annotations

import logging

import click
from flask import current_app
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="E-mail: the outbox and its delivery.")


@mail_cli.command("send")
@click.option("--follow", is_flag=True,
              help="Keep running: a round every --interval seconds (MAIL_DELIVERY=external).")
@click.option("--interval", default=15.0, show_default=True, type=click.FloatRange(0.1))
def send_command(follow, interval):
    """Queue the scheduled notifications and send what is due, once or continuously."""
    from consult.mail import delivery

    app = current_app._get_current_object()
    if follow:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        click.echo(f"Sending mail every {interval:g} s; Ctrl-C to stop.")
        delivery.follow(app, interval)
        return
    counts = delivery.run_round(app)
    click.echo("Mail: {sent} sent, {retry} to try again, {failed} failed, "
               "{bounced} refused.".format(**counts))


@mail_cli.command("status")
def status_command():
    """How many messages stand in each state, and the addresses refused."""
    from sqlalchemy import func, select

    from consult.db import db
    from consult.mail.models import MailMessage, UndeliverableAddress

    counts = dict(db.session.execute(
        select(MailMessage.status, func.count(MailMessage.id)).group_by(MailMessage.status)
    ).all())
    click.echo(", ".join(f"{status.value}: {counts.get(status, 0)}"
                         for status in sorted(counts, key=lambda s: s.value)) or "No mail.")
    for refused in db.session.scalars(select(UndeliverableAddress)
                                      .order_by(UndeliverableAddress.at)):
        click.echo(f"refused: {refused.address} ({refused.reason})")


@mail_cli.command("forget-refusal")
@click.argument("address")
def forget_refusal_command(address):
    """Send to an address again that a mail server had refused (it was repaired)."""
    from sqlalchemy import delete

    from consult.db import db
    from consult.mail.models import UndeliverableAddress

    gone = db.session.execute(delete(UndeliverableAddress).where(
        UndeliverableAddress.address == address.strip().lower())).rowcount
    db.session.commit()
    if not gone:
        raise click.ClickException(f"{address} was not marked as refused.")
    click.echo(f"{address} will be sent mail again.")
