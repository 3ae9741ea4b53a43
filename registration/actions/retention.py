"""The retention purge, the same from the staff console and ``fairgate purge``: the same
"today" (the fair's), the same default period, the same audit entry."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.services import purge as purge_service
from registration.services.calendar import utc_now


@dataclass(frozen=True)
class PurgePlan:
    older_than_days: int
    today: date  # the fair's date now (fair days are local to the venues)
    cutoff: date  # appointments on days before this are erased
    count: int  # how many that is now


def plan(older_than_days: int | None = None) -> PurgePlan:
    days = int(current_app.config["RETENTION_DAYS"] if older_than_days is None
               else older_than_days)
    today = utc_now().astimezone(purge_service.FAIR_ZONE).date()
    return PurgePlan(days, today, purge_service.cutoff_day(days, today),
                     purge_service.purgeable_count(days, today=today))


def purge(actor: Actor, older_than_days: int | None = None
          ) -> tuple[PurgePlan, purge_service.PurgeResult]:
    """Erase what ``plan`` shows; returns the plan carried out and what it erased."""
    chosen = plan(older_than_days)
    done = purge_service.purge(chosen.older_than_days, today=chosen.today)
    audit(actor, "purge", details={
        "older_than_days": chosen.older_than_days, "erased": done.appointments,
        "audit_entries": done.audit_entries, "outbox_messages": done.outbox_messages,
        "cutoff": chosen.cutoff.isoformat()})
    return chosen, done
