"""The decision path: scan -> rules with ledger facts -> durable commit -> turnstile -> screen."""
from __future__ import annotations

import pytest

from kioskkit import KIOSK_DAY, LOOKUP_PARAMS
from gate.lookup import gate_lookup_index
from gate.occupancy import CreditReport
from gate.reasons import Reason
from kiosk import credits as credit_book
from kiosk.display import status_text
from kiosk.gatekeeper import Gatekeeper
from kiosk.ledger import Ledger
from kiosk.turnstile import TurnstileError


class CheckingTurnstile:
    """Records each opening and checks the decision was already committed (read through
    a second connection, which sees committed data only)."""

    def __init__(self, path, fail=False):
        self.reader = Ledger(path)
        self.opened, self.fail = [], fail

    def open_for(self, verdict):
        assert verdict.admit
        self.opened.append(self.reader.counts()["decisions"])
        if self.fail:
            raise TurnstileError("relay on /dev/ttyUSB9 did not answer")


class Screen:
    def __init__(self):
        self.shown = []

    def show_verdict(self, verdict, status=None, frame=None, extra=None):
        self.shown.append((verdict.reason.value, status, extra))


@pytest.fixture
def keeper(ledger, clock):
    def build(**options):
        options.setdefault("venue", "CNCC")
        options.setdefault("gate", "CNCC-E1")
        return Gatekeeper(ledger, clock=clock, monotonic=clock.monotonic, **options)

    return build


def test_admit_once_commit_before_the_turnstile_and_never_again(
        ledger, keeper, clock, make_pass, make_page):
    p = make_pass()
    ledger.apply_manifest_page(make_page([p]))
    turnstile, screen = CheckingTurnstile(ledger.path), Screen()
    gate = keeper(turnstile=turnstile, display=screen)
    first = gate.decide_text(p.token)
    assert first.verdict.reason is Reason.ok and first.verdict.holder_name_masked == "张*"
    assert turnstile.opened == [1]  # the decision was committed when the gate opened
    assert screen.shown[0][2]["event_id"] == first.event_id
    assert screen.shown[0][1].admitted_today == 1
    clock.advance(4)
    assert gate.decide_text(p.token).verdict.reason is Reason.duplicate_scan
    assert turnstile.opened == [1]  # a denial never opens it
    # Restarted kiosk (a new process on the same file): the pass is inside.
    clock.advance(60)
    with Ledger(ledger.path) as reopened:
        again = Gatekeeper(reopened, venue="CNCC", gate="CNCC-E1", clock=clock,
                           monotonic=clock.monotonic).decide_text(p.token)
    assert again.verdict.reason is Reason.already_inside
    event = ledger.queued_events()[0]
    assert event["pass_serial"] == p.serial and event["reason"] == "ok" and event["offline"]
    assert ledger.check() == []


def test_a_turnstile_failure_is_reported_not_fatal(ledger, keeper, make_pass, make_page):
    p = make_pass()
    ledger.apply_manifest_page(make_page([p]))
    decision = keeper(turnstile=CheckingTurnstile(ledger.path, fail=True)).decide_text(p.token)
    assert decision.verdict.admit and "did not answer" in decision.turnstile_error
    assert ledger.counts()["admitted"] == 1


def test_exit_lane(ledger, keeper, clock, make_pass, make_page):
    inside, stranger = make_pass(), make_pass()
    ledger.apply_manifest_page(make_page([inside, stranger]))
    keeper().decide_text(inside.token)
    clock.advance(600)
    out = keeper(direction="out")
    assert out.decide_text(inside.token).verdict.reason is Reason.ok_exit
    assert out.decide_text(stranger.token).verdict.reason is Reason.not_inside
    assert out.decide_text("HELLO WORLD").verdict.reason is Reason.not_inside
    assert not ledger.presence(inside.serial, KIOSK_DAY).inside


@pytest.mark.parametrize("text, reason", [
    ("https://example.com/not-a-pass", Reason.unreadable),
    ("FG" + "A" * 150, Reason.unreadable),
])
def test_token_failures_identify_nobody(ledger, keeper, make_pass, make_page, text, reason):
    ledger.apply_manifest_page(make_page([make_pass()]))
    decision = keeper().decide_text(text)
    assert decision.verdict.reason is reason and decision.verdict.holder_name_masked is None
    event = ledger.queued_events()[0]
    assert "pass_serial" not in event and "document_index" not in event


def test_booking_state_from_the_manifest(ledger, keeper, make_pass, make_page):
    cancelled, revoked, other_venue = make_pass(), make_pass(), make_pass(venue="SHOUGANG")
    ledger.apply_manifest_page(make_page([cancelled, revoked], status={
        cancelled.serial: "cancelled", revoked.serial: "revoked"}))
    gate = keeper()
    assert gate.decide_text(cancelled.token).verdict.reason is Reason.cancelled
    assert gate.decide_text(revoked.token).verdict.reason is Reason.revoked
    assert gate.decide_text(other_venue.token).verdict.reason is Reason.wrong_venue
    unknown = make_pass()  # booked after the last sync: a signed pass stands on its own
    assert gate.decide_text(unknown.token).verdict.reason is Reason.ok


def test_unknown_key_fetches_the_keys_once_online(ledger, keeper, make_pass, make_page):
    p = make_pass()
    page = make_page([p])
    keys = page["keys"]
    page["keys"] = []
    ledger.apply_manifest_page(page)
    calls = []

    def refresh():
        calls.append(1)
        ledger.apply_keys(keys)
        return True

    offline = keeper(refresh_keys=refresh, online=lambda: False)
    assert offline.decide_text(p.token).verdict.reason is Reason.unknown_key and not calls
    online = keeper(refresh_keys=refresh, online=lambda: True)
    assert online.decide_text(p.token).verdict.reason is Reason.ok and calls == [1]


def test_quota_full(ledger, keeper, make_pass, make_page):
    first, second, exhibitor = make_pass(), make_pass(), make_pass("exhibitor")
    ledger.apply_manifest_page(make_page([first, second, exhibitor], quota=1))
    gate = keeper()
    assert gate.decide_text(first.token).verdict.reason is Reason.ok
    assert gate.decide_text(second.token).verdict.reason is Reason.quota_full
    assert gate.decide_text(exhibitor.token).verdict.reason is Reason.ok


def test_offline_admissions_stay_within_the_leased_credits(ledger, keeper, clock, make_pass,
                                                           make_page):
    passes = [make_pass() for _ in range(4)]
    ledger.apply_manifest_page(make_page(passes, occupancy_limit=100))
    gate = keeper(online=lambda: False)
    assert gate.decide_text(passes[0].token).verdict.reason is Reason.venue_full  # no lease
    credit_book.add_pending(ledger, KIOSK_DAY, CreditReport(), 2)
    reasons = [gate.decide_text(p.token).verdict.reason for p in passes[1:]]
    assert reasons == [Reason.ok, Reason.ok, Reason.venue_full]
    status = gate.status()  # the status bar's numbers, from the ledger
    assert (status.inside_now, status.occupancy_limit) == (2, 100)
    assert (status.admitted_today, status.quota, status.online) == (2, 1000, False)
    clock.advance(60)
    assert keeper(direction="out").decide_text(passes[1].token).verdict.reason \
        is Reason.ok_exit
    state = credit_book.credit_state(ledger, KIOSK_DAY)
    assert state.available == 0 and state.pending == CreditReport(entries=2, exits=1)
    recycling = keeper(direction="out", recycle_exits=True)
    clock.advance(60)
    recycling.decide_text(passes[2].token)
    assert credit_book.credit_state(ledger, KIOSK_DAY).available == 1


def test_an_id_card_alone_finds_its_booking(ledger, keeper, make_pass, make_page):
    booked, unbooked = make_pass(), make_pass()
    ledger.apply_manifest_page(make_page([booked]))
    gate = keeper()
    found = gate.decide_card(booked.number)
    assert found.verdict.reason is Reason.ok and found.source == "card"
    assert found.verdict.document_masked.endswith(booked.number[-4:])
    event = ledger.queued_events()[0]
    assert event["document_index"] == gate_lookup_index(LOOKUP_PARAMS, booked.document.key)
    assert "pass_serial" not in event and booked.number not in str(event)
    assert gate.decide_card(f"张三|男|汉|19900101|北京|{unbooked.number}|公安局|2030") \
        .verdict.reason is Reason.no_appointment
    unread = gate.decide_card("1101011990030712")
    assert unread.verdict.reason is Reason.unreadable and unread.event_id is None
    assert "recognised" in unread.detail
    assert ledger.counts()["decisions"] == 2


def test_a_pass_with_someone_elses_card_is_refused(ledger, keeper, clock, make_pass,
                                                   make_page):
    holder, other = make_pass(), make_pass()
    ledger.apply_manifest_page(make_page([holder]))
    gate = keeper()
    assert gate.decide_card(other.number).verdict.reason is Reason.no_appointment
    clock.advance(2)
    mismatch = gate.decide_text(holder.token)
    assert mismatch.verdict.reason is Reason.id_mismatch and mismatch.source == "pass+card"
    clock.advance(20)
    gate.decide_card(other.number)
    clock.advance(6)  # beyond the pair window: the pass stands alone
    assert gate.decide_text(holder.token).verdict.reason is Reason.ok


def test_real_name_venue_asks_for_the_card_and_checks_it(ledger, keeper, clock, make_pass,
                                                         make_page):
    honest, borrowed, stranger = make_pass(), make_pass(), make_pass()
    ledger.apply_manifest_page(make_page([honest, borrowed]))
    gate = keeper(id_check_kinds={"visitor"})
    assert gate.decide_text(honest.token).verdict.reason is Reason.id_required
    clock.advance(3)
    checked = gate.decide_card(honest.number)
    assert checked.verdict.reason is Reason.ok and checked.source == "pass+card"
    assert gate.decide_text(borrowed.token).verdict.reason is Reason.id_required
    clock.advance(2)
    assert gate.decide_card(stranger.number).verdict.reason is Reason.id_mismatch
    reasons = [e["reason"] for e in ledger.queued_events()]
    assert reasons == ["id_required", "ok", "id_required", "id_mismatch"]


def test_the_status_bar_keeps_the_time_of_the_venues_zone(ledger, keeper, make_page):
    page = make_page([])
    page["policy"]["timezone"] = "Asia/Tokyo"
    ledger.apply_manifest_page(page)
    ledger.set(last_sync="2026-09-10T02:42:05+00:00")
    status = keeper().status()
    assert status.timezone == "Asia/Tokyo"
    assert dict(status_text(status))["同步 sync"] == "11:42:05"
