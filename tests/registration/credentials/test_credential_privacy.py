"""Identity data of credentials: never in plain text (database, logs, answers, SMS and
mail stores aside from what the applicant asked for), and erased by the purge."""
from __future__ import annotations

import logging

from sqlalchemy import select

from tests.registration.test_privacy import _raw_database_bytes

NUMBER = "440113198802140028"
PHONE = "+86 139 1234 5678"
NAME = "司马相如"
PRESS = "PRESS-778899"


def test_nothing_personal_is_stored_in_plain_text(app, client, backend, fair, apply_body,
                                                  caplog):
    caplog.set_level(logging.DEBUG)
    body = apply_body("media", number=None, press_card=PRESS, phone=PHONE, name=NAME,
                      document={"type": "cn_resident_id", "number": NUMBER})
    answer = client.post("/api/v1/credentials", json=body)
    assert answer.status_code == 201, answer.get_json()
    code = answer.get_json()["credential"]["code"]
    client.post("/api/v1/credentials/lookup", json={"code": code, "document_number": NUMBER})
    again = client.post("/api/v1/credentials", json=body)
    assert again.status_code == 409 and NUMBER not in again.get_data(as_text=True)
    professional = apply_body("professional", name=NAME, phone=PHONE,
                              date=fair[2].isoformat())
    assert client.post("/api/v1/credentials", json=professional).status_code == 201

    raw = _raw_database_bytes(app, backend)
    assert code.encode() in raw
    for secret in (NUMBER, NUMBER[:17], NAME, PRESS, "1234 5678", "12345678",
                   professional["document"]["number"]):
        assert secret.encode() not in raw, secret
    for secret in (NUMBER, NAME, PRESS, professional["document"]["number"]):
        assert secret not in caplog.text


def test_purge_erases_credentials_past_their_last_day(app, fair, issue, make_resident_id):
    from registration.actions import retention
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.extensions import db
    from registration.models import Credential
    from registration.services import credentials as service

    ended = issue("guest", make_resident_id(), fair[0], fair[0], venue="CNCC")
    running = issue("guest", make_resident_id(), fair[0], fair[2], venue="CNCC")
    with app.test_request_context():
        with unit_of_work():
            retention.purge(Actor.operator(), older_than_days=0)  # cut-off: today
        erased = db.session.scalar(select(Credential).where(Credential.code == ended))
        kept = db.session.scalar(select(Credential).where(Credential.code == running))
        assert erased.purged_at is not None and erased.document_ciphertext is None
        assert erased.name_ciphertext is None and erased.contact_ciphertext is None
        assert erased.document_masked == "—" and erased.name_masked == "—"
        assert erased.carrier.document_ciphertext is None  # its carrier's day is past too
        assert kept.purged_at is None and service.stored_name(kept) == "钱七"
        # The carrier of the running one sits on a past day but is kept with it.
        assert kept.carrier.document_ciphertext is not None
        assert kept.carrier.name_masked != "—"
