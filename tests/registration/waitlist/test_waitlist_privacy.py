"""The document number is never stored, mailed or audited in plain text by the waiting list."""
from __future__ import annotations

from sqlalchemy import text


def test_no_plain_number_in_the_table_the_mail_or_the_audit(app, full_day, join, cancel,
                                                            outbox, offer_tokens,
                                                            make_resident_id):
    from registration.extensions import db

    day, booked = full_day(quota=1)
    number = make_resident_id()
    join(day, number=number, email="p@example.com")
    cancel(*booked[0])
    token = offer_tokens()["p@example.com"][0]
    assert app.test_client().post(f"/api/v1/waitlist/offers/{token}/accept",
                                  json={}).status_code == 201
    with app.app_context():
        rows = db.session.execute(text("SELECT * FROM waitlist_entries")).all()
        audit = db.session.execute(text("SELECT * FROM audit_entries")).all()
    dumped = repr(rows) + repr(audit)
    assert number not in dumped and number[:14] not in dumped
    assert token not in dumped  # only its hash is kept
    assert "李四" not in repr(rows)  # the name is ciphertext; its masked form is 李*
    for message in outbox():
        assert number not in message.as_string()
        assert number[-4:] in message.get_body(("plain",)).get_content()  # masked form


def test_the_offer_and_its_outcome_are_audited(app, full_day, join, cancel, offer_tokens):
    from registration.extensions import db
    from registration.models import AuditEntry

    day, booked = full_day(quota=1)
    join(day, email="p@example.com")
    cancel(*booked[0])
    token = offer_tokens()["p@example.com"][0]
    app.test_client().post(f"/api/v1/waitlist/offers/{token}/accept", json={})
    with app.app_context():
        actions = [entry.action.value for entry in
                   db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions == ["waitlist_offered", "waitlist_accepted"]


def test_the_retention_purge_removes_the_waiting_list_of_past_days(app, full_day, join):
    from datetime import timedelta

    from registration.extensions import db
    from registration.models import WaitlistEntry
    from registration.services.purge import purge

    day, _ = full_day(quota=1)
    join(day)
    with app.app_context():
        purge(30, today=day + timedelta(days=29))
        db.session.commit()
        assert db.session.query(WaitlistEntry).count() == 1  # not yet past the cut-off
        purge(30, today=day + timedelta(days=31))
        db.session.commit()
        assert db.session.query(WaitlistEntry).count() == 0
