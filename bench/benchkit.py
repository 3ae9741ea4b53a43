"""What the service benchmarks share: a throw-away database, gunicorn on loopback, figures."""
from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("FAIRGATE_BENCH_PG",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def fresh_database(name: str) -> str:
    """Drop and create database ``name``; returns its SQLAlchemy URL."""
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, workers: int, threads: int = 4) -> subprocess.Popen:
    """gunicorn (gthread x ``threads``) on 127.0.0.1:port, returned once /healthz answers."""
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = subprocess.Popen(
        [gunicorn, "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--worker-class", "gthread", "--threads", str(threads), "--log-level", "warning",
         "registration.wsgi:app"], env=env, cwd=ROOT)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def migrated_service(database: str, settings: dict[str, str], config: dict | None = None):
    """A fresh database and instance folder, the environment that points app servers at
    them (``settings`` are extra FAIRGATE_* variables), and an in-process app on the
    migrated schema. Returns ``(app, env)``."""
    env = {**os.environ, "FAIRGATE_DATABASE_URL": fresh_database(database),
           "FAIRGATE_INSTANCE_PATH": tempfile.mkdtemp(prefix=f"{database}-"), **settings}
    os.environ.update(env)  # the in-process app reads the same configuration
    from flask_migrate import upgrade

    from registration import create_app

    app = create_app(config)
    with app.app_context():
        upgrade()
    return app, env
