"""The `fairgate` command: the Flask CLI of the service plus fairgate's own commands."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup

from registration.cli import demo, devices, gate, keys, manage, users, waitlist
from registration.cli import messages as message_commands
from registration.cli import organisations as organisation_commands
from registration.cli.credentials import credential_group
from registration.cli.forums import forum_group
from registration.cli.zones import zone_group
from registration.cli.attention import attention_group


def init_app(app) -> None:
    for command in (*manage.COMMANDS, demo.demo_command, keys.keys_group,
                    devices.device_group, gate.gate_group, users.user_group,
                    waitlist.waitlist_group, message_commands.messages_group,
                    organisation_commands.org_group, credential_group,
                    attention_group, zone_group, forum_group):
        app.cli.add_command(command)


def _create_app():
    from registration import create_app

    # Maintenance commands answer no requests: `serve` runs the serving checks itself.
    return create_app(serving=False)


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True,
             load_dotenv=False, add_version_option=False)
def cli():
    """fairgate registration service."""


@cli.command("serve")
@click.option("--host", default=lambda: os.environ.get("FAIRGATE_HOST", "127.0.0.1"))
@click.option("--port", type=int, default=lambda: int(os.environ.get("FAIRGATE_PORT", 5000)))
def serve(host: str, port: int):
    """Serve with Flask's development server (use gunicorn in production)."""
    from flask import current_app
    from werkzeug.serving import run_simple

    from registration.hardening import check_production
    from registration.observability import RedactingRequestHandler

    app = current_app._get_current_object()
    check_production(app, serving=True)
    # Flask's app.run() refuses to start from inside a CLI command, so serve directly.
    click.echo(f"fairgate on http://{host}:{port}/ (Ctrl-C to stop)")
    run_simple(host, port, app, threaded=True, request_handler=RedactingRequestHandler)


cli.add_command(keys.keys_group)  # `keys init` must work before the app can start


def main() -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from registration.cli.common import database_error_line

    try:
        cli.main(prog_name="fairgate")
    except SQLAlchemyError as exc:  # its text holds the SQL and parameters: never printed
        click.echo(f"fairgate: error: {database_error_line(exc)}", err=True)
        sys.exit(1)
    except Exception as exc:  # one clear line per problem, never a traceback, for operators
        for line in str(exc).splitlines() or [type(exc).__name__]:
            click.echo(f"fairgate: error: {line}", err=True)
        sys.exit(1)
