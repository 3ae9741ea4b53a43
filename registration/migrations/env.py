"""Alembic environment: runs inside the Flask app (via Flask-Migrate) on its engine."""
from __future__ import annotations

import logging

from alembic import context
from flask import current_app

from registration.extensions import db

config = context.config
logger = logging.getLogger("alembic.env")


def run_migrations_offline() -> None:
    context.configure(url=str(db.engine.url).replace("%", "%%"),
                      target_metadata=db.metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty(context_, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", skip_empty)
    options.setdefault("render_as_batch", True)
    options.setdefault("compare_type", True)
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
