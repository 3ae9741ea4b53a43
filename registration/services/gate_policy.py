"""A venue-day's admission policy (gate.rules.VenuePolicy), one for every gate.

The service's online verify decides with :func:`venue_policy`; the manifest header sends
:func:`policy_wire` of the same policy to kiosks and handhelds, so a scan gets the same
verdict online and offline (docs/gate-rules.md, docs/sync-protocol.md).
"""
from __future__ import annotations

from datetime import time

from flask import current_app

from gate.passes import PassKind
from gate.rules import VenuePolicy
from registration.models import FairDay, Venue


def exhibitors_open(fair_day: FairDay) -> time:
    """When exhibitors' staff may enter on ``fair_day``: its own ``exhibitors_open``, else
    the EXHIBITORS_OPEN setting (venue-local HH:MM)."""
    if fair_day.exhibitors_open is not None:
        return fair_day.exhibitors_open
    value = current_app.config["EXHIBITORS_OPEN"]
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"EXHIBITORS_OPEN must be a time HH:MM, not {value!r}") from None


def kind_opens(fair_day: FairDay) -> dict[PassKind, time]:
    """Kinds entering before the public opening, and from when (exhibitors only today)."""
    return {PassKind.exhibitor: exhibitors_open(fair_day)}


def venue_policy(venue: Venue, fair_day: FairDay | None) -> VenuePolicy:
    # No fair day today: nothing is valid here anyway (passes say wrong_day, ID cards find
    # no booking), so the hours only need to be well-formed.
    if fair_day is None:
        return VenuePolicy(venue=venue.code, opens=time(0), closes=time.max,
                           timezone=venue.timezone, reentry_allowed=venue.reentry_allowed,
                           id_check_kinds=_id_check_kinds(venue))
    opens = {kind: at for kind, at in kind_opens(fair_day).items() if at < fair_day.closes}
    return VenuePolicy(venue=venue.code, opens=fair_day.opens, closes=fair_day.closes,
                       timezone=venue.timezone, reentry_allowed=venue.reentry_allowed,
                       id_check_kinds=_id_check_kinds(venue), kind_opens=opens)


def _id_check_kinds(venue: Venue) -> frozenset[PassKind]:
    return frozenset(PassKind(k) for k in venue.id_check_kind_list)


def policy_wire(venue: Venue, fair_day: FairDay) -> dict:
    """The manifest header's ``policy`` (schemas.gate.PolicySchema)."""
    policy = venue_policy(venue, fair_day)
    return {
        "opens": f"{policy.opens:%H:%M}", "closes": f"{policy.closes:%H:%M}",
        "timezone": policy.timezone, "reentry_allowed": policy.reentry_allowed,
        "quota": fair_day.quota, "occupancy_limit": fair_day.occupancy_limit,
        "id_check_kinds": venue.id_check_kind_list,
        "kind_opens": {kind.value: f"{at:%H:%M}"
                       for kind, at in sorted(policy.kind_opens.items())},
        "quota_kinds": sorted(kind.value for kind in policy.quota_kinds),
    }
