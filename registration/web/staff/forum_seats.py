"""Operations: one forum's seats and waiting line (masked names, documents and contacts),
and staff taking a seat back (registration/actions/seats.py ``cancel_by_staff``: audited
``seat_cancelled_by_staff``; a freed seat is offered to the first in line at once). The
same access as the zones and forums pages: admins, and supervisors of the forum's venue."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from registration.actions import forum_waitlist as line_actions
from registration.actions import seats as seat_actions
from registration.actions.unit import unit_of_work
from registration.models import Venue
from registration.services import forum_roster
from registration.services.errors import ServiceError
from registration.web.locale import tr
from registration.web.staff import blueprint
from registration.web.staff.access import MANAGERS, staff_actor, staff_required
from registration.web.staff.zones import forum_of_venue, venue_local


def _page(venue: Venue, code: str, error: str | None = None, status: int = 200):
    forum = forum_of_venue(venue, code)
    line_actions.expire_lazily(forum)  # the line as a visitor would see it now
    return render_template("staff/forum_seats.html", venue=venue, forum=forum,
                           seats=forum_roster.seat_holders(forum),
                           line=forum_roster.line_of(forum), error=error,
                           local=venue_local), status


@blueprint.get("/operations/<venue>/forums/<code>/seats")
@staff_required(roles=MANAGERS)
def operations_forum_seats(venue: Venue, code: str):
    return _page(venue, code)


@blueprint.post("/operations/<venue>/forums/<code>/seats/<int:seat_id>/cancel")
@staff_required(roles=MANAGERS)
def operations_forum_seat_cancel(venue: Venue, code: str, seat_id: int):
    forum = forum_of_venue(venue, code)
    try:
        with unit_of_work():
            seat = forum_roster.held_seat(forum, seat_id)
            cancelled = seat_actions.cancel_by_staff(staff_actor(), seat)
            name, offered = seat.appointment.name_masked, cancelled.offer is not None
    except ServiceError as err:
        return _page(venue, forum.code, tr(err.message), err.status)
    if offered:
        flash(_("Seat of %(name)s taken back; it was offered to the first in line.",
                name=name), "success")
    else:
        flash(_("Seat of %(name)s taken back; it is free again.", name=name), "success")
    return redirect(url_for("staff.operations_forum_seats", venue=venue.code, code=forum.code))
