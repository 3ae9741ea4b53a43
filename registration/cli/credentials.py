"""`fairgate credential`: issue guest, staff and contractor credentials, list credentials,
revoke one (docs/credentials.md). Each problem is one English / Chinese line, exit 1."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from gate.kinds import KINDS
from gate.passes import PassKind
from registration.actions import credentials as credential_actions
from registration.actions.actors import Actor
from registration.cli.common import parse_date, transaction
from registration.models import CredentialStatus
from registration.services import booking
from registration.services import credentials as credential_service

ISSUED_KINDS = [kind.value for kind in credential_actions.ISSUED]


@click.group("credential")
def credential_group():
    """Credentials of people (docs/credentials.md)."""


@credential_group.command("issue")
@click.option("--kind", required=True, type=click.Choice(ISSUED_KINDS))
@click.option("--document-type", default="cn_resident_id", show_default=True)
@click.option("--number", required=True, help="The document number.")
@click.option("--country", default=None, help="Passports: the issuing state (alpha-3).")
@click.option("--name", required=True, help="As on the document.")
@click.option("--from", "first_day", required=True, callback=parse_date, metavar="DATE")
@click.option("--to", "last_day", required=True, callback=parse_date, metavar="DATE")
@click.option("--venue", default=None, help="One venue's code (default: every venue).")
@click.option("--email", default=None)
@click.option("--phone", default=None)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@with_appcontext
def issue(kind, document_type, number, country, name, first_day, last_day, venue, email,
          phone, lang):
    """Issue an approved credential for the days FROM..TO (build-up days included); prints
    its code, then the pass serial."""
    with transaction():
        document = booking.validate_document(document_type, number, country)
        decided = credential_actions.issue(
            Actor.operator(), kind=kind, document=document, name=name, first_day=first_day,
            last_day=last_day, venue=venue, phone=phone, email=email, lang=lang)
        code = decided.credential.code
        serial = decided.issued.serial if decided.issued else "-"
        masked = decided.credential.document_masked
    click.echo(code)
    click.echo(f"{KINDS[PassKind(kind)].name.en} {masked} {first_day}..{last_day} pass {serial}")


@credential_group.command("list")
@click.option("--status", type=click.Choice([s.value for s in CredentialStatus]))
@click.option("--kind", type=click.Choice([k.value for k in PassKind]))
@with_appcontext
def list_credentials(status, kind):
    """Credentials, oldest first (document and name masked)."""
    with transaction():
        rows = credential_service.list_credentials(status=status, kind=kind)
        lines = [f"{c.code}\t{c.kind.value}\t{c.status.value}\t"
                 f"{c.venue.code if c.venue else '*'}\t{c.first_day}\t{c.last_day}\t"
                 f"{c.name_masked}\t{c.document_masked}\t{c.organisation_name or '-'}"
                 for c in rows]
    click.echo("code\tkind\tstatus\tvenue\tfirst day\tlast day\tholder\tdocument\torganisation")
    for line in lines:
        click.echo(line)


@credential_group.command("revoke")
@click.argument("code")
@click.option("--note", default=None, help="Why (kept on the pass and in the audit log).")
@with_appcontext
def revoke(code, note):
    """Withdraw a credential: its pass is refused on every day it covered."""
    with transaction():
        credential = credential_service.get_credential(code)
        credential_actions.revoke(Actor.operator(), credential, note)
        shown = credential.code
    click.echo(f"{shown} revoked")
