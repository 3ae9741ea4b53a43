"""Fixtures for fault tests."""
from __future__ import annotations

import os

import pytest

from faultkit import Server


@pytest.fixture
def start_server(instance_dir, database_url, app):
    """Builder: ``start_server(workers=2, port=None)`` -> a gunicorn serving the migrated
    test database (on ``port``: a service restarted where its clients expect it)."""
    servers = []
    env = {**os.environ, "FAIRGATE_INSTANCE_PATH": str(instance_dir),
           "FAIRGATE_DATABASE_URL": database_url, "FAIRGATE_RATELIMIT_ENABLED": "0"}

    def build(workers: int = 2, port: int | None = None) -> Server:
        server = Server(env, workers, port)
        servers.append(server)
        return server

    yield build
    for server in servers:
        server.stop()
