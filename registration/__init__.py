"""fairgate registration service: the Flask application factory."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from registration.config import Defaults
from registration.extensions import babel, csrf, db, limiter, login_manager, migrate
from registration.keys import open_key_ring

MIGRATIONS = str(Path(__file__).parent / "migrations")


def create_app(config: dict | None = None, instance_path: str | None = None) -> Flask:
    """Build the service: defaults -> instance file -> FAIRGATE_* env -> ``config``."""
    instance_path = instance_path or os.environ.get("FAIRGATE_INSTANCE_PATH")
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_object(Defaults)
    app.config.from_pyfile("fairgate.cfg", silent=True)
    app.config.from_prefixed_env("FAIRGATE")
    app.config.update(config or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        # Session cookies (staff log-ins, CSRF) travel over HTTPS only, except in development.
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)

    _configure_database(app)
    _load_keys(app)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS)
    limiter.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    from registration.i18n import select_locale

    babel.init_app(app, locale_selector=select_locale)

    from registration import api, cli, observability, web
    from registration.services.reads import close_read_session

    app.teardown_appcontext(close_read_session)

    observability.init_app(app)

    app.register_blueprint(api.blueprint)
    csrf.exempt(api.blueprint)  # JSON clients carry no cookies; devices use bearer tokens
    web.init_app(app)
    cli.init_app(app)
    return app


def _configure_database(app: Flask) -> None:
    url = _driver_url(app.config.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(app.instance_path) / "fairgate.sqlite")))
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = _engine_options(
        url, app.config.get("SQLALCHEMY_ENGINE_OPTIONS"))
    replica = app.config.get("REPLICA_DATABASE_URL")
    if replica:  # dashboards read from it (registration/services/reads.py)
        replica = _driver_url(replica)
        app.config["SQLALCHEMY_BINDS"] = {"replica": {"url": replica,
                                                      **_engine_options(replica, None)}}


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
