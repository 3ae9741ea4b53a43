"""The queue page (zh/en, phone-first, refreshes itself without JavaScript) and the queue
API for app clients (the ticket and the admission travel as headers)."""
from __future__ import annotations

import time
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import (
    Blueprint, current_app, jsonify, make_response, redirect, render_template, request, url_for,
)
from flask_wtf import FlaskForm

from gate.i18n import Text
from registration.api.helpers import load_body
from registration.extensions import csrf, limiter
from registration.i18n import request_language
from registration.models import FairDay
from registration.ratelimits import per_document
from registration.services import booking
from registration.services import venues as venue_service
from registration.services.errors import NotFound, ServiceError
from registration.waitingroom import openapi, texts  # noqa: F401 (openapi: its part)
from registration.waitingroom.guard import TICKET_HEADER, cookie_name, holder_of
from registration.waitingroom.policy import BEFORE, OPEN, PREQUEUE
from registration.waitingroom.room import QueueState, waiting_room
from registration.web.forms import VisitorFields, apply_service_error, document_type_choices
from schemas.waitingroom import PowChallengeSchema, QueueJoinRequestSchema, QueueStatusSchema

blueprint = Blueprint("waitingroom", __name__)
api = Blueprint("waitingroom_api", __name__, url_prefix="/api/v1")
NO_DAY = Text("该场馆当日不开放", "This venue is not open on that day")


class JoinForm(FlaskForm):
    document_type = VisitorFields.document_type
    document_number = VisitorFields.document_number
    document_country = VisitorFields.document_country

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.document_type.choices = document_type_choices()


def _fair_day(venue: str, day: str) -> FairDay:
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        raise NotFound("day_not_found", NO_DAY) from None
    return venue_service.get_fair_day(venue, wanted)


def _post_limit(name: str):
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


def _set_cookie(response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Lax",
                        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]), path="/")


def status_name(state: QueueState) -> str:
    if state.phase == BEFORE:
        return "before"
    if state.ticket is None:
        return "not_in_line"
    if state.phase == PREQUEUE:
        return "prequeue"
    return "admitted" if state.admission else "waiting"


def _local(fair_day: FairDay, epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, timezone.utc).astimezone(
        ZoneInfo(fair_day.venue.timezone))


# The page ---------------------------------------------------------------------------------

@blueprint.route("/queue/<venue>/<day>", methods=["GET", "POST"])
@_post_limit("RATELIMIT_QUEUE_JOIN")
@per_document("RATELIMIT_QUEUE_JOIN_PER_DOCUMENT", "document-queue", methods=["POST"])
def queue(venue: str, day: str):
    fair_day = _fair_day(venue, day)
    room, now = waiting_room(), time.time()
    book_url = url_for("public.book", venue=fair_day.venue.code, day=fair_day.date.isoformat())
    if room.plan_for(fair_day, now) is None:
        return redirect(book_url)
    form, errors, status = JoinForm(), [], 200
    if request.method == "POST":
        joined = _join_from_form(form, fair_day, errors, now)
        if joined is not None:
            response = redirect(request.path, 303)
            _set_cookie(response, cookie_name("queue", fair_day), joined,
                        int(current_app.config["WAITING_ROOM_TICKET_HOURS"] * 3600))
            return response
        status = 422 if not errors else 403
    state = room.state(fair_day, request.cookies.get(cookie_name("queue", fair_day)), now)
    if state.admission:
        response = redirect(book_url, 303)
        _set_cookie(response, cookie_name("admit", fair_day), state.admission,
                    int(current_app.config["WAITING_ROOM_ADMISSION_MINUTES"] * 60))
        return response
    response = make_response(render_template(
        "queue.html", fair_day=fair_day, venue=fair_day.venue, state=state, form=form,
        errors=errors, T=texts, status=status_name(state), OPEN=OPEN,
        opens_at=_local(fair_day, state.plan.opens_at)), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _join_from_form(form: JoinForm, fair_day: FairDay, errors: list, now: float) -> str | None:
    if not form.validate():
        return None
    room = waiting_room()
    try:
        booking.validate_document(form.document_type.data, form.document_number.data,
                                  form.document_country.data)
        room.verify_pow(request.form.get("altcha"))
        _, token = room.join(fair_day, holder_of(form.document_number.data,
                                                 form.document_type.data,
                                                 form.document_country.data), now)
    except ServiceError as err:
        errors.extend(apply_service_error(form, err))
        if not errors and not form.errors:
            errors.append(err.message.in_language(request_language()))
        return None
    return token


# The API ----------------------------------------------------------------------------------

def _state_data(fair_day: FairDay, state: QueueState, ticket: str | None) -> dict:
    line = state.line
    in_line = state.ticket is not None and line is not None
    wait = line.wait_seconds if in_line and state.phase == OPEN else None
    return {
        "venue": fair_day.venue.code, "date": fair_day.date, "status": status_name(state),
        "opens_at": datetime.fromtimestamp(state.plan.opens_at, timezone.utc),
        "ticket": ticket if in_line else None,
        "position": line.rank + 1 if in_line and state.phase == OPEN else None,
        "ahead": line.ahead if in_line and state.phase == OPEN else None,
        "waiting": line.waiting if line is not None else None,
        "estimated_wait_seconds": None if wait is None or wait < 0 else wait,
        "admission_rate": line.rate if line is not None else None,
        "admission_token": state.admission, "refresh_seconds": state.refresh_seconds,
    }


@api.get("/pow/challenge")
def pow_challenge():
    response = jsonify(PowChallengeSchema().dump(waiting_room().challenge()))
    response.headers["Cache-Control"] = "no-store"
    return response


@api.post("/queue/<venue>/<day>")
@_post_limit("RATELIMIT_QUEUE_JOIN")
@per_document("RATELIMIT_QUEUE_JOIN_PER_DOCUMENT", "document-queue", methods=["POST"])
def join_queue(venue: str, day: str):
    fair_day = _fair_day(venue, day)
    data = load_body(QueueJoinRequestSchema())  # its "lang" answers errors in that language
    document = data["document"]
    booking.validate_document(document["type"], document["number"], document["country"])
    room, now = waiting_room(), time.time()
    room.verify_pow(data["altcha"] or request.headers.get("X-Altcha"))
    _, token = room.join(fair_day, holder_of(document["number"], document["type"],
                                             document["country"]), now)
    state = room.state(fair_day, token, now)
    return QueueStatusSchema().dump(_state_data(fair_day, state, token)), 201


@api.get("/queue/<venue>/<day>")
def queue_status(venue: str, day: str):
    fair_day = _fair_day(venue, day)
    token = request.headers.get(TICKET_HEADER)
    state = waiting_room().state(fair_day, token, time.time())
    response = jsonify(QueueStatusSchema().dump(_state_data(fair_day, state, token)))
    response.headers["Cache-Control"] = "no-store"
    return response


csrf.exempt(api)
