"""The retention purge erases the SMS about purged people (by ref, outbox copies too), and
`fairgate messages retry` delivers what is due."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from registration.extensions import db
from registration.models import MessageStatus, OutgoingMessage
from registration.services import messages, purge


def test_purge_erases_the_messages_of_purged_appointments(app, make_fair_day, booking_body,
                                                          sms_outbox):
    day = make_fair_day("CNCC", offset=1)
    booked = app.test_client().post("/api/v1/appointments", json=booking_body(day))
    assert booked.status_code == 201, booked.get_json()
    code = booked.get_json()["appointment"]["code"]
    with app.app_context():
        messages.send_sms("+8613800138000", "about the visitor", ref=code)
        messages.send_sms("+8613800138001", "about someone else", ref="ORG-KEEP")
        db.session.commit()
        assert len(sms_outbox()) == 2
        purge.purge(0, today=day + timedelta(days=1))
        db.session.commit()
        assert list(db.session.scalars(select(OutgoingMessage.ref))) == ["ORG-KEEP"]
    assert [item["reference"] for item in sms_outbox()] == ["ORG-KEEP"]


def test_cli_retry_delivers_due_messages(gateway_app, gateway):
    gateway.failures = 1
    with gateway_app.app_context():
        messages.send_sms("+8613800138000", "x", ref="A1")
        db.session.commit()
    runner = gateway_app.test_cli_runner()
    listed = runner.invoke(args=["messages", "list"])
    assert listed.exit_code == 0 and "+86138****8000" in listed.output
    assert "13800138000" not in listed.output
    result = runner.invoke(args=["messages", "retry"])
    assert result.exit_code == 0 and result.output.startswith("0 sent")  # not due yet
    result = runner.invoke(args=["messages", "retry", "--now"])
    assert result.output.strip() == "1 sent, 0 still pending, 0 failed for good"
    with gateway_app.app_context():
        assert db.session.scalars(select(OutgoingMessage.status)).one() == MessageStatus.SENT
