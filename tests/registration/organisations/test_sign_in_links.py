"""One-time portal sign-in links: only a SHA-256 stored, single use, ORG_SIGN_IN_HOURS."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select


def _token(url: str) -> str:
    assert url.startswith("https://fair.example.org/org/signin/")
    return url.rsplit("/", 1)[1]


def test_a_link_is_stored_as_its_hash_and_works_once(app, register):
    from registration.extensions import db
    from registration.models import OrganisationSignIn
    from registration.services import organisations
    from registration.services.errors import NotFound

    code = register()
    with app.app_context():
        organisation = organisations.find_by_code(code)
        token = _token(organisations.issue_sign_in(organisation))
        db.session.commit()
        stored = db.session.scalars(select(OrganisationSignIn.token_hash)).all()
        assert hashlib.sha256(token.encode()).hexdigest() in stored
        assert all(token not in value for value in stored)
        assert organisations.consume_sign_in(token).code == code
        db.session.commit()
        with pytest.raises(NotFound) as used:
            organisations.consume_sign_in(token)
        assert used.value.code == "sign_in_invalid"


def test_a_link_runs_out_after_the_configured_hours(app, register):
    from registration.extensions import db
    from registration.services import organisations
    from registration.services.calendar import utc_now
    from registration.services.errors import NotFound

    code = register()
    app.config["ORG_SIGN_IN_HOURS"] = 2
    with app.app_context():
        organisation = organisations.find_by_code(code)
        issued = utc_now()
        token = _token(organisations.issue_sign_in(organisation, now=issued))
        db.session.commit()
        with pytest.raises(NotFound):
            organisations.consume_sign_in(token, now=issued + timedelta(hours=2, seconds=1))
        assert organisations.consume_sign_in(
            token, now=issued + timedelta(hours=1, minutes=59)).code == code


def test_an_unknown_link_is_the_same_answer(app, register):
    from registration.services import organisations
    from registration.services.errors import NotFound

    register()
    with app.app_context():
        with pytest.raises(NotFound) as caught:
            organisations.consume_sign_in("not-a-token")
        assert caught.value.code == "sign_in_invalid"


def test_the_registration_mail_link_is_a_live_one(app, register, outbox):
    import re

    from registration.services import organisations

    code = register()
    text = outbox()[0].get_body(("plain",)).get_content()
    token = re.search(r"/org/signin/([A-Za-z0-9_-]+)", text).group(1)
    with app.app_context():
        assert organisations.consume_sign_in(token).code == code


def test_default_badge_quota_follows_the_setting(app):
    from registration.services.organisations import default_badge_quota

    with app.app_context():
        assert [default_badge_quota(area) for area in (1, 3, 9, 10.5, 11.9, 12)] == \
            [1, 1, 3, 3, 3, 4]
        app.config["EXHIBITOR_M2_PER_BADGE"] = 4.5
        assert default_badge_quota(9) == 2
