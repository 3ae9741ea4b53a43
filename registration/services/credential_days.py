"""Which venue-days a credential covers, and who holds one on a day.

Kept apart from services/credentials.py so the booking, manifest and gate services can
ask without importing the credential service (which imports them): plain queries, no
other service.
"""
from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import Date, String, bindparam, exists, or_, select

from gate.i18n import Text
from gate.kinds import KINDS, MULTI_DAY_KINDS
from gate.passes import PassKind
from registration.extensions import db
from registration.models import Credential, CredentialStatus, FairDay, Venue

# Kinds whose pass admits at a gate (online participants have none).
GATE_KINDS = frozenset(kind for kind in PassKind
                       if kind not in (PassKind.visitor, PassKind.online))
# A public booking is refused on a day the person holds one of these (they enter already).
BOOKING_REFUSING_KINDS = frozenset(MULTI_DAY_KINDS & GATE_KINDS)


def holds_message(kind: PassKind) -> Text:
    """"You hold a <kind> credential for that day" (a public booking's refusal)."""
    name = KINDS[PassKind(kind)].name
    return Text(f"该证件当日已持有{name.zh}证件，无需另行预约",
                f"You hold a {name.en.lower()} credential for that day: no booking is needed")


def covered_days(venue_id: int | None, first_day: date, last_day: date) -> list[FairDay]:
    """The fair days from ``first_day`` to ``last_day`` at the venue (None: every venue),
    by date then venue code: the first is where a carrier appointment sits."""
    query = (select(FairDay).join(Venue).where(FairDay.date >= first_day,
                                               FairDay.date <= last_day)
             .order_by(FairDay.date, Venue.code))
    if venue_id is not None:
        query = query.where(FairDay.venue_id == venue_id)
    return list(db.session.scalars(query))


def covered_day_ids(credential_id: int) -> list[int]:
    """The ids of the venue-days a credential covers (none for an unknown id)."""
    credential = db.session.get(Credential, credential_id)
    if credential is None or credential.kind is PassKind.online:
        return []
    return [day.id for day in covered_days(credential.venue_id, credential.first_day,
                                           credential.last_day)]


def covering(document_index: str, day: date, venue_code: str | None = None, *,
             kinds=GATE_KINDS) -> Credential | None:
    """The approved credential of one of ``kinds`` that admits this document on ``day`` (at
    ``venue_code``; None: at any venue), else None. One indexed SELECT (on the booking
    path: the statement is built once per shape)."""
    params = {"doc": document_index, "day": day}
    if venue_code is not None:
        params["venue"] = venue_code.upper()
    return db.session.scalars(_covering_statement(frozenset(kinds), venue_code is not None),
                              params).first()


def held_kind(document_index: str, day: date) -> PassKind | None:
    """The kind of the approved credential (exhibitor, media, guest, staff, contractor) that
    already admits this document on ``day`` at some venue, else None: the booking's check,
    one indexed SELECT of one column."""
    kind = db.session.execute(_covering_statement(BOOKING_REFUSING_KINDS, False, Credential.kind),
                              {"doc": document_index, "day": day}).scalar()
    return PassKind(kind) if kind is not None else None


def refusing_credential_exists(document_index, day):
    """SQL: a credential refusing a public booking admits ``document_index`` on ``day``
    (both SQL expressions): :func:`held_kind`'s condition, for the booking's INSERT to
    test in the same statement (services/booking_rows.py)."""
    return exists().where(*_covering_terms(document_index, day, BOOKING_REFUSING_KINDS))


def _covering_terms(document_index, day, kinds) -> list:
    return [Credential.document_index == document_index,
            Credential.status == CredentialStatus.APPROVED,
            Credential.first_day <= day, Credential.last_day >= day,
            Credential.kind.in_(sorted(kinds))]


@lru_cache(maxsize=None)
def _covering_statement(kinds: frozenset, at_venue: bool, what=Credential):
    query = select(what).where(*_covering_terms(
        bindparam("doc", type_=String), bindparam("day", type_=Date), kinds))
    if at_venue:
        venue_id = select(Venue.id).where(Venue.code == bindparam("venue", type_=String))
        query = query.where(or_(Credential.venue_id.is_(None),
                                Credential.venue_id == venue_id.scalar_subquery()))
    return query.order_by(Credential.id).limit(1)
