"""`fairgate user`: staff accounts of the on-site console."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from registration.cli.common import transaction
from registration.models import StaffRole
from registration.services import staff

ROLES = [role.value for role in StaffRole]


@click.group("user")
def user_group():
    """Staff accounts (desk, supervisor, admin)."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--venue", default=None, help="Venue code; required for desk and supervisor.")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for (twice, not echoed) when not given.")
@with_appcontext
def create(username, role, venue, password):
    """Create a staff account."""
    with transaction():
        user = staff.create_user(username, role, password, venue)
    where = f" at {user.venue.code}" if user.venue else " (all venues)"
    click.echo(f"user {user.username} created: {user.role.value}{where}")


@user_group.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def password(username, password):
    """Set a new password (also unlocks the account and ends its open sessions)."""
    with transaction():
        user = _user(username)
        staff.set_password(user, password)
    click.echo(f"password of {user.username} changed")


@user_group.command("deactivate")
@click.argument("username")
@with_appcontext
def deactivate(username):
    """Stop an account from logging in and end its open sessions (audit entries stay)."""
    with transaction():
        user = _user(username)
        staff.deactivate(user)
    click.echo(f"user {user.username} deactivated")


@user_group.command("list")
@with_appcontext
def list_users():
    """Accounts with their role, venue and state."""
    click.echo("username\trole\tvenue\tstate\tlast login")
    for user in staff.list_users():
        state = "active" if user.active else "inactive"
        if user.locked_until is not None:
            state += f", locked until {user.locked_until:%Y-%m-%d %H:%M} UTC"
        last = f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "-"
        click.echo(f"{user.username}\t{user.role.value}\t"
                   f"{user.venue.code if user.venue else '*'}\t{state}\t{last}")


def _user(username: str):
    user = staff.find_user(username)
    if user is None:
        raise click.ClickException(f"no user {username!r}")
    return user
