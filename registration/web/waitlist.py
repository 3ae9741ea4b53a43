"""Visitor pages of the waiting list: "Notify me" on a full day, and the offer link.

The offer page is keyed by the link's random token (only its hash is stored); confirming
is a CSRF-protected POST that books the held place and shows the pass, like a booking.
An accepted offer needs no waiting-room admission: the offer is the admission.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms.validators import DataRequired

from registration.actions import waitlist as waitlist_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.models import FairDay
from registration.ratelimits import per_document
from registration.services import booking
from registration.services import venues as venue_service
from registration.services import waitlist as waitlist_service
from registration.services.errors import ServiceError
from registration.services.waitlist_mail import local_deadline
from registration.web import notify
from registration.web.forms import SERVICE_FIELDS, VisitorFields, apply_service_error
from registration.web.locale import current_lang, tr
from registration.web.public import post_limit

blueprint = Blueprint("waitlist", __name__)


class WaitlistForm(VisitorFields):
    consent = BooleanField(
        _l("I have read the notice above and agree that my identity document number, name "
           "and contact details are processed for admission to the fair as described."),
        validators=[DataRequired(_l("Please tick the box to agree, or you cannot join"))])


def _fair_day(venue: str, day: str) -> FairDay:
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        abort(404)
    return venue_service.get_fair_day(venue, wanted)


def _visitor() -> Actor:
    return Actor.visitor(request.remote_addr)


@blueprint.route("/book/<venue>/<day>/waitlist", methods=["GET", "POST"])
@post_limit("RATELIMIT_WAITLIST")
@per_document("RATELIMIT_BOOKING_PER_DOCUMENT", "document-booking", methods=["POST"])
def join(venue: str, day: str):
    fair_day = _fair_day(venue, day)
    waitlist_actions.expire_lazily(fair_day)
    form, errors, status_code = WaitlistForm(), [], 200
    if request.method == "POST":
        status_code = 422
        entry, error = _submit(form, fair_day, errors)
        if entry is not None:
            return render_template("waitlist_joined.html", entry=entry, venue=fair_day.venue,
                                   ahead=waitlist_service.people_ahead(entry)), 201
        status_code = error.status if error is not None else 422
    return render_template("waitlist_join.html", form=form, fair_day=fair_day,
                           venue=fair_day.venue, day_errors=errors,
                           status=venue_service.day_status(fair_day)), status_code


def _submit(form: WaitlistForm, fair_day: FairDay, errors: list[str]):
    valid = form.validate()
    document = None
    if not form.document_number.errors and not form.document_type.errors:
        try:
            document = booking.validate_document(form.document_type.data,
                                                 form.document_number.data,
                                                 form.document_country.data)
        except ServiceError as err:
            apply_service_error(form, err, SERVICE_FIELDS)
    if not valid or document is None:
        return None, None
    visitor = booking.Visitor(document=document, name=form.name.data, phone=form.phone.data,
                              email=form.email.data, lang=current_lang())
    try:
        with unit_of_work():
            entry = waitlist_actions.join(_visitor(), venue=fair_day.venue.code,
                                          day=fair_day.date, visitor=visitor,
                                          consent=form.consent.data)
    except ServiceError as err:
        errors.extend(apply_service_error(form, err, {**SERVICE_FIELDS, "date": "-"}))
        return None, err
    return entry, None


@blueprint.route("/waitlist/offer/<token>", methods=["GET", "POST"])
@post_limit("RATELIMIT_BOOKING")
def offer(token: str):
    entry = waitlist_service.find_offer(token)  # 404 page for an unknown token
    waitlist_actions.expire_lazily(entry.fair_day)
    error, status_code = None, 200
    if request.method == "POST":
        try:
            if request.form.get("decision") == "decline":
                with unit_of_work():
                    waitlist_actions.withdraw(_visitor(), entry)
                flash("waitlist_declined", "success")
                return redirect(url_for("waitlist.offer", token=token))
            with unit_of_work():
                appointment, email = waitlist_actions.accept(_visitor(), entry)
        except ServiceError as err:
            error, status_code = tr(err.message), err.status
        else:
            if email:
                notify.send_pass_email(appointment, email, entry.lang or current_lang())
            flash("booked", "success")
            return redirect(url_for("passes.show", serial=appointment.current_pass.serial))
    open_offer = waitlist_service.offer_is_open(entry)
    return render_template("waitlist_offer.html", entry=entry, venue=entry.fair_day.venue,
                           open_offer=open_offer, error=error, token=token,
                           deadline=local_deadline(entry) if entry.offer_expires_at else None
                           ), status_code
