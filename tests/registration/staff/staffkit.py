"""Helpers the staff tests import (conftest modules are not importable by name)."""
from __future__ import annotations

PASSWORD = "correct horse battery"


def log_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/staff/login", data={"username": username, "password": password,
                                             **extra})
