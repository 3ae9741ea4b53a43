"""Declining a forum seat offer ("No thanks"): the offer closes at once, its seat is
offered to the next in line (mailed, audited as at expiry) or goes back to the forum, the
link then says it was declined, and the form needs its CSRF token."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from linekit import assert_counted, full_forum, join, line_state, mailed_offers, reserve
from seatkit import book

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
from pagetools import Page  # noqa: E402


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(MAIL_OUTBOX=str(tmp_path / "outbox"), SMS_OUTBOX=str(tmp_path / "sms"))


@pytest.fixture
def offered(app, client, booking_body, make_fair_day):
    """A full one-seat forum F-WL whose holder gave the seat back while two people waited:
    ``(first, second)``, the first holding the offer."""
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(app, client, booking_body, day)
    first, second = book(client, booking_body(day)), book(client, booking_body(day))
    join(client, "F-WL", first, email="first@example.com")
    join(client, "F-WL", second, email="second@example.com")
    assert reserve(client, "F-WL", holder, cancel=True).status_code == 200
    return first, second


def _offers_audited(app) -> list[tuple[str, str, dict]]:
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        found = [(entry.target, entry.username, json.loads(entry.details))
                 for entry in db.session.scalars(select(AuditEntry).where(
                     AuditEntry.action == "forum_waitlist_offered").order_by(AuditEntry.id))]
        db.session.remove()
    return found


def _entry_codes(app) -> list[str]:
    from registration.extensions import db
    from registration.models import ForumWaitlistEntry

    with app.app_context():
        codes = db.session.scalars(select(ForumWaitlistEntry.code)
                                   .order_by(ForumWaitlistEntry.id)).all()
        db.session.remove()
    return codes


def _decline(client, token: str, lang: str = "en"):
    return client.post(f"/forum-offers/{token}?lang={lang}", data={"decision": "decline"})


def test_no_thanks_offers_the_seat_to_the_next_in_line_at_once(app, client, offered, outbox):
    (token,) = mailed_offers(outbox)["first@example.com"]
    page = Page.of(client.get(f"/forum-offers/{token}?lang=en"))
    buttons = {b.text.strip(): b["value"] for b in page.root.find_all("button")}
    assert buttons["No thanks: give it to the next person"] == "decline"
    assert buttons["Take my seat"] == "accept"

    declined = _decline(client, token)
    assert declined.status_code == 302
    assert declined.headers["Location"].endswith(f"/forum-offers/{token}")
    state = line_state(app, "F-WL")
    assert state["statuses"] == ["withdrawn", "offered"]
    assert_counted(state)
    assert list(mailed_offers(outbox)) == ["first@example.com", "second@example.com"]

    closed = Page.of(client.get(f"/forum-offers/{token}?lang=en"))
    assert closed.h1 == "This offer is closed"
    assert "You declined this seat; it went to the next person on the waiting list." in \
        closed.text
    assert "Take my seat" not in closed.text
    chinese = Page.of(client.get(f"/forum-offers/{token}?lang=zh"))
    assert "您已放弃该座位，座位已让给候补名单中的下一位。" in chinese.text

    first_code, second_code = _entry_codes(app)
    [at_cancellation, at_decline] = _offers_audited(app)
    assert at_cancellation[2]["because"] == "cancellation"
    assert at_decline[:2] == ("F-WL", "visitor")
    assert at_decline[2]["because"] == "decline"
    assert (at_decline[2]["entry"], at_decline[2]["after"]) == (second_code, first_code)


def test_a_declined_offer_cannot_be_taken_or_declined_again(app, client, offered, outbox):
    (token,) = mailed_offers(outbox)["first@example.com"]
    assert _decline(client, token).status_code == 302
    taken = client.post(f"/forum-offers/{token}?lang=en", data={"decision": "accept"})
    assert taken.status_code == 409
    assert "This offer is no longer valid (expired or used)" in Page.of(taken).text
    again = _decline(client, token, lang="zh")
    assert again.status_code == 409
    assert "该座位邀请已失效（已过期或已使用）" in Page.of(again).text
    assert line_state(app, "F-WL")["statuses"] == ["withdrawn", "offered"]
    assert len(_offers_audited(app)) == 2  # no second offer for one decline


def test_the_last_in_line_declining_gives_the_seat_back_to_the_forum(
        app, client, offered, outbox):
    (first_token,) = mailed_offers(outbox)["first@example.com"]
    assert _decline(client, first_token).status_code == 302
    (second_token,) = mailed_offers(outbox)["second@example.com"]
    assert _decline(client, second_token).status_code == 302
    state = line_state(app, "F-WL")
    assert state["statuses"] == ["withdrawn", "withdrawn"]
    assert (state["taken"], state["active"]) == (0, 0)
    assert len(_offers_audited(app)) == 2  # nobody left to offer it to
    again_open = Page.of(client.get("/forums/F-WL/waitlist?lang=en"))
    assert "This forum still has seats: reserve one directly." in again_open.text


@pytest.fixture
def csrf_app(make_app, tmp_path):
    return make_app(WTF_CSRF_ENABLED=True, MAIL_OUTBOX=str(tmp_path / "outbox"))


def test_no_thanks_needs_the_forms_csrf_token(csrf_app, booking_body, make_fair_day, outbox):
    client = csrf_app.test_client()
    day = make_fair_day("CNCC", offset=1)
    (holder,) = full_forum(csrf_app, client, booking_body, day)
    first = book(client, booking_body(day))
    join(client, "F-WL", first, email="first@example.com")
    assert reserve(client, "F-WL", holder, cancel=True).status_code == 200
    (token,) = mailed_offers(outbox)["first@example.com"]
    for forged in (None, "forged"):
        body = {"decision": "decline", **({"csrf_token": forged} if forged else {})}
        assert client.post(f"/forum-offers/{token}", data=body).status_code == 400
    assert line_state(csrf_app, "F-WL")["statuses"] == ["offered"]
    page = Page.of(client.get(f"/forum-offers/{token}?lang=en"))
    csrf = page.root.find("input", name="csrf_token")["value"]
    assert client.post(f"/forum-offers/{token}",
                       data={"decision": "decline", "csrf_token": csrf}).status_code == 302
    assert line_state(csrf_app, "F-WL")["statuses"] == ["withdrawn"]
    assert line_state(csrf_app, "F-WL")["taken"] == 0
