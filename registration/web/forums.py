"""Visitor pages of the forums: the list (by day and venue, with seats left) and reserving
or giving back a seat with the booking's confirmation code and document number.

Like the appointment look-up, the document number is only ever POSTed, never shown back
(a refused form is refilled without it), and the forms share the look-up's rate limits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request, url_for

from gate.i18n import Text
from gate.kinds import kind_info
from gate.passes import PassKind
from registration.actions import seats as seat_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.extensions import db
from registration.models import Forum, Seat
from registration.ratelimits import per_document
from registration.services import forums as forum_service
from registration.services import seats as seat_service
from registration.services.errors import ServiceError
from registration.web.forms import LookupForm, apply_service_error
from registration.web.locale import current_lang, tr
from registration.web.public import post_limit
from registration.waitingroom import guard


blueprint = Blueprint("forums", __name__)

# Where a service's field path shows its message on the seat form.
SEAT_FIELDS = {"code": "code", "document_number": "document_number",
               "document.number": "document_number"}
# The kinds a person may hold a gate pass of (the online kind enters no room).
LISTED_KINDS = tuple(kind for kind in dict.fromkeys(PassKind) if kind is not PassKind.online)


class SeatForm(LookupForm):
    """The booking's confirmation code and the document it was booked with."""


@dataclass(frozen=True)
class ForumRow:
    """One forum as the pages show it: venue-local times, seats left, whether it takes
    reservations now (``open``, ``full``, ``not_yet``, ``closed``)."""

    forum: Forum
    day: date
    time: str
    starts_local: datetime
    ends_local: datetime
    status: str
    opens_local: datetime | None

    @property
    def code(self) -> str:
        return self.forum.code

    @property
    def title(self) -> Text:
        return self.forum.title

    @property
    def room(self) -> Text:
        return self.forum.zone.name

    @property
    def venue(self):
        return self.forum.zone.venue

    @property
    def seats_left(self) -> int:
        return self.forum.seats_left


def forum_row(forum: Forum, now: datetime | None = None) -> ForumRow:
    zone = ZoneInfo(forum.zone.venue.timezone)
    starts, ends = forum.starts.astimezone(zone), forum.ends.astimezone(zone)
    opens_local = forum.registration_opens.astimezone(zone) if forum.registration_opens \
        else None
    return ForumRow(forum=forum, day=starts.date(), time=f"{starts:%H:%M}–{ends:%H:%M}",
                    starts_local=starts, ends_local=ends,
                    status=seat_service.registration_status(forum, now),
                    opens_local=opens_local)


def seat_rows(seats: list[Seat]) -> list[ForumRow]:
    """A person's seats for the pass page (already ordered by start)."""
    return [forum_row(seat.forum) for seat in seats]


def _grouped(rows: list[ForumRow]) -> list[tuple[date, list[tuple[object, list[ForumRow]]]]]:
    """``[(day, [(venue, [rows])])]`` in the listing's order (by start)."""
    days: dict[date, dict[str, tuple[object, list[ForumRow]]]] = {}
    for row in rows:
        venues = days.setdefault(row.day, {})
        venues.setdefault(row.venue.code, (row.venue, []))[1].append(row)
    return [(day, list(venues.values())) for day, venues in sorted(days.items())]


def _filters() -> dict:
    """The GET filters, each ignored when it is not one of the offered values."""
    args = request.args
    wanted_day = None
    try:
        wanted_day = date.fromisoformat(args.get("date", ""))
    except ValueError:
        pass
    kind = args.get("kind", "")
    return {"day": wanted_day, "venue": (args.get("venue") or "").strip().upper() or None,
            "kind": kind if kind in {k.value for k in LISTED_KINDS} else None,
            "query": (args.get("q") or "").strip()[:100] or None}


@blueprint.get("/forums")
def listing():
    filters = _filters()
    every = [forum_row(forum) for forum in forum_service.listing()]
    rows = [forum_row(forum) for forum in forum_service.listing(**filters)]
    days = sorted({row.day for row in every})
    venues = {row.venue.code: row.venue for row in every}
    lang = current_lang()
    kinds = [(kind.value, kind_info(kind).name.in_language(lang)) for kind in LISTED_KINDS]
    return render_template("forums.html", groups=_grouped(rows), filters=filters,
                           days=days, venues=sorted(venues.values(), key=lambda v: v.code),
                           kinds=kinds, count=len(rows), filtered=any(filters.values()))


def _forum_or_404(code: str) -> Forum:
    forum = db.session.query(Forum).filter_by(code=code.upper()).one_or_none()
    if forum is None:
        abort(404)
    return forum


def _visitor() -> Actor:
    return Actor.visitor(request.remote_addr)


def _reserve(forum: Forum, form: SeatForm) -> Seat:
    return seat_actions.reserve(_visitor(), forum.code, code=form.code.data,
                                document_number=form.document_number.data)


def _cancel(forum: Forum, form: SeatForm) -> Seat:
    return seat_actions.cancel(_visitor(), forum.code, code=form.code.data,
                               document_number=form.document_number.data)


def _seat_page(code: str, *, give_back: bool):
    forum = _forum_or_404(code)
    form, status_code = SeatForm(), 200
    template = "forum_seat_cancel.html" if give_back else "forum_seat.html"
    if request.method == "POST":
        status_code = 422
        if form.validate():
            try:
                guard.proof_of_work_if_asked()  # while staff ask it on every look-up
                with unit_of_work():
                    seat = (_cancel if give_back else _reserve)(forum, form)
            except ServiceError as err:
                form.form_errors.extend(apply_service_error(form, err, SEAT_FIELDS)
                                        if err.fields else [tr(err.message)])
                status_code = err.status
            else:
                done = "forum_seat_cancelled.html" if give_back else "forum_seat_done.html"
                return render_template(done, row=forum_row(seat.forum), seat=seat,
                                       issued=seat.appointment.current_pass), \
                    200 if give_back else 201
        form.document_number.data = ""  # a refused form never shows the number back
        form.document_number.raw_data = []
    return render_template(template, form=form, row=forum_row(forum)), status_code


@blueprint.route("/forums/<code>/seat", methods=["GET", "POST"])
@post_limit("RATELIMIT_LOOKUP")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup", methods=["POST"])
def seat(code: str):
    return _seat_page(code, give_back=False)


@blueprint.route("/forums/<code>/seat/cancel", methods=["GET", "POST"])
@post_limit("RATELIMIT_LOOKUP")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup", methods=["POST"])
def cancel(code: str):
    return _seat_page(code, give_back=True)


def waitlist_url(code: str) -> str | None:
    """The forum's waiting-list page, when the service has one."""
    if "forum_waitlist.join" not in current_app.view_functions:
        return None
    return url_for("forum_waitlist.join", code=code)


@blueprint.app_context_processor
def _globals() -> dict:
    return {"waitlist_url": waitlist_url}


def seats_of(appointment) -> list[Seat]:
    """The holder's active seats (by start) for the pass page and its calendar file."""
    return seat_service.seats_of_appointment(appointment)
