"""Outgoing SMS that are not delivered yet (pending, retried with back-off) or failed for
good: masked number, reference, attempts, last error, and "retry now" (supervisors, admins)."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from registration.actions import messages as message_actions
from registration.actions.unit import unit_of_work
from registration.services import messages as message_service
from registration.services.errors import ServiceError
from registration.web.staff import blueprint
from registration.web.staff.access import MANAGERS, staff_actor, staff_required
from registration.web.staff.forms import ConfirmForm
from registration.i18n import request_language


def _page(status: int = 200):
    return render_template("staff/messages.html", messages=message_service.unsent_messages(),
                           confirm=ConfirmForm(formdata=None)), status


@blueprint.get("/messages")
@staff_required(roles=MANAGERS, venue_scoped=False)
def messages_page():
    return _page()


@blueprint.post("/messages/<int:message_id>/retry")
@staff_required(roles=MANAGERS, venue_scoped=False)
def message_retry(message_id: int):
    form = ConfirmForm()
    if not form.validate():
        flash(_("The form has expired. Please try again."), "warning")
        return _page(400)
    try:
        with unit_of_work():
            message_actions.retry_message(staff_actor(), message_id)
    except ServiceError as err:
        flash(err.message.in_language(request_language()), "warning")
        return _page(err.status)
    flash(_("Sent to the provider again: the list shows what is still not delivered."),
          "success")
    return redirect(url_for("staff.messages_page"))
