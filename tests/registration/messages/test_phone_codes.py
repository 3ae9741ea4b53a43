"""One-time phone codes of organisation contacts: sent by SMS, hashed, expiring after ten
minutes, five tries; the API needs the organisation's portal session."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from registration.extensions import db
from registration.models import Organisation, PhoneCode
from registration.services import messages
from registration.services.calendar import utc_now
from registration.services.errors import Conflict, InvalidInput

from smskit import register_organisation


def _org(code: str) -> Organisation:
    return db.session.scalars(select(Organisation).where(Organisation.code == code)).one()


def _sent_code(sms_outbox) -> str:
    return re.search(r"\b(\d{6})\b", sms_outbox()[-1]["text"]).group(1)


def test_right_code_verifies_the_phone(app, organisation, sms_outbox):
    with app.app_context():
        messages.issue_phone_code(_org(organisation))
        db.session.commit()
        stored = db.session.scalars(select(PhoneCode)).one()
    [sent] = sms_outbox()
    assert sent["to"] == "+8613912345678" and sent["reference"] == organisation
    assert "verification code" in sent["text"]  # the contact's language: en
    code = _sent_code(sms_outbox)
    assert code not in stored.code_hash
    with app.app_context():
        assert messages.verify_phone_code(_org(organisation), code) is True
        db.session.commit()
        assert _org(organisation).phone_verified_at is not None
        # Used once only.
        assert messages.verify_phone_code(_org(organisation), code) is False


def test_full_width_digits_and_spaces_are_accepted(app, organisation, sms_outbox):
    with app.app_context():
        messages.issue_phone_code(_org(organisation))
        db.session.commit()
        typed = " ".join(chr(ord(d) + 0xFEE0) for d in _sent_code(sms_outbox))
        assert messages.verify_phone_code(_org(organisation), typed) is True


def test_code_expires_after_ten_minutes(app, organisation, sms_outbox):
    with app.app_context():
        messages.issue_phone_code(_org(organisation))
        db.session.commit()
        code = _sent_code(sms_outbox)
        later = utc_now() + timedelta(minutes=10, seconds=1)
        assert messages.verify_phone_code(_org(organisation), code, now=later) is False
        assert _org(organisation).phone_verified_at is None


def test_five_wrong_tries_end_the_code(app, organisation, sms_outbox):
    with app.app_context():
        messages.issue_phone_code(_org(organisation))
        db.session.commit()
        code = _sent_code(sms_outbox)
        wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
        for _ in range(5):
            assert messages.verify_phone_code(_org(organisation), wrong) is False
            db.session.commit()  # each try is counted even though it failed
        assert messages.verify_phone_code(_org(organisation), code) is False
        assert db.session.scalars(select(PhoneCode.attempts)).one() == 5


def test_a_new_code_replaces_the_old_one_but_not_too_soon(app, organisation, sms_outbox):
    with app.app_context():
        messages.issue_phone_code(_org(organisation))
        db.session.commit()
        first = _sent_code(sms_outbox)
        with pytest.raises(Conflict) as raised:
            messages.issue_phone_code(_org(organisation))
        assert raised.value.code == "phone_code_recent"
        db.session.rollback()
        messages.issue_phone_code(_org(organisation), now=utc_now() + timedelta(seconds=61))
        db.session.commit()
        second = _sent_code(sms_outbox)
        if first != second:
            assert messages.verify_phone_code(_org(organisation), first,
                                              now=utc_now() + timedelta(seconds=62)) is False
        assert messages.verify_phone_code(_org(organisation), second,
                                          now=utc_now() + timedelta(seconds=62)) is True


def test_a_contact_without_phone_is_told_so(app):
    code = register_organisation(app, phone=None)
    with app.app_context(), pytest.raises(InvalidInput) as raised:
        messages.issue_phone_code(_org(code))
    assert set(raised.value.fields) == {"phone"}
