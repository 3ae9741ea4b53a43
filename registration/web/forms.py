"""The visitor forms. Messages are lazy so they follow the page's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, SelectField, StringField, TelField
from wtforms.validators import (
    DataRequired, InputRequired, Length, Optional, Regexp, ValidationError,
)

from gate.documents import DocumentType
from registration.services.errors import ServiceError
from registration.web.locale import current_lang
from registration.web.options import parse_option
from schemas.fields import TextRefused, clean_person_name

PHONE = r"^\+?[0-9][0-9 \-]{5,19}$"
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

# Where a service's dotted field path shows its message on the booking form.
SERVICE_FIELDS = {
    "document.number": "document_number", "document.type": "document_type",
    "document.country": "document_country", "name": "name", "phone": "phone",
    "email": "email", "consent": "consent", "slot": "slot",
}


def apply_service_error(form: FlaskForm, err: ServiceError, aliases: dict | None = None
                        ) -> list[str]:
    """Show a service's field messages beside their fields; return the others."""
    lang, rest = current_lang(), []
    for path, text in err.fields.items():
        field = getattr(form, (aliases or {}).get(path, path), None)
        if field is None or not hasattr(field, "errors"):
            rest.append(text.in_language(lang))
        else:
            field.errors = [*field.errors, text.in_language(lang)]
    if not err.fields:
        rest.append(err.message.in_language(lang))
    return rest


class PersonNameRule:
    """The name rule the API, group CSV and desk use too (schemas.fields.clean_person_name):
    no control or invisible characters, not blank; the message in the page's language."""

    def __call__(self, form, field):
        try:
            clean_person_name(field.data)
        except TextRefused as err:
            raise ValidationError(err.message.in_language(current_lang())) from None


def document_type_choices() -> list[tuple[str, str]]:
    lang = current_lang()
    return [(t.value, t.label.in_language(lang)) for t in DocumentType]


class VisitorFields(FlaskForm):
    document_type = SelectField(_l("Document type"), default=DocumentType.CN_RESIDENT_ID.value,
                                validators=[InputRequired(_l("Choose a document type"))])
    document_number = StringField(_l("Document number"), validators=[
        InputRequired(_l("Enter the document number")),
        Length(max=64, message=_l("A document number has at most 64 characters"))])
    document_country = StringField(_l("Issuing country (passports only)"), validators=[
        Optional(), Length(max=3, message=_l("Use the three-letter code, e.g. USA, GBR, DEU"))])
    name = StringField(_l("Full name as on the document"), validators=[
        InputRequired(_l("Enter your name as it is written on the document")),
        Length(max=100, message=_l("A name has at most 100 characters")), PersonNameRule()])
    phone = TelField(_l("Mobile phone"), validators=[
        Optional(), Regexp(PHONE, message=_l("Enter a phone number, e.g. +86 138 0013 8000"))])
    email = EmailField(_l("Email"), validators=[
        Optional(), Length(max=254, message=_l("An email address has at most 254 characters")),
        Regexp(EMAIL, message=_l("Enter an email address like name@example.com"))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.document_type.choices = document_type_choices()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.phone.data or "").strip() and not (self.email.data or "").strip():
            self.email.errors = [*self.email.errors,
                                 _l("Give a mobile phone number or an email address")]
            valid = False
        return valid


class BookingForm(VisitorFields):
    slot = StringField(_l("Entry time"))
    consent = BooleanField(
        _l("I have read the notice above and agree that my identity document number, name "
           "and contact details are processed for admission to the fair as described."),
        validators=[DataRequired(_l("Please tick the box to agree, or you cannot book"))])

    def apply_service_error(self, err: ServiceError) -> list[str]:
        """Put a service's field messages beside their fields; return the rest (the day)."""
        return apply_service_error(self, err, SERVICE_FIELDS)


class LookupForm(FlaskForm):
    code = StringField(_l("Confirmation code"), validators=[
        InputRequired(_l("Enter the confirmation code")),
        Length(max=12, message=_l("A confirmation code has 8 characters"))])
    document_number = StringField(_l("Document number"), validators=[
        InputRequired(_l("Enter the document number you booked with")),
        Length(max=64, message=_l("A document number has at most 64 characters"))])


class ChoiceForm(FlaskForm):
    """A venue-day (and slot) out of the bookable ones, as ``VENUE|YYYY-MM-DD|SLOT``."""

    def chosen(self):
        """``(venue, day, slot)``, or None with an error on the field."""
        try:
            return parse_option(self.option.data)
        except ValueError:
            self.option.errors = [*self.option.errors, _("Choose a venue and day")]
            return None

    # Not limited to the listed choices: a day may fill up between showing and sending the
    # form, and the booking service then says so precisely.
    option = SelectField(_l("New venue and day"), validate_choice=False,
                         validators=[InputRequired(_l("Choose a venue and day"))])


class GroupForm(ChoiceForm):
    option = SelectField(_l("Venue and day"), validate_choice=False,
                         validators=[InputRequired(_l("Choose a venue and day"))])
    organisation = StringField(_l("Organisation"), validators=[
        InputRequired(_l("Enter the organisation's name")),
        Length(max=200, message=_l("At most 200 characters"))])
    members = FileField(_l("Member list (CSV, UTF-8)"),
                        validators=[FileRequired(_l("Choose the CSV file with the members"))])
    consent = BooleanField(
        _l("Every person on the list has been told what is collected, why and for how long, "
           "and has agreed to it."),
        validators=[DataRequired(_l("Please confirm every member has agreed"))])
