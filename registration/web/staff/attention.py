"""Check-in texts: the notes shown with the verdict at entrances and doors for a credential
kind, an organisation's members or one pass, listed, set and removed through
registration/actions/attention.py (audited ``attention_set``), with the rules and messages
of ``fairgate attention set|remove``. Admins only: a kind's or an organisation's text
applies at every venue, and what spans venues is the admins' (access.py)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from gate.kinds import KINDS
from registration.actions import attention as attention_actions
from registration.actions.unit import unit_of_work
from registration.services import attention as attention_service
from registration.services.errors import ServiceError
from registration.web.forms import apply_service_error
from registration.web.locale import current_lang
from registration.web.staff import blueprint
from registration.web.staff.access import ADMIN, staff_actor, staff_required

# Where the service's fields show on the form ("target": none or two of them named).
FIELDS = {"target": "kind", "org": "organisation", "pass": "serial"}


class AttentionForm(FlaskForm):
    """One target (a kind, an organisation code or a pass serial) and the texts; the
    service checks them all (one zh/en message per field)."""

    kind = SelectField(_l("Credential kind"), validate_choice=False)
    organisation = StringField(_l("Organisation code"))
    serial = StringField(_l("Pass serial"))
    text_zh = StringField(_l("Text in Chinese"))
    text_en = StringField(_l("Text in English"))
    needs_staff = BooleanField(_l("Needs staff: the screen turns amber and waits"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = current_lang()
        self.kind.choices = [("", _l("None"))] + [
            (kind.value, info.name.in_language(lang)) for kind, info in KINDS.items()]

    def target(self) -> attention_service.Target:
        return attention_service.target(
            kind=self.kind.data, organisation=self.organisation.data, serial=self.serial.data)


def _page(form: AttentionForm, problems=(), status: int = 200):
    return render_template("staff/attention.html", form=form, problems=problems,
                           notes=attention_service.listing(),
                           kind_names={kind.value: info.name for kind, info in KINDS.items()}
                           ), status


@blueprint.get("/attention")
@staff_required(roles=ADMIN, venue_scoped=False)
def attention_notes():
    return _page(AttentionForm(formdata=None))


@blueprint.post("/attention")
@staff_required(roles=ADMIN, venue_scoped=False)
def attention_save():
    form = AttentionForm()
    removing = request.form.get("decision") == "remove"
    if not form.validate():  # only the CSRF token: the service checks the rest
        return _page(form, status=422)
    try:
        with unit_of_work():
            to = form.target()
            if removing:
                attention_actions.remove_note(staff_actor(), to)
            else:
                attention_actions.set_note(staff_actor(), to, text_zh=form.text_zh.data,
                                           text_en=form.text_en.data,
                                           needs_staff=form.needs_staff.data)
            label = to.label
    except ServiceError as err:
        return _page(form, apply_service_error(form, err, FIELDS), err.status)
    if removing:
        flash(_("Check-in text of %(target)s removed.", target=label), "success")
    else:
        flash(_("Check-in text of %(target)s saved.", target=label), "success")
    return redirect(url_for("staff.attention_notes"))
