"""Helpers the forum waiting-list tests import: a full forum with people in its line, the
offer links found in the mail and SMS outboxes, and offers aged as if time had passed."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from seatkit import add_forum, book, seat_body

OFFER_LINK = re.compile(r"https?://[^\s]+/forum-offers/([A-Za-z0-9_\-]+)")


def reserve(client, forum_code: str, person: dict, cancel: bool = False):
    path = f"/api/v1/forums/{forum_code}/seats{'/cancel' if cancel else ''}"
    return client.post(path, json=seat_body(person))


def join(client, forum_code: str, person: dict, **contact):
    """POST the API join: ``contact`` is email=..., phone=... (and lang=...)."""
    return client.post(f"/api/v1/forums/{forum_code}/waitlist",
                       json=seat_body(person, **contact))


def full_forum(app, client, booking_body, day, code: str = "F-WL", seats: int = 1,
               **options) -> list[dict]:
    """A forum of ``seats`` seats on ``day``, each taken by a new booking; returns those
    holders (``{"code", "number", "serial"}``)."""
    add_forum(app, code, day, "14:00", "15:30", seats=seats, **options)
    holders = []
    for _ in range(seats):
        holder = book(client, booking_body(day))
        assert reserve(client, code, holder).status_code == 201
        holders.append(holder)
    return holders


def mailed_offers(outbox) -> dict[str, list[str]]:
    """``{recipient: [tokens of the forum-offer links mailed to them]}``."""
    found: dict[str, list[str]] = {}
    for message in outbox():
        body = message.get_body(("plain",)).get_content()
        for token in OFFER_LINK.findall(body):
            found.setdefault(str(message["To"]), []).append(token)
    return found


def texted_offers(sms_outbox) -> dict[str, list[str]]:
    """``{phone: [tokens of the forum-offer links sent by SMS]}`` (the SMS outbox folder)."""
    found: dict[str, list[str]] = {}
    for message in sms_outbox():
        for token in OFFER_LINK.findall(message["text"]):
            found.setdefault(message["to"], []).append(token)
    return found


def age_offers(app, minutes: float = 1) -> None:
    """Move every open offer's expiry into the past."""
    from registration.extensions import db
    from registration.models import ForumWaitlistEntry
    from gate.vocabulary import ForumWaitStatus

    with app.app_context():
        for entry in db.session.query(ForumWaitlistEntry).filter_by(
                status=ForumWaitStatus.offered):
            entry.offer_expires_at = datetime.now(timezone.utc) - timedelta(minutes=minutes)
        db.session.commit()
        db.session.remove()


def line_state(app, code: str) -> dict:
    """What is stored: the forum's counter, its active seats and its line's statuses."""
    from sqlalchemy import func, select

    from gate.vocabulary import SeatStatus
    from registration.extensions import db
    from registration.models import Forum, ForumWaitlistEntry, Seat

    with app.app_context():
        forum = db.session.scalar(select(Forum).where(Forum.code == code))
        active = db.session.scalar(select(func.count()).select_from(Seat).where(
            Seat.forum_id == forum.id, Seat.status == SeatStatus.active))
        statuses = db.session.scalars(select(ForumWaitlistEntry.status).where(
            ForumWaitlistEntry.forum_id == forum.id).order_by(ForumWaitlistEntry.id)).all()
        state = {"seats": forum.seats, "taken": forum.seats_taken, "active": active,
                 "statuses": [status.value for status in statuses]}
        db.session.remove()
    return state


def assert_counted(state: dict) -> None:
    """The counter holds exactly the active seats and the offered ones; no free seat sits
    beside people waiting for one."""
    offered = state["statuses"].count("offered")
    assert state["taken"] == state["active"] + offered <= state["seats"]
    if "waiting" in state["statuses"]:
        assert state["taken"] == state["seats"]
