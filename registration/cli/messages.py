"""`fairgate messages`: deliver the SMS whose retry is due (cron / systemd timer) and list
the ones not delivered (numbers masked)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from registration.cli.common import transaction
from registration.services import messages as message_service


@click.group("messages")
def messages_group():
    """Outgoing text messages (docs/credentials.md "SMS")."""


@messages_group.command("retry")
@click.option("--now", "everything", is_flag=True,
              help="Also try the pending messages whose next attempt is not due yet.")
@with_appcontext
def retry(everything: bool):
    """Try every pending message that is due; a message failing its last attempt is marked
    failed (audited message_failed) and stays on /staff/messages."""
    counts = message_service.retry_due(everything=everything)
    click.echo(f"{counts['sent']} sent, {counts['pending']} still pending, "
               f"{counts['failed']} failed for good")


@messages_group.command("list")
@with_appcontext
def list_unsent():
    """Pending and failed messages (failed first)."""
    with transaction():
        unsent = message_service.unsent_messages(limit=10_000)
    click.echo("id\tstatus\tattempts\tnext attempt (UTC)\tref\tto\tlast error")
    for message in unsent:
        click.echo(f"{message.id}\t{message.status.value}\t{message.attempts}\t"
                   f"{message.next_attempt_at:%Y-%m-%d %H:%M:%S}\t{message.ref}\t"
                   f"{message.to_masked}\t{message.last_error or '-'}")
