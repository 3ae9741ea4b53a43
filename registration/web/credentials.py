"""Visitor pages of individual credentials: apply (professional visitor, media, online),
the result with the code and status (and the pass once issued), and the look-up by code
and document number (docs/credentials.md "Individual applications")."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from gate.kinds import KINDS
from gate.passes import PassKind
from registration.actions import credentials as credential_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.ratelimits import per_document
from registration.services import booking
from registration.services import venues as venue_service
from registration.services.errors import ServiceError
from registration.web.forms import SERVICE_FIELDS, LookupForm, VisitorFields, apply_service_error
from registration.web.locale import current_lang, day_label, tr
from registration.web.options import parse_option
from registration.web.public import post_limit

blueprint = Blueprint("credentials", __name__)
KIND_CHOICES = (PassKind.professional, PassKind.media, PassKind.online)
FIELDS = {**SERVICE_FIELDS, "organisation": "organisation", "title": "title",
          "press_card": "press_card", "venue": "option", "date": "option", "kind": "kind"}


class CredentialForm(VisitorFields):
    kind = SelectField(_l("Credential type"), validators=[InputRequired(_l("Choose a credential"))])
    organisation = StringField(_l("Organisation"), validators=[
        Optional(), Length(max=200, message=_l("At most 200 characters"))])
    title = StringField(_l("Job title"), validators=[
        Optional(), Length(max=100, message=_l("At most 100 characters"))])
    press_card = StringField(_l("Press card number"), validators=[
        Optional(), Length(max=40, message=_l("At most 40 characters"))])
    option = SelectField(_l("Venue and day"), validate_choice=False, validators=[Optional()])
    consent = BooleanField(
        _l("I have read the notice above and agree that my identity document number, name "
           "and contact details are processed for admission to the fair as described."),
        validators=[DataRequired(_l("Please tick the box to agree, or you cannot apply"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, tr(KINDS[kind].name)) for kind in KIND_CHOICES]
        self.option.choices = [("", "—"), *professional_options()]


def professional_options() -> list[tuple[str, str]]:
    """Venue-days with professional visitors' places left."""
    options = []
    for venue, days in venue_service.list_venues_with_days():
        for fair_day in days:
            if fair_day.remaining_professional > 0 \
                    and venue_service.day_status(fair_day) != "past" and fair_day.booking_open:
                options.append((f"{venue.code}|{fair_day.date.isoformat()}|",
                                f"{tr(venue.name)} · {day_label(fair_day.date)}"))
    return options


def _visitor() -> Actor:
    return Actor.visitor(request.remote_addr)


@blueprint.route("/credentials/apply", methods=["GET", "POST"])
@post_limit("RATELIMIT_CREDENTIALS")
@per_document("RATELIMIT_BOOKING_PER_DOCUMENT", "document-booking", methods=["POST"])
def apply():
    form = CredentialForm()
    if request.method == "GET" and request.args.get("kind") in {k.value for k in KIND_CHOICES}:
        form.kind.data = request.args["kind"]
    errors, status_code = [], 200
    if request.method == "POST":
        decided, error = _submit(form, errors)
        if decided is not None:
            return render_template("credential_result.html", credential=decided.credential,
                                   issued=decided.issued, kind=KINDS[decided.credential.kind],
                                   applied=True), 201
        status_code = error.status if error is not None else 422
    return render_template("credential_apply.html", form=form, errors=errors), status_code


def _submit(form: CredentialForm, errors: list[str]):
    valid = form.validate()
    document = None
    if not form.document_number.errors and not form.document_type.errors:
        try:
            document = booking.validate_document(form.document_type.data,
                                                 form.document_number.data,
                                                 form.document_country.data)
        except ServiceError as err:
            apply_service_error(form, err, SERVICE_FIELDS)
    venue = day = None
    if form.option.data:
        try:
            venue, day, _ = parse_option(form.option.data)
        except ValueError:
            form.option.errors = [*form.option.errors, _l("Choose a venue and day")]
            valid = False
    if not valid or document is None:
        return None, None
    application = credential_actions.Application(
        kind=form.kind.data, document=document, name=form.name.data,
        consent=form.consent.data, lang=current_lang(), organisation=form.organisation.data,
        title=form.title.data, press_card=form.press_card.data, venue=venue, day=day,
        phone=form.phone.data, email=form.email.data)
    try:
        with unit_of_work():
            decided = credential_actions.apply(_visitor(), application)
    except ServiceError as err:
        errors.extend(apply_service_error(form, err, FIELDS))
        return None, err
    return decided, None


@blueprint.route("/credentials/lookup", methods=["GET", "POST"])
@post_limit("RATELIMIT_LOOKUP")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup", methods=["POST"])
def lookup():
    form, error, status_code = LookupForm(), None, 200
    if request.method == "POST":
        status_code = 422
        if form.validate():
            try:
                decided = credential_actions.look_up(_visitor(), form.code.data,
                                                     form.document_number.data)
            except ServiceError as err:
                error, status_code = tr(err.message), err.status
            else:
                return render_template("credential_result.html",
                                       credential=decided.credential, issued=decided.issued,
                                       kind=KINDS[decided.credential.kind], applied=False)
    return render_template("credential_lookup.html", form=form, error=error), status_code
