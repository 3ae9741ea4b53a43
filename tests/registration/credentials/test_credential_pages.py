"""The visitor pages: apply for each kind, the result page, the look-up."""
from __future__ import annotations

import re

import pytest


def _form(number: str, kind: str, **overrides) -> dict:
    data = {"kind": kind, "document_type": "cn_resident_id", "document_number": number,
            "document_country": "", "name": "周九", "phone": "", "email": "zhou@example.com",
            "organisation": "", "title": "", "press_card": "", "option": "", "consent": "y"}
    data.update(overrides)
    return data


def _code(html: str) -> str:
    return re.search(r'id="credential-code">([A-Z0-9]+)<', html).group(1)


def test_the_form_in_both_languages(client, fair):
    english = client.get("/credentials/apply?lang=en&kind=media")
    assert english.status_code == 200
    html = english.get_data(as_text=True)
    assert "Apply for a credential" in html
    assert '<option selected value="media">' in html or 'value="media" selected' in html
    assert f"CNCC|{fair[2].isoformat()}|" in html  # a day with professional places
    chinese = client.get("/credentials/apply?lang=zh").get_data(as_text=True)
    assert "申请证件" in chinese and "专业观众" in chinese


def test_online_through_the_page_is_approved(client, fair, make_resident_id):
    page = client.post("/credentials/apply?lang=en", data=_form(make_resident_id(), "online"))
    assert page.status_code == 201
    html = page.get_data(as_text=True)
    assert 'data-status="approved"' in html and "Online participant" in html
    assert 'id="pass-link"' not in html and _code(html)


def test_professional_through_the_page_shows_its_pass(client, fair, make_resident_id):
    page = client.post("/credentials/apply?lang=zh", data=_form(
        make_resident_id(), "professional", organisation="中关村科技园", title="经理",
        option=f"CNCC|{fair[2].isoformat()}|"))
    assert page.status_code == 201, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    assert 'data-status="approved"' in html and 'id="pass-link"' in html
    assert "专业观众" in html


def test_media_through_the_page_waits_and_the_look_up_shows_it(client, fair,
                                                               make_resident_id):
    number = make_resident_id()
    page = client.post("/credentials/apply?lang=en",
                       data=_form(number, "media", press_card="PC-1"))
    assert page.status_code == 201
    html = page.get_data(as_text=True)
    assert 'data-status="pending"' in html
    code = _code(html)
    looked = client.post("/credentials/lookup?lang=en",
                         data={"code": code, "document_number": number})
    assert looked.status_code == 200 and 'data-status="pending"' in looked.get_data(
        as_text=True)
    wrong = client.post("/credentials/lookup?lang=zh",
                        data={"code": code, "document_number": make_resident_id()})
    assert wrong.status_code == 404 and "找不到" in wrong.get_data(as_text=True)


@pytest.mark.parametrize("kind,missing", [("professional", "Job title"),
                                          ("media", "Press card number")])
def test_missing_fields_are_shown_beside_them(client, fair, make_resident_id, kind, missing):
    page = client.post("/credentials/apply?lang=en", data=_form(make_resident_id(), kind))
    assert page.status_code == 422
    html = page.get_data(as_text=True)
    assert "This field is required" in html and missing in html


def test_the_forms_need_their_csrf_token(make_app, fair, make_resident_id):
    app = make_app(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    assert 'name="csrf_token"' in client.get("/credentials/apply").get_data(as_text=True)
    refused = client.post("/credentials/apply", data=_form(make_resident_id(), "online"))
    assert refused.status_code == 400


def test_a_credentials_pass_page_shows_its_kind_days_and_venues(
        app, client, fair, issue, make_resident_id):
    from sqlalchemy import select

    from registration.extensions import db
    from registration.models import Credential

    code = issue("media", make_resident_id(), fair[0], fair[-1])
    with app.app_context():
        serial = db.session.scalar(select(Credential).where(Credential.code == code)
                                   ).current_pass.serial
    html = client.get(f"/pass/{serial}?lang=en").get_data(as_text=True)
    assert re.search(r'class="kind-tag kind-tag-media" id="pass-kind">Media<', html)
    assert "Every venue" in html and code in html and "Change or cancel" not in html
    assert "See the status of this credential" in html
    chinese = client.get(f"/pass/{serial}?lang=zh").get_data(as_text=True)
    assert ">媒体<" in chinese and "全部场馆" in chinese and "证件编号" in chinese
