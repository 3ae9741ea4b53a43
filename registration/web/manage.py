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

from registration.actions import appointments as appointment_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.models import Appointment, AppointmentStatus
from registration.ratelimits import per_document
from registration.services import booking
from registration.services.errors import ServiceError
from registration.web import notify
from registration.web.forms import ChoiceForm, LookupForm
from registration.web.locale import current_lang, tr
from registration.web.options import bookable_options
from registration.web.passes import document_label
from registration.web.public import post_limit
from registration.waitingroom import guard

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
    return booking.get_appointment(entry["id"])


def _visitor() -> Actor:
    return Actor.visitor(request.remote_addr)


def _login_required():
    flash("lookup_first", "info")
    return redirect(url_for("manage.lookup"))


@blueprint.route("/my", methods=["GET", "POST"])
@post_limit("RATELIMIT_LOOKUP")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup", methods=["POST"])
def lookup():
    form = LookupForm()
    if request.method == "POST":
        if form.validate():
            try:
                guard.proof_of_work_if_asked()  # while staff ask it on every look-up
                appointment = appointment_actions.look_up(_visitor(), form.code.data,
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
        with unit_of_work():  # an already cancelled one: the error page
            appointment_actions.cancel(_visitor(), current)
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
            venue, day, slot = chosen
            try:
                with unit_of_work():
                    changed = appointment_actions.change(_visitor(), current, venue=venue,
                                                         day=day, slot=slot)
            except ServiceError as err:
                form.option.errors = [*form.option.errors, tr(err.message)]
                status_code = err.status
            else:
                if changed.email:
                    notify.send_pass_email(changed.appointment, changed.email,
                                           current.lang or current_lang(), changed=True)
                flash("changed", "success")
                return redirect(url_for("passes.show", serial=current.current_pass.serial))
    return render_template("my_change.html", form=form, appointment=current,
                           fair_day=current.fair_day, venue=current.fair_day.venue), status_code


@blueprint.post("/my/done")
def done():
    session.pop(SESSION_KEY, None)
    return redirect(url_for("manage.lookup"))
