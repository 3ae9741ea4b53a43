"""Injection and markup payloads in every text field: stored as text, shown as text."""
from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "Robert'); DROP TABLE appointments;--",
    "' OR '1'='1",
    "{{7*7}}{% raw %}${7*7}",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "javascript:alert(1)",
    "\u202eevil\u202c name",
]


def _decrypted_names(app) -> list[str]:
    from registration.extensions import db
    from registration.models import Appointment
    from registration.services.identity import vault

    with app.app_context():
        return [vault().decrypt(a.name_ciphertext, purpose="name")
                for a in db.session.scalars(select(Appointment).order_by(Appointment.id))]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_names_are_stored_verbatim_and_never_rendered_as_markup(
        app, client, make_fair_day, booking_body, payload):
    day = make_fair_day()
    answer = client.post("/api/v1/appointments", json=booking_body(day, name=payload))
    if "\u202e" in payload:  # a bidi override is a control-class character: refused
        assert answer.status_code == 422
        assert "name" in answer.get_json()["error"]["fields"]
        return
    assert answer.status_code == 201
    assert _decrypted_names(app) == [payload]  # stored as the text it is
    serial = answer.get_json()["pass"]["serial"]
    page = client.get(f"/pass/{serial}").get_data(as_text=True)
    for dangerous in ("<script>alert", "<img src=x", "onerror=alert"):
        assert dangerous not in page
    # Every table is intact after the SQL-looking names.
    assert client.get(f"/api/v1/venues/CNCC/days/{day}").get_json()["booked"] == 1


def test_organisation_and_csv_cells_are_escaped_on_the_result_page(
        app, client, make_fair_day, make_resident_id):
    day = make_fair_day(quota=20)
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["document_type", "document_number", "document_country", "name", "phone",
                     "email"])
    for payload in PAYLOADS[:6]:
        writer.writerow(["cn_resident_id", make_resident_id(), "", payload, "", ""])
    organisation = '<b onmouseover="alert(1)">ACME</b> {{7*7}}'
    form = {"organisation": organisation, "option": f"CNCC|{day.isoformat()}|",
            "consent": "y", "members": (io.BytesIO(rows.getvalue().encode()), "m.csv")}
    response = client.post("/group?lang=en", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "&lt;b onmouseover=" in page and '<b onmouseover="alert(1)">' not in page
    assert "{{7*7}}" in page and "ACME</b> 49" not in page
    assert sorted(_decrypted_names(app)) == sorted(PAYLOADS[:6])
