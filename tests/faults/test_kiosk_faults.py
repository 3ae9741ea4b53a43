"""The kiosk under faults, against gunicorn + PostgreSQL: a long partition from the service,
and the kiosk process killed at random moments while it scans."""
from __future__ import annotations

import json
import random
import signal
import sys
import time
from collections import Counter
from datetime import time as clock_time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "kiosk"))

import kioskkit  # noqa: E402
from gate.reasons import Reason  # noqa: E402
from kiosk.cli import main as kiosk_main  # noqa: E402
from kiosk.config import ledger_path, load  # noqa: E402
from kiosk.gatekeeper import Gatekeeper  # noqa: E402
from kiosk.ledger import Ledger  # noqa: E402
from kiosk.sync import GateClient, SyncWorker  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"])]


@pytest.fixture
def gate_service(app, make_fair_day, booking_body, start_server, tmp_path):
    """``gate_service(**day)`` -> today's CNCC day with gunicorn in front of it: ``.server``,
    ``.book(n)`` (passes booked through the API), ``.enrol()`` (the state directory of a
    freshly enrolled kiosk) and ``.restart()`` (a new gunicorn on the same port)."""
    from registration.extensions import db
    from registration.services import devices

    def setup(**day_options):
        day = make_fair_day("CNCC", offset=0, opens=clock_time(0, 0),
                            closes=clock_time(23, 59), **day_options)
        server = start_server(workers=2)

        def book(n: int) -> list[dict]:
            booked = []
            for _ in range(n):
                status, answer = server.request("POST", "/api/v1/appointments",
                                                booking_body(day))
                assert status == 201, answer
                booked.append(answer["pass"])
            return booked

        def enrol() -> Path:
            with app.app_context():
                code, _ = devices.new_enrollment_code("CNCC", "CNCC-E1")
                db.session.commit()
            home = tmp_path / "kiosk"
            assert kiosk_main(["--home", str(home), "enroll", "--server",
                               f"http://127.0.0.1:{server.port}", "--code", code]) == 0
            return home

        def restart():
            return start_server(workers=2, port=server.port)

        return SimpleNamespace(day=day, server=server, book=book, enrol=enrol,
                               restart=restart)

    return setup


def service_events(app, device_id: int) -> list:
    from registration.extensions import db
    from registration.models import CheckInEvent

    with app.app_context():
        return db.session.execute(select(
            CheckInEvent.event_id, CheckInEvent.serial, CheckInEvent.admit,
            CheckInEvent.direction, CheckInEvent.offline).where(
            CheckInEvent.device_id == device_id)).all()


def assert_exactly_once(app, home: Path) -> Ledger:
    config, _ = load(home)
    with Ledger(ledger_path(home)) as ledger:
        assert ledger.check() == []
        local = ledger.conn.execute("SELECT event_id, serial, admit, direction FROM decisions"
                                    ).fetchall()
        assert ledger.counts()["queued"] == 0
    stored = service_events(app, config.device_id)
    ids = [row.event_id for row in stored]
    assert len(ids) == len(set(ids)) == len(local)
    assert set(ids) == {row["event_id"] for row in local}
    entries = Counter(row.serial for row in stored if row.admit and row.direction == "in")
    assert all(n == 1 for n in entries.values())  # nobody admitted twice
    return stored


def _until(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_long_partition_every_event_arrives_once_and_counts_match(app, gate_service):
    from registration.extensions import db
    from registration.models import OccupancyPool

    service = gate_service(quota=1000, occupancy_limit=400)
    passes = service.book(120)
    home = service.enrol()
    config, token = load(home)
    worker = SyncWorker(ledger_path(home), lambda: GateClient(config.server, token,
                                                              timeout=(0.5, 2.0)),
                        interval=0.3, max_backoff=0.5, credit_stock=100)
    ledger = Ledger(ledger_path(home))
    entry = Gatekeeper(ledger, venue="CNCC", gate="CNCC-E1", online=lambda: worker.online,
                       on_decision=lambda decision: worker.wake())
    exit_ = Gatekeeper(ledger, venue="CNCC", gate="CNCC-E1", direction="out",
                       online=lambda: worker.online)
    worker.start()
    try:
        assert _until(lambda: worker.online and ledger.counts()["appointments"] == 120)
        assert _until(lambda: ledger.get("online") and _credits(ledger) == 100)
        service.server.stop()  # the partition: hundreds of scans with nobody to tell
        assert _until(lambda: not worker.online)
        reasons = Counter()
        for p in passes:
            reasons[entry.decide_text(p["token"]).verdict.reason] += 1
        for p in passes[:60]:
            reasons[exit_.decide_text(p["token"]).verdict.reason] += 1
        for n in range(100):
            reasons[entry.decide_text(f"HTTPS://EXAMPLE.COM/{n}").verdict.reason] += 1
        for p in passes[60:100]:
            reasons[entry.decide_text(p["token"]).verdict.reason] += 1
        assert sum(reasons.values()) == 320 and ledger.counts()["queued"] == 320
        # The occupancy limit held offline: admissions only on the 100 leased credits.
        assert reasons[Reason.ok] == 100 and reasons[Reason.venue_full] == 20
        assert reasons[Reason.ok_exit] == 60 and reasons[Reason.unreadable] == 100
        start = time.monotonic()
        service.restart()
        assert _until(lambda: worker.online and ledger.counts()["queued"] == 0)
        took = time.monotonic() - start
        # Reported, then topped up again: to its stock at least, more once the service has
        # seen its throughput (stock sized to the gate), never beyond the free places.
        assert _until(lambda: _credits(ledger) >= 100)
        assert _credits(ledger) <= 400 - (100 - 60)
    finally:
        worker.stop()
    stored = assert_exactly_once(app, home)
    assert len(stored) == 320 and all(row.offline for row in stored)
    assert took < 30
    with app.app_context():
        pool = db.session.scalar(select(OccupancyPool))
        assert pool.inside == 100 - 60  # what the kiosk saw, now the service's count too
    ledger.close()


def _credits(ledger: Ledger) -> int:
    from kiosk import credits as credit_book
    day = ledger.manifest_day
    return credit_book.credit_state(ledger, day).available if day else 0


def test_kiosk_killed_at_random_moments_keeps_a_consistent_ledger(app, gate_service,
                                                                  tmp_path):
    service = gate_service(quota=1000)
    passes = service.book(40)
    home = service.enrol()
    frames = tmp_path / "frames"
    kioskkit.write_stream(frames, [p["token"] for p in passes])
    run = ("run", "--images", str(frames), "--headless", "--fps", "40",
           "--sync-interval", "0.3", "--max-backoff", "0.5")
    rng = random.Random(2026)
    printed = []
    for _ in range(5):
        process = kioskkit.start_kiosk(home, *run)
        time.sleep(rng.uniform(0.8, 2.6))
        process.send_signal(signal.SIGKILL)
        out, _ = process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL  # killed mid-stream, not finished
        printed += kioskkit.verdict_lines(out)
        with Ledger(ledger_path(home)) as ledger:
            assert ledger.check() == []
            counts = ledger.counts()
            assert counts["decisions"] == counts["events"]
            for line in printed:  # everything shown was committed first
                assert ledger.decision(line["event_id"]) is not None
    assert any(line["admit"] for line in printed)
    kioskkit.kiosk(home, *run[:-4])  # to the end, then its final upload
    kioskkit.kiosk(home, "sync")
    stored = assert_exactly_once(app, home)
    entered = {row.serial for row in stored if row.admit and row.direction == "in"}
    assert entered == {p["serial"] for p in passes}
    assert json.loads(kioskkit.kiosk(home, "status", "--json").stdout)["queued_events"] == 0
