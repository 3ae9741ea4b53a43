"""The waiting list of a full forum: join, offers of freed seats, accept, expiry
(docs/forums.md), like the day's waiting list (services/waitlist.py).

A held seat never leaves the forum's counter: a seat given back while people wait stays
counted in ``forums.seats_taken`` and becomes the offer of the first in line; accepting
writes the seat without taking another; an offer that runs out passes the same seat to
the next, and with nobody left it is freed. Every change of a line starts with the forum's
counter row lock (services/seats.py ``lock_forum``), so a cancellation, a join, an accept
and an expiry of one forum take their turns; each state change of an entry is a
conditional UPDATE on its current state. Only the SHA-256 of an offer link's token is
stored. The caller commits; offer messages leave after the commit.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from gate.i18n import Text
from gate.vocabulary import ForumWaitStatus
from registration.extensions import db
from registration.models import Forum, ForumWaitlistEntry
from registration.services import seats as seat_service
from registration.services import sms
from registration.services.booking import new_confirmation_code
from registration.services.calendar import utc_now
from registration.services.errors import Conflict, NotFound, invalid_field
from registration.services.identity import vault
from registration.services.link_tokens import new_token, token_hash
from registration.services.organisations import mask_email

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

NOT_FULL = Text("该论坛尚有座位，请直接预约", "This forum still has seats: reserve one directly")
ALREADY_WAITING = Text("您已在该论坛的候补名单中", "You are already on this forum's waiting list")
BAD_CONTACT = Text("请填写电子邮箱或手机号码，以便通知您空出的座位",
                   "Give an email address or a mobile number to be offered a freed seat")
BAD_EMAIL = Text("电子邮箱格式不正确", "This email address is not valid")
BAD_PHONE = Text("手机号码格式不正确", "This mobile number is not valid")
OFFER_NOT_FOUND = Text("找不到该座位邀请", "This offer does not exist")
OFFER_GONE = Text("该座位邀请已失效（已过期或已使用）",
                  "This offer is no longer valid (expired or used)")


@dataclass(frozen=True)
class Offer:
    """An offer just made; ``token`` is the link's secret (only its hash is stored)."""

    entry: ForumWaitlistEntry
    token: str


@dataclass(frozen=True)
class Expiry:
    entry: ForumWaitlistEntry
    passed_to: Offer | None


def offer_lifetime(forum: Forum, now: datetime) -> datetime:
    """When a new offer runs out: FORUM_OFFER_MINUTES from now, never after the start."""
    minutes = float(current_app.config["FORUM_OFFER_MINUTES"])
    return max(min(now + timedelta(minutes=minutes), forum.starts), now + timedelta(minutes=1))


def contact_details(email: str | None, phone: str | None) -> dict:
    """``{"email": .., "phone": ..}`` (one of them at least) for the offer; 422 naming the
    bad field (``email`` when neither is given)."""
    reached = {}
    address = (email or "").strip()
    if address:
        if not (EMAIL_RE.fullmatch(address) and len(address) <= 254):
            raise invalid_field("email", BAD_EMAIL, "invalid_email")
        reached["email"] = address
    if (phone or "").strip():
        number = sms.normalise_phone(phone)
        if not (number.lstrip("+").isdigit() and 5 <= len(number.lstrip("+")) <= 20):
            raise invalid_field("phone", BAD_PHONE, "invalid_phone")
        reached["phone"] = number
    if not reached:
        raise invalid_field("email", BAD_CONTACT, "contact_required")
    return reached


def join(forum_code: str, *, code: str, document_number: str, email: str | None = None,
         phone: str | None = None, lang: str = "zh",
         now: datetime | None = None) -> ForumWaitlistEntry:
    """Join a full forum's line: the same checks as a reservation (who, the venue-day, the
    kind, the window, no clash), then 409 ``not_full`` while seats are left and
    ``already_waiting`` for a second entry of one person."""
    now = now or utc_now()
    forum = seat_service.get_forum(forum_code)
    reached = contact_details(email, phone)
    document_index = seat_service.identify(code, document_number)
    holder = seat_service.holder_for(forum, document_index)
    seat_service.check_may_register(forum, holder, now)
    seat_service.check_no_clash(forum, document_index)
    seat_service.lock_forum(forum)
    db.session.refresh(forum)
    if forum.seats_left > 0:
        raise Conflict("not_full", NOT_FULL)
    masked = mask_email(reached["email"]) if "email" in reached \
        else sms.mask_phone(reached["phone"])
    entry = ForumWaitlistEntry(
        code=new_confirmation_code(), forum_id=forum.id, appointment_id=holder.appointment.id,
        document_index=document_index, status=ForumWaitStatus.waiting,
        contact_ciphertext=vault().encrypt(reached, purpose="contact"),
        contact_masked=masked[:80], lang=lang if lang in ("zh", "en") else "zh",
        joined_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(entry)
            db.session.flush()
    except IntegrityError:
        raise Conflict("already_waiting", ALREADY_WAITING) from None
    return entry


def offer_next(forum: Forum, *, now: datetime | None = None) -> Offer | None:
    """Offer a held seat to the first waiting entry (the caller holds the forum's lock)."""
    now = now or utc_now()
    if now >= (forum.registration_closes or forum.starts):
        return None  # too late for anyone to take it
    head = db.session.scalar(
        select(ForumWaitlistEntry).where(ForumWaitlistEntry.forum_id == forum.id,
                                         ForumWaitlistEntry.status == ForumWaitStatus.waiting)
        .order_by(ForumWaitlistEntry.joined_at, ForumWaitlistEntry.id).limit(1))
    if head is None:
        return None
    token = new_token()
    table = ForumWaitlistEntry.__table__
    result = db.session.execute(
        update(table).where(table.c.id == head.id, table.c.status == "waiting")
        .values(status="offered", offer_token_hash=token_hash(token), offered_at=now,
                offer_expires_at=offer_lifetime(forum, now)))
    if result.rowcount != 1:
        return None
    db.session.refresh(head)
    return Offer(head, token)


def pass_on(forum: Forum, *, now: datetime | None = None) -> Offer | None:
    """A counted seat nobody holds: to the first in line, else freed."""
    seat_service.lock_forum(forum)
    offer = offer_next(forum, now=now)
    if offer is None:
        seat_service.release_seat_place(forum)
    return offer


def find_offer(token: str) -> ForumWaitlistEntry:
    entry = db.session.scalar(select(ForumWaitlistEntry).where(
        ForumWaitlistEntry.offer_token_hash == token_hash(token)))
    if entry is None:
        raise NotFound("offer_not_found", OFFER_NOT_FOUND)
    return entry


def _close_open_offer(entry: ForumWaitlistEntry, status: str, now: datetime) -> None:
    """Close ``entry``'s offer as ``status`` if it is still open (one conditional UPDATE,
    so of an accept, a decline and an expiry at once exactly one wins); 409 ``offer_gone``
    otherwise."""
    table = ForumWaitlistEntry.__table__
    closed = db.session.execute(
        update(table).where(table.c.id == entry.id, table.c.status == "offered",
                            table.c.offer_expires_at > now)
        .values(status=status, closed_at=now))
    if closed.rowcount != 1:
        raise Conflict("offer_gone", OFFER_GONE)


def accept(token: str, *, now: datetime | None = None):
    """Take the held seat (no seat is counted again). 409 ``offer_gone`` when the offer
    expired or was used; the reservation's own refusals (no booking that day any more,
    a clash) leave the offer to run out."""
    now = now or utc_now()
    entry = find_offer(token)
    forum = seat_service.get_forum(entry.forum.code)
    holder = seat_service.holder_for(forum, entry.document_index)
    # The person's booking first, then the forum: the order a reservation takes them in,
    # so the same person reserving at this moment waits (and sees this seat) rather than
    # deadlocking.
    seat_service.lock_holder(holder)
    seat_service.lock_forum(forum)
    _close_open_offer(entry, "seated", now)
    seat_service.check_no_clash(forum, entry.document_index)
    seat = seat_service.write_seat(forum, holder, now)
    table = ForumWaitlistEntry.__table__
    db.session.execute(update(table).where(table.c.id == entry.id).values(seat_id=seat.id))
    db.session.refresh(entry)
    return seat


def decline(token: str, *, now: datetime | None = None) -> Expiry:
    """"No thanks": the open offer closes at once (``withdrawn``, as the day waiting list
    records a decline) and its seat passes on exactly as at expiry: to the next in line,
    who is offered it, or back to the forum. 409 ``offer_gone`` when the offer already
    expired, was used or declined."""
    now = now or utc_now()
    entry = find_offer(token)
    forum = db.session.get(Forum, entry.forum_id)
    seat_service.lock_forum(forum)
    _close_open_offer(entry, "withdrawn", now)
    db.session.refresh(entry)
    db.session.refresh(forum)
    return Expiry(entry, pass_on(forum, now=now))


def offer_is_open(entry: ForumWaitlistEntry, now: datetime | None = None) -> bool:
    return (entry.status is ForumWaitStatus.offered
            and entry.offer_expires_at > (now or utc_now()))


def _due(now: datetime, forum_id: int | None):
    query = select(ForumWaitlistEntry.id, ForumWaitlistEntry.forum_id).where(
        ForumWaitlistEntry.status == ForumWaitStatus.offered,
        ForumWaitlistEntry.offer_expires_at <= now)
    if forum_id is not None:
        query = query.where(ForumWaitlistEntry.forum_id == forum_id)
    return query


def has_due_offers(forum_id: int | None = None, now: datetime | None = None) -> bool:
    """Whether an offer (of one forum, or any) ran out: one small read before the lazy
    expiry writes."""
    return db.session.execute(_due(now or utc_now(), forum_id).limit(1)).first() is not None


def expire_due(*, forum_id: int | None = None, now: datetime | None = None) -> list[Expiry]:
    """Every offer past its time (of one forum, or all): closed, its seat passed to the
    next in line or freed."""
    now = now or utc_now()
    due = db.session.execute(
        _due(now, forum_id).order_by(ForumWaitlistEntry.offer_expires_at)).all()
    expired = []
    table = ForumWaitlistEntry.__table__
    for entry_id, of_forum in due:
        forum = db.session.get(Forum, of_forum)
        seat_service.lock_forum(forum)
        result = db.session.execute(
            update(table).where(table.c.id == entry_id, table.c.status == "offered",
                                table.c.offer_expires_at <= now)
            .values(status="expired", closed_at=now))
        if result.rowcount != 1:
            continue
        entry = db.session.get(ForumWaitlistEntry, entry_id)
        db.session.refresh(entry)
        db.session.refresh(forum)
        expired.append(Expiry(entry, pass_on(forum, now=now)))
    return expired


def contact_of(entry: ForumWaitlistEntry) -> dict:
    if entry.contact_ciphertext is None:
        return {}
    return vault().decrypt(entry.contact_ciphertext, purpose="contact")


def position(entry: ForumWaitlistEntry) -> int | None:
    """The entry's place in the line (1: offered the next freed seat); None once it is no
    longer waiting."""
    if entry.status is not ForumWaitStatus.waiting:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(ForumWaitlistEntry).where(
        ForumWaitlistEntry.forum_id == entry.forum_id,
        ForumWaitlistEntry.status == ForumWaitStatus.waiting,
        (ForumWaitlistEntry.joined_at < entry.joined_at)
        | ((ForumWaitlistEntry.joined_at == entry.joined_at)
           & (ForumWaitlistEntry.id < entry.id))))
    return (ahead or 0) + 1


def line_count(forum: Forum) -> int:
    return db.session.scalar(select(func.count()).select_from(ForumWaitlistEntry).where(
        ForumWaitlistEntry.forum_id == forum.id,
        ForumWaitlistEntry.status == ForumWaitStatus.waiting)) or 0
