"""Bad input gets 422/404/409 in the one error shape with the field named; never a 500."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select


def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["message"]
    return error


def _booked(app):
    from registration.extensions import db
    from registration.models import Appointment

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Appointment))


@pytest.mark.parametrize("payload", [b"{not json", b"", b"null", b"[1, 2]", b'"text"'])
def test_malformed_json(client, payload):
    response = client.post("/api/v1/appointments", data=payload,
                           content_type="application/json")
    assert _error(response, 422)["code"] == "invalid_input"


FIELD_CASES = [
    ("wrong type for date", {"date": 20260910}, "date"),
    ("not a date", {"date": "2026-02-30"}, "date"),
    ("consent missing", {"consent": None}, "consent"),
    ("consent as a string", {"consent": "yes"}, "consent"),
    ("consent false", {"consent": False}, "consent"),
    ("name too long", {"name": "张" * 101}, "name"),
    ("name blank", {"name": "   "}, "name"),
    ("name with control chars", {"name": "Anna\x00\x1b[31m"}, "name"),
    ("unknown document type", {"document": {"type": "library_card", "number": "1"}},
     "document.type"),
    ("document number missing", {"document": {"type": "cn_resident_id"}}, "document.number"),
    ("wrong check digit", {"document": {"type": "cn_resident_id",
                                        "number": "360426199101010072"}}, "document.number"),
    ("month 13", {"document": {"type": "cn_resident_id", "number": "360426199113010079"}},
     "document.number"),
    ("passport without country", {"document": {"type": "passport", "number": "E12345678"}},
     "document.country"),
    ("bad email", {"email": "not-an-email"}, "email"),
    ("bad phone", {"phone": "call me"}, "phone"),
    ("unknown field", {"favourite_colour": "red"}, "favourite_colour"),
    ("unknown venue", {"venue": "NOWHERE"}, "venue"),
    ("slot on a day without slots", {"slot": "AM"}, "slot"),
    ("bad lang", {"lang": "fr"}, "lang"),
]


@pytest.mark.parametrize("label,override,field", FIELD_CASES, ids=[c[0] for c in FIELD_CASES])
def test_bad_field_is_named(app, client, make_fair_day, booking_body, label, override, field):
    day = make_fair_day()
    body = booking_body(day)
    for key, value in override.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    error = _error(client.post("/api/v1/appointments", json=body), 422)
    assert field in error["fields"], error
    assert _booked(app) == 0


def test_past_day_and_day_not_open(app, client, make_fair_day, booking_body):
    past = make_fair_day(offset=-1)
    error = _error(client.post("/api/v1/appointments", json=booking_body(past)), 422)
    assert error["code"] == "past_day" and "date" in error["fields"]
    future = make_fair_day(offset=1)
    closed = future + timedelta(days=7)
    error = _error(client.post("/api/v1/appointments", json=booking_body(closed)), 422)
    assert error["code"] == "day_not_open" and "date" in error["fields"]
    assert _booked(app) == 0


def test_unknown_paths_and_methods_answer_json(client):
    assert _error(client.get("/api/v1/nothing-here"), 404)["code"] == "not_found"
    assert _error(client.get("/api/v1/appointments"), 405)["code"] == "method_not_allowed"
    assert _error(client.get("/api/v1/venues/CNCC/days/2026-13-01"), 404)
    assert _error(client.get("/api/v1/venues/NOWHERE/days/2026-09-10"), 404)
    assert _error(client.get("/api/v1/passes/AAAAAAAAAAAAAAAA.png"), 404)
    assert _error(client.get("/api/v1/passes/AAAAAAAAAAAAAAAA.exe"), 404)


def test_error_messages_in_chinese(client, make_fair_day, booking_body):
    day = make_fair_day()
    body = booking_body(day, lang="zh")
    body.pop("name")
    error = _error(client.post("/api/v1/appointments", json=body), 422)
    assert error["fields"]["name"] == "缺少必填项。"
    error = _error(client.post("/api/v1/appointments", data=b"{", content_type="application/json",
                               headers={"Accept-Language": "zh-CN,zh;q=0.9"}), 422)
    assert error["fields"]["_schema"] == "请求内容不是有效的 JSON。"


def test_rate_limit_answers_429_in_the_error_shape(make_app, make_fair_day):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOOKUP="3/minute")
    client = app.test_client()
    statuses = [client.post("/api/v1/appointments/lookup",
                            json={"code": "ABCDEFGH", "document_number": "x"}).status_code
                for _ in range(4)]
    assert statuses[:3] == [404, 404, 404]
    error = _error(client.post("/api/v1/appointments/lookup",
                               json={"code": "ABCDEFGH", "document_number": "x"}), 429)
    assert error["code"] == "rate_limited"
