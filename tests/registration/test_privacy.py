"""Document numbers never rest in plain text: not in the database, logs or answers."""
from __future__ import annotations

import logging
import subprocess
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

NUMBER = "44011320141005001X"
NAME = "欧阳娜娜"


def _raw_database_bytes(app, backend) -> bytes:
    from registration.extensions import db

    with app.app_context():
        url = db.engine.url
        db.session.remove()
        db.engine.dispose()
    if backend == "sqlite":
        data = b""
        for suffix in ("", "-wal"):  # recent writes may still sit in the WAL file
            try:
                with open(url.database + suffix, "rb") as handle:
                    data += handle.read()
            except FileNotFoundError:
                pass
        return data
    dump = subprocess.run(
        ["pg_dump", "--data-only", "-h", url.host, "-p", str(url.port or 5432),
         "-U", url.username, url.database], capture_output=True, check=True)
    return dump.stdout


def test_number_and_name_are_not_stored_in_plain_text(app, client, backend, make_fair_day,
                                                      booking_body, caplog):
    caplog.set_level(logging.DEBUG)
    day = make_fair_day()
    body = booking_body(day, number=NUMBER, name=NAME)
    answer = client.post("/api/v1/appointments", json=body)
    assert answer.status_code == 201
    code = answer.get_json()["appointment"]["code"]
    # Look-ups, a wrong look-up and a duplicate booking all leave traces in logs, if any.
    client.post("/api/v1/appointments/lookup", json={"code": code, "document_number": NUMBER})
    client.post("/api/v1/appointments/lookup", json={"code": "WRONGCOD", "document_number": NUMBER})
    duplicate = client.post("/api/v1/appointments", json=body)
    assert duplicate.status_code == 409
    assert NUMBER not in duplicate.get_data(as_text=True)

    raw = _raw_database_bytes(app, backend)
    assert raw, "the database dump is empty: the test would prove nothing"
    assert code.encode() in raw  # the dump does hold the booking ...
    for secret in (NUMBER, NUMBER.lower(), NUMBER[:17], NAME):
        assert secret.encode() not in raw  # ... but not the number or the full name
    assert NUMBER not in caplog.text and NAME not in caplog.text


def test_bad_number_is_not_echoed_in_errors_or_logs(client, make_fair_day, booking_body, caplog):
    caplog.set_level(logging.DEBUG)
    day = make_fair_day()
    response = client.post("/api/v1/appointments",
                           json=booking_body(day, number="360426199101010072"))
    assert response.status_code == 422
    assert "360426199101010072" not in response.get_data(as_text=True)
    assert "360426199101010072" not in caplog.text


def test_pass_urls_carry_no_document_data(client, make_fair_day, booking_body):
    day = make_fair_day()
    body = client.post("/api/v1/appointments", json=booking_body(day, number=NUMBER)).get_json()
    for fmt in ("png", "svg", "pdf"):
        path = urlsplit(body["pass"][fmt]).path
        assert NUMBER not in path and NUMBER[-4:] not in path


def test_consent_text_version_and_time_are_recorded(app, client, make_fair_day, booking_body):
    from registration.extensions import db
    from registration.models import Appointment

    day = make_fair_day()
    client.post("/api/v1/appointments", json=booking_body(day))
    with app.app_context():
        appointment = db.session.scalar(select(Appointment))
        assert appointment.consent_version == app.config["CONSENT_VERSION"]
        assert appointment.consented_at.tzinfo is not None


def test_purge_erases_identity_data_of_past_days(app, client, make_fair_day, booking_body):
    from registration.extensions import db
    from registration.models import Appointment

    day = make_fair_day(offset=1)
    body = client.post("/api/v1/appointments", json=booking_body(day, number=NUMBER)).get_json()
    # Seen from 40 days after the fair day, the 30-day retention has run out.
    with app.app_context():
        from registration.services.purge import purge_identity_data

        assert purge_identity_data(30, today=day + timedelta(days=29)) == 0
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["purge", "--older-than", "30"])
    assert result.exit_code == 0 and "0 appointment" in result.output  # today: nothing old
    with app.app_context():
        assert purge_identity_data(30, today=day + timedelta(days=40)) == 1
        db.session.commit()
        appointment = db.session.scalar(select(Appointment))
        assert appointment.document_ciphertext is None and appointment.document_index is None
        assert appointment.name_ciphertext is None and appointment.contact_ciphertext is None
        assert appointment.document_masked == "—" and appointment.purged_at is not None
    lookup = client.post("/api/v1/appointments/lookup",
                         json={"code": body["appointment"]["code"], "document_number": NUMBER})
    assert lookup.status_code == 404
