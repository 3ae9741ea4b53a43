"""Phone numbers: what the schemas accept, the SMS outbox can text (schemathesis once found
a number the pattern took and the outbox refused: "0  45-4")."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from registration.services.sms import textable
from schemas.appointments import PHONE, VisitorInputSchema
from schemas.organisations import ContactInputSchema

VISITOR = {"document": {"type": "passport", "number": "E12345678", "country": "GBR"},
           "name": "Li Lei"}


@pytest.mark.parametrize("phone", ["+86 138 0013 8000", "13800138000", "0044-20-7946-0958",
                                   "001234", " 138 0013 8000\t"])
def test_numbers_people_type_are_accepted_and_textable(phone):
    loaded = VisitorInputSchema().load({**VISITOR, "phone": phone})
    assert loaded["phone"] == phone.strip()
    assert textable(loaded["phone"])


@pytest.mark.parametrize("phone", ["0  45-4", "12345", "+86 138 0013 8000 ext 2", "138--0013",
                                   "phone", "+", "1" * 21])
def test_other_text_is_refused_naming_the_phone_field(phone):
    for schema, body in ((VisitorInputSchema(), VISITOR), (ContactInputSchema(), {})):
        with pytest.raises(ValidationError) as refused:
            schema.load({**body, "phone": phone}, partial=True)
        assert refused.value.messages["phone"] == ["Not a valid phone number."]


@settings(max_examples=300, deadline=None)
@given(st.from_regex(PHONE.regex, fullmatch=True))
def test_every_number_the_pattern_takes_can_be_texted(phone):
    assert textable(phone)
