"""The kiosk keeps the stock the service sizes for it, and marks what it decided without the
service as offline, from `fairgate-kiosk scan` too."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import cv2
import pytest

from kiosk import credits as credit_book
from kiosk.cli import main
from kiosk.config import ledger_path
from kiosk.ledger import Ledger
from kiosk.sync import Synchronizer, reached_recently
from kioskkit import pass_frame

on_sqlite = pytest.mark.parametrize("backend", ["sqlite"])  # the service's database


def held(kiosk) -> int:
    return credit_book.credit_state(kiosk.ledger, kiosk.ledger.manifest_day).available


@on_sqlite
def test_a_busy_gate_is_topped_up_to_the_sized_stock(gate_day, book_passes, station):
    day = gate_day(occupancy_limit=8000)
    passes = book_passes(day, 20)
    kiosk = station()  # enrolment leased the kiosk's own stock (30); no entries yet
    assert held(kiosk) == 30 and credit_book.stock_target(kiosk.ledger, day) == 0
    for batch in (passes[:10], passes[10:]):
        for p in batch:
            assert kiosk.gate.decide_text(p["token"]).verdict.admit
        answer = kiosk.sync.round().lease
    # 20 people within a minute: 10 minutes of that is 200 credits
    assert answer["peak_per_minute"] == pytest.approx(20)
    assert answer["target"] == 200 and answer["credits"] == 200 == held(kiosk)
    assert credit_book.stock_target(kiosk.ledger, day) == 200
    assert not kiosk.sync.round().lease  # stocked: nothing to ask, nothing to report


@on_sqlite
def test_a_kiosk_gives_back_what_it_holds_beyond_twice_its_stock(gate_day, book_passes,
                                                                 station, app):
    day = gate_day(occupancy_limit=8000)
    kiosk = station()
    answer = Synchronizer(kiosk.ledger, kiosk.client, credit_stock=200).renew_lease()
    assert answer["granted"] == 170 and held(kiosk) == 200
    answer = kiosk.sync.round().lease  # its own stock is 30 again, the gate idle
    assert answer["credits"] == 30 == held(kiosk) and answer["target"] == 0
    assert answer["pool"]["committed"] == 30
    # A closing lane (credit stock 0) gives everything back and leases nothing.
    credit_book.surrender(kiosk.ledger, day)
    answer = Synchronizer(kiosk.ledger, kiosk.client, credit_stock=0).renew_lease()
    assert answer["granted"] == 0 and answer["pool"]["committed"] == 0 and held(kiosk) == 0


def cli(capsys, *args) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().out


def queued_offline_flags(home) -> list[bool]:
    with Ledger(ledger_path(home)) as ledger:
        return [e["offline"] for e in ledger.queued_events(100)]


@on_sqlite
def test_scan_marks_decisions_offline_when_the_service_is_not_reached(
        gate_day, book_passes, enrolled, live_service, service_events, tmp_path, capsys):
    day = gate_day()
    passes = book_passes(day, 4)
    home = enrolled()
    images = []
    for n, p in enumerate(passes):
        images.append(tmp_path / f"pass{n}.png")
        cv2.imwrite(str(images[-1]), pass_frame(p["token"], n))
    # Just synced (enrolment): online.
    assert cli(capsys, "--home", str(home), "scan", str(images[0]))[0] == 0
    # The network went down after that sync, a minute ago; the ledger still says online.
    live_service.stop()
    with Ledger(ledger_path(home)) as ledger:
        a_minute_ago = datetime.now(timezone.utc) - timedelta(minutes=1)
        ledger.set(last_sync=a_minute_ago.isoformat(timespec="seconds"))
        assert ledger.get("online") is True and not reached_recently(ledger)
    status, out = cli(capsys, "--home", str(home), "scan", str(images[1]))
    assert status == 0 and json.loads(out)["verdicts"][0]["reason"] == "ok"
    # --sync that fails: offline too.
    assert cli(capsys, "--home", str(home), "scan", "--sync", str(images[2]))[0] == 0
    assert queued_offline_flags(home) == [False, True, True]
    # Back: a successful --sync makes the next decision online again, and the service
    # stores each event's flag as the kiosk recorded it.
    live_service.start()
    assert cli(capsys, "--home", str(home), "scan", "--sync", str(images[3]))[0] == 0
    assert cli(capsys, "--home", str(home), "sync")[0] == 0
    assert [e["offline"] for e in service_events()] == [False, True, True, False]


def test_online_means_a_recent_answer(ledger):
    now = datetime(2026, 9, 10, 2, 0, tzinfo=timezone.utc)
    assert not reached_recently(ledger, now=now)  # never synced
    ledger.set(online=True, last_sync=(now - timedelta(seconds=9)).isoformat())
    assert reached_recently(ledger, now=now)
    assert not reached_recently(ledger, now=now + timedelta(seconds=2))
    ledger.set(online=False)
    assert not reached_recently(ledger, now=now)
