"""Online verify of a typed confirmation code: found on the device's venue-day only, decided
as the booking's current pass, recorded, and limited per device like ID-card look-ups."""
from __future__ import annotations

import pytest
from gatetools import post_verify
from sqlalchemy import select


def check(app, device, code, direction="in", **extra) -> dict:
    response = post_verify(app, device, {"code": code}, direction, **extra)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["verdict"]


def typed(code: str) -> str:
    """The code as someone types it from a phone screen: lower case, in two groups."""
    return f" {code[:4].lower()} {code[4:].lower()} "


def test_a_typed_code_is_decided_as_its_pass_and_recorded(app, gates, book):
    from registration.extensions import db
    from registration.models import CheckInEvent

    day, e1, e2 = gates
    booking = book(day)
    code = booking["appointment"]["code"]
    response = post_verify(app, e1, {"code": typed(code)}, id="hh-code-1")
    assert response.status_code == 200, response.get_json()
    verdict = response.get_json()["verdict"]
    assert verdict == {"admit": True, "reason": "ok", "colour": "green",
                       "message": {"zh": "欢迎入场", "en": "Welcome, please enter"},
                       "holder": booking["appointment"]["holder"],
                       "attention": None, "needs_staff": False}
    # The same presence as a scanned pass: the pass itself is now inside.
    assert check(app, e2, code)["reason"] == "already_inside"
    repeat = app.test_client().post("/api/v1/gate/verify", headers=e2.headers, json={
        "scan": booking["pass"]["token"], "direction": "in", "gate": e2.gate})
    assert repeat.get_json()["verdict"]["reason"] == "already_inside"
    assert check(app, e2, code, "out")["reason"] == "ok_exit"
    with app.app_context():
        event = db.session.scalar(select(CheckInEvent).where(
            CheckInEvent.event_id == "hh-code-1"))
        assert (event.serial, event.reason, event.admit, event.source, event.offline) == (
            booking["pass"]["serial"], "ok", True, "verify", False)
        assert event.document_index is None and event.appointment_id is not None
    # A retry with the same id answers the first verdict, nothing new is stored.
    again = post_verify(app, e1, {"code": code}, id="hh-code-1").get_json()["verdict"]
    assert again["reason"] == "ok"
    with app.app_context():
        assert len(db.session.scalars(select(CheckInEvent).where(
            CheckInEvent.event_id == "hh-code-1")).all()) == 1


def test_a_wrong_code_finds_no_appointment_and_is_recorded(app, gates, book):
    from registration.extensions import db
    from registration.models import CheckInEvent

    _, e1, _ = gates
    verdict = post_verify(app, e1, {"code": "ZZZZ2222"}, id="hh-code-2").get_json()["verdict"]
    assert verdict == {"admit": False, "reason": "no_appointment", "colour": "red",
                       "message": verdict["message"],
                       "holder": {"name": None, "document": None},
                       "attention": None, "needs_staff": False}
    assert verdict["message"]["zh"] and verdict["message"]["en"]
    assert check(app, e1, "ZZZZ2222", "out")["reason"] == "not_inside"
    with app.app_context():
        event = db.session.scalar(select(CheckInEvent).where(
            CheckInEvent.event_id == "hh-code-2"))
        assert (event.serial, event.reason, event.admit) == (None, "no_appointment", False)


def test_codes_of_another_venue_or_day_are_not_found_here(app, gates, book, make_fair_day):
    day, e1, _ = gates
    tomorrow = make_fair_day("CNCC", offset=1)
    elsewhere = book(day, venue="SHOUGANG")["appointment"]["code"]
    later = book(tomorrow)["appointment"]["code"]
    for code in (elsewhere, later):
        verdict = check(app, e1, code)
        assert (verdict["reason"], verdict["holder"]) == (
            "no_appointment", {"name": None, "document": None})


def test_a_cancelled_or_revoked_booking_is_refused_by_the_rules(app, gates, book):
    from registration.extensions import db
    from registration.services import operations

    day, e1, _ = gates
    cancelled = book(day)
    assert app.test_client().post(
        f"/api/v1/appointments/{cancelled['appointment']['code']}/cancel",
        json={"document_number": cancelled["number"]}).status_code == 200
    verdict = check(app, e1, cancelled["appointment"]["code"])
    assert (verdict["admit"], verdict["reason"]) == (False, "cancelled")
    # A venue that checks ID cards asks for it with a typed code too, as with the pass.
    with app.app_context():
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center",
                             id_check_kinds=["visitor"])
        db.session.commit()
    booking = book(day)
    assert check(app, e1, booking["appointment"]["code"])["reason"] == "id_required"
    matching = check(app, e1, booking["appointment"]["code"],
                     document={"type": "cn_resident_id", "number": booking["number"]})
    assert (matching["admit"], matching["reason"]) == (True, "ok")


@pytest.mark.parametrize("code", ["ABCD123", "ABCD12345", "ABCD-2345", "ABCDOI23", "", 7,
                                  None, "A" * 41])
def test_a_malformed_code_is_refused_with_its_field(app, gates, gate_error, code):
    _, e1, _ = gates
    error = gate_error(post_verify(app, e1, {"code": code}), 422)
    assert list(error["fields"]) == ["scan.code"], error
    assert error["fields"]["scan.code"] and error["message"]


def test_a_malformed_code_is_explained_in_chinese_too(app, gates, gate_error):
    _, e1, _ = gates
    response = app.test_client().post(
        "/api/v1/gate/verify", headers={**e1.headers, "Accept-Language": "zh-CN"},
        json={"scan": {"code": "ABCD-2345"}, "direction": "in", "gate": e1.gate})
    assert gate_error(response, 422)["fields"] == {
        "scan.code": "不是有效的确认码（8位字母和数字，不含 0、1、I、O）。"}


def test_code_and_document_together_are_refused(app, gates, gate_error):
    _, e1, _ = gates
    response = post_verify(app, e1, {"code": "ZZZZ2222", "document": {
        "type": "cn_resident_id", "number": "11010119900307803X"}})
    assert gate_error(response, 422)["fields"]


@pytest.fixture
def limited(app, make_app):
    # Built after ``app``: the limiter is one object per process, the last app decides.
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_GATE_VERIFY_DOCUMENT="3/minute")
    yield limited
    from registration.extensions import limiter

    with limited.app_context():
        limiter.reset()


def test_typed_codes_share_the_per_device_look_up_limit(limited, gates, book, gate_error,
                                                        make_resident_id):
    day, e1, e2 = gates
    code = book(day)["appointment"]["code"]
    answers = [post_verify(limited, e1, {"code": "ZZZZ2222"}).status_code for _ in range(2)]
    card = {"document": {"type": "cn_resident_id", "number": make_resident_id()}}
    answers.append(post_verify(limited, e1, card).status_code)
    assert answers == [200, 200, 200]
    refused = post_verify(limited, e1, {"code": code})
    assert gate_error(refused, 429)["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    # Per device: the other gate's device still looks the code up.
    assert post_verify(limited, e2, {"code": code}).get_json()["verdict"]["reason"] == "ok"


def test_the_schema_alphabet_is_the_booking_alphabet():
    from registration.services.booking import CODE_ALPHABET, CODE_LENGTH
    from schemas.gate import CONFIRMATION_CODE_ALPHABET, CONFIRMATION_CODE_LENGTH

    assert (CONFIRMATION_CODE_ALPHABET, CONFIRMATION_CODE_LENGTH) == (CODE_ALPHABET,
                                                                      CODE_LENGTH)


def test_the_openapi_document_describes_the_code(app):
    document = app.test_client().get("/api/openapi.json").get_json()
    scan = document["components"]["schemas"]["VerifyRequest"]["properties"]["scan"]
    assert {"$ref": "#/components/schemas/ScanCode"} in scan["oneOf"]
    code = document["components"]["schemas"]["ScanCode"]
    assert code["required"] == ["code"]
    assert code["properties"]["code"]["example"] == "K7P2 QX9M"
    assert code["properties"]["code"]["maxLength"] == 40
