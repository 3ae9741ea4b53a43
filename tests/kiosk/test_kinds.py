"""Credential kinds at a kiosk (issue 12): the manifest policy's kind_opens and quota_kinds,
``*`` (every venue) passes and online passes, decided from the ledger alone."""
from __future__ import annotations

from datetime import time

import pytest

from kioskkit import FakeClock, beijing
from gate.kinds import PUBLIC_KINDS
from gate.passes import PassKind
from gate.reasons import Reason
from kiosk.gatekeeper import Gatekeeper
from kiosk.ledger import Ledger
from kiosk.screen.display import KIND_LABELS, verdict_message


def kind_page(make_page, passes, **options):
    page = make_page(passes, **options)
    page["policy"].update(kind_opens={"exhibitor": "08:00"},
                          quota_kinds=["professional", "visitor"])
    return page


def gate_at(ledger, hour, minute=0, venue="CNCC"):
    clock = FakeClock(beijing(hour, minute))
    return Gatekeeper(ledger, venue=venue, gate=f"{venue}-E1", clock=clock,
                      monotonic=clock.monotonic)


def test_the_policy_reads_the_new_fields_and_old_manifests_still_work(
        ledger, make_pass, make_page):
    ledger.apply_manifest_page(kind_page(make_page, [make_pass()]))
    policy = ledger.policy()
    assert dict(policy.kind_opens) == {PassKind.exhibitor: time(8)}
    assert policy.quota_kinds == {PassKind.visitor, PassKind.professional}
    # A manifest of a service from before: no kind_opens, no quota_kinds.
    ledger.apply_manifest_page(make_page([make_pass()], cursor="v1.1.2"))
    policy = ledger.policy()
    assert dict(policy.kind_opens) == {} and policy.quota_kinds == PUBLIC_KINDS
    page = make_page([], cursor="v1.1.3")
    page["policy"]["quota_kinds"] = ["visitor"]
    ledger.apply_manifest_page(page)
    assert ledger.policy().quota_kinds == {PassKind.visitor}


def test_a_kiosk_admits_an_exhibitor_at_0810_from_its_ledger(ledger, make_pass, make_page):
    exhibitor = make_pass("exhibitor", day_count=5)
    early, visitor = make_pass("exhibitor", day_count=5), make_pass()
    ledger.apply_manifest_page(kind_page(make_page, [exhibitor, early, visitor]))
    assert gate_at(ledger, 7, 59).decide_text(early.token).verdict.reason \
        is Reason.outside_hours
    gate = gate_at(ledger, 8, 10)
    verdict = gate.decide_text(exhibitor.token).verdict
    assert verdict.admit and verdict.reason is Reason.ok and verdict.kind is PassKind.exhibitor
    assert verdict.holder_name_masked == "张*"
    assert gate.decide_text(visitor.token).verdict.reason is Reason.outside_hours
    assert gate_at(ledger, 9).decide_text(visitor.token).verdict.reason is Reason.ok
    # Without the new policy field (an old manifest) the exhibitor waits for 09:00.
    ledger.apply_manifest_page(make_page([early], cursor="v1.1.2"))
    assert gate_at(ledger, 8, 30).decide_text(early.token).verdict.reason \
        is Reason.outside_hours


def test_an_exhibitor_id_card_at_0810(ledger, make_pass, make_page):
    exhibitor, visitor = make_pass("exhibitor", day_count=5), make_pass()
    ledger.apply_manifest_page(kind_page(make_page, [exhibitor, visitor]))
    gate = gate_at(ledger, 8, 10)
    found = gate.decide_card(exhibitor.number)
    assert found.verdict.reason is Reason.ok and found.verdict.kind is PassKind.exhibitor
    assert gate.decide_card(visitor.number).verdict.reason is Reason.outside_hours


def test_quota_counts_public_kinds_only(ledger, make_pass, make_page):
    visitor, professional = make_pass(), make_pass("professional")
    exhibitor, media = make_pass("exhibitor", day_count=3), make_pass("media", "*", 3)
    ledger.apply_manifest_page(kind_page(make_page, [visitor, professional, exhibitor, media],
                                         quota=1))
    gate = gate_at(ledger, 10)
    assert gate.decide_text(visitor.token).verdict.counts_toward_quota
    assert gate.decide_text(professional.token).verdict.reason is Reason.quota_full
    for holder in (exhibitor, media):
        verdict = gate.decide_text(holder.token).verdict
        assert verdict.reason is Reason.ok and not verdict.counts_toward_quota
    assert gate.status(max_age=0).admitted_today == 1


def test_every_kind_takes_an_entry_credit(ledger, make_pass, make_page):
    exhibitor = make_pass("exhibitor", day_count=3)
    ledger.apply_manifest_page(kind_page(make_page, [exhibitor], occupancy_limit=100))
    # No lease yet: no credits, so even a non-quota kind waits.
    assert gate_at(ledger, 10).decide_text(exhibitor.token).verdict.reason is Reason.venue_full


@pytest.mark.parametrize("venue", ["CNCC", "SHOUGANG"])
def test_an_every_venue_pass_is_admitted_at_each_venue(tmp_path, make_pass, make_page, venue):
    media, staff = make_pass("media", "*", 5), make_pass("staff", "*", 5)
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        ledger.set(venue=venue, gate=f"{venue}-E1", device_id=1)
        ledger.apply_manifest_page(kind_page(make_page, [media], venue=venue))
        gate = gate_at(ledger, 10, venue=venue)
        assert gate.decide_text(media.token).verdict.reason is Reason.ok
        # Not in this kiosk's manifest yet: a signed `*` pass stands on its own.
        assert gate_at(ledger, 6, venue=venue).decide_text(staff.token).verdict.reason \
            is Reason.ok
        other = make_pass("media", "SHOUGANG" if venue == "CNCC" else "CNCC", 5)
        assert gate.decide_text(other.token).verdict.reason is Reason.wrong_venue


def test_an_online_pass_is_refused(ledger, make_pass, make_page):
    online = make_pass("online", "*", 3)
    ledger.apply_manifest_page(kind_page(make_page, [online]))
    verdict = gate_at(ledger, 10).decide_text(online.token).verdict
    assert verdict.reason is Reason.wrong_venue and not verdict.admit


def test_the_gate_screen_shows_each_kind_name_and_colour(make_verdict):
    for kind in PassKind:
        assert kind in KIND_LABELS
    message = verdict_message(make_verdict(Reason.ok, kind=PassKind.exhibitor))
    assert message["kind"] == "参展商 Exhibitor" and message["kind_colour"] == "#2e7d32"
    assert verdict_message(make_verdict(Reason.unreadable, kind=None))["kind"] is None


def test_the_window_panel_draws_the_kind_band(make_verdict, kiosk_status):
    from kiosk.display import PANEL_COLOURS, kind_tag, panel_layout, render_panel

    verdict = make_verdict(Reason.ok, kind=PassKind.media)
    assert kind_tag(verdict) == ("媒体 Media", (0x6a, 0x1b, 0x9a))
    image = render_panel(verdict, kiosk_status, size=(640, 360))
    x0, y0, x1, y1 = panel_layout((640, 360))["kind"]
    band = image[y0 + 2:y1 - 2, x0 + 2:x0 + (y1 - y0) - 2].reshape(-1, 3)
    assert (band == (0x9a, 0x1b, 0x6a)).all()  # BGR
    # Nobody identified (a token failure): no kind, the kind box stays the panel's colour.
    assert kind_tag(make_verdict(Reason.unreadable)) is None
    unknown = render_panel(make_verdict(Reason.unreadable), kiosk_status, size=(640, 360))
    amber = PANEL_COLOURS[Reason.unreadable.colour][::-1]
    assert (unknown[y0:y1, x0:x1].reshape(-1, 3) == amber).all()
