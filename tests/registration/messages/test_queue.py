"""SMS are stored in the caller's transaction and leave only after its commit; failures are
retried with back-off, then failed (audited) and shown to staff, who can retry them."""
from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import select

from registration.extensions import db
from registration.models import AuditEntry, MessageStatus, OutgoingMessage
from registration.services import messages, sms
from registration.services.calendar import utc_now
from registration.services.errors import InvalidInput
from smskit import csrf_token

PHONE = "+86 138 0013 8000"


def _messages(app) -> list[OutgoingMessage]:
    with app.app_context():
        found = list(db.session.scalars(select(OutgoingMessage).order_by(OutgoingMessage.id)))
        db.session.expunge_all()
        return found


def test_queued_in_the_transaction_and_sent_after_the_commit(app, sms_outbox):
    with app.app_context():
        messages.send_sms(PHONE, "你好 hello", ref="K7Q2MX")
        stored = db.session.scalars(select(OutgoingMessage)).one()
        assert stored.status == MessageStatus.PENDING and stored.attempts == 0
        assert stored.to_masked == "+86138****8000"
        assert b"8000" not in stored.to_ciphertext and "hello".encode() not in \
            stored.text_ciphertext
        assert sms_outbox() == []  # nothing leaves before the commit
        db.session.commit()
    [sent] = sms_outbox()
    assert sent["to"] == "+8613800138000" and sent["text"] == "你好 hello"
    assert sent["reference"] == "K7Q2MX"
    [message] = _messages(app)
    assert message.status == MessageStatus.SENT and message.attempts == 1
    assert message.sent_at is not None and message.provider_id.startswith("outbox:")
    folder = sent["path"].parent
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(sent["path"]).st_mode) == 0o600


def test_nothing_is_sent_or_kept_on_rollback(app, sms_outbox):
    with app.app_context():
        messages.send_sms(PHONE, "never", ref="K7Q2MX")
        db.session.rollback()
        db.session.commit()  # a later commit does not send the dropped message
    assert sms_outbox() == [] and _messages(app) == []


def test_a_savepoint_rollback_keeps_the_outer_queue(app, sms_outbox):
    with app.app_context():
        messages.send_sms(PHONE, "kept", ref="A1")
        with db.session.begin_nested() as savepoint:
            savepoint.rollback()
        db.session.commit()
    assert [item["text"] for item in sms_outbox()] == ["kept"]


def test_a_bad_number_is_refused_naming_the_field(app):
    with app.app_context(), pytest.raises(InvalidInput) as raised:
        messages.send_sms("call me", "x", ref="A1")
    assert set(raised.value.fields) == {"phone"}


@pytest.mark.parametrize(("phone", "masked"), [
    ("+86 138 0013 8000", "+86138****8000"), ("13800138000", "+86138****8000"),
    ("0044 20 7946 0958", "+4420****0958"), ("１３８００１３８０００", "+86138****8000")])
def test_numbers_are_normalised_and_masked(phone, masked):
    assert sms.mask_phone(phone) == masked


def test_templates_in_both_languages(app):
    with app.test_request_context():
        zh = messages.render_sms("phone_code", "zh", code="123456", minutes=10)
        en = messages.render_sms("phone_code", "en", code="123456", minutes=10)
        other = messages.render_sms("rejected", "fr", code="C1", reason="资料不全")
        link = messages.render_sms("sign_in", "en", organisation="ORG-1", minutes=30,
                                   url="https://fair.example.org/org/sign-in/abc")
        issued = messages.render_sms("pass_issued", "en", kind="Media", code="C1",
                                     days="2026-09-10 to 2026-09-14",
                                     url="https://fair.example.org/p/x")
    assert "123456" in zh and "验证码" in zh and "verification code is 123456" in en
    assert other.startswith("【服贸会】") and "资料不全" in other
    assert "ORG-1" in link and link.endswith("/org/sign-in/abc")
    assert "Media credential is issued: C1" in issued


def test_failing_gateway_is_retried_then_failed_and_shown_to_staff(
        gateway_app, gateway, staff_login):
    app = gateway_app
    gateway.failures = 10
    with app.app_context():
        messages.send_sms(PHONE, "pass ready", ref="K7Q2MX")
        db.session.commit()  # first attempt after the commit: 503
    [message] = _messages(app)
    assert message.status == MessageStatus.PENDING and message.attempts == 1
    assert message.last_error == "SMS gateway answered HTTP 503"
    wait = (message.next_attempt_at - utc_now()).total_seconds()
    assert 0 < wait <= 1  # the base delay after the first failure
    with app.app_context():
        assert messages.retry_due(now=utc_now()) == {"sent": 0, "pending": 0, "failed": 0}
        second = messages.retry_due(everything=True)  # back-off doubles: 2 s
        assert second == {"sent": 0, "pending": 1, "failed": 0}
    [message] = _messages(app)
    assert message.attempts == 2
    assert 1 < (message.next_attempt_at - utc_now()).total_seconds() <= 2
    with app.app_context():
        later = messages.retry_due(now=utc_now() + timedelta(seconds=3))
    assert later == {"sent": 0, "pending": 0, "failed": 1}
    [message] = _messages(app)
    assert message.status == MessageStatus.FAILED and message.attempts == 3
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "message_failed")).one()
        assert entry.target == "K7Q2MX" and "503" in entry.details
        assert "8000" not in entry.details
    assert len(gateway.requests) == 3

    client = staff_login(app, "supervisor", "CNCC")
    page = client.get("/staff/messages").get_data(as_text=True)
    assert "+86138****8000" in page and "K7Q2MX" in page and "HTTP 503" in page
    assert "13800138000" not in page
    gateway.failures = 0
    response = client.post(f"/staff/messages/{message.id}/retry")
    assert response.status_code == 302
    [message] = _messages(app)
    assert message.status == MessageStatus.SENT and message.attempts == 4
    assert message.provider_id.startswith("gw-")
    assert "K7Q2MX" not in client.get("/staff/messages").get_data(as_text=True)


def test_due_messages_are_retried_by_the_next_delivery(gateway_app, gateway):
    gateway.failures = 1
    with gateway_app.app_context():
        messages.send_sms(PHONE, "first", ref="A1")
        db.session.commit()
        db.session.execute(OutgoingMessage.__table__.update().values(
            next_attempt_at=utc_now() - timedelta(seconds=1)))
        db.session.commit()
        messages.send_sms(PHONE, "second", ref="A2")
        db.session.commit()  # delivers "second", then the due "first"
    assert [item.status for item in _messages(gateway_app)] == [MessageStatus.SENT] * 2
    assert [item["body"]["text"] for item in gateway.requests] == ["first", "second", "first"]


def test_retry_now_is_for_managers_only_and_needs_csrf(make_app, tmp_path, staff_login):
    app = make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", SMS_OUTBOX=str(tmp_path / "sms"),
                   WTF_CSRF_ENABLED=True)
    with app.app_context():
        messages.send_sms(PHONE, "x", ref="A1")
        db.session.flush()
        ident = db.session.scalars(select(OutgoingMessage.id)).one()
        db.session.info.pop(messages.QUEUE_KEY)  # left pending, as after a failure
        db.session.commit()
    desk = staff_login(app, "desk", "CNCC")
    assert desk.get("/staff/messages").status_code == 403
    assert desk.post(f"/staff/messages/{ident}/retry").status_code in (400, 403)
    admin = staff_login(app, "admin")
    assert admin.post(f"/staff/messages/{ident}/retry").status_code == 400  # no CSRF token
    assert _messages(app)[0].status == MessageStatus.PENDING
    token = csrf_token(admin, "/staff/messages")
    assert admin.post(f"/staff/messages/{ident}/retry",
                      data={"csrf_token": token}).status_code == 302
    assert _messages(app)[0].status == MessageStatus.SENT


def test_a_claimed_message_is_left_to_its_delivery(gateway_app, gateway):
    """A delivery under way (claimed) is not sent again by the CLI or "retry now"; a claim
    whose holder died runs out."""
    gateway.failures = 1
    with gateway_app.app_context():
        messages.send_sms(PHONE, "once", ref="A1")
        db.session.commit()  # fails: pending
        db.session.execute(OutgoingMessage.__table__.update().values(
            claimed_until=utc_now() + timedelta(seconds=60)))
        db.session.commit()
        assert messages.retry_due(everything=True) == {"sent": 0, "pending": 0, "failed": 0}
        message = db.session.scalars(select(OutgoingMessage)).one()
        messages.retry_now(message)
        db.session.commit()
        assert len(gateway.requests) == 1
        later = utc_now() + timedelta(seconds=61)
        assert messages.retry_due(now=later, everything=True)["sent"] == 1
    assert len(gateway.requests) == 2
