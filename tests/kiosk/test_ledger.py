"""The local ledger: manifest pages applied idempotently, decisions committed durably."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from marshmallow import ValidationError

from kioskkit import KIOSK_DAY, beijing
from gate.occupancy import CreditReport
from gate.passes import PassKind
from gate.reasons import Reason
from gate.rules import AdmissionVerdict
from kiosk import credits as credit_book
from kiosk.ledger import Ledger


def verdict(reason=Reason.ok, serial=None, direction="in", kind="visitor"):
    return AdmissionVerdict(admit=reason.admit, reason=reason, message=reason.message,
                            colour=reason.colour, direction=direction, serial=serial,
                            kind=PassKind(kind) if serial else None,
                            counts_toward_quota=reason is Reason.ok)


def event(event_id, serial=None, at=None, direction="in", reason="ok", admit=True):
    body = {"id": event_id, "gate": "CNCC-E1", "direction": direction, "admit": admit,
            "reason": reason, "scanned_at": (at or beijing(10)).isoformat(), "offline": True}
    if serial:
        body["pass_serial"] = serial
    return body


def record(ledger, event_id, serial, at=None, direction="in", reason=Reason.ok):
    ledger.record_decision(verdict(reason, serial, direction),
                           event(event_id, serial, at, direction, reason.value, reason.admit),
                           day=KIOSK_DAY, source="camera")


def test_the_ledger_is_durable_wal_with_synchronous_full(ledger):
    assert ledger.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert oct(ledger.path.stat().st_mode & 0o777) == "0o600"


def test_a_page_is_applied_once_whatever_the_repeats(ledger, make_pass, make_page):
    passes = [make_pass() for _ in range(3)]
    page = make_page(passes, cursor="v1.1.3")
    assert ledger.apply_manifest_page(page) == 3
    assert ledger.apply_manifest_page(page) == 3  # the same page again: same state
    assert ledger.counts()["appointments"] == 3
    assert ledger.get("cursor") == "v1.1.3" and ledger.manifest_day == KIOSK_DAY
    record_ = ledger.appointment(passes[0].serial)
    assert record_.status == "active" and record_.venue == "CNCC" and record_.day == KIOSK_DAY
    # An incremental page replaces the item: the booking was cancelled.
    change = make_page(passes[:1], reset=False, cursor="v1.1.4",
                       status={passes[0].serial: "cancelled"})
    ledger.apply_manifest_page(change)
    assert ledger.appointment(passes[0].serial).status == "cancelled"
    assert ledger.is_revoked(passes[0].serial)
    assert ledger.counts()["appointments"] == 3
    # Nothing new: no write at all.
    empty = make_page([], reset=False, cursor="v1.1.4")
    before = ledger.conn.total_changes
    assert ledger.apply_manifest_page(empty) == 0
    assert ledger.conn.total_changes == before
    # A reset (a new full pull, another day) drops everything held first.
    ledger.apply_manifest_page(make_page(passes[2:], cursor="v1.1.9"))
    assert ledger.counts()["appointments"] == 1 and not ledger.is_revoked(passes[0].serial)


def test_a_malformed_page_changes_nothing(ledger, make_pass, make_page):
    ledger.apply_manifest_page(make_page([make_pass()], cursor="v1.1.1"))
    bad = make_page([make_pass()], reset=False, cursor="v1.1.2")
    bad["appointments"][0]["kind"] = "vip"
    with pytest.raises(ValidationError):
        ledger.apply_manifest_page(bad)
    broken = make_page([make_pass()], reset=False, cursor="v1.1.2")
    del broken["policy"]
    with pytest.raises(ValidationError):
        ledger.apply_manifest_page(broken)
    other = make_page([make_pass()], venue="SHOUGANG")
    with pytest.raises(ValueError):
        ledger.apply_manifest_page(other)
    assert ledger.counts()["appointments"] == 1 and ledger.get("cursor") == "v1.1.1"


def test_presence_combines_the_manifest_with_this_gates_passages(
        ledger, make_pass, make_page):
    p = make_pass()
    elsewhere = {"entries": 1, "exits": 1, "inside": False, "last_direction": "out",
                 "last_gate": "CNCC-E2", "last_passed_at": beijing(9, 30).isoformat()}
    ledger.apply_manifest_page(make_page([p], presence={p.serial: elsewhere}))
    state = ledger.presence(p.serial, KIOSK_DAY)
    assert not state.inside and state.entries_today == 1 and state.last_gate == "CNCC-E2"
    record(ledger, "e1", p.serial, at=beijing(10))  # re-entry here, later
    state = ledger.presence(p.serial, KIOSK_DAY)
    assert state.inside and state.entries_today == 1 and state.last_gate == "CNCC-E1"
    assert state.last_passed_at == beijing(10)
    # The service later reports an exit at E2 after our entry: the latest passage wins.
    later = {**elsewhere, "entries": 2, "exits": 2,
             "last_passed_at": beijing(11).isoformat()}
    ledger.apply_manifest_page(make_page([p], reset=False, cursor="v1.1.2",
                                         presence={p.serial: later}))
    state = ledger.presence(p.serial, KIOSK_DAY)
    assert not state.inside and state.entries_today == 2
    assert ledger.presence(p.serial, KIOSK_DAY + timedelta(days=1)).entries_today == 0


def test_counts_for_the_status_bar(ledger, make_pass, make_page):
    passes = [make_pass() for _ in range(4)] + [make_pass("exhibitor")]
    inside = {"entries": 1, "exits": 0, "inside": True, "last_direction": "in",
              "last_gate": "CNCC-E2", "last_passed_at": beijing(9).isoformat()}
    ledger.apply_manifest_page(make_page(passes[:4], presence={passes[0].serial: inside}))
    record(ledger, "a", passes[1].serial)                      # in the manifest
    ledger.record_decision(verdict(Reason.ok, passes[4].serial, kind="exhibitor"),
                           event("b", passes[4].serial), day=KIOSK_DAY, source="camera")
    record(ledger, "c", passes[2].serial)
    record(ledger, "d", passes[2].serial, at=beijing(10, 5), direction="out",
           reason=Reason.ok_exit)
    assert ledger.admitted_today(KIOSK_DAY, {PassKind.visitor}) == 3
    assert ledger.inside_now(KIOSK_DAY) == 3  # passes 0, 1 and the exhibitor


def test_a_decision_and_its_event_commit_together_or_not_at_all(ledger, make_pass):
    p = make_pass()
    record(ledger, "e1", p.serial)
    with pytest.raises(sqlite3.IntegrityError):  # the same event id twice
        record(ledger, "e1", p.serial, at=beijing(11))
    counts = ledger.counts()
    assert counts["decisions"] == counts["events"] == 1
    assert ledger.presence(p.serial, KIOSK_DAY).entries_today == 1
    assert ledger.check() == []


def test_events_leave_the_queue_only_when_the_service_names_them(ledger, make_pass):
    serials = [make_pass().serial for _ in range(3)]
    for n, serial in enumerate(serials):
        record(ledger, f"e{n}", serial)
    assert [e["id"] for e in ledger.queued_events()] == ["e0", "e1", "e2"]
    anomaly = {"event": "e1", "code": "double_admission", "serial": serials[1]}
    ledger.mark_uploaded(["e0"], ["e1"], [anomaly], at=beijing(12))
    assert [e["id"] for e in ledger.queued_events()] == ["e2"]
    assert ledger.counts()["anomalies"] == 1
    assert ledger.decision("e1")["state"] == "duplicate"
    ledger.reject_events(["e2"], "422 invalid_input")
    assert ledger.queued_events() == [] and ledger.counts()["rejected"] == 1


def test_credits_are_reported_once_and_in_order(ledger):
    credit_book.add_pending(ledger, KIOSK_DAY, CreditReport(), 10)
    credit_book.add_pending(ledger, KIOSK_DAY, CreditReport(entries=2), 8)
    lease = credit_book.take_report(ledger, KIOSK_DAY, "lease-1", 20)
    assert lease.report == CreditReport(entries=2) and lease.body()["request"] == 20
    with pytest.raises(RuntimeError):  # the next report waits for the answer
        credit_book.take_report(ledger, KIOSK_DAY, "lease-2", 0)
    credit_book.add_pending(ledger, KIOSK_DAY, CreditReport(exits=1), None)
    assert credit_book.outstanding_lease(ledger) == lease  # re-sent as it was
    credit_book.complete_lease(ledger, lease, 20)
    credit_book.complete_lease(ledger, lease, 20)  # a repeated answer adds nothing
    state = credit_book.credit_state(ledger, KIOSK_DAY)
    assert state.available == 28 and state.pending == CreditReport(exits=1)
    assert credit_book.surrender(ledger, KIOSK_DAY) == 28
    state = credit_book.credit_state(ledger, KIOSK_DAY)
    assert state.available == 0 and state.pending == CreditReport(exits=1, returned=28)


def test_a_killed_writer_leaves_no_half_decision(tmp_path, make_pass):
    """A process killed inside its decision transaction: the ledger stays consistent and
    the decision is simply not there."""
    path = tmp_path / "ledger.sqlite"
    Ledger(path).close()
    serial = make_pass().serial
    script = textwrap.dedent(f"""
        import os, signal
        from datetime import date
        from kiosk.ledger import Ledger
        ledger = Ledger({str(path)!r})
        ledger.conn.execute("BEGIN IMMEDIATE")
        ledger.conn.execute("INSERT INTO decisions (event_id, day, source, serial, gate, "
                            "direction, admit, reason, counts_toward_quota, scanned_at, "
                            "offline) VALUES ('x', '2026-09-10', 'camera', {serial!r}, "
                            "'CNCC-E1', 'in', 1, 'ok', 1, '2026-09-10T02:00:00+00:00', 0)")
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert subprocess.run([sys.executable, "-c", script]).returncode == -9
    with Ledger(path) as reopened:
        assert reopened.check() == [] and reopened.counts()["decisions"] == 0


def test_the_venue_id_check_policy_comes_from_the_manifest(ledger, make_pass, make_page):
    page = make_page([make_pass()], cursor="v1.1.1")
    page["policy"]["id_check_kinds"] = ["exhibitor"]
    ledger.apply_manifest_page(page)
    assert ledger.policy().id_check_kinds == {"exhibitor"}
    # A kiosk may check more kinds than its venue asks for, never fewer.
    assert ledger.policy(id_check_kinds=["staff"]).id_check_kinds == {"exhibitor", "staff"}
