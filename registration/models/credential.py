"""Credentials: one person registered once, real-name, under a credential kind.

A credential covers ``first_day`` .. ``last_day`` at one venue (``venue_id``) or at every
venue (``venue_id`` NULL: media, guests, staff). Once approved it has ONE pass valid on all
its days (the token's first day and day count). The gate pipeline (manifest, verify,
check-ins, presence) reads every pass through an appointment, so an approved credential
with a pass also has one *carrier* appointment (``Appointment.credential_id``, channel
``credential``) at its first venue-day; the pass's manifest entries are written for every
venue-day the credential covers (services/credentials.py). A professional visitor's
credential is a one-day booking: its carrier appointment takes a place of the day's
professional quota. Online credentials have no gate pass.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gate.kinds import MULTI_DAY_KINDS
from gate.passes import PassKind
from gate.vocabulary import CredentialStatus  # noqa: F401 (re-exported)
from registration.models.base import Base, UTCDateTime, enum_type, utcnow
from registration.models.organisation import Organisation
from registration.models.venue import Venue


_MULTI_DAY = ", ".join(f"'{kind.value}'" for kind in sorted(MULTI_DAY_KINDS))
ACTIVE_CREDENTIAL = f"status IN ('pending', 'approved') AND kind IN ({_MULTI_DAY})"
"""The predicate of the one-active-multi-day-credential-per-document index."""


class Credential(Base):
    __tablename__ = "credentials"
    __table_args__ = (
        # At most one active credential of a multi-day kind per document (the fair is one).
        Index("uq_credentials_active_document", "document_index", unique=True,
              sqlite_where=text(ACTIVE_CREDENTIAL), postgresql_where=text(ACTIVE_CREDENTIAL)),
        CheckConstraint("first_day <= last_day", name="days_in_order"),
        CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL",
                        name="reason_when_rejected"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    kind: Mapped[PassKind] = mapped_column(enum_type(PassKind, "pass_kind", length=20),
                                           nullable=False)
    status: Mapped[CredentialStatus] = mapped_column(
        enum_type(CredentialStatus, "credential_status"), nullable=False,
        default=CredentialStatus.PENDING)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"),
                                                        nullable=True, index=True)
    # NULL: every venue of the fair.
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), nullable=True,
                                                 index=True)
    first_day: Mapped[date] = mapped_column(nullable=False)
    last_day: Mapped[date] = mapped_column(nullable=False)

    # The person, as for appointments: ciphertext, blind index, masked forms.
    document_type: Mapped[str] = mapped_column(String(40), nullable=False)
    document_index: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    document_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    document_masked: Mapped[str] = mapped_column(String(40), nullable=False)
    name_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    name_masked: Mapped[str] = mapped_column(String(80), nullable=False)
    # {"phone", "email", "name_latin", "press_card"} encrypted; any may be absent.
    contact_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    lang: Mapped[str] = mapped_column(String(5), nullable=False, default="zh")
    # Professional visitors (and members): the organisation as they wrote it, their title.
    organisation_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    title: Mapped[str | None] = mapped_column(String(100), nullable=True)
    press_card_masked: Mapped[str | None] = mapped_column(String(40), nullable=True)

    consent_version: Mapped[str] = mapped_column(String(40), nullable=False)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    decision_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Who issued it: "staff:<login>", "org:<code>", "self" (applied online).
    issued_by: Mapped[str] = mapped_column(String(80), nullable=False, default="self")
    # Badges printed at the desk: a second print warns and is audited.
    badge_prints: Mapped[int] = mapped_column(nullable=False, default=0)
    badge_printed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation | None] = relationship(back_populates="members")
    venue: Mapped[Venue | None] = relationship()
    carrier: Mapped["Appointment | None"] = relationship(  # noqa: F821
        primaryjoin="and_(Credential.id == foreign(Appointment.credential_id))",
        viewonly=True, uselist=False)

    _repr_attrs = ("code", "kind", "status")

    @property
    def day_count(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def current_pass(self):
        carrier = self.carrier
        return carrier.current_pass if carrier is not None else None
