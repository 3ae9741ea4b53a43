"""Emails that leave only once the transaction that decided them commits.

A decision (a pass issued, an offer made, an organisation approved) is taken inside a
transaction; its email is built at once and queued on the database session. It is sent
after the commit and dropped by a rollback, so nobody is told of something the database did
not keep. A failed delivery is logged; the decision stands (the outbox and the staff pages
show what was sent).
"""
from __future__ import annotations

from email.message import EmailMessage

from flask import current_app
from sqlalchemy import event

from registration.extensions import db
from registration.services import mail

QUEUE_KEY = "fairgate.mail.after_commit"


def send_after_commit(message: EmailMessage, what: str) -> None:
    """Queue ``message``; ``what`` names it in the log if it cannot be sent."""
    db.session.info.setdefault(QUEUE_KEY, []).append((message, what))


@event.listens_for(db.session, "after_commit")
def _send_queued(session) -> None:
    for message, what in session.info.pop(QUEUE_KEY, []):
        try:
            mail.send_message(message)
        except (mail.MailError, OSError):
            current_app.logger.warning("%s email not sent", what, exc_info=True)


@event.listens_for(db.session, "after_soft_rollback")
def _drop_queued(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the transaction itself, not a savepoint
        session.info.pop(QUEUE_KEY, None)
