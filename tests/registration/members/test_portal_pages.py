"""The organisation portal's pages: sign-in link, session, status, members, CSV, passes PDF."""
from __future__ import annotations

import json
import logging
import re
import subprocess
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from membertools import csv_bytes


def _body(response) -> str:
    return response.get_data(as_text=True)


def _link(app, code) -> str:
    from registration.extensions import db
    from registration.services import organisations as organisation_service

    with app.app_context():
        url = organisation_service.issue_sign_in(organisation_service.find_by_code(code))
        db.session.commit()
    return url[url.index("/org/"):]


def test_a_link_signs_in_once_and_a_used_one_offers_a_new_link(app, make_org):
    code = make_org("exhibitor", approve=False)
    client = app.test_client()
    path = _link(app, code)
    page = client.get(path + "?lang=en")
    assert page.status_code == 200 and "Sign in" in _body(page)
    assert page.headers["Cache-Control"] == "private, no-store"
    signed_in = client.post(path)
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/org/")
    home = _body(client.get("/org/"))
    assert "Waiting for review" in home and code in home
    assert "Add a member" not in home
    again = app.test_client().post(path + "?lang=en")
    assert again.status_code == 404
    assert "cannot be used" in _body(again) and 'action="/org/link"' in _body(again)
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        entry, = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "portal_sign_in"))
        assert entry.username == f"org:{code}" and entry.target == code


def test_an_expired_link_is_refused(app, make_org):
    from registration.extensions import db
    from registration.models import OrganisationSignIn

    code = make_org("exhibitor")
    path = _link(app, code)
    with app.app_context():
        for link in db.session.scalars(select(OrganisationSignIn)):
            link.expires_at = link.created_at - timedelta(seconds=1)
        db.session.commit()
    response = app.test_client().post(path + "?lang=zh")
    assert response.status_code == 404 and "登录链接" in _body(response)


def test_without_a_session_the_portal_asks_for_a_link(client):
    response = client.get("/org/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/org/link")
    assert "sign-in link" in _body(client.get("/org/link?lang=en"))


def test_the_session_ends_when_the_session_version_moves_on(app, make_org, sign_in):
    from registration.extensions import db
    from registration.models import Organisation

    code = make_org("exhibitor")
    client = sign_in(code)
    assert client.get("/org/").status_code == 200
    with app.app_context():
        table = Organisation.__table__
        db.session.execute(update(table).where(table.c.code == code).values(
            session_version=table.c.session_version + 1))
        db.session.commit()
    ended = client.get("/org/?lang=en")
    assert ended.status_code == 302 and ended.headers["Location"].endswith("/org/link")
    assert "session has ended" in _body(client.get("/org/link"))
    assert client.get("/org/").status_code == 302  # still ended: a new link is needed
    sign_in(code, client)
    assert client.get("/org/").status_code == 200


def test_sign_out_ends_the_session(make_org, sign_in):
    client = sign_in(make_org("exhibitor"))
    assert "signed out" in _body(client.post("/org/signout?lang=en"))
    assert client.get("/org/").status_code == 302


def test_a_rejected_organisation_sees_the_reason_as_written(app, make_org, sign_in, org_of):
    from registration.extensions import db
    from registration.services import organisations as organisation_service

    code = make_org("exhibitor", approve=False, lang="zh")
    with app.app_context():
        organisation_service.reject(org_of(code), reason="展位面积与合同不符", decided_by="t")
        db.session.commit()
    page = _body(sign_in(code).get("/org/?lang=zh"))
    assert "展位面积与合同不符" in page and "未通过" in page


def test_add_replace_remove_through_the_pages(app, make_org, sign_in, make_resident_id, org_of):
    code = make_org("exhibitor", area=6)
    client = sign_in(code)
    number = make_resident_id()
    form = {"document_type": "cn_resident_id", "document_number": number, "name": "王小明",
            "title": "Manager", "consent": "y"}
    refused = client.post("/org/members/new?lang=en", data={**form, "consent": ""})
    assert refused.status_code == 422 and "agreed" in _body(refused)
    added = client.post("/org/members/new", data=form)
    assert added.status_code == 302
    home = _body(client.get("/org/?lang=en"))
    assert "Badges used: 1 of 2" in home and "Pass issued" in home
    assert number not in home
    with app.app_context():
        member, = org_of(code).members
        old_code = member.code
    twice = client.post("/org/members/new?lang=en", data=form)
    assert twice.status_code == 422 and "already holds" in _body(twice)
    replaced = client.post(f"/org/members/{old_code}/replace", data={
        **form, "document_number": make_resident_id(), "name": "李四"})
    assert replaced.status_code == 302
    with app.app_context():
        old, new = org_of(code).members
        assert (old.status.value, new.status.value) == ("revoked", "approved")
        new_code = new.code
    confirm = client.get(f"/org/members/{new_code}/remove?lang=en")
    assert "Remove the member" in _body(confirm)
    assert client.post(f"/org/members/{new_code}/remove").status_code == 302
    with app.app_context():
        assert org_of(code).badges_used == 0
    assert client.get("/org/members/NOSUCHCODE/remove").status_code == 404


def test_csv_upload_without_javascript(app, make_org, sign_in, make_resident_id):
    code = make_org("exhibitor", area=30)
    client = sign_in(code)
    template = client.get("/org/members/template.csv")
    assert template.data.startswith("\ufeff".encode()) and b"name_latin,title" in template.data
    bad = csv_bytes([f"cn_resident_id,{make_resident_id()},张三",
                     "cn_resident_id,110101199003078031,李四"])
    refused = client.post("/org/members/import?lang=en", data={
        "members": (_file(bad)), "consent": "y"}, content_type="multipart/form-data")
    assert refused.status_code == 422
    page = _body(refused)
    assert "Nobody was added" in page and '<td data-column="document_number">' in page
    assert re.search(r"<td>3</td>", page)
    good = csv_bytes([f"cn_resident_id,{make_resident_id()},张三" for _ in range(3)])
    added = client.post("/org/members/import", data={"members": _file(good), "consent": "y"},
                        content_type="multipart/form-data")
    assert added.status_code == 302 and added.headers["Location"].endswith("added=3")
    assert "3 members were added" in _body(client.get(added.headers["Location"] + "&lang=en"))


def _file(data: bytes):
    import io

    return (io.BytesIO(data), "members.csv", "text/csv")


def _stream(client, data: bytes):
    response = client.post("/org/members/import?lang=en",
                           data={"members": _file(data), "consent": "y"},
                           content_type="multipart/form-data",
                           headers={"Accept": "application/x-ndjson"})
    assert response.mimetype == "application/x-ndjson"
    return [json.loads(line) for line in _body(response).splitlines()]


def test_csv_upload_streams_its_progress(make_org, sign_in, make_resident_id):
    client = sign_in(make_org("media_outlet"))
    steps = _stream(client, csv_bytes([f"cn_resident_id,{make_resident_id()},张三"
                                       for _ in range(4)]))
    assert steps[0]["stage"] == "upload"
    assert [(s["stage"], s["done"]) for s in steps[1:-1]] == [
        ("check", 1), ("check", 2), ("check", 3), ("check", 4),
        ("add", 1), ("add", 2), ("add", 3), ("add", 4)]
    assert steps[-1] == {"stage": "done", "added": 4, "redirect": "/org/?added=4"}
    refused = _stream(client, csv_bytes(["cn_resident_id,110101199003078031,李四"]))
    assert refused[-1]["stage"] == "refused" and "check character" in refused[-1]["html"]


def test_every_pass_in_one_pdf_one_page_each(app, make_org, sign_in, make_resident_id,
                                             tmp_path):
    code = make_org("exhibitor", area=30)
    client = sign_in(code)
    numbers = [make_resident_id() for _ in range(3)]
    client.post("/org/members/import", data={"members": _file(csv_bytes(
        [f"cn_resident_id,{n},张三" for n in numbers])), "consent": "y"},
        content_type="multipart/form-data")
    with app.app_context():
        from registration.services import members

        from registration.models import Organisation
        from registration.extensions import db

        organisation = db.session.scalar(select(Organisation).where(Organisation.code == code))
        members.remove_member(organisation, organisation.members[0])
        db.session.commit()
    response = client.get("/org/passes.pdf")
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition == f'attachment; filename="fairgate-{code}-passes.pdf"'
    path = tmp_path / "passes.pdf"
    path.write_bytes(response.data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"Pages:\s+2\b", info.stdout)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "EXHIBITOR" in text.upper()
    assert not any(n in text for n in numbers)


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True)


def test_every_form_needs_its_csrf_token(csrf_app, make_fair_day, make_resident_id, csrf):
    from registration.extensions import db
    from registration.services import organisations as organisation_service

    make_fair_day("CNCC", offset=1)
    with csrf_app.app_context():
        organisation = organisation_service.register(organisation_service.OrganisationInput(
            name_zh="机构", name_en="Org", kind="media_outlet", country="DEU",
            contact_name="Anna", contact_email="a@example.com", consent=True,
            registration_number="HRB 77"), consent_version="t")
        organisation_service.approve(organisation, decided_by="t")
        url = organisation_service.issue_sign_in(organisation)
        db.session.commit()
    path = url[url.index("/org/"):]
    client = csrf_app.test_client()
    assert client.post(path).status_code == 400  # no token: the link stays unused
    assert client.post(path, data=csrf(client, path)).status_code == 302
    form = {"document_type": "cn_resident_id", "document_number": make_resident_id(),
            "name": "王小明", "consent": "y"}
    assert client.post("/org/members/new", data=form).status_code == 400
    assert client.post("/org/members/new",
                       data={**form, **csrf(client, "/org/members/new")}).status_code == 302
    assert client.post("/org/signout").status_code == 400
    assert client.get("/org/").status_code == 200


def test_no_plain_document_number_in_pages_files_or_logs(app, make_org, sign_in,
                                                         make_resident_id, caplog):
    caplog.set_level(logging.DEBUG)
    code = make_org("exhibitor", area=30)
    client = sign_in(code)
    numbers = [make_resident_id() for _ in range(2)]
    bad = "110101199003078031"
    answers = [client.post("/org/members/import", data={"members": _file(csv_bytes(
        [f"cn_resident_id,{n},张三" for n in [*numbers, bad]])), "consent": "y"},
        content_type="multipart/form-data")]
    answers.append(client.post("/org/members/import", data={"members": _file(csv_bytes(
        [f"cn_resident_id,{n},张三" for n in numbers])), "consent": "y"},
        content_type="multipart/form-data"))
    answers.append(client.get("/org/"))
    answers.append(client.get("/org/passes.pdf"))
    answers.append(client.post("/org/members/new", data={
        "document_type": "cn_resident_id", "document_number": numbers[0], "name": "张三",
        "consent": "y"}))
    for response in answers:
        assert not any(n.encode() in response.data for n in [*numbers, bad])
        assert not any(n in str(response.headers) for n in [*numbers, bad])
    assert not any(n in caplog.text for n in [*numbers, bad])


def test_the_contact_verifies_the_phone_with_a_code_by_sms(app, make_org, sign_in, org_of):
    from pathlib import Path

    code = make_org("exhibitor")
    client = sign_in(code)
    home = _body(client.get("/org/?lang=en"))
    assert "Verify the contact's phone number" in home
    with app.app_context():
        outbox = Path(app.config.get("SMS_OUTBOX") or Path(app.instance_path) / "sms-outbox")
    before = set(outbox.glob("*")) if outbox.exists() else set()
    sent = client.post("/org/phone", data={"send-submit": "1"})
    assert sent.status_code == 302
    new, = set(outbox.glob("*")) - before
    six = re.search(r"\b(\d{6})\b", json.loads(new.read_text())["text"]).group(1)
    other = "000000" if six != "000000" else "111111"
    wrong = client.post("/org/phone?lang=en", data={"code": other})
    assert wrong.status_code == 422 and "wrong" in _body(wrong)
    assert client.post("/org/phone", data={"code": six}).status_code == 302
    with app.app_context():
        assert org_of(code).phone_verified_at is not None
    assert "is verified" in _body(client.get("/org/phone?lang=en"))


def test_public_portal_forms_are_rate_limited(make_app):
    from registration.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_ORG_SIGN_IN_LINK="2/minute",
                   RATELIMIT_LOOKUP="2/minute")
    with app.app_context():
        limiter.reset()
    client = app.test_client()
    asked = [client.post("/org/link", data={"code": "ORG-AAAAAAAA",
                                            "email": "x@example.com"}).status_code
             for _ in range(3)]
    assert asked == [200, 200, 429]
    tried = [client.post(f"/org/signin/guess{n}").status_code for n in range(3)]
    assert tried == [404, 404, 429]
    assert client.get("/org/link").status_code == 200  # reading a page is never limited
