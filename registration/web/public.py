"""Visitor pages: the fair's venues and days, and booking (venue -> day -> form)."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for

from registration.actions import appointments as appointment_actions
from registration.actions import waitlist as waitlist_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.extensions import limiter
from registration.models import FairDay, Venue
from registration.ratelimits import per_document
from registration.services import booking
from registration.services import venues as venue_service
from registration.services.calendar import (
    beyond_horizon_message, booking_horizon, in_fair_day_range, out_of_range_message,
)
from registration.services.errors import ServiceError
from registration.web import notify
from registration.web.forms import BookingForm
from registration.web.locale import current_lang
from registration.waitingroom import guard, waiting_room
from registration.waitingroom.room import AdmissionRequired

blueprint = Blueprint("public", __name__)


def post_limit(name: str):
    """The configured rate limit ``name``, on POST only (reading a page is never limited)."""
    return limiter.limit(lambda: current_app.config[name], methods=["POST"])


def _with_status(days: list[FairDay]) -> list[tuple[FairDay, str]]:
    return [(day, venue_service.day_status(day)) for day in days]


def _venues_with_status() -> list[tuple[Venue, list[tuple[FairDay, str]]]]:
    return [(venue, _with_status(days)) for venue, days in venue_service.list_venues_with_days()]


@blueprint.get("/")
def home():
    return render_template("home.html", venues=_venues_with_status())


@blueprint.get("/book")
def choose_venue():
    return render_template("book_venue.html", venues=_venues_with_status())


@blueprint.get("/book/<venue>")
def choose_day(venue: str):
    for candidate, days in _venues_with_status():
        if candidate.code == venue.upper():
            return render_template("book_day.html", venue=candidate, days=days)
    abort(404)


def _fair_day(venue: str, day: str) -> FairDay:
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        abort(404)
    return venue_service.get_fair_day(venue, wanted)  # 404 page when there is no such day


@blueprint.route("/book/<venue>/<day>", methods=["GET", "POST"])
@post_limit("RATELIMIT_BOOKING")
@per_document("RATELIMIT_BOOKING_PER_DOCUMENT", "document-booking", methods=["POST"],
              exempt_when=lambda: "prefill" in request.form)  # a full day's suggestion
def book(venue: str, day: str):
    fair_day = _fair_day(venue, day)
    waitlist_actions.expire_lazily(fair_day)  # held places of offers that ran out pass on
    if not guard.may_see_booking_form(fair_day):
        return redirect(url_for("waitingroom.queue", venue=fair_day.venue.code,
                                day=fair_day.date.isoformat()), 303)
    form = BookingForm()
    context = {"day_errors": [], "suggestions": [], "duplicate": False}
    status_code = 200
    if request.method == "POST" and "prefill" in request.form:
        form.slot.data = None  # came from a full day's suggestion: only the day changed
    elif request.method == "POST":
        appointment, error = _submit(form, fair_day, context)
        if appointment is not None:
            flash("booked", "success")
            return redirect(url_for("passes.show", serial=appointment.current_pass.serial))
        status_code = error.status if error is not None else 422
    status = venue_service.day_status(fair_day)
    context["day_notice"] = _not_bookable_yet(fair_day) if status == "closed" else None
    if status == "full" or any(e.code == "quota_full" and "date" in e.fields
                               for e in context.get("service_errors", [])):
        context["suggestions"] = venue_service.nearest_days_with_places(
            fair_day.venue.code, fair_day.date)
    return render_template("book_form.html", form=form, fair_day=fair_day,
                           venue=fair_day.venue, status=status, **context), status_code


def _not_bookable_yet(fair_day: FairDay) -> str | None:
    """Why a day that is not over cannot be booked, when it is its date (beyond the booking
    horizon, or outside the dates a fair day may have) rather than the day's settings."""
    if not in_fair_day_range(fair_day.date):
        return out_of_range_message().in_language(current_lang())
    if fair_day.date > booking_horizon(fair_day.venue):
        return beyond_horizon_message(fair_day.date).in_language(current_lang())
    return None


def _submit(form: BookingForm, fair_day: FairDay, context: dict):
    """Validate and book; ``(appointment, None)`` or ``(None, the service error or None)``."""
    valid = form.validate()
    document = None
    if not form.document_number.errors and not form.document_type.errors:
        try:  # parsed even when another field is wrong: every message in one answer
            document = booking.validate_document(form.document_type.data,
                                                 form.document_number.data,
                                                 form.document_country.data)
        except ServiceError as err:
            form.apply_service_error(err)
    if not valid or document is None:
        return None, None
    lang = current_lang()
    visitor = booking.Visitor(document=document, name=form.name.data, phone=form.phone.data,
                              email=form.email.data, lang=lang)
    try:
        guard.proof_of_work_if_asked()
        admission = guard.admission_for_day(fair_day, [(
            form.document_number.data, form.document_type.data, form.document_country.data)])
        # Spent once the form is valid and before the booking's transaction, as the API
        # does: a field to correct keeps it, no round trip runs while the day is locked.
        waiting_room().spend_admission(admission)
        with unit_of_work():
            booked = appointment_actions.book(
                Actor.visitor(request.remote_addr), venue=fair_day.venue.code,
                day=fair_day.date, slot=form.slot.data or None, visitor=visitor,
                consent=form.consent.data)
    except AdmissionRequired as err:  # another document than the one that queued, or spent
        context["day_errors"] = [err.message.in_language(lang)]
        return None, err
    except ServiceError as err:
        context["day_errors"] = form.apply_service_error(err)
        context["service_errors"] = [err]
        context["duplicate"] = err.code == "already_booked"
        return None, err
    if booked.email:
        notify.send_pass_email(booked.appointment, booked.email, lang)
    return booked.appointment, None
