"""The HTTP gateway adapter against a real local server: the documented request shape,
the provider's id, and every way a send can fail (never naming the number)."""
from __future__ import annotations

import socket
import time

import pytest
from sqlalchemy import select

from registration.extensions import db
from registration.models import OutgoingMessage
from registration.services import messages, sms


def test_posts_the_documented_json_with_the_token(gateway_app, gateway):
    with gateway_app.app_context():
        messages.send_sms("+86 138 0013 8000", "您的证件已签发", ref="C7K2QX")
        db.session.commit()
        stored = db.session.scalars(select(OutgoingMessage)).one()
        assert stored.provider_id == "gw-1"
    [request] = gateway.requests
    assert request["path"] == "/sms"
    assert request["headers"]["Authorization"] == "Bearer t0ken"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["body"] == {"to": "+8613800138000", "text": "您的证件已签发",
                               "reference": "C7K2QX"}


def test_an_error_status_is_a_send_error(gateway):
    gateway.failures, gateway.fail_status = 1, 401
    with pytest.raises(sms.SendError, match="HTTP 401"):
        sms.HttpGatewayProvider(gateway.url, "wrong").send("+8613800138000", "x")


def test_a_closed_port_is_a_send_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(sms.SendError, match="unreachable") as raised:
        sms.HttpGatewayProvider(f"http://127.0.0.1:{port}/sms", None, 2).send(
            "+8613800138000", "x")
    assert "8000" not in str(raised.value)


def test_an_answer_without_id_is_a_send_error(gateway):
    provider = sms.HttpGatewayProvider(gateway.url, None)
    for answer in ({"status": "queued"}, {"id": ""}, {"id": None}, ["gw-1"]):
        gateway.answer = answer
        with pytest.raises(sms.SendError, match="no message id"):
            provider.send("+8613800138000", "x")


def test_a_slow_gateway_does_not_hold_the_response(make_app, gateway):
    """In the background (production's default), the commit returns at once and the
    message is delivered by the thread."""
    app = make_app(SMS_GATEWAY_URL=gateway.url, SMS_DELIVER_IN_BACKGROUND=True)
    gateway.delay = 1.5
    with app.app_context():
        messages.send_sms("+8613800138000", "slow", ref="A1")
        started = time.monotonic()
        db.session.commit()
        assert time.monotonic() - started < 0.5
        assert db.session.scalars(select(OutgoingMessage.status)).one().value == "pending"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with app.app_context():
            status = db.session.scalars(select(OutgoingMessage.status)).one().value
            db.session.remove()
        if status == "sent":
            break
        time.sleep(0.1)
    assert status == "sent" and len(gateway.requests) == 1
