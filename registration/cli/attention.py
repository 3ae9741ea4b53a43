"""`fairgate attention set|remove`: the check-in text of a credential kind, an organisation
or one pass, shown on the gate screen with the verdict (docs/forums.md, "Check-in texts").
Audited ``attention_set`` as ``cli:<login>``."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from gate.passes import PassKind
from registration.actions import attention as attention_actions
from registration.actions.actors import Actor
from registration.cli.common import transaction
from registration.services import attention as attention_service


def _target_options(command):
    command = click.option("--pass", "serial", default=None,
                           help="A pass serial (the note follows its booking).")(command)
    command = click.option("--org", "organisation", default=None,
                           help="An organisation code: every member's credential.")(command)
    return click.option("--kind", default=None, metavar="|".join(k.value for k in PassKind),
                        help="A credential kind: every pass of that kind.")(command)


@click.group("attention")
def attention_group():
    """Check-in texts shown with the verdict at entrances and doors."""


@attention_group.command("set")
@_target_options
@click.option("--text-zh", required=True, help="The text in Chinese.")
@click.option("--text-en", required=True, help="The text in English.")
@click.option("--needs-staff", is_flag=True,
              help="The screen turns amber and waits for staff on an admission.")
@with_appcontext
def set_note(kind, organisation, serial, text_zh, text_en, needs_staff):
    """Set (or replace) the text of one kind, organisation or pass."""
    with transaction():
        to = attention_service.target(kind=kind, organisation=organisation, serial=serial)
        attention_actions.set_note(Actor.operator(), to, text_zh=text_zh, text_en=text_en,
                                   needs_staff=needs_staff)
        label = to.label
    staff = " (needs staff / 需工作人员)" if needs_staff else ""
    click.echo(f"{label}: check-in text set / 已设置入场提示{staff}")


@attention_group.command("remove")
@_target_options
@with_appcontext
def remove_note(kind, organisation, serial):
    """Remove the text of one kind, organisation or pass."""
    with transaction():
        to = attention_service.target(kind=kind, organisation=organisation, serial=serial)
        attention_actions.remove_note(Actor.operator(), to)
        label = to.label
    click.echo(f"{label}: check-in text removed / 已删除入场提示")
