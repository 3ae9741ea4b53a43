"""The retention purge erases an organisation's contact person once the organisation is
done with the fair (registered before the cut-off, no credential running after it)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select


def test_the_purge_erases_the_contact_of_organisations_done_with_the_fair(
        app, register, make_resident_id, make_fair_day, sms_outbox):
    from registration.extensions import db
    from registration.models import Organisation, OrganisationSignIn
    from registration.services import booking, organisations, purge
    from registration.services import credentials as credential_service

    done, running = register(), register()
    later = make_fair_day("CNCC", offset=30)
    with app.app_context():
        organisations.issue_sign_in(organisations.find_by_code(done))
        member = credential_service.CredentialInput(
            kind="exhibitor", document=booking.validate_document(
                "cn_resident_id", make_resident_id(), None),
            name="钱七", lang="en", consent_version="test", first_day=later, last_day=later,
            venue=None)
        credential_service.create_credential(
            member, organisation=organisations.find_by_code(running), issued_by="org:test")
        db.session.commit()
        purge.purge(0, today=date.today() + timedelta(days=2))
        db.session.commit()
        rows = {o.code: o for o in db.session.scalars(select(Organisation))}
        assert rows[done].contact_ciphertext is None and rows[done].purged_at is not None
        assert rows[done].contact_name_masked == rows[done].contact_email_masked == "—"
        assert organisations.stored_contact(rows[running])["email"] == "chen.ming@example.com"
        assert rows[running].purged_at is None
        assert db.session.scalars(select(OrganisationSignIn).where(
            OrganisationSignIn.organisation_id == rows[done].id)).all() == []
    # The texts sent to the contact go too; the running organisation's stay.
    assert [m["reference"] for m in sms_outbox()] == [running]
