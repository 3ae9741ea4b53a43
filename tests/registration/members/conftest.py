"""Builders for the organisation portal's tests: fair days, approved organisations, a
signed-in portal client, member list files."""
from __future__ import annotations

import itertools
import re

import pytest
from sqlalchemy import select

_numbers = itertools.count(1)


@pytest.fixture
def fair(make_fair_day):
    """Three fair days at CNCC (tomorrow on) and one at SHOUGANG: the dates."""
    days = [make_fair_day("CNCC", offset=offset, quota=50) for offset in (1, 2, 3)]
    make_fair_day("SHOUGANG", offset=2, quota=50)
    return days


@pytest.fixture
def make_org(app, fair):
    """``make_org(kind="exhibitor", area=9, approve=True, quota=None, lang="en")`` -> code.
    Foreign organisations (registration number), the stand at CNCC."""
    from registration.extensions import db
    from registration.services import organisations as organisation_service

    def build(kind: str = "exhibitor", area: float = 9.0, approve: bool = True,
              quota: int | None = None, lang: str = "en", email: str = "contact@example.com"):
        number = next(_numbers)
        stand = organisation_service.Stand("CNCC", "E1", area) if kind == "exhibitor" else None
        with app.app_context():
            organisation = organisation_service.register(organisation_service.OrganisationInput(
                name_zh=f"测试机构{number}", name_en=f"Test Organisation {number}", kind=kind,
                country="DEU", contact_name="Anna Schmidt", contact_email=email, consent=True,
                contact_phone="+49 30 1234567", registration_number=f"HRB {number}0001",
                stand=stand, lang=lang), consent_version="test")
            if approve:
                organisation_service.approve(organisation, badge_quota=quota,
                                             decided_by="test")
            db.session.commit()
            return organisation.code

    return build


@pytest.fixture
def org_of(app):
    """``org_of(code)`` -> the Organisation (call inside an app context)."""
    from registration.extensions import db
    from registration.models import Organisation

    def get(code: str):
        return db.session.scalar(select(Organisation).where(Organisation.code == code))

    return get


@pytest.fixture
def member(make_resident_id):
    """``member(number=None, **fields)`` -> a services.members.MemberInput."""
    from registration.services.members import MemberInput

    def build(number: str | None = None, **fields):
        values = {"document_type": "cn_resident_id", "document_number": number or
                  make_resident_id(), "document_country": None, "name": "王小明"}
        values.update(fields)
        return MemberInput(**values)

    return build


@pytest.fixture
def sign_in(app):
    """``sign_in(code, client=None)`` -> a test client signed in to the portal."""
    from registration.extensions import db
    from registration.services import organisations as organisation_service

    def build(code: str, client=None):
        client = client or app.test_client()
        with app.app_context():
            url = organisation_service.issue_sign_in(organisation_service.find_by_code(code))
            db.session.commit()
        path = url[url.index("/org/"):]
        response = client.post(path, data=_csrf(client, path))
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return build


def _csrf(client, path: str) -> dict:
    """The CSRF token of the form at ``path`` (empty when CSRF is off)."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    return {"csrf_token": found.group(1)} if found else {}


@pytest.fixture
def csrf():
    return _csrf
