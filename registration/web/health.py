"""Liveness (`/healthz`) and readiness (`/readyz`) for load balancers and orchestrators."""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app
from sqlalchemy import text

from registration.extensions import db

blueprint = Blueprint("health", __name__)


def _database_ok() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not healthy", never a stack trace
        db.session.rollback()
        return False


@blueprint.get("/healthz")
def healthz():
    if not _database_ok():
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


def _schema_state() -> str:
    migrate = current_app.extensions["migrate"]
    script = ScriptDirectory(migrate.directory)
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_heads()
    return "current" if set(current) == set(script.get_heads()) else "outdated"


def _rate_limit_store() -> str:
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if not uri.startswith("redis"):
        return "memory"
    import redis

    try:
        redis.Redis.from_url(uri, socket_timeout=1).ping()
        return "ok"
    except redis.RedisError:
        return "unreachable"


@blueprint.get("/readyz")
def readyz():
    """Ready to take traffic: database reachable, schema migrated, rate-limit store up."""
    checks = {"database": "ok" if _database_ok() else "unreachable"}
    if checks["database"] == "ok":
        checks["schema"] = _schema_state()
    checks["rate_limit_store"] = _rate_limit_store()
    checks["keys"] = "ok" if current_app.extensions.get("fairgate.keys") else "missing"
    ready = checks["database"] == "ok" and checks.get("schema") == "current" \
        and checks["rate_limit_store"] in ("ok", "memory") and checks["keys"] == "ok"
    return {"status": "ok" if ready else "not_ready", "checks": checks}, 200 if ready else 503
