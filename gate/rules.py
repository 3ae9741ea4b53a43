"""Admission rules: one pure function from a scan and the gate's local state to a verdict.

:func:`decide` never reads a clock, a database or the network: the kiosk (from its ledger)
and the service (from its database) gather the facts into the value objects below and get
the same verdict for the same facts. The check order is fixed (:data:`ENTRY_CHECK_ORDER`,
:data:`EXIT_CHECK_ORDER`; at the door of a zone :data:`DOOR_ENTRY_CHECK_ORDER`, with the
door's checks in gate.doors) and explained in docs/gate-rules.md.
"""
from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from types import MappingProxyType

from gate.doors import DOOR_CHECKS, DoorFacts
from gate.i18n import Text
from gate.kinds import PUBLIC_KINDS
from gate.passes import ALL_VENUES, PassClaims, PassKind, PassTokenError, verify_token
from gate.presence import (  # noqa: F401 (re-exported: the rules' inputs)
    DIRECTIONS, IN, MULTI_ENTRY_KINDS, OUT, PresenceState, require_aware,
)
from gate.reasons import AMBER, TOKEN_FAILURES, Colour, Reason
from gate.vocabulary import GateStatus

EXIT_CHECK_ORDER = (Reason.not_inside, Reason.duplicate_scan, Reason.ok_exit)
"""Exit: unidentified -> not_inside; repeat -> duplicate_scan; inside -> ok_exit; else
not_inside. Revocation, venue, day, hours and capacity never hold anyone in."""


DEFAULT_TIMEZONE = "Asia/Shanghai"
"""A venue's time zone unless it names its own (``Venue.timezone``): fair days are Beijing
days. Only a default: a venue's local time always follows that venue's own zone."""


def _kinds(values) -> frozenset[PassKind]:
    return frozenset(PassKind(v) for v in values)


HOURS_EXEMPT_KINDS = frozenset({PassKind.staff, PassKind.contractor})
"""Kinds admitted at any hour of a fair day (fair staff, contractors building up)."""

GATELESS_KINDS = frozenset({PassKind.online})
"""Kinds that never pass a gate (online participants have no gate pass): refused as
``wrong_venue`` wherever such a token turns up."""


@dataclass(frozen=True, kw_only=True)
class VenuePolicy:
    """How one venue admits people. ``timezone`` is data only: callers pass local day/time.

    ``kind_opens``: kinds that may enter from an earlier time than ``opens`` (exhibitors
    from the exhibitors' opening, e.g. 08:00 when the public opens at 09:00); a time later
    than ``opens`` changes nothing: no kind is held out while the public is let in.
    ``quota_kinds``: kinds counted against the day's quota (the public ones); every kind
    counts against the occupancy limit."""

    venue: str
    opens: time
    closes: time
    timezone: str = DEFAULT_TIMEZONE
    reentry_allowed: bool = False
    slot_grace: timedelta = timedelta(minutes=30)
    id_check_kinds: frozenset[PassKind] = frozenset()
    multi_entry_kinds: frozenset[PassKind] = MULTI_ENTRY_KINDS
    quota_kinds: frozenset[PassKind] = PUBLIC_KINDS
    hours_exempt_kinds: frozenset[PassKind] = HOURS_EXEMPT_KINDS
    kind_opens: Mapping[PassKind, time] = field(default_factory=dict)
    duplicate_window: timedelta = timedelta(seconds=10)

    def __post_init__(self) -> None:
        if not self.opens < self.closes:
            raise ValueError("opens must be before closes")
        if self.slot_grace < timedelta(0) or self.duplicate_window < timedelta(0):
            raise ValueError("slot_grace and duplicate_window must not be negative")
        for name in ("id_check_kinds", "multi_entry_kinds", "quota_kinds",
                     "hours_exempt_kinds"):
            object.__setattr__(self, name, _kinds(getattr(self, name)))
        opens = {PassKind(kind): at for kind, at in dict(self.kind_opens).items()}
        for kind, at in opens.items():
            if type(at) is not time or not at < self.closes:
                raise ValueError(f"kind_opens[{kind}] must be a time before closes")
        object.__setattr__(self, "kind_opens", MappingProxyType(opens))

    def opens_for(self, kind: PassKind | None) -> time:
        """When ``kind`` may first enter: its own opening if earlier than the public's."""
        own = self.kind_opens.get(kind) if kind is not None else None
        return min(own, self.opens) if own is not None else self.opens


@dataclass(frozen=True, kw_only=True)
class AppointmentRecord:
    """What the local ledger (or the service's database) knows about one appointment/pass."""

    serial: str
    status: GateStatus
    day: date
    venue: str  # ALL_VENUES ("*"): valid at every venue
    kind: PassKind = PassKind.visitor
    slot_start: time | None = None
    slot_end: time | None = None
    fingerprint: bytes | None = None
    holder_name_masked: str = ""
    document_masked: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", GateStatus(self.status))  # ValueError if unknown
        object.__setattr__(self, "kind", PassKind(self.kind))
        if (self.slot_start is None) != (self.slot_end is None):
            raise ValueError("slot_start and slot_end go together")
        if self.slot_start is not None and not self.slot_start < self.slot_end:
            raise ValueError("slot_start must be before slot_end")


@dataclass(frozen=True, kw_only=True)
class CapacityState:
    """Counters for the venue-day. ``admitted_today``: distinct people of the policy's quota
    kinds admitted today. ``entry_credits``: a leased kiosk's remaining credits (None: this
    gate does not work from a lease)."""

    quota: int | None = None
    admitted_today: int = 0
    occupancy_limit: int | None = None
    inside_now: int = 0
    entry_credits: int | None = None


@dataclass(frozen=True, kw_only=True)
class Scan:
    """One read at a gate: a pass token (verified claims or the reason it failed) or an
    ID card alone (its look-up index). ``presented_fingerprint``: the fingerprint of an ID
    card read alongside a pass (``gate.passes.document_fingerprint(serial, document_key)``)."""

    direction: str
    gate: str
    scanned_at: datetime
    claims: PassClaims | None = None
    token_error: Reason | None = None
    document_index: str | None = None
    presented_fingerprint: bytes | None = None

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}")
        require_aware(self.scanned_at, "scanned_at")
        sources = [self.claims, self.token_error, self.document_index]
        if sum(source is not None for source in sources) != 1:
            raise ValueError("a scan is exactly one of: claims, token_error, document_index")
        if self.token_error is not None:
            reason = Reason(self.token_error)
            if reason not in TOKEN_FAILURES:
                raise ValueError(f"{reason} is not a token failure")
            object.__setattr__(self, "token_error", reason)

    @classmethod
    def from_text(cls, text: str, public_keys: Mapping[str, bytes], **fields) -> "Scan":
        """Verify a QR text and wrap the outcome; ``fields`` are the other Scan fields."""
        try:
            return cls(claims=verify_token(text, public_keys), **fields)
        except PassTokenError as exc:
            return cls(token_error=Reason(exc.reason), **fields)

    @property
    def is_document(self) -> bool:
        return self.document_index is not None


@dataclass(frozen=True, kw_only=True)
class AdmissionVerdict:
    """The gate's answer. ``counts_toward_quota``: first admission today of a quota kind.
    ``attention``: a check-in text shown with the verdict; ``needs_staff``: the screen
    waits for staff (see :meth:`with_attention`)."""

    admit: bool
    reason: Reason
    message: Text
    colour: Colour
    direction: str
    serial: str | None = None
    kind: PassKind | None = None
    holder_name_masked: str | None = None
    document_masked: str | None = None
    counts_toward_quota: bool = False
    attention: Text | None = None
    needs_staff: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", Reason(self.reason))
        object.__setattr__(self, "colour", Colour(self.colour))

    @property
    def occupies_place(self) -> bool:
        """Someone goes in: a leased kiosk spends one entry credit."""
        return self.admit and self.direction == IN

    @property
    def frees_place(self) -> bool:
        """A known occupant leaves: report the exit so the place can be leased again."""
        return self.reason is Reason.ok_exit

    @classmethod
    def for_reason(cls, reason: Reason, direction: str, **fields) -> "AdmissionVerdict":
        """The verdict of ``reason``: ``admit``, ``message`` and ``colour`` are the reason's
        own (``fields``: the other attributes)."""
        reason = Reason(reason)
        return cls(admit=reason.admit, reason=reason, message=reason.message,
                   colour=reason.colour, direction=direction, **fields)

    def with_attention(self, text: Text | None, needs_staff: bool = False) -> "AdmissionVerdict":
        """This verdict with a check-in text; ``needs_staff`` on an admission turns it amber
        (the person is let in once staff have seen to them)."""
        colour = AMBER if needs_staff and self.admit else self.colour
        return replace(self, attention=text, needs_staff=bool(needs_staff), colour=colour)

    def as_dict(self) -> dict:
        """What the person at the gate is told: admit, reason, message, holder, attention."""
        return {
            "admit": self.admit,
            "reason": self.reason.value,
            "message": self.message.as_dict(),
            "holder": {"name": self.holder_name_masked, "document": self.document_masked},
            "attention": self.attention.as_dict() if self.attention is not None else None,
            "needs_staff": self.needs_staff,
        }

    def as_wire(self) -> dict:
        """:meth:`as_dict` with the colour and direction: the ``verdict`` of POST
        /api/v1/gate/verify (schemas.gate.VerdictSchema keeps its fields) and the kiosk's
        verdict records."""
        return {**self.as_dict(), "colour": self.colour.value, "direction": self.direction}

    def event_fields(self) -> dict:
        """What a check-in event reports of its verdict (schemas.gate.CheckInEventSchema)."""
        return {"direction": self.direction, "admit": self.admit, "reason": self.reason.value}


@dataclass(frozen=True)
class _Facts:
    scan: Scan
    policy: VenuePolicy
    day: date
    local_time: time
    record: AppointmentRecord | None
    revoked: bool
    presence: PresenceState
    capacity: CapacityState
    door: DoorFacts | None = None

    @property
    def kind(self) -> PassKind | None:
        if self.scan.claims is not None:
            return self.scan.claims.kind
        return self.record.kind if self.record is not None else None

    @property
    def first_entry(self) -> bool:
        return self.presence.entries_today == 0 and not self.presence.admitted_elsewhere


def _revoked(f: _Facts) -> bool:
    return f.revoked or (f.record is not None and f.record.status is GateStatus.revoked)


def _wrong_venue(f: _Facts) -> bool:
    # ``*``: valid at every venue (a credential without a venue). A gateless kind (online)
    # is not for any gate.
    if f.kind in GATELESS_KINDS:
        return True
    if f.scan.claims is not None:
        return not f.scan.claims.valid_at(f.policy.venue)
    return f.record is not None and f.record.venue not in (f.policy.venue, ALL_VENUES)


def _wrong_day(f: _Facts) -> bool:
    # A pass states its own valid days (multi-day passes); an ID card relies on the booking.
    if f.scan.claims is not None:
        return not f.scan.claims.covers(f.day)
    return f.record is not None and f.record.day != f.day


def _cancelled(f: _Facts) -> bool:
    return f.record is not None and f.record.status is GateStatus.cancelled


def _no_appointment(f: _Facts) -> bool:
    # A signed pass is its own proof of booking; only a bare ID card needs the ledger.
    return f.scan.is_document and f.record is None


def _id_required(f: _Facts) -> bool:
    return (f.scan.claims is not None and f.kind in f.policy.id_check_kinds
            and f.scan.presented_fingerprint is None)


def _id_mismatch(f: _Facts) -> bool:
    presented = f.scan.presented_fingerprint
    if presented is None:
        return False
    if f.scan.claims is not None:
        expected = f.scan.claims.fingerprint
    else:
        expected = f.record.fingerprint if f.record is not None else None
    return expected is not None and not hmac.compare_digest(presented, expected)


def _duplicate_scan(f: _Facts) -> bool:
    p = f.presence
    if p.last_passed_at is None or p.last_gate != f.scan.gate:
        return False
    if p.last_direction != f.scan.direction:
        return False
    return timedelta(0) <= f.scan.scanned_at - p.last_passed_at <= f.policy.duplicate_window


def _outside_hours(f: _Facts) -> bool:
    if f.kind in f.policy.hours_exempt_kinds:
        return False
    return not f.policy.opens_for(f.kind) <= f.local_time < f.policy.closes


def _outside_slot(f: _Facts) -> bool:
    # Slots are arrival windows: only the first entry of the day is held to one.
    record = f.record
    if record is None or record.slot_start is None or f.presence.entries_today:
        return False
    now = datetime.combine(f.day, f.local_time)
    earliest = datetime.combine(f.day, record.slot_start) - f.policy.slot_grace
    latest = datetime.combine(f.day, record.slot_end) + f.policy.slot_grace
    return not earliest <= now <= latest


def _already_inside(f: _Facts) -> bool:
    return f.presence.refuses_entry(f.kind, reentry_allowed=f.policy.reentry_allowed,
                                    multi_entry_kinds=f.policy.multi_entry_kinds)


def _quota_full(f: _Facts) -> bool:
    quota = f.capacity.quota
    if quota is None or not f.first_entry or f.kind not in f.policy.quota_kinds:
        return False
    return f.capacity.admitted_today >= quota


def _venue_full(f: _Facts) -> bool:
    c = f.capacity
    if c.occupancy_limit is not None and c.inside_now >= c.occupancy_limit:
        return True
    return c.entry_credits is not None and c.entry_credits <= 0


_PASS_CHECKS = (  # the pass itself: the same at the entrance and at a zone's door
    (Reason.revoked, _revoked),
    (Reason.wrong_venue, _wrong_venue),
    (Reason.wrong_day, _wrong_day),
    (Reason.cancelled, _cancelled),
    (Reason.no_appointment, _no_appointment),
    (Reason.id_required, _id_required),
    (Reason.id_mismatch, _id_mismatch),
    (Reason.duplicate_scan, _duplicate_scan),
)
_ENTRY_CHECKS = _PASS_CHECKS + (
    (Reason.outside_hours, _outside_hours),
    (Reason.outside_slot, _outside_slot),
    (Reason.already_inside, _already_inside),
    (Reason.quota_full, _quota_full),
    (Reason.venue_full, _venue_full),
)
_DOOR_ENTRY_CHECKS = _PASS_CHECKS + DOOR_CHECKS
_TOKEN_ORDER = (Reason.unreadable, Reason.unknown_key, Reason.bad_signature)
ENTRY_CHECK_ORDER = _TOKEN_ORDER + tuple(reason for reason, _ in _ENTRY_CHECKS)
"""Entry checks, first match wins; a scan passing all of them gets ok or ok_reentry."""
DOOR_ENTRY_CHECK_ORDER = _TOKEN_ORDER + tuple(reason for reason, _ in _DOOR_ENTRY_CHECKS)
"""Entry checks at the door of a zone (``decide(..., door=...)``), first match wins."""


def _entry_reason(f: _Facts) -> Reason:
    if f.scan.token_error is not None:
        return f.scan.token_error
    for reason, fails in (_ENTRY_CHECKS if f.door is None else _DOOR_ENTRY_CHECKS):
        if fails(f):
            return reason
    return Reason.ok if f.presence.entries_today == 0 else Reason.ok_reentry


def _exit_reason(f: _Facts) -> Reason:
    # Nobody is ever held in: every exit admits except an immediate repeat at the same gate.
    # Only a known occupant (ok_exit) frees a place; other exits are flagged for review.
    if f.scan.token_error is not None or (f.scan.is_document and f.record is None):
        return Reason.not_inside
    if _duplicate_scan(f):
        return Reason.duplicate_scan
    return Reason.ok_exit if f.presence.inside else Reason.not_inside


def decide(
    scan: Scan,
    *,
    venue_policy: VenuePolicy,
    day: date,
    local_time: time,
    record: AppointmentRecord | None,
    revoked: bool,
    presence: PresenceState,
    capacity: CapacityState,
    door: DoorFacts | None = None,
) -> AdmissionVerdict:
    """Decide one scan. ``day``/``local_time`` are the venue's local date and wall time;
    ``record`` is the ledger's appointment for the pass serial (pass scans, may be None) or
    the document look-up result (ID-card scans); ``revoked``: the serial is on the
    revocation list. ``door``: the scan is at the door of a zone; ``presence`` is then the
    pass's presence in the zone and ``capacity`` (the entrance's) is not used."""
    if scan.token_error is not None:
        record = None  # nothing trustworthy identifies the holder
    elif scan.claims is not None and record is not None and record.serial != scan.claims.serial:
        raise ValueError("record is for another serial than the scanned pass")
    facts = _Facts(scan, venue_policy, day, local_time, record, revoked, presence, capacity,
                   door)
    reason = _exit_reason(facts) if scan.direction == OUT else _entry_reason(facts)
    kind = facts.kind
    serial = scan.claims.serial if scan.claims is not None else None
    if serial is None and record is not None:
        serial = record.serial
    return AdmissionVerdict.for_reason(
        reason,
        scan.direction,
        serial=serial,
        kind=kind,
        holder_name_masked=record.holder_name_masked if record is not None else None,
        document_masked=record.document_masked if record is not None else None,
        counts_toward_quota=(door is None and reason is Reason.ok and facts.first_entry
                             and kind in venue_policy.quota_kinds),
    )
