"""The offer email (and SMS) of the waiting list, sent only once the offer is committed.

An offer is made inside someone else's transaction (a cancellation, an expiry): its mail
is built at once (the link's token exists only then) and queued on the database session;
it leaves after that transaction's commit and is dropped by its rollback, so nobody is
ever offered a place the database did not keep for them. A failed delivery is logged; the
offer stands (operators see it in ``fairgate waitlist list``) and runs out as usual.
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale

from registration.links import public_url_for
from registration.models import WaitlistEntry
from registration.services import mail, mail_queue, messages
from registration.services.errors import ServiceError
from registration.services.link_tokens import local_time_label


def local_deadline(entry: WaitlistEntry) -> str:
    """The offer's expiry in the venue's local time, e.g. ``2026-09-10 14:05 (Asia/Shanghai)``."""
    return local_time_label(entry.offer_expires_at, entry.fair_day.venue.timezone)


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


def queue_offer_sms(entry: WaitlistEntry, token: str, phone: str | None) -> None:
    """The offer by SMS too when the visitor gave a phone number: queued in this
    transaction, delivered after its commit (services/messages.py). A number the gateway
    cannot take is logged, never a reason to undo someone else's cancellation."""
    if not phone:
        return
    fair_day = entry.fair_day
    text = messages.render_sms(
        "waitlist_offer", entry.lang, expires=local_deadline(entry),
        venue=fair_day.venue.name_zh if entry.lang == "zh" else fair_day.venue.name_en,
        day=fair_day.date.isoformat(), url=public_url_for("waitlist.offer", token=token))
    try:
        messages.send_sms(phone, text, ref=entry.code)
    except ServiceError:
        current_app.logger.warning("waiting-list offer SMS not queued: the number is refused")


def queue_offer_mail(entry: WaitlistEntry, token: str, to: str | None) -> None:
    """Send the offer after the current transaction commits (nothing without an address)."""
    if to:
        mail_queue.send_after_commit(offer_message(entry, token, to), "waiting-list offer")
