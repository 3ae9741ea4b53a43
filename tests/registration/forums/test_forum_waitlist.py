"""A full forum's waiting list end to end: joining (only when full), the offer of a seat
given back by email or SMS with a working time-limited link, taking it, expiry passing the
seat to the next in line (on the forum's next request and with `fairgate waitlist expire`),
one seat for two accepts, and no document number or contact address where it must not be."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from linekit import (
    age_offers, assert_counted, full_forum, join, line_state, mailed_offers, reserve,
    texted_offers,
)
from seatkit import add_forum, book


@pytest.fixture
def app(make_app, tmp_path):
    """Outboxes of this test only (the offers found in them are this test's); offers
    last 45 minutes."""
    return make_app(MAIL_OUTBOX=str(tmp_path / "outbox"), SMS_OUTBOX=str(tmp_path / "sms"),
                    FORUM_OFFER_MINUTES=45)


@pytest.fixture
def person(client, booking_body):
    """``person(day)`` -> a new booking of ``day``: ``{"code", "number", "serial"}``."""
    return lambda day: book(client, booking_body(day))


def _error(response, status: int) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json()["error"]


def _accept(client, token: str, lang: str = "en"):
    return client.post(f"/forum-offers/{token}?lang={lang}", data={})


def _offer_expiry(app) -> datetime:
    from registration.extensions import db
    from registration.models import ForumWaitlistEntry

    with app.app_context():
        expires = db.session.scalar(select(ForumWaitlistEntry.offer_expires_at).where(
            ForumWaitlistEntry.status == "offered"))
        db.session.remove()
    return expires


def _audit(app, action: str = "forum_waitlist_offered") -> list:
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                     .order_by(AuditEntry.id)).all()
        found = [(entry.target, entry.username, entry.details) for entry in entries]
        db.session.remove()
    return found


def test_a_full_forum_takes_a_line_in_order(app, client, booking_body, make_fair_day, person):
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    first, second = person(day), person(day)
    joined = join(client, "f-wl", first, email="first@example.com")
    assert joined.status_code == 201, joined.get_json()
    assert joined.get_json() == {"waitlist": {"forum": "F-WL", "position": 1}}
    by_sms = join(client, "F-WL", second, phone="+86 139 0000 0002")
    assert by_sms.get_json() == {"waitlist": {"forum": "F-WL", "position": 2}}
    again = _error(join(client, "F-WL", first, email="first@example.com"), 409)
    assert again["code"] == "already_waiting"
    assert again["message"] == "You are already on this forum's waiting list"
    assert _error(join(client, "F-WL", holder, email="h@example.com"), 409)["code"] == \
        "seat_taken"
    assert line_state(app, "F-WL")["statuses"] == ["waiting", "waiting"]


def test_a_forum_with_seats_left_refuses_the_line(app, client, make_fair_day, person):
    day = make_fair_day("CNCC", offset=1)
    add_forum(app, "F-OPEN", day, seats=5)
    someone = person(day)
    refused = _error(join(client, "F-OPEN", someone, email="a@example.com", lang="zh"), 409)
    assert refused["code"] == "not_full"
    assert refused["message"] == "该论坛尚有座位，请直接预约"
    no_contact = _error(join(client, "F-OPEN", someone), 422)
    assert "email" in no_contact["fields"]
    bad_mail = _error(join(client, "F-OPEN", someone, email="not-an-address"), 422)
    assert "email" in bad_mail["fields"]
    assert _error(join(client, "F-NONE", someone, email="a@example.com"), 404)["code"] == \
        "forum_not_found"
    wrong = dict(someone, number="110101199003078034")
    assert _error(join(client, "F-OPEN", wrong, email="a@example.com"), 404)["code"] == \
        "appointment_not_found"
    assert line_state(app, "F-OPEN")["statuses"] == []


def test_a_seat_given_back_is_mailed_to_the_first_in_line_and_taken_with_the_link(
        app, client, booking_body, make_fair_day, person, outbox):
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    first, second = person(day), person(day)
    join(client, "F-WL", first, email="first@example.com")
    join(client, "F-WL", second, email="second@example.com")
    before = datetime.now(timezone.utc)
    assert reserve(client, "F-WL", holder, cancel=True).status_code == 200
    state = line_state(app, "F-WL")
    assert state["statuses"] == ["offered", "waiting"]
    held = _offer_expiry(app) - before
    assert timedelta(minutes=45) <= held < timedelta(minutes=46)
    assert_counted(state)
    offers = mailed_offers(outbox)
    assert list(offers) == ["first@example.com"]
    (message,) = [m for m in outbox() if m["To"] == "first@example.com"]
    assert message["Subject"].strip().startswith("CIFTIS: a forum seat is held for you until ")
    text = message.get_body(("plain",)).get_content()
    assert "Forum: Forum F-WL" in text
    assert f"Time: {day.isoformat()} 14:00–15:30" in text
    assert "Room R301" in text and "(Asia/Shanghai)" in text
    (token,) = offers["first@example.com"]

    page = client.get(f"/forum-offers/{token}?lang=en").get_data(as_text=True)
    assert "A seat is held for you" in page and "Forum F-WL" in page
    assert "Take my seat" in page and "45 minutes" in page
    taken = _accept(client, token)
    assert taken.status_code == 302
    assert taken.headers["Location"].endswith(f"/pass/{first['serial']}")
    pass_page = client.get(taken.headers["Location"] + "?lang=en").get_data(as_text=True)
    assert "Your forum seat is reserved" in pass_page
    assert "Your forum seats" in pass_page and "Forum F-WL" in pass_page
    state = line_state(app, "F-WL")
    assert state["statuses"] == ["seated", "waiting"]
    assert (state["taken"], state["active"]) == (1, 1)
    assert_counted(state)
    used = client.get(f"/forum-offers/{token}?lang=en").get_data(as_text=True)
    assert "You took this seat" in used
    ((target, label, details),) = _audit(app)
    assert target == "F-WL" and label == "visitor"
    assert '"because": "cancellation"' in details


def test_an_offer_by_sms_goes_through_the_outgoing_messages(
        app, client, booking_body, make_fair_day, person, sms_outbox):
    from registration.extensions import db
    from registration.models import ForumWaitlistEntry, OutgoingMessage

    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    waiting = person(day)
    join(client, "F-WL", waiting, phone="+86 139 0000 0009", lang="zh")
    reserve(client, "F-WL", holder, cancel=True)
    texts = [m["text"] for m in sms_outbox() if m["to"] == "+8613900000009"]
    assert len(texts) == 1
    assert texts[0].startswith("【服贸会】论坛“F-WL论坛”")
    assert f"{day.isoformat()} 14:00–15:30" in texts[0]
    (token,) = texted_offers(sms_outbox)["+8613900000009"]
    with app.app_context():
        entry = db.session.scalar(select(ForumWaitlistEntry))
        stored = db.session.scalar(select(OutgoingMessage).where(
            OutgoingMessage.ref == entry.code))
        assert stored.to_masked != "+8613900000009" and stored.status.value == "sent"
        db.session.remove()
    page = client.get(f"/forum-offers/{token}?lang=zh").get_data(as_text=True)
    assert "已为您保留一个座位" in page and "45 分钟" in page and "确认我的座位" in page
    assert _accept(client, token, lang="zh").status_code == 302
    assert line_state(app, "F-WL")["statuses"] == ["seated"]


def test_an_expired_offer_passes_to_the_next_at_the_forums_next_request(
        app, client, booking_body, make_fair_day, person, outbox):
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    first, second = person(day), person(day)
    join(client, "F-WL", first, email="first@example.com")
    join(client, "F-WL", second, email="second@example.com")
    reserve(client, "F-WL", holder, cancel=True)
    (late_token,) = mailed_offers(outbox)["first@example.com"]
    age_offers(app)
    assert client.get("/forums/F-WL/seat?lang=en").status_code == 200  # anyone's visit
    state = line_state(app, "F-WL")
    assert state["statuses"] == ["expired", "offered"]
    assert_counted(state)
    (next_token,) = mailed_offers(outbox)["second@example.com"]
    closed = client.get(f"/forum-offers/{late_token}?lang=en").get_data(as_text=True)
    assert "This offer is closed" in closed
    assert "The time to take this seat is over" in closed
    assert "Take my seat" not in closed
    refused = _accept(client, late_token)
    assert refused.status_code == 409
    assert "This offer is no longer valid (expired or used)" in refused.get_data(as_text=True)
    chinese = client.get(f"/forum-offers/{late_token}?lang=zh").get_data(as_text=True)
    assert "确认该座位的时间已过，座位已让给候补名单中的下一位。" in chinese
    assert _accept(client, next_token).status_code == 302
    assert line_state(app, "F-WL")["statuses"] == ["expired", "seated"]
    offered = _audit(app)
    assert [label for _, label, _ in offered] == ["visitor", "system:waitlist"]
    assert '"because": "expiry"' in offered[1][2]


def test_the_command_expires_offers_and_frees_the_last_seat(
        app, client, booking_body, make_fair_day, person):
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    join(client, "F-WL", person(day), email="only@example.com")
    reserve(client, "F-WL", holder, cancel=True)
    age_offers(app)
    result = app.test_cli_runner().invoke(args=["waitlist", "expire"])
    assert result.exit_code == 0, result.output
    assert "1 forum seat offers expired: 0 passed on, 1 seats freed" in result.output
    state = line_state(app, "F-WL")
    assert (state["taken"], state["statuses"]) == (0, ["expired"])
    again = app.test_cli_runner().invoke(args=["waitlist", "expire"])
    assert "0 forum seat offers expired" in again.output
    listed = client.get("/api/v1/forums").get_json()["forums"]
    assert [f["seats_left"] for f in listed if f["code"] == "F-WL"] == [1]


def test_the_forum_list_runs_out_due_offers_first(
        app, client, booking_body, make_fair_day, person):
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    join(client, "F-WL", person(day), email="only@example.com")
    reserve(client, "F-WL", holder, cancel=True)
    age_offers(app)
    listed = client.get("/api/v1/forums").get_json()["forums"]
    assert [f["seats_left"] for f in listed if f["code"] == "F-WL"] == [1]
    assert line_state(app, "F-WL")["statuses"] == ["expired"]


def test_two_accepts_of_one_offer_take_one_seat(
        app, client, booking_body, make_fair_day, person, outbox):
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    join(client, "F-WL", person(day), email="first@example.com")
    reserve(client, "F-WL", holder, cancel=True)
    (token,) = mailed_offers(outbox)["first@example.com"]
    assert _accept(client, token).status_code == 302
    second = _accept(client, token)
    assert second.status_code == 409
    assert "This offer is no longer valid" in second.get_data(as_text=True)
    state = line_state(app, "F-WL")
    assert (state["taken"], state["active"], state["statuses"]) == (1, 1, ["seated"])


def test_an_unknown_offer_link_is_404(client):
    assert client.get("/forum-offers/not-a-real-token?lang=en").status_code == 404
    assert client.post("/forum-offers/not-a-real-token", data={}).status_code == 404


def test_no_document_number_or_contact_in_messages_audit_or_line(
        app, client, booking_body, make_fair_day, person, outbox, sms_outbox, caplog):
    from registration.extensions import db
    from registration.models import AuditEntry, ForumWaitlistEntry, OutgoingMessage

    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    first, second = person(day), person(day)
    join(client, "F-WL", first, email="private.first@example.com", phone="+86 139 0000 0011")
    join(client, "F-WL", second, phone="+86 139 0000 0012")
    reserve(client, "F-WL", holder, cancel=True)
    age_offers(app)
    app.test_cli_runner().invoke(args=["waitlist", "expire"])
    numbers = [first["number"], second["number"], holder["number"]]
    offers = [m for m in outbox() if OFFER_TEXT in m.get_body(("plain",)).get_content()]
    assert offers and all(n not in m.as_string() for m in offers for n in numbers)
    texts = [m["text"] for m in sms_outbox() if "/forum-offers/" in m["text"]]
    assert len(texts) == 2 and all(n not in t for t in texts for n in numbers)
    with app.app_context():
        audit = " ".join(f"{e.target} {e.details}" for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "forum_waitlist_offered")))
        line = db.session.scalars(select(ForumWaitlistEntry)).all()
        stored = db.session.scalars(select(OutgoingMessage)).all()
        db.session.remove()
    assert audit.count("F-WL") == 2  # the two offers: at the cancellation, at the expiry
    for secret in (*numbers, "private.first", "0011", "0012", "13900000011"):
        assert secret not in audit
    for entry in line:
        assert entry.contact_ciphertext and b"private" not in entry.contact_ciphertext
        assert entry.contact_masked and "private.first@" not in entry.contact_masked
    for message in stored:
        assert "13900000011" not in message.to_masked
    assert all(n not in caplog.text for n in numbers)


OFFER_TEXT = "A seat has become free in the forum you were waiting for."
