"""/staff/review: who may open it, the waiting lists, approve (badge quota), reject (a
reason, required), bulk approval, the audit and the applicant's mails (SQLite and
PostgreSQL)."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select


def _audit(app, action: str) -> list:
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


@pytest.mark.parametrize(("role", "venue_code", "expected"), [
    (None, None, 302), ("desk", "CNCC", 403), ("supervisor", "CNCC", 200), ("admin", None, 200),
])
def test_only_supervisors_and_admins_review(app, staff_client, register, role, venue_code,
                                            expected):
    code = register()
    client = staff_client(role, venue_code) if role else app.test_client()
    page = client.get("/staff/review")
    assert page.status_code == expected
    decided = client.post(f"/staff/review/organisations/{code}/approve", data={})
    assert decided.status_code == (expected if expected != 200 else 302)
    bulk = client.post("/staff/review/approve", data={"organisation": code})
    assert bulk.status_code in ((expected,) if expected != 200 else (302, 422))
    assert bool(_audit(app, "organisation_approved")) is (expected == 200)


def test_the_navigation_links_the_review_for_managers_only(staff_client):
    assert 'href="/staff/review"' in staff_client("supervisor", "CNCC").get(
        "/staff/review").get_data(as_text=True)
    desk_page = staff_client("desk", "CNCC").get("/staff/desk/CNCC")
    assert 'href="/staff/review"' not in desk_page.get_data(as_text=True)


def test_waiting_organisations_oldest_first_and_filtered_by_kind(staff_client, register):
    first = register()
    media = register(kind="media_outlet", stand=None)
    client = staff_client("admin")
    page = client.get("/staff/review?lang=en").get_data(as_text=True)
    assert page.index(first) < page.index(media)
    assert "陈*" in page and "chen.ming@example.com" not in page
    filtered = client.get("/staff/review?kind=media_outlet").get_data(as_text=True)
    assert media in filtered and f'data-organisation="{first}"' not in filtered
    assert 'value="3"' in page  # the exhibitor's default quota, 9 m² / 3


def test_approving_an_exhibitor_sets_its_quota_audits_and_mails(app, staff_client, register,
                                                                outbox, organisation):
    code = register(lang="en")
    client = staff_client("supervisor", "CNCC")
    answer = client.post(f"/staff/review/organisations/{code}/approve",
                         data={"badge_quota": "5"})
    assert answer.status_code == 302
    org = organisation(code)
    assert org.status.value == "approved" and org.badge_quota == 5
    assert org.decided_by == "supervisor-cncc"
    (entry,) = _audit(app, "organisation_approved")
    assert entry.target == code and json.loads(entry.details)["badge_quota"] == 5
    mail = outbox()[-1]
    assert "approved" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert "badge quota: 5" in text and "/org/signin/" in text
    assert code not in client.get("/staff/review").get_data(as_text=True).split("<h2")[1]


def test_the_default_quota_when_none_is_typed(staff_client, register, organisation):
    code = register(stand={"venue": "CNCC", "hall": "B1", "area_m2": 18})
    staff_client("admin").post(f"/staff/review/organisations/{code}/approve", data={})
    assert organisation(code).badge_quota == 6


def test_a_negative_quota_is_refused_beside_its_field(staff_client, register, organisation):
    code = register()
    page = staff_client("admin").post(f"/staff/review/organisations/{code}/approve",
                                      data={"badge_quota": "-1", "lang": "en"})
    assert page.status_code == 422
    assert organisation(code).status.value == "pending"


def test_a_rejection_needs_a_reason_shown_as_typed(app, staff_client, register, outbox,
                                                   organisation):
    code = register()
    client = staff_client("admin")
    missing = client.post(f"/staff/review/organisations/{code}/reject", data={"reason": " "})
    assert missing.status_code == 422 and organisation(code).status.value == "pending"
    reason = "展位申请材料不完整，请补充营业执照 2 页"
    assert client.post(f"/staff/review/organisations/{code}/reject",
                       data={"reason": reason}).status_code == 302
    org = organisation(code)
    assert org.status.value == "rejected" and org.decision_reason == reason
    assert _audit(app, "organisation_rejected")[0].target == code
    mail = outbox()[-1]
    assert "未通过" in mail["Subject"] and reason in mail.get_body(("plain",)).get_content()


def test_a_decided_organisation_is_not_decided_again(staff_client, register, organisation):
    code = register()
    client = staff_client("admin")
    client.post(f"/staff/review/organisations/{code}/reject", data={"reason": "No"})
    again = client.post(f"/staff/review/organisations/{code}/approve", data={})
    assert again.status_code == 409 and organisation(code).status.value == "rejected"


def test_bulk_approval_approves_the_ticked_ones_and_names_the_decided(
        app, staff_client, register, organisation):
    codes = [register(), register(kind="organisation", stand=None), register()]
    client = staff_client("admin")
    client.post(f"/staff/review/organisations/{codes[2]}/reject", data={"reason": "Dup"})
    answer = client.post("/staff/review/approve", data={"organisation": codes},
                         follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and codes[2] in page
    assert [organisation(code).status.value for code in codes] == \
        ["approved", "approved", "rejected"]
    assert organisation(codes[0]).badge_quota == 3 and organisation(codes[1]).badge_quota is None
    assert len(_audit(app, "organisation_approved")) == 2


def test_nothing_ticked_is_a_message(staff_client, register):
    register()
    assert staff_client("admin").post("/staff/review/approve", data={}).status_code == 422


def test_the_decision_reaches_the_contact_by_sms(app, staff_client, register):
    from registration.extensions import db
    from registration.models import OutgoingMessage
    from registration.services.identity import vault

    code = register()
    staff_client("admin").post(f"/staff/review/organisations/{code}/reject",
                               data={"reason": "资料不全"})
    with app.app_context():
        texts = [vault().decrypt(message.text_ciphertext, purpose="sms_text")
                 for message in db.session.scalars(select(OutgoingMessage).order_by(
                     OutgoingMessage.id))]
    assert len(texts) == 2 and "资料不全" in texts[1] and code in texts[1]


def _pending_media_credential(client, make_resident_id) -> str:
    answer = client.post("/api/v1/credentials", json={
        "kind": "media", "document": {"type": "cn_resident_id", "number": make_resident_id()},
        "name": "王记者", "press_card": "B11012345", "email": "press@example.com",
        "consent": True, "lang": "zh"})
    assert answer.status_code == 201, answer.get_json()
    credential = answer.get_json()["credential"]
    assert credential["status"] == "pending"
    return credential["code"]


def test_credential_applications_are_reviewed_on_the_same_page(
        app, client, staff_client, venue, make_resident_id):
    from registration.extensions import db
    from registration.models import Credential

    approved = _pending_media_credential(client, make_resident_id)
    rejected = _pending_media_credential(client, make_resident_id)
    reviewer = staff_client("admin")
    page = reviewer.get("/staff/review?kind=media").get_data(as_text=True)
    assert approved in page and rejected in page
    assert reviewer.post(f"/staff/review/credentials/{approved}/approve",
                         data={}).status_code == 302
    assert reviewer.post(f"/staff/review/credentials/{rejected}/reject",
                         data={"reason": ""}).status_code == 422
    assert reviewer.post(f"/staff/review/credentials/{rejected}/reject",
                         data={"reason": "Press card unknown"}).status_code == 302
    with app.app_context():
        states = {c.code: c.status.value for c in db.session.scalars(select(Credential))}
    assert states == {approved: "approved", rejected: "rejected"}
    assert _audit(app, "credential_approved") and _audit(app, "credential_rejected")


def test_bulk_approval_takes_credentials_too(app, client, staff_client, venue,
                                             make_resident_id, register):
    from registration.extensions import db
    from registration.models import Credential

    code = _pending_media_credential(client, make_resident_id)
    org = register()
    staff_client("admin").post("/staff/review/approve",
                               data={"credential": [code], "organisation": [org]})
    with app.app_context():
        assert db.session.scalar(select(Credential.status)).value == "approved"


def test_the_page_speaks_both_languages(staff_client, register):
    register()
    client = staff_client("admin")
    assert re.search(r"<h1>\s*Review\s*</h1>", client.get("/staff/review?lang=en").get_data(
        as_text=True))
    assert "审核" in client.get("/staff/review?lang=zh").get_data(as_text=True)


def test_a_credential_that_cannot_be_approved_stops_the_bulk_approval(
        app, client, staff_client, venue, make_resident_id, register, booking_body,
        organisation):
    from datetime import date

    from registration.extensions import db
    from registration.models import Credential

    number = make_resident_id()
    answer = client.post("/api/v1/credentials", json={
        "kind": "media", "document": {"type": "cn_resident_id", "number": number},
        "name": "王记者", "press_card": "B11012345", "email": "press@example.com",
        "consent": True, "lang": "zh"})
    assert answer.status_code == 201, answer.get_json()
    code = answer.get_json()["credential"]["code"]
    with app.app_context():
        first_day = db.session.scalar(select(Credential.first_day))
    booked = client.post("/api/v1/appointments", json=booking_body(
        date.fromisoformat(str(first_day)), number=number))
    assert booked.status_code == 201, booked.get_json()
    org = register()
    page = staff_client("admin").post("/staff/review/approve?lang=en", data={
        "organisation": [org], "credential": [code]})
    assert page.status_code == 409
    assert f"{code}: " in page.get_data(as_text=True)
    assert "nothing was approved" in page.get_data(as_text=True)
    assert organisation(org).status.value == "pending"
    assert _audit(app, "organisation_approved") == []
