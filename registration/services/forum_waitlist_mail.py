"""The offer of a freed forum seat, by email and/or SMS (whichever the visitor gave),
in the visitor's language, with the time-limited link to the offer page.

Like the day waiting list's offers (services/waitlist_mail.py), the messages are built at
once (the link's token exists only inside the transaction that made the offer) and leave
only after that transaction commits: the email through the mail queue, the SMS through the
outgoing-message table (services/messages.py). A rollback drops both, so nobody is offered
a seat the database did not keep for them. A number the SMS gateway cannot take is
logged, never a reason to undo someone else's cancellation.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale

from registration.links import public_url_for
from registration.models import ForumWaitlistEntry
from registration.services import mail, mail_queue, messages
from registration.services.errors import ServiceError
from registration.services.forum_waitlist import Offer, contact_of
from registration.services.link_tokens import local_time_label

OFFER_ENDPOINT = "forum_waitlist.offer"


def offer_url(token: str) -> str:
    """The offer page's absolute address, from PUBLIC_URL (never the request's Host)."""
    return public_url_for(OFFER_ENDPOINT, token=token)


def local_deadline(entry: ForumWaitlistEntry) -> str:
    """When the offer runs out, in the venue's time, e.g. ``2026-09-10 14:05 (Asia/Shanghai)``."""
    return local_time_label(entry.offer_expires_at, entry.forum.zone.venue.timezone)


def forum_time(entry: ForumWaitlistEntry) -> str:
    """The session's local date and times, e.g. ``2026-09-10 14:00–15:30``."""
    forum = entry.forum
    zone = ZoneInfo(forum.zone.venue.timezone)
    starts, ends = forum.starts.astimezone(zone), forum.ends.astimezone(zone)
    return f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"


def offer_message(entry: ForumWaitlistEntry, token: str, to: str):
    with force_locale(entry.lang):
        # The subject is a template too: the catalog's extraction reads templates.
        subject = render_template("email/forum_offer_subject.txt",
                                  expires=local_deadline(entry)).strip()
        text = render_template("email/forum_offer.txt", forum=entry.forum, lang=entry.lang,
                               when=forum_time(entry), expires=local_deadline(entry),
                               offer_url=offer_url(token))
    return mail.build_message(to=to, subject=subject, text=text)


def offer_sms(entry: ForumWaitlistEntry, token: str) -> str:
    forum = entry.forum
    return messages.render_sms(
        "forum_offer", entry.lang, title=forum.title.in_language(entry.lang),
        when=forum_time(entry), expires=local_deadline(entry), url=offer_url(token))


def notify(offer: Offer) -> None:
    """Send ``offer`` to its holder after the current transaction commits: an email when
    they gave an address, an SMS when they gave a mobile number (both when both)."""
    entry = offer.entry
    reached = contact_of(entry)
    if reached.get("email"):
        mail_queue.send_after_commit(offer_message(entry, offer.token, reached["email"]),
                                     "forum waiting-list offer")
    if reached.get("phone"):
        try:
            messages.send_sms(reached["phone"], offer_sms(entry, offer.token), ref=entry.code)
        except ServiceError:
            current_app.logger.warning("forum offer SMS not queued: the number is refused")
