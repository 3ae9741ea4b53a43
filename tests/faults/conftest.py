"""Fixtures for fault tests."""
from __future__ import annotations

import os

import pytest

from faultkit import Server


@pytest.fixture
def start_server(instance_dir, database_url, app):
    """Builder: ``start_server(workers=2)`` -> a gunicorn serving the migrated test database."""
    servers = []
    env = {**os.environ, "FAIRGATE_INSTANCE_PATH": str(instance_dir),
           "FAIRGATE_DATABASE_URL": database_url, "FAIRGATE_RATELIMIT_ENABLED": "0"}

    def build(workers: int = 2) -> Server:
        server = Server(env, workers)
        servers.append(server)
        return server

    yield build
    for server in servers:
        server.stop()
