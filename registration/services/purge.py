"""Retention: erase identity data of appointments on days long past.

``purge`` (the staff purge page and ``fairgate purge``, through actions/retention.py) erases,
for appointments on days before the cut-off: their documents, names and contacts; the
document look-up index of that days' check-in events; the reasons staff typed when revoking
their passes; the masked documents, names, search queries and revocation reasons in audit
entries recorded before the cut-off or about those appointments; and the outbox copies of
their confirmation emails; and the waiting-list entries of those days; and the identity
data of credentials whose last day is before the cut-off; and the contact person of
organisations registered before the cut-off with no credential running after it (their
sign-in links and phone codes go too).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select, union, update

from gate.rules import DEFAULT_TIMEZONE
from registration.extensions import db
from registration.models import (
    Appointment, CheckInEvent, Credential, CredentialGateIndex, Organisation,
    OrganisationSignIn, Pass, PhoneCode, RevocationCause, WaitlistEntry,
)
from registration.services import audit, mail
from registration.services import messages as message_service
from registration.services.calendar import utc_now

ERASED = "—"
FAIR_ZONE = ZoneInfo(DEFAULT_TIMEZONE)  # the fair's own days (both venues are in Beijing)


@dataclass(frozen=True)
class PurgeResult:
    appointments: int  # appointments whose identity data was erased now
    audit_entries: int  # audit entries whose identity details were erased
    outbox_messages: int  # confirmation emails deleted from the outbox


def cutoff_day(older_than_days: int, today: date) -> date:
    return today - timedelta(days=older_than_days)


def purge(older_than_days: int, *, today: date, now: datetime | None = None) -> PurgeResult:
    """Erase the identity data of appointments on days before the cut-off, wherever it is
    kept (see the module's description). The appointment rows stay (counts and reports
    still add up) but nothing in them identifies a person any more. The caller commits; the
    outbox files are deleted at once (copies of what the pass page shows)."""
    now = now or utc_now()
    cutoff = cutoff_day(older_than_days, today)
    erasable = _erasable(cutoff)
    result = db.session.execute(
        update(Appointment)
        .where(erasable, Appointment.purged_at.is_(None))
        .values(document_ciphertext=None, document_index=None, gate_index=None,
                name_ciphertext=None, contact_ciphertext=None,
                document_masked=ERASED, name_masked=ERASED, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    # Credentials whose last day is before the cut-off, like appointments (their carriers
    # are erased above with them, not before: see _erasable).
    db.session.execute(
        update(Credential)
        .where(Credential.last_day < cutoff, Credential.purged_at.is_(None))
        .values(document_ciphertext=None, name_ciphertext=None, contact_ciphertext=None,
                document_masked=ERASED, name_masked=ERASED, press_card_masked=None,
                title=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    # Organisations done with the fair: the contact person is personal data like a visitor.
    done = _organisations_done(cutoff)
    db.session.execute(
        update(Organisation).where(Organisation.id.in_(done), Organisation.purged_at.is_(None))
        .values(contact_ciphertext=None, contact_name_masked=ERASED,
                contact_email_masked=ERASED, contact_phone_masked=ERASED, purged_at=now)
        .execution_options(synchronize_session=False))
    for table in (OrganisationSignIn, PhoneCode):
        db.session.execute(delete(table).where(table.organisation_id.in_(done))
                           .execution_options(synchronize_session=False))
    # Check-in events of those days keep their counts but lose the document look-up index
    # of ID-card scans (a keyed hash, but still derived from the number).
    db.session.execute(
        update(CheckInEvent).where(CheckInEvent.day < cutoff,
                                   CheckInEvent.document_index.is_not(None))
        .values(document_index=None).execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Pass)
        .where(Pass.appointment_id.in_(select(Appointment.id).where(erasable)),
               # A note staff typed may name the visitor; the service writes none.
               Pass.revoke_cause == RevocationCause.STAFF_REVOKED,
               Pass.revoke_reason.is_not(None), Pass.revoke_reason != ERASED)
        .values(revoke_reason=ERASED).execution_options(synchronize_session=False)
    )
    # Waiting-list entries of those days hold identity data too, and nothing counts them
    # afterwards: they go (their audit entries were recorded before the cut-off).
    db.session.execute(delete(WaitlistEntry).where(WaitlistEntry.day < cutoff)
                       .execution_options(synchronize_session=False))
    # The kiosks' look-up indexes of credential passes, derived from the numbers erased.
    db.session.execute(delete(CredentialGateIndex).where(
        CredentialGateIndex.appointment_id.in_(select(Appointment.id).where(erasable)))
        .execution_options(synchronize_session=False))
    past = select(Appointment.code).where(erasable)
    entries = audit.erase_identity(
        recorded_before=datetime.combine(cutoff, time(0), FAIR_ZONE), codes=past, now=now)
    messages = mail.remove_outbox_messages(set(db.session.scalars(past)))
    # Text messages about those appointments and credentials (queued or sent) and their SMS
    # outbox copies (the ref is the appointment's or credential's code).
    message_service.erase_messages(
        union(past, select(Credential.code).where(Credential.last_day < cutoff),
              select(Organisation.code).where(Organisation.id.in_(done))))
    return PurgeResult(result.rowcount, entries, messages)


def _organisations_done(cutoff: date):
    """Organisations registered before the cut-off none of whose credentials runs after it."""
    running = select(Credential.organisation_id).where(
        Credential.last_day >= cutoff, Credential.organisation_id.is_not(None))
    registered = datetime.combine(cutoff, time(0), FAIR_ZONE)
    return select(Organisation.id).where(Organisation.created_at < registered,
                                         Organisation.id.not_in(running))


def _erasable(cutoff: date):
    """Appointments on days before the cut-off, but not the carrier of a credential still
    running then (its first day is past, its pass still valid): it goes with the credential."""
    running = select(Credential.id).where(Credential.last_day >= cutoff)
    return and_(Appointment.day < cutoff,
                or_(Appointment.credential_id.is_(None), Appointment.credential_id.not_in(running)))


def purge_identity_data(older_than_days: int, *, today: date,
                        now: datetime | None = None) -> int:
    """``purge``; returns how many appointments were erased."""
    return purge(older_than_days, today=today, now=now).appointments


def purgeable_count(older_than_days: int, *, today: date) -> int:
    """How many appointments ``purge_identity_data`` would erase now (for the confirmation)."""
    cutoff = cutoff_day(older_than_days, today)
    return db.session.scalar(select(func.count()).select_from(Appointment).where(
        _erasable(cutoff), Appointment.purged_at.is_(None))) or 0
