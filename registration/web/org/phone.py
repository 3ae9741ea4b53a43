"""The contact proves their mobile number with a one-time code sent by SMS
(services/messages.py: six digits, ten minutes, five tries)."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from registration.actions import messages as message_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.services.errors import ServiceError
from registration.web.locale import tr
from registration.web.org import blueprint, portal_required
from registration.web.org.forms import ConfirmForm
from registration.web.public import post_limit


class PhoneCodeForm(FlaskForm):
    code = StringField(_l("Code from the text message"), validators=[
        InputRequired(_l("Enter the six-digit code")),
        Length(max=12, message=_l("The code has six digits"))])


@blueprint.route("/phone", methods=["GET", "POST"])
@portal_required
@post_limit("RATELIMIT_LOOKUP")
def phone():
    organisation = g.organisation
    send, form, error, status = ConfirmForm(prefix="send"), PhoneCodeForm(), None, 200
    actor = Actor.organisation(organisation.code, request.remote_addr)
    if request.method == "POST" and "send-submit" in request.form and send.validate():
        try:
            with unit_of_work():
                message_actions.send_phone_code(actor, organisation)
        except ServiceError as err:
            error, status = tr(err.message), err.status
        else:
            flash(_("A code is on its way to %(phone)s.",
                    phone=organisation.contact_phone_masked), "success")
            return redirect(url_for("org.phone"))
    elif request.method == "POST" and "code" in request.form and form.validate():
        with unit_of_work():  # every try counts, right or wrong
            verified = message_actions.check_phone_code(actor, organisation, form.code.data)
        if verified:
            flash(_("The phone number is verified."), "success")
            return redirect(url_for("org.home"))
        error, status = _("That code is wrong or has expired. Ask for a new one."), 422
    elif request.method == "POST":
        status = 422
    return render_template("org/phone.html", organisation=organisation, send=send,
                           form=form, error=error), status
