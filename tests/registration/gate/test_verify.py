"""Online verification with real signed passes from real bookings, reason by reason."""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from gatetools import post_verify
from sqlalchemy import select

from gate.passes import SigningKey, new_claims, sign_pass


def check(app, device, scan, direction="in", gate=None, **extra) -> dict:
    response = post_verify(app, device, scan, direction, gate, **extra)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["verdict"]


def id_card(number: str) -> dict:
    return {"document": {"type": "cn_resident_id", "number": number}}


def test_a_valid_pass_is_admitted_with_its_masked_holder(app, gates, book):
    day, e1, _ = gates
    booking = book(day)
    verdict = check(app, e1, booking["pass"]["token"])
    assert verdict == {"admit": True, "reason": "ok", "colour": "green",
                       "message": {"zh": "欢迎入场", "en": "Welcome, please enter"},
                       "holder": booking["appointment"]["holder"],
                       "attention": None, "needs_staff": False}
    assert booking["number"] not in str(verdict)


def test_entry_exit_and_reentry_follow_the_venue_policy(app, gates, book):
    from registration.extensions import db
    from registration.models import Venue

    day, e1, e2 = gates
    token = book(day)["pass"]["token"]
    assert check(app, e1, token)["reason"] == "ok"
    assert check(app, e1, token)["reason"] == "duplicate_scan"     # same gate, seconds later
    assert check(app, e2, token)["reason"] == "already_inside"     # pass-back at another gate
    assert check(app, e2, token, "out")["reason"] == "ok_exit"
    assert check(app, e1, token)["reason"] == "ok_reentry"         # CNCC allows re-entry
    with app.app_context():
        db.session.scalar(select(Venue).where(Venue.code == "CNCC")).reentry_allowed = False
        db.session.commit()
    other = book(day)["pass"]["token"]
    assert check(app, e1, other)["reason"] == "ok"
    assert check(app, e2, other, "out")["reason"] == "ok_exit"
    refused = check(app, e1, other)
    assert (refused["admit"], refused["reason"]) == (False, "already_inside")


def test_passes_for_another_venue_or_day_are_refused(app, gates, book, make_fair_day):
    day, e1, _ = gates
    tomorrow = make_fair_day("CNCC", offset=1)
    assert check(app, e1, book(day, venue="SHOUGANG")["pass"]["token"])["reason"] == \
        "wrong_venue"
    assert check(app, e1, book(tomorrow)["pass"]["token"])["reason"] == "wrong_day"


def test_cancelled_and_revoked_passes_are_refused(app, gates, book, make_fair_day):
    from registration.extensions import db
    from registration.services import booking as booking_service

    day, e1, _ = gates
    cancelled = book(day)
    assert app.test_client().post(
        f"/api/v1/appointments/{cancelled['appointment']['code']}/cancel",
        json={"document_number": cancelled["number"]}).status_code == 200
    verdict = check(app, e1, cancelled["pass"]["token"])
    assert (verdict["admit"], verdict["reason"]) == (False, "cancelled")
    assert verdict["holder"] == cancelled["appointment"]["holder"]

    moved = book(day)
    with app.app_context():
        appointment = booking_service.find_by_code_and_document(
            moved["appointment"]["code"], moved["number"])
        booking_service.change_appointment(appointment, venue="CNCC",
                                           day=make_fair_day("CNCC", offset=1), slot=None)
        db.session.commit()
    assert check(app, e1, moved["pass"]["token"])["reason"] == "revoked"


def _tamper(token: str, position: int) -> str:
    swapped = "B" if token[position] == "A" else "A"
    return token[:position] + swapped + token[position + 1:]


def test_forged_tampered_truncated_and_foreign_tokens(app, gates, book):
    day, e1, _ = gates
    token = book(day)["pass"]["token"]
    assert check(app, e1, _tamper(token, -5))["reason"] == "bad_signature"   # signature
    assert check(app, e1, _tamper(token, 20))["reason"] == "bad_signature"   # serial
    foreign = sign_pass(new_claims(venue="CNCC", first_day=day,
                                   document_key="cn_resident_id::110101199001010011"),
                        SigningKey.generate())
    assert check(app, e1, foreign)["reason"] == "unknown_key"
    for text in (token[:40], "", "HELLO", "FG" + "A" * 200, "ＦＧ" + token[2:]):
        verdict = check(app, e1, text)
        assert (verdict["admit"], verdict["reason"]) == (False, "unreadable"), text
        assert verdict["holder"] == {"name": None, "document": None}
    assert check(app, e1, token)["reason"] == "ok"  # the genuine pass is still fine


def test_id_cards_are_looked_up_by_document(app, gates, book, make_resident_id):
    day, e1, _ = gates
    booking = book(day)
    verdict = check(app, e1, id_card(booking["number"]))
    assert (verdict["reason"], verdict["holder"]) == ("ok", booking["appointment"]["holder"])
    # The card and the pass are one person: the pass is now inside too.
    assert check(app, e1, booking["pass"]["token"], gate="CNCC-E2")["reason"] == \
        "already_inside"
    assert check(app, e1, id_card(make_resident_id()))["reason"] == "no_appointment"
    elsewhere = book(day, venue="SHOUGANG")
    assert check(app, e1, id_card(elsewhere["number"]))["reason"] == "wrong_venue"
    cancelled = book(day)
    app.test_client().post(f"/api/v1/appointments/{cancelled['appointment']['code']}/cancel",
                           json={"document_number": cancelled["number"]})
    assert check(app, e1, id_card(cancelled["number"]))["reason"] == "cancelled"


def test_outside_opening_hours(app, gates, book):
    from registration.extensions import db
    from registration.services import operations

    day, e1, _ = gates
    token = book(day)["pass"]["token"]
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    hours = {"opens": time(23, 0), "closes": time(23, 30)} if now.hour < 22 \
        else {"opens": time(0, 0), "closes": time(1, 0)}
    with app.app_context():
        operations.set_day("CNCC", day, quota=100, **hours)
        db.session.commit()
    assert check(app, e1, token)["reason"] == "outside_hours"


def test_each_verification_is_recorded_as_an_event(app, gates, book):
    from registration.extensions import db
    from registration.models import CheckInEvent

    day, e1, _ = gates
    booking = book(day)
    check(app, e1, booking["pass"]["token"])
    check(app, e1, "JUNK")
    with app.app_context():
        rows = db.session.scalars(select(CheckInEvent).order_by(CheckInEvent.id)).all()
        assert [(r.source, r.reason, r.admit, r.offline) for r in rows] == [
            ("verify", "ok", True, False), ("verify", "unreadable", False, False)]
        assert rows[0].serial == booking["pass"]["serial"] and rows[1].serial is None


def test_a_retried_verify_with_its_id_gets_its_first_answer(app, gates, book):
    from registration.extensions import db
    from registration.models import CheckInEvent

    day, e1, _ = gates
    token = book(day)["pass"]["token"]
    first = check(app, e1, token, id="hh-1")
    again = check(app, e1, token, id="hh-1")
    assert first == again and first["reason"] == "ok"
    with app.app_context():
        assert len(db.session.scalars(select(CheckInEvent)).all()) == 1


def test_two_gates_verifying_one_pass_at_once_admit_it_once(app, gates, book, at_once):
    day, e1, e2 = gates
    tokens = [book(day)["pass"]["token"] for _ in range(3)]
    for token in tokens:
        verdicts = at_once([lambda: check(app, e1, token), lambda: check(app, e2, token)])
        assert sorted(v["reason"] for v in verdicts) == ["already_inside", "ok"]


def test_the_occupancy_limit_holds_online(app, make_fair_day, make_device, book, at_once):
    day = make_fair_day("CNCC", offset=0, occupancy_limit=2)
    e1 = make_device("CNCC", "CNCC-E1")
    tokens = [book(day)["pass"]["token"] for _ in range(5)]
    verdicts = at_once([lambda t=t: check(app, e1, t) for t in tokens[:4]])
    assert sorted(v["reason"] for v in verdicts) == ["ok", "ok", "venue_full", "venue_full"]
    inside = [t for t, v in zip(tokens, verdicts) if v["admit"]]
    assert check(app, e1, inside[0], "out")["reason"] == "ok_exit"
    assert check(app, e1, tokens[4])["reason"] == "ok"
    assert check(app, e1, tokens[4], "out")["reason"] == "ok_exit"


@pytest.mark.parametrize("body,field", [
    ({"scan": 12345}, "scan"),
    ({"scan": ["FG"]}, "scan"),
    ({"scan": "F" * 1001}, "scan"),
    ({"scan": {"document": {"type": "cn_resident_id", "number": "110101199001010012"}}},
     "scan.document.number"),
    ({"scan": {"document": {"type": "library_card", "number": "1"}}}, "scan.document.type"),
    ({"scan": {"card": "x"}}, "scan.document"),
    ({"direction": "up"}, "direction"),
    ({"gate": None}, "gate"),
    ({"id": "bad id"}, "id"),
])
def test_bad_verify_requests_are_422(app, gates, gate_error, body, field):
    _, e1, _ = gates
    request = {"scan": "FGX", "direction": "in", "gate": "CNCC-E1", **body}
    response = app.test_client().post("/api/v1/gate/verify", json=request, headers=e1.headers)
    error = gate_error(response, 422)
    assert any(name.startswith(field) for name in error["fields"]), error["fields"]


def test_verify_at_a_gate_of_another_venue_is_403(app, gates, gate_error):
    _, e1, _ = gates
    response = app.test_client().post("/api/v1/gate/verify", headers=e1.headers, json={
        "scan": "FGX", "direction": "in", "gate": "SHOUGANG-E1"})
    assert gate_error(response, 403)["code"] == "other_gate"


def test_a_venue_can_require_the_id_card_with_the_pass(app, gates, book, make_resident_id):
    from registration.extensions import db
    from registration.services import operations

    day, e1, e2 = gates
    with app.app_context():
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center",
                             id_check_kinds=["visitor"])
        db.session.commit()
    booking = book(day)
    token = booking["pass"]["token"]
    assert check(app, e1, token)["reason"] == "id_required"
    mismatch = check(app, e1, token, document=id_card(make_resident_id())["document"])
    assert (mismatch["admit"], mismatch["reason"]) == (False, "id_mismatch")
    matching = check(app, e2, token, document=id_card(booking["number"])["document"])
    assert (matching["admit"], matching["reason"]) == (True, "ok")
    manifest = app.test_client().get("/api/v1/gate/manifest", headers=e1.headers).get_json()
    assert manifest["policy"]["id_check_kinds"] == ["visitor"]


def test_id_check_kinds_must_be_pass_kinds(app, gates):
    from registration.services import operations
    from registration.services.errors import InvalidInput

    with app.app_context(), pytest.raises(InvalidInput) as refused:
        operations.set_venue("CNCC", "国家会议中心", "CNCC", id_check_kinds=["vip"])
    assert "id_check_kinds" in refused.value.fields


def test_verdicts_and_sync_lag_reach_the_metrics(app, gates, book):
    day, e1, _ = gates
    check(app, e1, book(day)["pass"]["token"])
    check(app, e1, "FGNOTAPASS")
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'fairgate_gate_verdicts_total{origin="verify",reason="ok"}' in metrics \
        or 'fairgate_gate_verdicts_total{reason="ok",origin="verify"}' in metrics
    assert "unreadable" in metrics and "fairgate_sync_lag_seconds_bucket" in metrics


NOBODY = {"name": None, "document": None}


def test_a_device_sees_and_moves_nothing_of_another_venues_bookings(
        app, gates, book, make_device):
    """A CNCC device shown a SHOUGANG visitor's ID card or pass learns only 'another venue':
    no holder, and SHOUGANG's record of the visitor is neither read nor changed."""
    from registration.extensions import db
    from registration.models import PassPresence, Venue

    day, e1, _ = gates
    s1, s2 = make_device("SHOUGANG", "SHOUGANG-E1"), make_device("SHOUGANG", "SHOUGANG-E2")
    visitor = book(day, venue="SHOUGANG")
    token = visitor["pass"]["token"]
    by_card = check(app, e1, id_card(visitor["number"]), id="hh-card")
    assert (by_card["admit"], by_card["reason"], by_card["holder"]) == (
        False, "wrong_venue", NOBODY)
    assert check(app, e1, id_card(visitor["number"]), id="hh-card") == by_card  # a retry too
    by_pass = check(app, e1, token)
    assert (by_pass["reason"], by_pass["holder"]) == ("wrong_venue", NOBODY)
    assert check(app, s1, token)["reason"] == "ok"
    # Letting SHOUGANG's visitor "out" at CNCC would let the pass in again at SHOUGANG.
    out = check(app, e1, token, "out")
    assert (out["reason"], out["holder"]) == ("not_inside", NOBODY)
    assert check(app, s2, token)["reason"] == "already_inside"
    with app.app_context():
        row = db.session.scalar(select(PassPresence).where(
            PassPresence.serial == visitor["pass"]["serial"]))
        shougang = db.session.scalar(select(Venue.id).where(Venue.code == "SHOUGANG"))
        assert (row.venue_id, row.entries, row.exits, row.inside) == (shougang, 1, 0, True)


@pytest.fixture
def limited(app, make_app):
    # The limiter is one object per process: the app built last decides whether it is on,
    # so this one is built after ``app`` (which the day and device builders use).
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_GATE_VERIFY_DOCUMENT="3/minute")
    yield limited
    from registration.extensions import limiter

    with limited.app_context():
        limiter.reset()


def test_id_card_verify_is_rate_limited_per_device(limited, gates, book, make_resident_id,
                                                   gate_error):
    day, e1, e2 = gates
    assert limited.config["RATELIMIT_GATE_VERIFY_DOCUMENT"] == "3/minute"
    client = limited.test_client()

    def verify(device, scan):
        return client.post("/api/v1/gate/verify", headers=device.headers, json={
            "scan": scan, "direction": "in", "gate": device.gate})

    cards = [id_card(make_resident_id()) for _ in range(4)]
    assert [verify(e1, card).status_code for card in cards[:3]] == [200, 200, 200]
    refused = verify(e1, cards[3])
    assert gate_error(refused, 429)["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    # Per device, not per address: another device (same address here) still looks cards up.
    assert verify(e2, cards[3]).get_json()["verdict"]["reason"] == "no_appointment"
    # Passes are not limited: a signed pass is no document look-up.
    assert verify(e1, book(day)["pass"]["token"]).get_json()["verdict"]["reason"] == "ok"


def test_the_id_card_verify_limit_has_a_default(app):
    assert app.config["RATELIMIT_GATE_VERIFY_DOCUMENT"] == "120/minute"
