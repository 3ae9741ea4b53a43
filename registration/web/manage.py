"""My appointment: look up by confirmation code and document number, then cancel or change.

The document number is only ever POSTed. A successful look-up remembers the appointment's
id in the (signed) session for a short while, so the following pages need neither the
number nor anything guessable in their URLs.
"""
from __future__ import annotations

import time

from flask import (
    Blueprint, flash, redirect, render_template, request, session, url_for,
)

from registration.extensions import db
from registration.models import Appointment, AppointmentStatus
from registration.services import booking
from registration.services.errors import ServiceError
from registration.services.identity import vault
from registration.web import notify
from registration.web.forms import ChoiceForm, LookupForm
from registration.web.locale import current_lang, tr
from registration.web.options import bookable_options
from registration.web.passes import document_label
from registration.web.public import post_limit

blueprint = Blueprint("manage", __name__)

SESSION_KEY = "managing"
SESSION_SECONDS = 15 * 60


def _remember(appointment: Appointment) -> None:
    session[SESSION_KEY] = {"id": appointment.id, "until": int(time.time()) + SESSION_SECONDS}


def _managed() -> Appointment | None:
    entry = session.get(SESSION_KEY)
    if not entry or entry.get("until", 0) < time.time():
        session.pop(SESSION_KEY, None)
        return None
    return db.session.get(Appointment, entry["id"])


def _login_required():
    flash("lookup_first", "info")
    return redirect(url_for("manage.lookup"))


@blueprint.route("/my", methods=["GET", "POST"])
@post_limit("RATELIMIT_LOOKUP")
def lookup():
    form = LookupForm()
    if request.method == "POST":
        if form.validate():
            try:
                appointment = booking.find_by_code_and_document(form.code.data,
                                                                form.document_number.data)
            except ServiceError as err:
                form.form_errors.append(tr(err.message))
            else:
                _remember(appointment)
                return redirect(url_for("manage.appointment"))
        return render_template("my_lookup.html", form=form), 422
    return render_template("my_lookup.html", form=form)


@blueprint.get("/my/appointment")
def appointment():
    current = _managed()
    if current is None:
        return _login_required()
    return render_template("my_appointment.html", appointment=current,
                           fair_day=current.fair_day, venue=current.fair_day.venue,
                           document_label=document_label(current.document_type),
                           active=current.status is AppointmentStatus.ACTIVE)


@blueprint.route("/my/appointment/cancel", methods=["GET", "POST"])
@post_limit("RATELIMIT_CANCEL")
def cancel():
    current = _managed()
    if current is None:
        return _login_required()
    if request.method == "POST":
        booking.cancel_appointment(current)  # an already cancelled one: the error page
        db.session.commit()
        flash("cancelled", "success")
        return redirect(url_for("manage.appointment"))
    return render_template("my_cancel.html", appointment=current, fair_day=current.fair_day,
                           venue=current.fair_day.venue)


@blueprint.route("/my/appointment/change", methods=["GET", "POST"])
@post_limit("RATELIMIT_CANCEL")
def change():
    current = _managed()
    if current is None:
        return _login_required()
    if current.status is not AppointmentStatus.ACTIVE:
        return redirect(url_for("manage.appointment"))
    form = ChoiceForm()
    form.option.choices = bookable_options(exclude=(current.fair_day_id, current.slot_id))
    status_code = 200
    if request.method == "POST":
        status_code = 422
        chosen = form.chosen() if form.validate() else None
        if chosen is not None:
            try:
                venue, day, slot = chosen
                booking.change_appointment(current, venue=venue, day=day, slot=slot)
                db.session.commit()
            except ServiceError as err:
                db.session.rollback()
                form.option.errors = [*form.option.errors, tr(err.message)]
                status_code = err.status
            else:
                _send_new_pass(current)
                flash("changed", "success")
                return redirect(url_for("passes.show", serial=current.current_pass.serial))
    return render_template("my_change.html", form=form, appointment=current,
                           fair_day=current.fair_day, venue=current.fair_day.venue), status_code


def _send_new_pass(appointment: Appointment) -> None:
    if appointment.contact_ciphertext is None:
        return
    contact = vault().decrypt(appointment.contact_ciphertext, purpose="contact")
    if contact.get("email"):
        notify.send_pass_email(appointment, contact["email"], appointment.lang or current_lang(),
                               changed=True)


@blueprint.post("/my/done")
def done():
    session.pop(SESSION_KEY, None)
    return redirect(url_for("manage.lookup"))
