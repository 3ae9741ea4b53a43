"""Text messages (SMS): queued in the caller's transaction, delivered after its commit.

``send_sms`` stores an ``OutgoingMessage`` (number and text encrypted, the number also
masked for staff) in the current transaction and queues its id on the session: after the
commit the configured provider (services/sms.py) gets it; a rollback drops it with the
transaction, so nothing is ever sent about something the database did not keep. Delivery
runs on its own connection, in a background thread (``SMS_DELIVER_IN_BACKGROUND``; inline
under TESTING), and never raises into the request: a failure leaves the message
``pending`` with ``next_attempt_at`` pushed back (``SMS_RETRY_BASE_SECONDS * 2**(n-1)``
after the n-th failed attempt); due messages are retried after each later delivery and by
``fairgate messages retry``; after ``SMS_MAX_ATTEMPTS`` the message is ``failed`` (audited
``message_failed``) and waits on /staff/messages, where staff can retry it. A delivery first
claims its row with a conditional UPDATE (``claimed_until``), so two servers, the CLI or a
staff "retry now" never send one message twice.

Phone codes: ``issue_phone_code`` sends an organisation contact a six-digit code (keyed hash
stored, ``PHONE_CODE_TTL_SECONDS``, ``PHONE_CODE_MAX_ATTEMPTS`` tries); ``verify_phone_code``
checks it and marks the organisation's phone verified.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import unicodedata
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.orm import Session

from gate.i18n import Text
from registration.extensions import db
from registration.models import (
    AuditAction, AuditEntry, MessageChannel, MessageStatus, Organisation, OutgoingMessage,
    PhoneCode,
)
from registration.services import sms
from registration.services.calendar import utc_now
from registration.services.errors import Conflict, invalid_field
from registration.services.identity import vault

QUEUE_KEY = "fairgate.messages.queue"
CLAIM_SECONDS = 120  # a claimed message is not retried by anyone else for this long
RETRY_BATCH = 5  # due messages retried after each delivery (the CLI retries them all)
SYSTEM_ACTOR = "fairgate"
_PHONE, _TEXT = "sms_to", "sms_text"


def render_sms(template: str, lang: str, **context) -> str:
    """``registration/templates/sms/<template>.<lang>.txt`` (zh when ``lang`` is neither),
    rendered with ``context``, whitespace at both ends removed."""
    lang = lang if lang in ("zh", "en") else "zh"
    # Straight from the environment: no request context or context processors needed
    # (the CLI sends SMS too), and plain text is not HTML-escaped.
    page = current_app.jinja_env.get_template(f"sms/{template}.{lang}.txt")
    return page.render(**context).strip()


def send_sms(phone: str, text: str, *, ref: str) -> None:
    """Queue an SMS to ``phone`` about ``ref`` (an appointment, credential or organisation
    code): stored now, in the caller's transaction, and delivered after its commit."""
    number = sms.normalise_phone(phone)
    if not sms.textable(phone):
        raise invalid_field("phone", Text("手机号码格式不正确", "The phone number is not valid"),
                            "invalid_phone")
    keys = vault()
    message = OutgoingMessage(
        channel=MessageChannel.SMS, to_ciphertext=keys.encrypt(number, purpose=_PHONE),
        to_masked=sms.mask_phone(number), text_ciphertext=keys.encrypt(text, purpose=_TEXT),
        ref=ref[:40], status=MessageStatus.PENDING, attempts=0, next_attempt_at=utc_now())
    db.session.add(message)
    db.session.flush()
    queue_delivery(message)


def queue_delivery(message: OutgoingMessage) -> None:
    """Deliver ``message`` after the current transaction commits."""
    db.session.info.setdefault(QUEUE_KEY, []).append(message.id)


@event.listens_for(db.session, "after_commit")
def _deliver_queued(session) -> None:
    ids = session.info.pop(QUEUE_KEY, [])
    if not ids:
        return
    background = current_app.config.get("SMS_DELIVER_IN_BACKGROUND")
    if background is None:  # unset: in the background, except in tests (inline, ordered)
        background = not current_app.testing
    if not background:
        deliver(ids)
        return
    app = current_app._get_current_object()
    # The response does not wait for the provider; a process ending meanwhile leaves the
    # message pending for the next delivery or `fairgate messages retry`.
    threading.Thread(target=_deliver_with_app, args=(app, ids), daemon=True,
                     name="fairgate-sms").start()


def _deliver_with_app(app, ids: list[int]) -> None:
    with app.app_context():
        deliver(ids)


@event.listens_for(db.session, "after_soft_rollback")
def _drop_queued(session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the transaction itself, not a savepoint
        session.info.pop(QUEUE_KEY, None)


def deliver(ids: list[int], *, retry_due: int = RETRY_BATCH) -> None:
    """Try these messages now, then up to ``retry_due`` other due ones; never raises (a
    failure is recorded on the message and logged)."""
    try:
        with Session(db.engine) as session:
            for message_id in ids:
                _attempt(session, message_id)
            if retry_due:
                for message_id in _due_ids(session, limit=retry_due, exclude=ids):
                    _attempt(session, message_id)
    except Exception:  # noqa: BLE001 - delivery must never fail the request that queued it
        current_app.logger.warning("SMS delivery run failed", exc_info=True)


def retry_due(*, now: datetime | None = None, everything: bool = False) -> dict[str, int]:
    """Deliver every pending message that is due (``everything``: not yet due too); returns
    how many were sent, are still pending and failed for good in this run."""
    counts = {"sent": 0, "pending": 0, "failed": 0}
    with Session(db.engine) as session:
        moment = now or utc_now()
        query = select(OutgoingMessage.id).where(OutgoingMessage.status == MessageStatus.PENDING)
        if not everything:
            query = query.where(OutgoingMessage.next_attempt_at <= moment)
        for message_id in session.scalars(query.order_by(OutgoingMessage.id)).all():
            status = _attempt(session, message_id, now=moment, force=everything)
            if status is not None:
                counts[status.value] += 1
    return counts


def retry_now(message: OutgoingMessage) -> None:
    """Staff's "retry now": the message (pending or failed) is tried again after the
    commit, with one more attempt allowed when it had failed for good."""
    if message.status == MessageStatus.SENT:
        raise Conflict("message_sent", Text("这条短信已发送", "This message has been sent"))
    message.status = MessageStatus.PENDING
    message.next_attempt_at = utc_now()
    queue_delivery(message)


def unsent_messages(limit: int = 200) -> list[OutgoingMessage]:
    """Pending and failed messages, failed first, then oldest first (the staff page)."""
    return list(db.session.scalars(
        select(OutgoingMessage)
        .where(OutgoingMessage.status.in_((MessageStatus.PENDING, MessageStatus.FAILED)))
        .order_by(OutgoingMessage.status, OutgoingMessage.created_at, OutgoingMessage.id)
        .limit(limit)))


def erase_messages(refs) -> int:
    """Delete the messages about these references (a SELECT of codes, or a collection) and
    their outbox copies (the retention purge); returns how many rows went."""
    chosen = set(refs) if isinstance(refs, (set, frozenset, list, tuple)) else \
        set(db.session.scalars(refs))
    query = refs if not isinstance(refs, (set, frozenset, list, tuple)) else chosen
    result = db.session.execute(delete(OutgoingMessage).where(OutgoingMessage.ref.in_(query))
                                .execution_options(synchronize_session=False))
    sms.remove_outbox_messages(chosen)
    return result.rowcount


def _due_ids(session: Session, *, limit: int, exclude: list[int]) -> list[int]:
    query = (select(OutgoingMessage.id)
             .where(OutgoingMessage.status == MessageStatus.PENDING,
                    OutgoingMessage.next_attempt_at <= utc_now())
             .order_by(OutgoingMessage.next_attempt_at, OutgoingMessage.id).limit(limit))
    if exclude:
        query = query.where(OutgoingMessage.id.not_in(exclude))
    return list(session.scalars(query))


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    base = float(current_app.config.get("SMS_RETRY_BASE_SECONDS") or 30)
    return timedelta(seconds=base * 2 ** max(attempts - 1, 0))


def _attempt(session: Session, message_id: int, *, now: datetime | None = None,
             force: bool = False) -> MessageStatus | None:
    """One delivery attempt, committed on ``session``; None when someone else holds the
    message (or it is not pending any more)."""
    now = now or utc_now()
    claim = (update(OutgoingMessage)
             .where(OutgoingMessage.id == message_id,
                    OutgoingMessage.status == MessageStatus.PENDING,
                    or_(OutgoingMessage.claimed_until.is_(None),
                        OutgoingMessage.claimed_until <= now))
             .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
             .execution_options(synchronize_session=False))
    if not force:
        claim = claim.where(OutgoingMessage.next_attempt_at <= now)
    if session.execute(claim).rowcount != 1:
        session.rollback()
        return None
    session.commit()
    message = session.get(OutgoingMessage, message_id)
    keys = vault()
    try:
        provider_id = sms.configured_provider().send(
            keys.decrypt(message.to_ciphertext, purpose=_PHONE),
            keys.decrypt(message.text_ciphertext, purpose=_TEXT), reference=message.ref)
    except sms.SendError as exc:
        return _record_failure(session, message, str(exc))
    message.status, message.sent_at = MessageStatus.SENT, utc_now()
    message.attempts += 1
    message.provider_id, message.last_error = provider_id, None
    message.claimed_until = None
    session.commit()
    return MessageStatus.SENT


def _record_failure(session: Session, message: OutgoingMessage, error: str) -> MessageStatus:
    message.attempts += 1
    message.last_error, message.claimed_until = error[:300], None
    limit = int(current_app.config.get("SMS_MAX_ATTEMPTS") or 5)
    if message.attempts >= limit:
        message.status = MessageStatus.FAILED
        session.add(AuditEntry(
            at=utc_now(), username=SYSTEM_ACTOR, action=AuditAction.MESSAGE_FAILED.value,
            target=message.ref, details=json.dumps(
                {"attempts": message.attempts, "channel": message.channel.value,
                 "error": message.last_error}, ensure_ascii=False, sort_keys=True)[:1000]))
        current_app.logger.warning("SMS about %s failed after %d attempts: %s", message.ref,
                                   message.attempts, message.last_error)
    else:
        message.next_attempt_at = utc_now() + backoff(message.attempts)
    session.commit()
    return message.status


# --- phone codes of organisation contacts --------------------------------------------------

def _code_hash(organisation: Organisation, code: str) -> str:
    return hmac.new(vault().index_key, f"phone-code|{organisation.id}|{code}".encode(),
                    hashlib.sha256).hexdigest()


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name) or default)


def issue_phone_code(organisation: Organisation, *, now: datetime | None = None) -> None:
    """Send the contact a new six-digit code by SMS (any earlier code stops working);
    409 ``phone_code_recent`` within ``PHONE_CODE_RESEND_SECONDS`` of the last one."""
    from registration.services.organisations import stored_contact

    now = now or utc_now()
    phone = (stored_contact(organisation) or {}).get("phone")
    if not phone:
        raise invalid_field("phone", Text("联系人没有手机号码", "The contact has no phone number"),
                            "phone_missing")
    last = db.session.scalar(select(PhoneCode.created_at)
                             .where(PhoneCode.organisation_id == organisation.id)
                             .order_by(PhoneCode.created_at.desc()).limit(1))
    gap = _setting("PHONE_CODE_RESEND_SECONDS", 60)
    if last is not None and now - last < timedelta(seconds=gap):
        raise Conflict("phone_code_recent", Text(
            f"验证码刚刚发送过，请 {gap} 秒后再试",
            f"A code was sent a moment ago; try again in {gap} seconds"))
    db.session.execute(delete(PhoneCode).where(PhoneCode.organisation_id == organisation.id)
                       .execution_options(synchronize_session=False))
    code = f"{secrets.randbelow(10 ** 6):06d}"
    ttl = _setting("PHONE_CODE_TTL_SECONDS", 600)
    db.session.add(PhoneCode(organisation_id=organisation.id, created_at=now,
                             code_hash=_code_hash(organisation, code),
                             expires_at=now + timedelta(seconds=ttl), attempts=0))
    send_sms(phone, render_sms("phone_code", organisation.lang, code=code,
                               minutes=max(ttl // 60, 1)), ref=organisation.code)


def verify_phone_code(organisation: Organisation, code: str, *,
                      now: datetime | None = None) -> bool:
    """True when ``code`` is the contact's current code, unexpired and within its tries
    (each try counts, right or wrong); sets ``Organisation.phone_verified_at``."""
    now = now or utc_now()
    current = db.session.scalar(
        select(PhoneCode).where(PhoneCode.organisation_id == organisation.id,
                                PhoneCode.used_at.is_(None), PhoneCode.expires_at > now)
        .order_by(PhoneCode.created_at.desc()).limit(1))
    if current is None:
        return False
    counted = db.session.execute(
        update(PhoneCode).where(PhoneCode.id == current.id,
                                PhoneCode.attempts < _setting("PHONE_CODE_MAX_ATTEMPTS", 5))
        .values(attempts=PhoneCode.attempts + 1).execution_options(synchronize_session=False))
    if counted.rowcount != 1:
        return False
    typed = "".join(unicodedata.normalize("NFKC", code or "").split())
    if not hmac.compare_digest(_code_hash(organisation, typed), current.code_hash):
        return False
    used = db.session.execute(
        update(PhoneCode).where(PhoneCode.id == current.id, PhoneCode.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))
    if used.rowcount != 1:
        return False
    organisation.phone_verified_at = now
    return True
