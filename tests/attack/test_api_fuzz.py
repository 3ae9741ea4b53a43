"""The whole API fuzzed from its OpenAPI document by the schemathesis command line, with
``--checks all``: no server error, every answer as documented, every request the document
allows accepted, every request it forbids refused, and no warning (an operation that only
answered 401/403 or 404 fails the run too: warnings.fail-on in schemathesis.toml).

The service runs for real on 127.0.0.1 (a thread, SQLite), seeded by ``fairgate demo``,
with a kiosk enrolled through ``fairgate device enroll-code`` and POST /api/v1/devices/enroll,
whose token schemathesis sends to the gate operations (the document's bearerAuth); the
document's links chain booking -> look-up, cancel, pass files and enrolment -> gate calls
and waiting-list join -> withdraw, queue join -> status. A booked-up day with an offer and
a waiting entry on its list, and a day behind the waiting room, are prepared through the
real service (tests/attack/fuzz_setup.py), and a full forum with a booking to join its waiting
list, and an annulled admission of the kiosk; the hooks solve each queue join's proof of work.
Bounded for `make test` (FAIRGATE_FUZZ_EXAMPLES, default 25 per operation); the longer run
of docs/RELIABILITY.md sets it to 150.
"""
from __future__ import annotations

import json
import os
import subprocess
import urllib.request
import threading
from pathlib import Path

import pytest

from registration import create_app
from tests.attack.fuzz_setup import command, prepare

ROOT = Path(__file__).parents[2]
EXAMPLES = int(os.environ.get("FAIRGATE_FUZZ_EXAMPLES", "25"))
TIMEOUT_SECONDS = 1800
# The queue's proof of work at its smallest useful cost: the hooks solve one per join for
# real (altcha), a few hundred hashes instead of the default's tens of thousands.
POW_COST = 1000


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo served on a free port: (base URL, run folder, environment of the run)."""
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    instance = tmp_path_factory.mktemp("fuzz")
    app = create_app({"RATELIMIT_ENABLED": False, "POW_MAX_NUMBER": POW_COST,
                      "DATABASE_URL": f"sqlite:///{instance / 'fuzz.sqlite'}"},
                     instance_path=str(instance))
    with app.app_context():
        upgrade()
    seeded = app.test_cli_runner().invoke(args=["demo", "--days", "3"])
    assert seeded.exit_code == 0, seeded.output

    def cli(args: list[str]) -> str:
        """``fairgate ARGS`` on the served instance, as an operator runs it."""
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        return result.output

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="fuzz-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    env = prepare(base_url, cli, instance / "run", instance / "outbox")
    yield base_url, instance / "run", {**os.environ, **env}
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def test_schemathesis_checks_all_finds_nothing(served):
    base_url, folder, env = served
    run = subprocess.run(command(base_url, folder, EXAMPLES), cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report[-20000:]
    summary = report[report.index("SUMMARY"):]
    # Every operation the document lists was tested, none skipped for want of data.
    with urllib.request.urlopen(f"{base_url}/api/openapi.json") as answer:
        document = json.load(answer)
    assert _tested(summary) == sum(len(ops) for ops in document["paths"].values()), summary
    print(summary)  # the case count, for docs/RELIABILITY.md (pytest -s)


def _tested(summary: str) -> int:
    line = next(line for line in summary.splitlines() if line.strip().startswith("Tested:"))
    return int(line.split(":")[1])
