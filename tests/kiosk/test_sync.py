"""The sync client against the real service: manifest by cursor, events exactly once, leases,
offline by itself when the service is gone or slow, back when it returns."""
from __future__ import annotations

import socket
import threading
import time

import pytest

from gate.reasons import Reason
from kiosk import credits as credit_book
from kiosk.config import ledger_path
from kiosk.config import load
from kiosk.sync import (
    GateClient, Rejected, RoundReport, Synchronizer, SyncWorker, Unreachable,
)

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


class LossyClient:
    """Delivers requests but loses the answers of the first ``lose`` of a kind, as a
    dropped connection would; counts the event batch sizes."""

    def __init__(self, client, lose=0, kind="upload"):
        self.client, self.lose, self.kind, self.batches = client, lose, kind, []

    def __getattr__(self, name):
        call = getattr(self.client, name)

        def wrapped(*args, **kwargs):
            if name == "upload":
                self.batches.append(len(args[0]))
            answer = call(*args, **kwargs)
            if name == self.kind and self.lose:
                self.lose -= 1
                raise Unreachable("answer lost")
            return answer

        return wrapped


def test_manifest_full_then_incremental(gate_day, book_passes, station, live_service):
    day = gate_day()
    passes = book_passes(day, 3)
    kiosk = station()  # enrolment already pulled the three
    assert kiosk.ledger.counts()["appointments"] == 3
    cancel = live_service.post(f"/api/v1/appointments/{passes[0]['code']}/cancel",
                               {"document_number": passes[0]["number"]})
    assert cancel.status_code == 200, cancel.text
    late = book_passes(day, 1)[0]
    report = kiosk.sync.round()
    assert report.items == 2 and not report.manifest_error
    assert kiosk.ledger.appointment(passes[0]["serial"]).status == "cancelled"
    assert kiosk.gate.decide_text(passes[0]["token"]).verdict.reason is Reason.cancelled
    assert kiosk.gate.decide_text(late["token"]).verdict.reason is Reason.ok
    kiosk.ledger.set(cursor="garbage")  # a cursor the service does not take: full pull
    assert kiosk.sync.round().items == 4


def test_events_arrive_exactly_once_even_when_answers_are_lost(
        gate_day, book_passes, station, service_events):
    day = gate_day()
    passes = book_passes(day, 3)
    kiosk = station()
    for p in passes:
        kiosk.gate.decide_text(p["token"])
    lossy = LossyClient(kiosk.client, lose=1)
    with pytest.raises(Unreachable):
        Synchronizer(kiosk.ledger, lossy).push(RoundReport())
    assert kiosk.ledger.counts()["queued"] == 3  # no answer: nothing leaves the queue
    report = kiosk.sync.round()
    assert report.uploaded == 0 and report.duplicates == 3
    assert kiosk.ledger.counts()["queued"] == 0
    stored = service_events(device_id=kiosk.config.device_id)
    assert sorted(e["id"] for e in stored) == sorted(
        e["id"] for e in kiosk.ledger.conn.execute("SELECT id FROM events"))
    assert all(e["reason"] == "ok" and not e["offline"] for e in stored)


def test_uploads_go_in_batches_of_at_most_500(gate_day, station, service_events):
    gate_day()
    kiosk = station()
    for n in range(1203):
        kiosk.gate.decide_text(f"NOT A PASS {n}")
    counting = LossyClient(kiosk.client)
    report = RoundReport()
    Synchronizer(kiosk.ledger, counting).push(report)
    assert counting.batches == [500, 500, 203] and report.uploaded == 1203
    assert len(service_events(device_id=kiosk.config.device_id)) == 1203


def test_an_event_the_service_refuses_is_kept_aside(gate_day, book_passes, station,
                                                    service_events):
    day = gate_day()
    p = book_passes(day, 1)[0]
    kiosk = station()
    kiosk.gate.decide_text(p["token"])
    kiosk.gate.gate = "SHOUGANG-E1"  # not a gate of this device's venue
    kiosk.gate.decide_text("NOT A PASS")
    report = kiosk.sync.round()
    assert report.uploaded == 1 and report.rejected == 1
    counts = kiosk.ledger.counts()
    assert counts["queued"] == 0 and counts["rejected"] == 1 and kiosk.ledger.check() == []
    assert len(service_events(device_id=kiosk.config.device_id)) == 1


def test_leases_and_reports_apply_once(gate_day, book_passes, station, app):
    day = gate_day(occupancy_limit=100)
    passes = book_passes(day, 4)
    kiosk = station()  # the enrolment round leased the working stock
    assert credit_book.credit_state(kiosk.ledger, kiosk.ledger.manifest_day).available == 30
    for p in passes:
        assert kiosk.gate.decide_text(p["token"]).verdict.admit
    lossy = LossyClient(kiosk.client, lose=1, kind="lease")
    with pytest.raises(Unreachable):
        Synchronizer(kiosk.ledger, lossy, credit_stock=60).renew_lease()
    answer = Synchronizer(kiosk.ledger, kiosk.client, credit_stock=60).renew_lease()
    assert answer["granted"] == 34 and answer["credits"] == 60  # the same answer again
    assert answer["pool"]["inside"] == 4 and answer["pool"]["committed"] == 64
    assert credit_book.credit_state(kiosk.ledger, kiosk.ledger.manifest_day).available == 60


def test_two_gates_admitting_one_pass_offline_is_an_anomaly(gate_day, book_passes, station):
    day = gate_day()
    p = book_passes(day, 1)[0]
    east, west = station("CNCC-E1"), station("CNCC-E2")
    east.online = west.online = False
    assert east.gate.decide_text(p["token"]).verdict.admit
    assert west.gate.decide_text(p["token"]).verdict.admit
    east.sync.round()
    report = west.sync.round()
    assert [a["code"] for a in report.anomalies] == ["double_admission"]
    assert west.ledger.counts()["anomalies"] == 1
    # Both kiosks learn the pass is inside from the manifest.
    east.sync.round()
    assert east.ledger.presence(p["serial"], day).inside


def test_offline_by_itself_and_back(gate_day, book_passes, live_service, enrolled):
    day = gate_day()
    p = book_passes(day, 1)[0]
    home = enrolled()
    config, token = load(home)
    worker = SyncWorker(ledger_path(home), lambda: GateClient(config.server, token,
                                                              timeout=(0.5, 1.0)),
                        interval=0.2, max_backoff=0.4)
    worker.start()
    try:
        assert worker.first_round.wait(10) and _until(lambda: worker.online)
        live_service.stop()
        assert _until(lambda: not worker.online)
        live_service.start()
        assert _until(lambda: worker.online)
    finally:
        worker.stop()
    assert p  # the pass is in the manifest the worker pulled


def test_a_slow_service_counts_as_unreachable(gate_day, station):
    gate_day()
    kiosk = station()
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        port = silent.getsockname()[1]
        client = GateClient(f"http://127.0.0.1:{port}", kiosk.token, timeout=(0.5, 0.5))
        started = time.monotonic()
        with pytest.raises(Unreachable):
            Synchronizer(kiosk.ledger, client).round()
        client.close()
    assert time.monotonic() - started < 3


def test_a_revoked_device_is_told_to_re_enrol(gate_day, station, app):
    from registration.extensions import db
    from registration.services import devices

    gate_day()
    kiosk = station()
    with app.app_context():
        devices.revoke_device(kiosk.config.device_id)
        db.session.commit()
    with pytest.raises(Rejected) as caught:
        kiosk.sync.round()
    assert caught.value.status == 401 and caught.value.code == "device_revoked"


def _until(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        threading.Event().wait(0.05)
    return False
