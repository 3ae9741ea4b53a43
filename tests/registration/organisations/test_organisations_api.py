"""POST /api/v1/organisations and /api/v1/organisations/sign-in-link (SQLite and
PostgreSQL): registration, a 422 naming each field, one organisation per USCC, foreign
organisations, the contact's email and SMS."""
from __future__ import annotations

import pytest

SAMPLE_USCC = "91350100M000100Y43"  # the commonly published valid example


def test_an_exhibitor_registers_pending_and_its_contact_gets_a_sign_in_link(
        app, client, org_body, venue, outbox, organisation):
    response = client.post("/api/v1/organisations", json=org_body(uscc=SAMPLE_USCC))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()["organisation"]
    assert data["status"] == "pending" and data["code"].startswith("ORG-")
    org = organisation(data["code"])
    assert org.uscc == SAMPLE_USCC and org.stand_area_m2 == 9 and org.badge_quota is None
    assert org.contact_name_masked == "陈*" and "chen.ming" not in org.contact_email_masked
    (mail,) = outbox()
    assert mail["To"] == "chen.ming@example.com" and data["code"] in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "待审核" in body and "https://fair.example.org/org/signin/" in body


def test_registration_is_audited_with_masked_contact(app, register):
    from sqlalchemy import select

    from registration.extensions import db
    from registration.models import AuditEntry

    code = register()
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(
            AuditEntry.action == "organisation_registered"))
        assert entry.target == code
        assert "陈明" not in str(entry.details) and "chen.ming" not in str(entry.details)


def test_the_sign_in_link_is_sent_in_english_when_asked(client, org_body, venue, outbox):
    body = org_body(lang="en")
    assert client.post("/api/v1/organisations", json=body).status_code == 201
    (mail,) = outbox()
    text = mail.get_body(("plain",)).get_content()
    assert "waiting for review" in text and "registered" in mail["Subject"]


def test_one_organisation_per_uscc(client, org_body, venue):
    first = client.post("/api/v1/organisations", json=org_body(uscc=SAMPLE_USCC))
    assert first.status_code == 201
    again = client.post("/api/v1/organisations", json=org_body(
        uscc=SAMPLE_USCC.lower(), name={"zh": "另一家", "en": "Another"}))
    assert again.status_code == 409
    answer = again.get_json()["error"]
    assert answer["code"] == "organisation_exists" and "uscc" in answer["fields"]
    assert "SQL" not in str(answer) and "UNIQUE" not in str(answer).upper()


def test_the_unique_index_refuses_a_second_registration_in_a_transaction(app, venue):
    """No look-up before the insert: the unique index itself answers, so two registrations
    racing each other end as one 201 and one 409."""
    from registration.extensions import db
    from registration.models import Organisation
    from registration.services import organisations
    from registration.services.errors import Conflict

    data = organisations.OrganisationInput(
        name_zh="甲", name_en="A", kind="media_outlet", country="CHN", uscc=SAMPLE_USCC,
        contact_name="陈明", contact_email="a@example.com", consent=True)
    with app.app_context():
        kept = organisations.register(data, consent_version="v1")
        with pytest.raises(Conflict) as caught:
            organisations.register(data, consent_version="v1")
        assert caught.value.code == "organisation_exists"
        db.session.commit()  # the first is intact: only the savepoint was rolled back
        assert db.session.query(Organisation).one().code == kept.code


def test_a_foreign_organisation_gives_a_registration_number(
        client, org_body, venue, organisation):
    response = client.post("/api/v1/organisations", json=org_body(
        country="DEU", uscc=None, registration_number="HRB 123456", kind="media_outlet",
        stand=None))
    assert response.status_code == 201, response.get_json()
    org = organisation(response.get_json()["organisation"]["code"])
    assert org.uscc is None and org.registration_number == "HRB 123456"
    assert org.country == "DEU" and org.stand_venue_id is None


@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"uscc": "91350100M000100Y4"}, "uscc", "invalid_uscc_length"),
    ({"uscc": "91350100M000100I43"}, "uscc", "invalid_uscc_character"),
    ({"uscc": "B1350100M000100Y43"}, "uscc", "invalid_uscc_authority"),
    ({"uscc": "95350100M000100Y43"}, "uscc", "invalid_uscc_category"),
    ({"uscc": "91990100M000100Y43"}, "uscc", "invalid_uscc_division"),
    ({"uscc": "91350100M000100Y53"}, "uscc", "invalid_uscc_organisation_code"),
    ({"uscc": "91350100M000100Y44"}, "uscc", "invalid_uscc_check_character"),
    ({"uscc": None}, "uscc", "uscc_required"),
    ({"country": "DEU"}, "uscc", "uscc_mainland_only"),
    ({"country": "DEU", "uscc": None}, "registration_number", "number_required"),
    ({"country": "XXX"}, "country", None),
    ({"kind": "bank"}, "kind", None),
    ({"name": {"zh": "甲", "en": ""}}, "name.en", None),
    ({"name": {"en": "A"}}, "name.zh", None),
    ({"contact": {"name": "陈明", "phone": None}}, "contact.email", None),
    ({"contact": {"name": "", "email": "a@example.com"}}, "contact.name", None),
    ({"contact": {"name": "陈明", "email": "a@example.com", "phone": "12"}},
     "contact.phone", None),
    ({"stand": None}, "stand", "stand_required"),
    ({"kind": "organisation"}, "stand", "stand_exhibitors_only"),
    ({"stand": {"venue": "NOWHERE", "hall": "A", "area_m2": 9}}, "stand.venue",
     "unknown_venue"),
    ({"stand": {"venue": "CNCC", "hall": "", "area_m2": 9}}, "stand.hall", None),
    ({"stand": {"venue": "CNCC", "hall": "A", "area_m2": 0}}, "stand.area_m2", None),
    ({"stand": {"venue": "CNCC", "hall": "A", "area_m2": "nine"}}, "stand.area_m2", None),
    ({"consent": False}, "consent", None),
    ({"lang": "fr"}, "lang", None),
    ({"extra": 1}, "extra", None),
])
def test_each_bad_field_is_422_naming_it_in_both_languages(
        client, org_body, venue, overrides, field, code):
    for lang in ("zh", "en"):
        response = client.post("/api/v1/organisations", json=org_body(**overrides),
                               headers={"Accept-Language": lang})
        assert response.status_code == 422, response.get_json()
        answer = response.get_json()["error"]
        assert field in answer["fields"], answer
        if code:
            assert answer["code"] == code
    if code and code.startswith("invalid_uscc"):
        assert overrides["uscc"] not in str(answer)  # the typed code is never echoed


def test_uscc_messages_are_chinese_or_english_by_language(client, org_body, venue):
    body = org_body(uscc="91350100M000100Y44")
    zh = client.post("/api/v1/organisations", json={**body, "lang": "zh"}).get_json()["error"]
    en = client.post("/api/v1/organisations", json={**body, "lang": "en"}).get_json()["error"]
    assert "校验位" in zh["fields"]["uscc"] and "check character" in en["fields"]["uscc"]


def test_a_new_sign_in_link_is_202_whatever_was_asked(client, register, outbox, organisation):
    code = register()
    answers = []
    for asked in ({"code": code, "email": "CHEN.MING@example.com"},
                  {"code": code, "email": "someone@example.com"},
                  {"code": "ORG-NOTHERE", "email": "chen.ming@example.com"}):
        response = client.post("/api/v1/organisations/sign-in-link", json=asked)
        assert response.status_code == 202
        answers.append(response.get_json())
    assert answers[0] == answers[1] == answers[2]
    mails = outbox()
    assert len(mails) == 2  # the registration's, and the one matching request's
    assert "/org/signin/" in mails[1].get_body(("plain",)).get_content()


def test_the_contact_gets_an_sms_when_a_phone_is_given(app, register):
    from sqlalchemy import select

    from registration.extensions import db
    from registration.models import OutgoingMessage

    code = register()
    register(contact={"name": "李雷", "email": "li@example.com", "phone": None})
    with app.app_context():
        messages = list(db.session.scalars(select(OutgoingMessage)))
        assert [message.ref for message in messages] == [code]


def test_registering_and_asking_for_links_are_rate_limited(
        make_app, make_fair_day, org_body, tmp_path):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_ORGANISATIONS="2/minute",
                   RATELIMIT_ORG_SIGN_IN_LINK="2/minute", MAIL_OUTBOX=str(tmp_path / "mail"))
    make_fair_day("CNCC", offset=1)  # after the app: building one empties the tables
    with app.app_context():
        from registration.extensions import limiter

        limiter.reset()
    client = app.test_client()
    registered = [client.post("/api/v1/organisations", json=org_body()).status_code
                  for _ in range(3)]
    assert registered == [201, 201, 429]
    asked = [client.post("/api/v1/organisations/sign-in-link", json={
        "code": "ORG-AAAAAAAA", "email": "a@example.com"}).status_code for _ in range(3)]
    assert asked == [202, 202, 429]
