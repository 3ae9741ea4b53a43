"""The offer email of the waiting list, sent only once the offer is committed.

An offer is made inside someone else's transaction (a cancellation, an expiry): its mail
is built at once (the link's token exists only then) and queued on the database session;
it leaves after that transaction's commit and is dropped by its rollback, so nobody is
ever offered a place the database did not keep for them. A failed delivery is logged; the
offer stands (operators see it in ``fairgate waitlist list``) and runs out as usual.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import event

from registration.extensions import db
from registration.links import public_url_for
from registration.models import WaitlistEntry
from registration.services import mail

QUEUE_KEY = "fairgate.waitlist.mail"


def local_deadline(entry: WaitlistEntry) -> str:
    """The offer's expiry in the venue's local time, e.g. ``2026-09-10 14:05 (Asia/Shanghai)``."""
    zone = entry.fair_day.venue.timezone
    moment: datetime = entry.offer_expires_at.astimezone(ZoneInfo(zone))
    return f"{moment:%Y-%m-%d %H:%M} ({zone})"


def offer_message(entry: WaitlistEntry, token: str, to: str):
    with force_locale(entry.lang):
        # The subject is a template too: the catalog's extraction reads templates and
        # web/ only (registration/translations/babel.cfg).
        subject = render_template("email/waitlist_offer_subject.txt",
                                  expires=local_deadline(entry)).strip()
        text = render_template(
            "email/waitlist_offer.txt", entry=entry, lang=entry.lang,
            expires=local_deadline(entry),
            # From PUBLIC_URL: a forged Host header must not end up in the visitor's mail.
            offer_url=public_url_for("waitlist.offer", token=token))
    return mail.build_message(to=to, subject=subject, text=text)


def queue_offer_mail(entry: WaitlistEntry, token: str, to: str | None) -> None:
    """Send the offer after the current transaction commits (nothing without an address)."""
    if to:
        db.session.info.setdefault(QUEUE_KEY, []).append(offer_message(entry, token, to))


@event.listens_for(db.session, "after_commit")
def _send_queued(session) -> None:
    for message in session.info.pop(QUEUE_KEY, []):
        try:
            mail.send_message(message)
        except (mail.MailError, OSError):
            current_app.logger.warning("waiting-list offer email not sent", exc_info=True)


@event.listens_for(db.session, "after_soft_rollback")
def _drop_queued(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the transaction itself, not a savepoint
        session.info.pop(QUEUE_KEY, None)
