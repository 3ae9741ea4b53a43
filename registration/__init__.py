"""fairgate registration service: the Flask application factory."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

from registration import hardening
from registration.config import ConfigurationError, Defaults
from registration.extensions import babel, csrf, db, limiter, login_manager, migrate
from registration.keys import open_key_ring

__all__ = ["ConfigurationError", "create_app"]

MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(config: dict | None = None, instance_path: str | None = None, *,
               serving: bool = True) -> Flask:
    """Build the service: defaults -> instance file -> FAIRGATE_* env -> ``config``.

    In production an unsafe setting raises ConfigurationError (one line per problem);
    ``serving=False`` (maintenance commands) checks only what they use, the key file.
    """
    instance_path = instance_path or os.environ.get("FAIRGATE_INSTANCE_PATH")
    app = hardening.FairgateFlask(__name__, instance_path=instance_path,
                                  instance_relative_config=True)
    app.config.from_object(Defaults)
    app.config.from_pyfile("fairgate.cfg", silent=True)
    app.config.from_prefixed_env("FAIRGATE")
    app.config.update(config or {})
    hardening.private_directory(Path(app.instance_path))
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        # Session cookies (staff log-ins, CSRF) travel over HTTPS only in production; in
        # development the service is plain HTTP, often reached from another machine.
        app.config["SESSION_COOKIE_SECURE"] = app.config["ENV"] == "production"
    hardening.configure(app)  # before the limiter: its hook must run first

    _configure_database(app)
    _load_keys(app)
    hardening.check_production(app, serving=serving)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    limiter.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from registration.i18n import request_language

    babel.init_app(app, locale_selector=request_language)

    from registration import api, cli, errors, observability, web
    from registration.services.reads import close_read_session

    app.teardown_appcontext(close_read_session)

    observability.init_app(app)
    errors.register_error_handlers(app)

    app.register_blueprint(api.blueprint)
    csrf.exempt(api.blueprint)  # JSON clients carry no cookies; devices use bearer tokens
    from registration import waitingroom

    waitingroom.init_app(app)  # the queue in front of booking, proof of work
    web.init_app(app)
    cli.init_app(app)
    return app


def _configure_database(app: Flask) -> None:
    url = _driver_url(app.config.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(app.instance_path) / "fairgate.sqlite")))
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    _private_sqlite_file(url)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(
        url, app.config.get("SQLALCHEMY_ENGINE_OPTIONS"))
    replica = app.config.get("REPLICA_DATABASE_URL")
    if replica:  # dashboards read from it (registration/services/reads.py)
        replica = _driver_url(replica)
        app.config["SQLALCHEMY_BINDS"] = {"replica": {"url": replica,
                                                      **_engine_options(replica, None)}}


def _private_sqlite_file(url: str) -> None:
    """A SQLite database file holds ciphertext and names: readable by its owner only
    (SQLite gives its -wal and -shm files the database file's mode)."""
    if not url.startswith("sqlite"):
        return
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    hardening.private_file(path)
    for suffix in ("-wal", "-shm"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            hardening.private_file(companion)


def _driver_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _engine_options(url: str, given: dict | None) -> dict:
    options = dict(given or {})
    if url.startswith("sqlite"):
        # Writers wait for each other instead of failing at once with "database is locked".
        options.setdefault("connect_args", {"timeout": 30})
    else:
        options.setdefault("pool_pre_ping", True)
    return options


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def _load_keys(app: Flask) -> None:
    key_file = Path(app.config["KEY_FILE"])
    if not key_file.is_absolute():
        key_file = Path(app.instance_path) / key_file
    ring = open_key_ring(key_file, create=app.config["ENV"] != "production")
    app.extensions["fairgate.keys"] = ring
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = ring.secret_key
