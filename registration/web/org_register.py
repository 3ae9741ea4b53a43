"""The public form registering an organisation (/org/register): the same registration as
POST /api/v1/organisations, for a person with a phone or a browser. Its contact gets the
portal's sign-in link by email (and SMS); the portal's own pages are registration/web/org/.
"""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DecimalField, EmailField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from gate.documents import ISO_ALPHA3
from registration.actions import organisations as organisation_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.models import OrganisationKind
from registration.services import venues as venue_service
from registration.services.errors import ServiceError
from registration.services.organisations import OrganisationInput, Stand
from registration.web.forms import EMAIL, PHONE, PersonNameRule, apply_service_error
from registration.web.locale import current_lang, tr
from registration.web.public import post_limit

blueprint = Blueprint("org_register", __name__)

KIND_LABELS = {
    OrganisationKind.EXHIBITOR: _l("Exhibitor (a stand at the fair)"),
    OrganisationKind.ORGANISATION: _l("Institution sending professional visitors"),
    OrganisationKind.MEDIA_OUTLET: _l("Media outlet"),
}
# Where the service's field paths are shown on the form.
FIELDS = {"name.zh": "name_zh", "name.en": "name_en", "kind": "kind", "country": "country",
          "uscc": "uscc", "registration_number": "registration_number",
          "contact.name": "contact_name", "contact.email": "contact_email",
          "contact.phone": "contact_phone", "stand": "stand_venue",
          "stand.venue": "stand_venue", "stand.hall": "stand_hall",
          "stand.area_m2": "stand_area_m2", "consent": "consent"}


class OrganisationForm(FlaskForm):
    kind = SelectField(_l("Kind of organisation"),
                       validators=[InputRequired(_l("Choose the kind of organisation"))])
    name_zh = StringField(_l("Name in Chinese"), validators=[
        InputRequired(_l("Enter the organisation's name in Chinese")),
        Length(max=200, message=_l("At most 200 characters"))])
    name_en = StringField(_l("Name in English"), validators=[
        InputRequired(_l("Enter the organisation's name in English")),
        Length(max=200, message=_l("At most 200 characters"))])
    country = StringField(_l("Country or region (three-letter code)"), default="CHN",
                          validators=[InputRequired(_l("Enter the three-letter code, e.g. CHN")),
                                      Length(max=3, message=_l("Use the three-letter code, "
                                                               "e.g. CHN, DEU, USA"))])
    uscc = StringField(_l("Unified social credit code (mainland organisations)"), validators=[
        Optional(), Length(max=40, message=_l("A unified social credit code has 18 "
                                              "characters"))])
    registration_number = StringField(_l("Registration number (organisations outside the "
                                         "mainland)"), validators=[
        Optional(), Length(max=60, message=_l("At most 60 characters"))])
    contact_name = StringField(_l("Contact person"), validators=[
        InputRequired(_l("Enter the contact person's name")),
        Length(max=100, message=_l("A name has at most 100 characters")), PersonNameRule()])
    contact_phone = TelField(_l("Mobile phone"), validators=[
        Optional(), Regexp(PHONE, message=_l("Enter a phone number, e.g. +86 138 0013 8000"))])
    contact_email = EmailField(_l("Email"), validators=[
        InputRequired(_l("Enter an email address: the sign-in link is sent there")),
        Length(max=254, message=_l("An email address has at most 254 characters")),
        Regexp(EMAIL, message=_l("Enter an email address like name@example.com"))])
    stand_venue = SelectField(_l("Venue"), validate_choice=False, validators=[Optional()])
    stand_hall = StringField(_l("Hall"), validators=[
        Optional(), Length(max=20, message=_l("At most 20 characters"))])
    stand_area_m2 = DecimalField(_l("Stand area (m²)"), places=None, validators=[
        Optional(), NumberRange(min=0.1, max=100000, message=_l("Enter the area in m², e.g. 9"))])
    consent = BooleanField(
        _l("I agree that the contact's name, email and phone number are processed to review "
           "this registration and to send the portal's sign-in links, as described above."),
        validators=[DataRequired(_l("Please tick the box to agree, or you cannot register"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(kind.value, label) for kind, label in KIND_LABELS.items()]
        self.stand_venue.choices = [("", "—")] + [
            (venue.code, tr(venue.name)) for venue, _ in venue_service.list_venues_with_days()]

    def organisation_input(self) -> OrganisationInput:
        exhibitor = self.kind.data == OrganisationKind.EXHIBITOR.value
        stand = None
        if exhibitor and (self.stand_venue.data or self.stand_hall.data
                          or self.stand_area_m2.data is not None):
            area = self.stand_area_m2.data
            stand = Stand(self.stand_venue.data or "", self.stand_hall.data or "",
                          float(area) if area is not None else 0.0)
        country = (self.country.data or "").strip().upper()
        mainland = country == "CHN"
        return OrganisationInput(
            name_zh=self.name_zh.data, name_en=self.name_en.data, kind=self.kind.data,
            country=country, uscc=self.uscc.data if mainland else None,
            registration_number=None if mainland else self.registration_number.data,
            contact_name=self.contact_name.data, contact_email=self.contact_email.data,
            contact_phone=self.contact_phone.data, consent=self.consent.data,
            stand=stand, lang=current_lang())


@blueprint.route("/org/register", methods=["GET", "POST"])
@post_limit("RATELIMIT_ORGANISATIONS")
def register():
    form = OrganisationForm()
    errors, status = [], 200
    if request.method == "POST":
        if form.validate():
            try:
                with unit_of_work():
                    organisation = organisation_actions.register(
                        Actor.visitor(request.remote_addr), form.organisation_input())
            except ServiceError as err:
                errors = apply_service_error(form, err, FIELDS)
                status = err.status
            else:
                return render_template("org_registered.html", organisation=organisation), 201
        else:
            status = 422
    return render_template("org_register.html", form=form, errors=errors,
                           countries=sorted(ISO_ALPHA3)), status
