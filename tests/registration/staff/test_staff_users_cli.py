"""`fairgate user create|password|list` as an operator runs it."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

FAIRGATE = str(Path(sys.executable).with_name("fairgate"))


def test_the_console_script_creates_accounts_and_asks_for_the_password(tmp_path):
    env = {**os.environ, "FAIRGATE_INSTANCE_PATH": str(tmp_path),
           "FAIRGATE_STAFF_PASSWORD_HASH": "scrypt:1024:8:1"}
    env.pop("FAIRGATE_DATABASE_URL", None)

    def run(*args: str, stdin: str | None = None):
        result = subprocess.run([FAIRGATE, *args], env=env, capture_output=True, text=True,
                                input=stdin, timeout=120)
        assert result.returncode == 0, result.stderr
        return result.stdout

    run("db", "upgrade")
    run("demo", "--days", "1")
    made = run("user", "create", "Desk1", "--role", "desk", "--venue", "cncc",
               "--password", "a long enough password")
    assert "user desk1 created: desk at CNCC" in made
    # No --password: asked twice, not echoed.
    asked = run("user", "create", "boss", "--role", "admin",
                stdin="another good password\nanother good password\n")
    assert "user boss created: admin (all venues)" in asked
    assert "another good password" not in asked
    listing = run("user", "list")
    assert "desk1\tdesk\tCNCC\tactive" in listing and "boss\tadmin\t*\tactive" in listing


@pytest.fixture
def cli(app, venues):
    runner = app.test_cli_runner()

    def invoke(*args, stdin=None):
        return runner.invoke(args=list(args), input=stdin)

    return invoke


@pytest.mark.parametrize("args,message", [
    (("x1", "--role", "desk", "--password", "a long enough password"),
     "Desk and supervisor accounts need a venue"),
    (("x2", "--role", "supervisor", "--venue", "MARS", "--password", "a long enough password"),
     "Unknown venue"),
    (("x3", "--role", "desk", "--venue", "CNCC", "--password", "short"),
     "at least 10 characters"),
    (("bad name", "--role", "admin", "--password", "a long enough password"),
     "A username is 2-60 lower-case letters"),
    (("x4", "--role", "owner", "--password", "a long enough password"), "Invalid value"),
])
def test_user_create_refuses_bad_input_in_one_line(cli, args, message):
    result = cli("user", "create", *args)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert cli("user", "list").output.count("\n") == 1  # the header only: nothing saved


def test_mismatched_prompted_passwords_are_asked_again(cli):
    result = cli("user", "create", "pat", "--role", "admin",
                 stdin="first password!\nanother one!!\nsame password!\nsame password!\n")
    assert result.exit_code == 0 and "do not match" in result.output
    assert "pat\tadmin" in cli("user", "list").output


def test_a_taken_username_a_password_reset_and_deactivation(cli, app):
    assert cli("user", "create", "sam", "--role", "admin", "--password",
               "first password!").exit_code == 0
    again = cli("user", "create", "SAM", "--role", "admin", "--password", "second password")
    assert again.exit_code != 0 and "This username is taken" in again.output
    reset = cli("user", "password", "sam", "--password", "a new password")
    assert reset.exit_code == 0 and "password of sam changed" in reset.output
    assert cli("user", "deactivate", "sam").exit_code == 0
    assert "sam\tadmin\t*\tinactive" in cli("user", "list").output
    assert cli("user", "password", "nobody", "--password", "whatever123").exit_code != 0
