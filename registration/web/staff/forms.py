"""The staff console's forms (Flask-WTF: every POST carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField, DateField, HiddenField, IntegerField, PasswordField, SelectField,
    StringField, TextAreaField, TimeField,
)
from wtforms.validators import (
    InputRequired, Length, NumberRange, Optional, StopValidation, ValidationError,
)

from gate.documents import DocumentType
from registration.services.operations import MAX_QUOTA
from registration.web.forms import PersonNameRule
from registration.web.locale import current_lang

WHOLE_NUMBER = _l("Enter a whole number")


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[
        InputRequired(_l("Enter your username")), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[
        InputRequired(_l("Enter your password")), Length(max=200)])


class DeskForm(FlaskForm):
    """Identify (card reader line, pasted MRZ or typed number), then name and consent."""

    line = StringField(_l("ID card or document number"), validators=[
        Optional(), Length(max=400, message=_l("This is too long for an ID record"))])
    mrz = TextAreaField(_l("Passport or card MRZ (paste the 2 or 3 lines)"), validators=[
        Optional(), Length(max=200, message=_l("An MRZ has at most 3 lines of 44 characters"))])
    document_type = SelectField(_l("Document type"), default="auto")
    country = StringField(_l("Issuing country (passports only)"), validators=[
        Optional(), Length(max=3, message=_l("Use the three-letter code, e.g. USA, GBR, DEU"))])
    ticket = HiddenField()
    name = StringField(_l("Name as on the document"), validators=[
        Optional(), Length(max=100, message=_l("A name has at most 100 characters")),
        PersonNameRule()])
    slot = SelectField(_l("Entry time"), validate_choice=False)
    consent = BooleanField(_l("The visitor heard the notice and consented"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = current_lang()
        self.document_type.choices = [("auto", _l("Recognise automatically"))] + [
            (t.value, t.label.in_language(lang)) for t in DocumentType]


class WholeNumberField(IntegerField):
    """A whole number; anything else ('12abc', '1.5') gets one clear message."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if text:
            try:
                self.data = int(text)
            except ValueError:
                raise ValueError(WHOLE_NUMBER) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # the parse error says it all


class _OwnParseMessage:
    """A date or time field whose unreadable input gets the field's own, translated message
    (WTForms' built-in one is English only)."""

    def __init__(self, label, message, **kwargs):
        super().__init__(label, validators=[InputRequired(message)], **kwargs)
        self.parse_message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.parse_message) from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class ClockField(_OwnParseMessage, TimeField):
    pass


class DayField(_OwnParseMessage, DateField):
    pass


def _count(label, minimum: int = 0, required: bool = True):
    validators = [InputRequired(WHOLE_NUMBER)] if required else [Optional()]
    validators.append(NumberRange(minimum, MAX_QUOTA, message=_l(
        "Enter a number from %(min)s to %(max)s")))
    return WholeNumberField(label, validators=validators)


class DayForm(FlaskForm):
    quota = _count(_l("Admission quota"))
    walk_in_reserve = _count(_l("Walk-in reserve"))
    occupancy_limit = _count(_l("Occupancy limit (people inside at once)"), 1, required=False)
    opens = ClockField(_l("Opens"), _l("Enter a time like 09:00"))
    closes = ClockField(_l("Closes"), _l("Enter a time like 17:00"))


class NewDayForm(DayForm):
    date = DayField(_l("Date"), _l("Enter a date like 2026-09-10"))


class SlotForm(FlaskForm):
    code = StringField(_l("Slot code"), validators=[
        InputRequired(_l("Enter a code, e.g. AM")), Length(max=20)])
    starts = ClockField(_l("Starts"), _l("Enter a time like 09:00"))
    ends = ClockField(_l("Ends"), _l("Enter a time like 12:00"))
    quota = _count(_l("Slot quota"))


class GateForm(FlaskForm):
    code = StringField(_l("Gate code"), validators=[
        InputRequired(_l("Enter a gate code, e.g. CNCC-E5")), Length(max=20)])
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=100)])


class VenueForm(FlaskForm):
    code = StringField(_l("Venue code"), validators=[
        InputRequired(_l("Enter a venue code")), Length(max=12)])
    name_zh = StringField(_l("Name in Chinese"), validators=[
        InputRequired(_l("Enter the Chinese name")), Length(max=100)])
    name_en = StringField(_l("Name in English"), validators=[
        InputRequired(_l("Enter the English name")), Length(max=150)])


class EnrollCodeForm(FlaskForm):
    gate = SelectField(_l("Gate"), validate_choice=False,
                       validators=[InputRequired(_l("Choose a gate"))])
    hours = WholeNumberField(_l("Valid for (hours)"), default=24, validators=[
        InputRequired(WHOLE_NUMBER),
        NumberRange(1, 720, message=_l("Enter a number from %(min)s to %(max)s"))])


class RevokePassForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[
        InputRequired(_l("Give a reason for the revocation")),
        Length(min=3, max=200, message=_l("Give a reason of 3 to 200 characters"))])


class ConfirmForm(FlaskForm):
    """A POST that needs nothing but its CSRF token (log-out, device revocation)."""


class PurgeForm(FlaskForm):
    confirm = StringField(_l("Type PURGE to confirm"), validators=[
        InputRequired(_l("Type PURGE to confirm"))])

    def validate_confirm(self, field):
        if (field.data or "").strip() != "PURGE":
            raise ValidationError(_l("Type PURGE to confirm"))
