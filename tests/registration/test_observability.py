"""Operators' view: readiness, metrics, request ids and JSON logs without identity data."""
from __future__ import annotations

import json
import logging

from registration.observability import JsonFormatter, RequestIdFilter


def test_readyz_checks_database_schema_and_keys(client):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.get_json()["checks"] == {"database": "ok", "schema": "current",
                                           "rate_limit_store": "memory", "keys": "ok"}


def test_readyz_fails_when_redis_is_configured_but_unreachable(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    answer = app.test_client().get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["checks"]["rate_limit_store"] == "unreachable"


def test_metrics_count_bookings_and_requests(client, make_fair_day, booking_body):
    day = make_fair_day(quota=1)
    client.post("/api/v1/appointments", json=booking_body(day))
    client.post("/api/v1/appointments", json=booking_body(day))
    text = client.get("/metrics").get_data(as_text=True)
    assert 'fairgate_bookings_total{outcome="booked"}' in text
    assert 'fairgate_bookings_total{outcome="quota_full"}' in text
    assert 'fairgate_request_seconds_count{endpoint="/api/v1/appointments",method="POST",' \
           'status="201"}' in text


def test_request_id_is_echoed_or_made(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers[
        "X-Request-ID"] == "abc-123"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"})
    assert len(made.headers["X-Request-ID"]) == 32


def test_json_logs_carry_the_request_id_and_no_document_number(make_app, make_fair_day,
                                                               booking_body, capsys):
    app = make_app(LOG_JSON=True, LOG_REQUESTS=True)
    day = make_fair_day()
    number = "11010119900307803X"
    try:
        response = app.test_client().post("/api/v1/appointments",
                                          json=booking_body(day, number=number),
                                          headers={"X-Request-ID": "req-42"})
        assert response.status_code == 201
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()
                 if line.startswith("{")]
    finally:
        logging.getLogger().handlers[:] = []
    access = [line for line in lines if line["message"].startswith("POST /api/v1/appointments")]
    assert access and access[0]["request_id"] == "req-42" and access[0]["level"] == "INFO"
    assert all(number not in json.dumps(line) for line in lines)


def test_json_formatter_outside_a_request():
    record = logging.LogRecord("fairgate", logging.WARNING, __file__, 1, "hello %s", ("x",),
                               None)
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["message"] == "hello x"


def test_bookings_go_on_when_the_rate_limit_store_is_down(make_app, make_fair_day,
                                                          booking_body):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1")
    day = make_fair_day()
    response = app.test_client().post("/api/v1/appointments", json=booking_body(day))
    assert response.status_code == 201
