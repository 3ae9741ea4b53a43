"""A kiosk at a room door, offline (no service at all): seats, door window, capacity and
attention notes decided from its ledger alone (issue 13)."""
from __future__ import annotations

import sqlite3

import pytest

from doorkit import ROOM, door_page, session
from kioskkit import beijing
from gate.reasons import AMBER, Reason
from kiosk.app import KioskApp
from kiosk.display import STAFF_NEEDED, panel_lines
from kiosk.gatekeeper import Gatekeeper
from kiosk.ledger import Ledger
from kiosk.screen.display import verdict_message


class Screen:
    def __init__(self, keys=()):
        self.shown, self.keys = [], list(keys)

    def show_verdict(self, verdict, status=None, frame=None, extra=None):
        self.shown.append(verdict)

    def show_idle(self, frame, status):
        pass

    def poll_key(self, delay_ms=1):
        return self.keys.pop(0) if self.keys else None


@pytest.fixture
def door(ledger, clock):
    """``door(**options)`` -> an offline Gatekeeper at the room's door."""
    def build(**options):
        return Gatekeeper(ledger, venue="CNCC", gate=ROOM, clock=clock,
                          monotonic=clock.monotonic, online=lambda: False, **options)

    return build


def test_offline_a_seat_holder_enters_in_the_door_window_a_pass_without_a_seat_does_not(
        ledger, door, clock, make_pass, make_page):
    holder, other = make_pass(), make_pass()
    ledger.apply_manifest_page(door_page(make_page, [holder, other],
                                         seats={holder.serial: ["F-AI"]}))
    assert ledger.get("zone")["code"] == ROOM and ledger.seats(holder.serial) == {"F-AI"}
    gate = door()
    clock.advance(5 * 60)  # 10:05, doors opened at 10:00
    assert gate.decide_text(holder.token).verdict.reason is Reason.ok
    assert gate.decide_text(other.token).verdict.reason is Reason.no_seat
    clock.advance(60)
    assert gate.decide_text(holder.token).verdict.reason is Reason.already_inside
    event = ledger.queued_events()[0]
    assert (event["gate"], event["reason"], event["offline"]) == (ROOM, "ok", True)
    assert gate.status().inside_now == 1  # the room's


def test_before_the_doors_open_session_not_open_after_admits_until_session_over(
        ledger, door, clock, make_pass, make_page):
    holder = make_pass()
    ledger.apply_manifest_page(door_page(make_page, [holder], seats={holder.serial: ["F-AI"]}))
    gate = door()
    clock.now = beijing(9, 40)
    assert gate.decide_text(holder.token).verdict.reason is Reason.session_not_open
    clock.now = beijing(10, 51)
    assert gate.decide_text(holder.token).verdict.reason is Reason.session_over
    clock.now = beijing(10, 50)
    assert gate.decide_text(holder.token).verdict.reason is Reason.ok


def test_room_full_at_capacity_and_staff_need_no_seat(
        ledger, door, clock, make_pass, make_page):
    first, second, staff = make_pass(), make_pass(), make_pass("staff")
    ledger.apply_manifest_page(door_page(
        make_page, [first, second, staff], capacity=1,
        seats={first.serial: ["F-AI"], second.serial: ["F-AI"]}))
    gate = door()
    assert gate.decide_text(first.token).verdict.reason is Reason.ok
    assert gate.decide_text(second.token).verdict.reason is Reason.room_full
    assert gate.decide_text(staff.token).verdict.reason is Reason.room_full  # full is full
    clock.advance(60)
    assert door(direction="out").decide_text(first.token).verdict.reason is Reason.ok_exit
    assert gate.decide_text(staff.token).verdict.reason is Reason.ok


def test_a_zone_for_some_kinds_only(ledger, door, make_pass, make_page):
    media, visitor = make_pass("media"), make_pass()
    ledger.apply_manifest_page(door_page(make_page, [media, visitor], seated=False,
                                         kinds=["media"], sessions=[]))
    gate = door()
    assert gate.decide_text(media.token).verdict.reason is Reason.ok
    assert gate.decide_text(visitor.token).verdict.reason is Reason.zone_not_allowed


def test_attention_is_shown_with_the_verdict_and_needs_staff_waits_for_staff(
        ledger, door, clock, make_pass, make_page):
    guest, media = make_pass("guest"), make_pass("media")
    note = {"zh": "贵宾，请引导至第一排", "en": "VIP: take to the front row", "needs_staff": True}
    ledger.apply_manifest_page(door_page(
        make_page, [guest, media], seated=False, sessions=[],
        attention={guest.serial: note},
        kind_notes={"media": {"zh": "媒体区在左侧", "en": "Press area on the left",
                              "needs_staff": False}}))
    screen = Screen(keys=[None, 13])
    gate = door(display=screen)
    app = KioskApp(gate, display=screen, decoder=lambda frame: frame,
                   monotonic=clock.monotonic)
    shown = app.handle_frame([guest.token])
    verdict = shown[0].verdict
    assert verdict.admit and verdict.colour == AMBER and verdict.needs_staff
    assert verdict.attention.en == "VIP: take to the front row"
    lines = panel_lines(verdict)
    assert lines["attention"].startswith(STAFF_NEEDED) and "贵宾" in lines["attention"]
    message = verdict_message(verdict)
    assert message["needs_staff"] and "VIP: take to the front row" in message["notes"][0]
    # The lane waits: the next pass is not read until staff press Enter on the kiosk.
    assert app.awaiting_staff and app.handle_frame([media.token]) == []
    clock.advance(10)
    app._poll()  # no key yet
    assert app.awaiting_staff
    app._poll()  # Enter
    assert not app.awaiting_staff
    other = app.handle_frame([media.token])[0].verdict
    assert other.reason is Reason.ok and not other.needs_staff
    assert other.attention.zh == "媒体区在左侧" and other.colour != AMBER


def test_an_older_service_page_without_door_fields_still_loads(ledger, door, make_pass,
                                                               make_page):
    p = make_pass()
    ledger.apply_manifest_page(make_page([p]))  # no zone, no seats, no attention
    assert ledger.get("zone") is None and ledger.seats(p.serial) == frozenset()
    assert door().decide_text(p.token).verdict.reason is Reason.ok


def test_a_malformed_zone_is_refused(ledger, make_pass, make_page):
    from marshmallow import ValidationError

    page = door_page(make_page, [make_pass()])
    page["zone"]["sessions"] = [{**session(), "starts": "10:30"}]
    with pytest.raises(ValidationError):
        ledger.apply_manifest_page(page)
    assert ledger.get("zone") is None


def test_an_older_ledger_file_gets_the_new_columns(tmp_path, make_pass, make_page):
    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE appointments (serial TEXT PRIMARY KEY, day TEXT NOT NULL, status TEXT "
        "NOT NULL, kind TEXT NOT NULL, slot_start TEXT, slot_end TEXT, holder_name TEXT, "
        "document_masked TEXT, gate_index TEXT, seq INTEGER NOT NULL, entries INTEGER NOT "
        "NULL, exits INTEGER NOT NULL, inside INTEGER NOT NULL, last_direction TEXT, "
        "last_gate TEXT, last_passed_at TEXT);"
        "CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL"
        " UNIQUE, day TEXT NOT NULL, source TEXT NOT NULL, serial TEXT, document_index TEXT,"
        " gate TEXT NOT NULL, direction TEXT NOT NULL, admit INTEGER NOT NULL, reason TEXT "
        "NOT NULL, kind TEXT, counts_toward_quota INTEGER NOT NULL, scanned_at TEXT NOT "
        "NULL, offline INTEGER NOT NULL);"
        "INSERT INTO appointments VALUES ('OLD1', '2026-09-05', 'active', 'visitor', NULL, "
        "NULL, '张*', NULL, NULL, 1, 0, 0, 0, NULL, NULL, NULL);")
    old.close()
    holder = make_pass()
    with Ledger(path) as upgraded:
        upgraded.set(venue="CNCC")
        assert upgraded.seats("OLD1") == frozenset() and upgraded.attention("OLD1") is None
        upgraded.apply_manifest_page(door_page(make_page, [holder],
                                               seats={holder.serial: ["F-AI"]}))
        assert upgraded.seats(holder.serial) == {"F-AI"}
    with Ledger(path) as again:  # opening twice adds nothing twice
        assert again.seats(holder.serial) == {"F-AI"} and again.check() == []
