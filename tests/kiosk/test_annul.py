"""Annulling a kiosk's last admission within 30 s: kept, marked, undone, uploaded (issue 13)."""
from __future__ import annotations

import pytest

from doorkit import ROOM, door_page
from kioskkit import BEIJING, KIOSK_DAY
from gate.occupancy import CreditReport
from gate.reasons import Reason
from kiosk import cli
from kiosk import config as kiosk_config
from kiosk import credits as credit_book
from kiosk.app import KioskApp
from kiosk.doors import ALREADY, ANNULLED, NOTHING, TOO_LATE
from kiosk.gatekeeper import Gatekeeper


class Screen:
    def __init__(self, keys=()):
        self.shown, self.keys = [], list(keys)

    def show_verdict(self, verdict, status=None, frame=None, extra=None):
        self.shown.append((verdict, extra))

    def show_idle(self, frame, status):
        pass

    def poll_key(self, delay_ms=1):
        return self.keys.pop(0) if self.keys else None


@pytest.fixture
def door(ledger, clock, make_pass, make_page):
    """An offline room-door Gatekeeper and two seat holders in its ledger."""
    holders = [make_pass(), make_pass()]
    ledger.apply_manifest_page(door_page(make_page, holders,
                                         seats={p.serial: ["F-AI"] for p in holders}))
    screen = Screen()
    gate = Gatekeeper(ledger, venue="CNCC", gate=ROOM, clock=clock, display=screen,
                      monotonic=clock.monotonic, online=lambda: False)
    return gate, holders, screen


def test_annul_within_30_s_undoes_the_entry_and_queues_an_annul_event(ledger, door, clock):
    gate, (holder, _), screen = door
    admitted = gate.decide_text(holder.token)
    assert gate.status().inside_now == 1
    clock.advance(20)
    outcome = gate.annul_last()
    assert outcome.status == ANNULLED and outcome.annulled_event == admitted.event_id
    verdict, extra = screen.shown[-1]
    assert extra == {"annul": ANNULLED} and verdict.message.en.startswith("Last admission")
    row = ledger.decision(admitted.event_id)
    assert row["admit"] == 1 and row["annulled_at"] is not None  # kept, marked
    assert gate.status().inside_now == 0 and ledger.counts()["admitted"] == 0
    annul = ledger.queued_events()[-1]
    assert annul == {"id": outcome.annul_event, "gate": ROOM, "direction": "in",
                     "admit": False, "reason": "annulled", "scanned_at": annul["scanned_at"],
                     "offline": True, "annuls": admitted.event_id,
                     "pass_serial": holder.serial}
    assert ledger.check() == []
    # The same person may go in again at once: not already_inside, not a duplicate.
    again = gate.decide_text(holder.token)
    assert again.verdict.reason is Reason.ok
    # A second annul annuls that new entry; annulling twice the same one changes nothing.
    assert gate.annul_last().status == ANNULLED
    queued = ledger.counts()["queued"]
    assert gate.annul_last().status == ALREADY and ledger.counts()["queued"] == queued


def test_after_30_s_the_annul_is_refused_and_nothing_changes(ledger, door, clock):
    gate, (holder, _), screen = door
    assert gate.annul_last().status == NOTHING
    gate.decide_text(holder.token)
    clock.advance(31)
    outcome = gate.annul_last()
    assert outcome.status == TOO_LATE and not outcome.annulled
    assert "30 s" in outcome.message.en and "30秒" in outcome.message.zh
    assert screen.shown[-1][0].message == outcome.message
    assert ledger.counts()["annulled"] == 0 and gate.status().inside_now == 1
    clock.advance(5)
    assert gate.decide_text(holder.token).verdict.reason is Reason.already_inside


def test_an_earlier_passage_stays_when_the_last_one_is_annulled(ledger, door, clock):
    gate, (holder, _), _ = door
    gate.decide_text(holder.token)
    clock.advance(60)
    exit_gate = Gatekeeper(ledger, venue="CNCC", gate=ROOM, direction="out", clock=clock,
                           monotonic=clock.monotonic)
    assert exit_gate.decide_text(holder.token).verdict.reason is Reason.ok_exit
    clock.advance(60)
    assert gate.decide_text(holder.token).verdict.reason is Reason.ok_reentry
    gate.annul_last()
    presence = ledger.presence(holder.serial, KIOSK_DAY)
    assert (presence.inside, presence.entries_today, presence.last_direction) == (
        False, 1, "out")
    assert ledger.check() == []


def test_the_entry_credit_comes_back(ledger, clock, make_pass, make_page):
    p = make_pass()
    ledger.apply_manifest_page(make_page([p], occupancy_limit=100))
    credit_book.add_pending(ledger, KIOSK_DAY, CreditReport(), 1)
    gate = Gatekeeper(ledger, venue="CNCC", gate="CNCC-E1", clock=clock,
                      monotonic=clock.monotonic)
    assert gate.decide_text(p.token).verdict.reason is Reason.ok
    assert credit_book.credit_state(ledger, KIOSK_DAY).available == 0
    assert gate.annul_last().annulled
    state = credit_book.credit_state(ledger, KIOSK_DAY)
    assert state.available == 1
    assert state.pending == CreditReport(entries=1, recycled_exits=1)  # the pool agrees


def test_the_annul_key_on_the_kiosk_lets_the_same_pass_through_again(ledger, door, clock):
    gate, (holder, _), _ = door
    screen = Screen(keys=[ord("u")])
    gate.display = screen
    app = KioskApp(gate, display=screen, decoder=lambda frame: frame,
                   monotonic=clock.monotonic)
    assert app.handle_frame([holder.token])[0].verdict.reason is Reason.ok
    clock.advance(3)
    app._poll()  # the annul key
    assert screen.shown[-1][1] == {"annul": ANNULLED}
    # Shown again within the repeat window: decided anew, not the recorded verdict repeated.
    decision = app.handle_frame([holder.token])[0]
    assert decision.verdict.reason is Reason.ok and not decision.repeat


def test_fairgate_kiosk_annul(tmp_path, ledger, make_pass, make_page, capsys):
    from datetime import datetime, timezone

    from kiosk.ledger import Ledger

    home = tmp_path / "home"
    kiosk_config.save(home, kiosk_config.KioskConfig(
        server="http://127.0.0.1:9", device_id=1, venue="CNCC", gate=ROOM, name="door",
        enrolled_at="2026-09-01T00:00:00+00:00"), "x" * 40)
    now = datetime.now(timezone.utc)
    today = now.astimezone(BEIJING).date()  # the CLI annuls at the real time
    p = make_pass("staff", first_day=today)  # staff: at any hour
    with Ledger(kiosk_config.ledger_path(home)) as own:
        own.set(venue="CNCC")
        own.apply_manifest_page(door_page(make_page, [p], seated=False, sessions=[],
                                          day=today))
        Gatekeeper(own, venue="CNCC", gate=ROOM, clock=lambda: now).decide_text(p.token)
    assert cli.main(["--home", str(home), "annul"]) == 0
    assert "Last admission annulled" in capsys.readouterr().out
    assert cli.main(["--home", str(home), "annul"]) == 1
    assert "already annulled" in capsys.readouterr().err
