"""Organisations (exhibitors, institutions, media outlets) and their portal sign-in links.

An organisation registers once, waits for review, and once approved manages its members
(each member a ``Credential``) through the organisation portal (/org/). The contact's
personal data is stored only as ciphertext, with a masked name for screens, like visitors'.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from gate.i18n import Text
from gate.vocabulary import OrganisationKind, ReviewStatus  # noqa: F401 (re-exported)
from registration.models.base import Base, UTCDateTime, enum_type, utcnow
from registration.models.venue import Venue


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("badges_used >= 0", name="badges_used_not_negative"),
        CheckConstraint("badge_quota IS NULL OR badges_used <= badge_quota",
                        name="badges_within_quota"),
        CheckConstraint("uscc IS NOT NULL OR registration_number IS NOT NULL",
                        name="identified"),
        CheckConstraint("status <> 'rejected' OR decision_reason IS NOT NULL",
                        name="reason_when_rejected"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, nullable=False)
    kind: Mapped[OrganisationKind] = mapped_column(
        enum_type(OrganisationKind, "organisation_kind"), nullable=False)
    status: Mapped[ReviewStatus] = mapped_column(
        enum_type(ReviewStatus, "review_status"), nullable=False, default=ReviewStatus.PENDING)
    name_zh: Mapped[str] = mapped_column(String(200), nullable=False)
    name_en: Mapped[str] = mapped_column(String(200), nullable=False)
    # ISO 3166-1 alpha-3, as on passports ("CHN" for the mainland).
    country: Mapped[str] = mapped_column(String(3), nullable=False)
    # Unified social credit code (gate/uscc.py), mainland organisations: one organisation each.
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True, nullable=True)
    # Foreign organisations: the registration number in their country.
    registration_number: Mapped[str | None] = mapped_column(String(60), nullable=True)

    # Contact person: {"name", "email", "phone"} encrypted (services/identity.py vault).
    contact_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    contact_name_masked: Mapped[str] = mapped_column(String(80), nullable=False)
    contact_email_masked: Mapped[str] = mapped_column(String(120), nullable=False, default="")
    contact_phone_masked: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    # When the contact proved the phone number with a one-time code (SMS).
    phone_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The contact's language (zh/en): portal, emails, SMS, the rejection reason.
    lang: Mapped[str] = mapped_column(String(5), nullable=False, default="zh")

    # Exhibitors: the stand.
    stand_venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), nullable=True,
                                                       index=True)
    stand_hall: Mapped[str | None] = mapped_column(String(20), nullable=True)
    stand_area_m2: Mapped[float | None] = mapped_column(nullable=True)
    # Exhibitor badges: the quota (set at approval, from the stand area or by staff) and the
    # badges in use, taken and given back with conditional UPDATEs (never over the quota).
    badge_quota: Mapped[int | None] = mapped_column(nullable=True)
    badges_used: Mapped[int] = mapped_column(nullable=False, default=0)

    consent_version: Mapped[str] = mapped_column(String(40), nullable=False)
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    # Why it was rejected, in the applicant's language (shown to them).
    decision_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Raised to end every portal session of this organisation (like staff sessions).
    session_version: Mapped[int] = mapped_column(nullable=False, default=1)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    stand_venue: Mapped[Venue | None] = relationship()
    members: Mapped[list["Credential"]] = relationship(  # noqa: F821
        back_populates="organisation", order_by="Credential.id")

    _repr_attrs = ("code", "kind", "status")

    @property
    def name(self) -> Text:
        return Text(self.name_zh, self.name_en)


class OrganisationSignIn(Base):
    """A one-time sign-in link to the portal: only its hash is stored."""

    __tablename__ = "organisation_sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"),
                                                 nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    organisation: Mapped[Organisation] = relationship()

    _repr_attrs = ("organisation_id",)
