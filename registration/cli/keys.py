"""`fairgate keys`: create the key file, rotate the pass signing key, list keys."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.group("keys")
def keys_group():
    """Pass signing keys."""


@keys_group.command("rotate")
@with_appcontext
def rotate():
    """Add a new signing key; passes signed with older keys stay valid."""
    entry = current_app.extensions["fairgate.keys"].rotate()
    click.echo(f"new signing key {entry.key_id}; new passes are signed with it")


@keys_group.command("list")
@with_appcontext
def list_keys():
    """Key ids, creation time and which key signs."""
    ring = current_app.extensions["fairgate.keys"]
    current = ring.current_signing_key.key_id
    for entry in ring.signing_keys:
        mark = "signing" if entry.key_id == current else "verify-only"
        click.echo(f"{entry.key_id}\t{entry.created_at}\t{mark}")


@keys_group.command("init")
def init_keys():
    """Create the key file (0600) if it does not exist. Needed once before production."""
    import os
    from pathlib import Path

    from flask import Flask

    from registration.keys import open_key_ring

    instance = Flask("registration", instance_path=os.environ.get("FAIRGATE_INSTANCE_PATH"))
    path = Path(os.environ.get("FAIRGATE_KEY_FILE", "fairgate-keys.json"))
    if not path.is_absolute():
        path = Path(instance.instance_path) / path
    existed = path.exists()
    ring = open_key_ring(path, create=True)
    state = "exists" if existed else "created"
    click.echo(f"{path} {state}; signing key {ring.current_signing_key.key_id}")
