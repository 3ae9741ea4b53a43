"""The `fairgate` command: the Flask CLI of the service plus fairgate's own commands."""
from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup

from registration.cli import demo, devices, keys, manage, users


def init_app(app) -> None:
    for command in (*manage.COMMANDS, demo.demo_command, keys.keys_group,
                    devices.device_group, users.user_group):
        app.cli.add_command(command)


def _create_app():
    from registration import create_app

    return create_app()


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

    # Flask's app.run() refuses to start from inside a CLI command, so serve directly.
    click.echo(f"fairgate on http://{host}:{port}/ (Ctrl-C to stop)")
    run_simple(host, port, current_app._get_current_object(), threaded=True)


cli.add_command(keys.keys_group)  # `keys init` must work before the app can start


def main() -> None:
    try:
        cli.main(prog_name="fairgate")
    except Exception as exc:  # one clear line, never a traceback, for operators
        click.echo(f"fairgate: error: {exc}", err=True)
        sys.exit(1)
