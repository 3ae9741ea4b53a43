"""The service under faults: a worker killed mid-booking, PostgreSQL restarted under load."""
from __future__ import annotations

import glob
import os
import signal
import subprocess
import time

import pytest
from sqlalchemy import func, select

from faultkit import hammer

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("backend", ["postgresql"])]


def audit(app, day):
    """Counters against rows, and every appointment with exactly one active pass."""
    from registration.extensions import db
    from registration.models import Appointment, AppointmentStatus, FairDay, Pass, PassStatus

    with app.app_context():
        db.session.expire_all()
        fair_day = db.session.scalar(select(FairDay).where(FairDay.date == day))
        active = db.session.scalars(select(Appointment).where(
            Appointment.fair_day_id == fair_day.id,
            Appointment.status == AppointmentStatus.ACTIVE)).all()
        without_pass = [a.code for a in active if db.session.scalar(
            select(func.count()).select_from(Pass).where(
                Pass.appointment_id == a.id, Pass.status == PassStatus.ACTIVE)) != 1]
        return {"counter": fair_day.booked, "rows": len(active), "quota": fair_day.quota,
                "codes": {a.code for a in active}, "without_pass": without_pass}


def test_worker_killed_mid_booking_leaves_no_half_made_booking(app, make_fair_day, booking_body,
                                                               start_server):
    day = make_fair_day(quota=5000)
    server = start_server(workers=2)
    pool, results = hammer(server, [booking_body(day) for _ in range(400)])
    killed = 0
    deadline = time.monotonic() + 20
    while killed < 3 and time.monotonic() < deadline:
        time.sleep(0.4)
        pids = server.worker_pids()
        if pids:
            os.kill(pids[0], signal.SIGKILL)
            killed += 1
    for thread in pool:
        thread.join(timeout=120)
    assert killed == 3
    facts = audit(app, day)
    acknowledged = {answer["appointment"]["code"] for _, status, answer in results
                    if status == 201}
    assert facts["counter"] == facts["rows"]          # the counter matches the rows
    assert facts["without_pass"] == []                # no booking without its pass
    assert acknowledged <= facts["codes"]             # nothing confirmed was lost
    # The service keeps serving after the kills: gunicorn replaced the workers.
    status, _ = server.request("POST", "/api/v1/appointments", booking_body(day))
    assert status == 201


def _cluster() -> str:
    return os.path.basename(sorted(glob.glob("/etc/postgresql/*"))[-1])


def _pg(action: str) -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", _cluster(), "main", action],
                   check=True, capture_output=True, timeout=60)


def test_postgresql_restart_fails_cleanly_and_recovers(app, make_fair_day, booking_body,
                                                       start_server):
    day = make_fair_day(quota=5000)
    server = start_server(workers=2)
    for _ in range(5):
        assert server.request("POST", "/api/v1/appointments", booking_body(day))[0] == 201
    _pg("stop")
    try:
        refused = [server.request("POST", "/api/v1/appointments", booking_body(day))
                   for _ in range(5)]
        health = server.get("/healthz")
    finally:
        _pg("start")
    assert {status for status, _ in refused} == {503}
    for _, answer in refused:
        assert answer["error"]["code"] == "unavailable" and answer["error"]["message"]
    assert health[0] == 503

    deadline = time.monotonic() + 30
    status = 0
    while time.monotonic() < deadline and status != 201:
        status, _ = server.request("POST", "/api/v1/appointments", booking_body(day))
        time.sleep(0.2)
    assert status == 201  # recovered by itself, no restart of the app servers
    facts = audit(app, day)
    assert facts["counter"] == facts["rows"] == 6 and facts["without_pass"] == []
