"""/org/register: the public form (zh/en, CSRF), the same registration as the API."""
from __future__ import annotations

import pytest


def _form(uscc: str, **overrides) -> dict:
    data = {"kind": "exhibitor", "name_zh": "北京示例科技有限公司",
            "name_en": "Beijing Example Technology Co., Ltd.", "country": "CHN",
            "uscc": uscc, "registration_number": "", "contact_name": "陈明",
            "contact_phone": "+86 138 0013 8000", "contact_email": "chen.ming@example.com",
            "stand_venue": "CNCC", "stand_hall": "A2", "stand_area_m2": "9", "consent": "y"}
    data.update(overrides)
    return data


def test_the_form_in_both_languages(client, venue):
    zh = client.get("/org/register?lang=zh").get_data(as_text=True)
    en = client.get("/org/register?lang=en").get_data(as_text=True)
    assert "统一社会信用代码" in zh and "Unified social credit code" in en
    assert 'name="viewport"' in en and 'autocomplete="tel"' in en
    assert '<option value="CNCC"' in en


def test_registering_by_the_form(client, venue, make_uscc, outbox, organisation):
    page = client.post("/org/register?lang=en", data=_form(make_uscc()))
    assert page.status_code == 201
    text = page.get_data(as_text=True)
    code = text.split("data-code>")[1].split("<")[0]
    org = organisation(code)
    assert org.lang == "en" and org.stand_hall == "A2" and org.status.value == "pending"
    (mail,) = outbox()
    assert "/org/signin/" in mail.get_body(("plain",)).get_content()


def test_a_foreign_institution_by_the_form(client, venue, organisation):
    page = client.post("/org/register", data=_form(
        "", kind="organisation", country="gbr", registration_number="12345678",
        stand_venue="", stand_hall="", stand_area_m2=""))
    assert page.status_code == 201, page.get_data(as_text=True)
    code = page.get_data(as_text=True).split("data-code>")[1].split("<")[0]
    assert organisation(code).registration_number == "12345678"


@pytest.mark.parametrize(("overrides", "message"), [
    ({"uscc": "91350100M000100Y44"}, "The check character (character 18) does not match"),
    ({"uscc": ""}, "A mainland organisation gives its unified social credit code"),
    ({"stand_venue": "", "stand_hall": "", "stand_area_m2": ""},
     "An exhibitor gives its stand"),
    ({"stand_area_m2": "0"}, "Enter the area in m²"),
    ({"contact_email": ""}, "Enter an email address"),
    ({"consent": ""}, "Please tick the box to agree"),
])
def test_mistakes_are_shown_beside_their_fields(client, venue, overrides, message):
    page = client.post("/org/register?lang=en",
                       data=_form(**{"uscc": "91350100M000100Y43", **overrides}))
    assert page.status_code in (409, 422)
    text = page.get_data(as_text=True)
    assert message in text and 'class="error-summary"' in text


def test_a_registered_uscc_is_refused(client, venue):
    assert client.post("/org/register", data=_form("91350100M000100Y43")).status_code == 201
    again = client.post("/org/register?lang=en", data=_form("91350100M000100Y43"))
    assert again.status_code == 409
    assert "already registered" in again.get_data(as_text=True)


def test_the_form_needs_its_csrf_token(make_app, venue, tmp_path):
    app = make_app(WTF_CSRF_ENABLED=True, MAIL_OUTBOX=str(tmp_path / "csrf"))
    client = app.test_client()
    assert 'name="csrf_token"' in client.get("/org/register").get_data(as_text=True)
    assert client.post("/org/register", data=_form("91350100M000100Y43")).status_code == 400
