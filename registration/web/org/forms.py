"""The portal's forms. Messages are lazy so they follow the page's language."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from registration.web.forms import EMAIL, VisitorFields

# Where a service's field path shows its message on the member form.
SERVICE_FIELDS = {
    "document.number": "document_number", "document.type": "document_type",
    "document.country": "document_country", "venue": "option", "date": "option",
}


class MemberForm(VisitorFields):
    """One member: the visitor's document, name and contact fields (phone and email are
    optional here: the organisation hands out its members' passes), plus the badge's
    Latin name and title, and for an institution's member the venue and day."""

    name_latin = StringField(_l("Name in Latin letters (for the badge)"), validators=[
        Optional(), Length(max=100, message=_l("A name has at most 100 characters"))])
    title = StringField(_l("Job title"), validators=[
        Optional(), Length(max=100, message=_l("At most 100 characters"))])
    option = SelectField(_l("Venue and day"), validate_choice=False)
    consent = BooleanField(
        _l("This person has been told what is collected, why and for how long, and has "
           "agreed to it."),
        validators=[DataRequired(_l("Please confirm the member has agreed"))])

    def validate(self, extra_validators=None) -> bool:
        # Skip VisitorFields' "phone or email" rule: a member's contact is optional.
        return FlaskForm.validate(self, extra_validators)


class ImportForm(FlaskForm):
    members = FileField(_l("Member list (CSV, UTF-8)"),
                        validators=[FileRequired(_l("Choose the CSV file with the members"))])
    consent = BooleanField(
        _l("Every person on the list has been told what is collected, why and for how long, "
           "and has agreed to it."),
        validators=[DataRequired(_l("Please confirm every member has agreed"))])


class ConfirmForm(FlaskForm):
    """A button that changes something (remove, sign out): the CSRF token only."""


class NewLinkForm(FlaskForm):
    code = StringField(_l("Organisation code"), validators=[
        InputRequired(_l("Enter the organisation code from the registration email")),
        Length(max=20, message=_l("An organisation code looks like ORG-K7P2QX9M"))])
    email = EmailField(_l("Contact email"), validators=[
        InputRequired(_l("Enter the contact's email address")),
        Length(max=254, message=_l("An email address has at most 254 characters")),
        Regexp(EMAIL, message=_l("Enter an email address like name@example.com"))])
