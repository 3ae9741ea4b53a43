"""POST /api/v1/credentials and its look-up: each applied kind end to end."""
from __future__ import annotations

from sqlalchemy import select

from gate.passes import ALL_VENUES, decode_unverified


def _fair_day(app, day, venue="CNCC"):
    from registration.extensions import db
    from registration.models import FairDay, Venue

    with app.app_context():
        return db.session.scalar(select(FairDay).join(Venue).where(
            Venue.code == venue, FairDay.date == day))


def test_online_is_approved_at_once_without_a_pass(client, fair, apply_body, outbox):
    answer = client.post("/api/v1/credentials", json=apply_body("online"))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["credential"]["status"] == "approved" and body["credential"]["kind"] == "online"
    assert body["pass"] is None
    # The fair's days from today on (yesterday is over).
    assert body["credential"]["first_day"] == fair[1].isoformat()
    assert body["credential"]["last_day"] == fair[2].isoformat()
    mails = outbox()
    assert len(mails) == 1 and body["credential"]["code"] in str(mails[0]["Subject"])


def test_professional_takes_a_place_of_the_share_and_gets_its_pass(app, client, fair,
                                                                   apply_body):
    answer = client.post("/api/v1/credentials",
                         json=apply_body("professional", date=fair[2].isoformat()))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert body["credential"]["status"] == "approved"
    claims = decode_unverified(body["pass"]["token"])
    assert (claims.venue, claims.first_day, claims.day_count, claims.kind.value) == (
        "CNCC", fair[2], 1, "professional")
    fair_day = _fair_day(app, fair[2])
    assert (fair_day.booked, fair_day.professional_booked) == (1, 1)
    assert fair_day.remaining_online == 15  # the share is held apart


def test_professional_review_setting_keeps_it_pending(make_app, make_fair_day, share,
                                                      apply_body):
    app = make_app(PROFESSIONAL_REVIEW=True)
    day = make_fair_day("CNCC", offset=1, quota=20)
    share(day, 5)
    answer = app.test_client().post("/api/v1/credentials",
                                    json=apply_body("professional", date=day.isoformat()))
    assert answer.status_code == 201
    assert answer.get_json()["credential"]["status"] == "pending"
    assert answer.get_json()["pass"] is None
    assert _fair_day(app, day).professional_booked == 0


def test_professional_share_full_is_409_in_both_languages(client, fair, apply_body, share):
    share(fair[2], 1)
    first = client.post("/api/v1/credentials",
                        json=apply_body("professional", date=fair[2].isoformat()))
    assert first.status_code == 201
    for lang, text in (("en", "professional visitors' places"), ("zh", "专业观众名额已满")):
        answer = client.post("/api/v1/credentials", json=apply_body(
            "professional", date=fair[2].isoformat(), lang=lang))
        assert answer.status_code == 409
        error = answer.get_json()["error"]
        assert error["code"] == "professional_quota_full" and text in error["message"]


def test_media_is_reviewed_then_approved_with_a_pass_for_every_venue_and_day(
        app, client, fair, apply_body, outbox):
    from registration.actions import credentials as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import credentials as service

    body = apply_body("media")
    answer = client.post("/api/v1/credentials", json=body)
    assert answer.status_code == 201
    code = answer.get_json()["credential"]["code"]
    assert answer.get_json()["credential"]["status"] == "pending"
    with app.test_request_context(), unit_of_work():
        decided = actions.approve(Actor.operator(), service.get_credential(code))
        token = decided.issued.token
    claims = decode_unverified(token)
    assert (claims.venue, claims.first_day, claims.day_count, claims.kind.value) == (
        ALL_VENUES, fair[1], 2, "media")
    looked = client.post("/api/v1/credentials/lookup", json={
        "code": code, "document_number": body["document"]["number"]})
    assert looked.status_code == 200
    assert looked.get_json()["credential"]["status"] == "approved"
    assert looked.get_json()["pass"]["token"] == token
    mails = outbox()
    assert any(part.get_filename() and part.get_filename().endswith(".pdf")
               for part in mails[-1].walk())


def test_rejection_reason_shows_in_the_look_up_and_the_mail(app, client, fair, apply_body,
                                                            outbox):
    from registration.actions import credentials as actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import credentials as service

    body = apply_body("media", lang="zh")
    code = client.post("/api/v1/credentials", json=body).get_json()["credential"]["code"]
    with app.test_request_context(), unit_of_work():
        actions.reject(Actor.operator(), service.get_credential(code), "记者证号码无法核实")
    looked = client.post("/api/v1/credentials/lookup", json={
        "code": code, "document_number": body["document"]["number"]}).get_json()
    assert looked["credential"]["status"] == "rejected"
    assert looked["credential"]["reason"] == "记者证号码无法核实" and looked["pass"] is None
    mail = outbox()[-1]
    assert "未通过" in str(mail["Subject"])
    assert "记者证号码无法核实" in mail.get_body(("plain",)).get_content()


def test_look_up_with_a_wrong_number_is_404(client, fair, apply_body, make_resident_id):
    code = client.post("/api/v1/credentials",
                       json=apply_body("online")).get_json()["credential"]["code"]
    answer = client.post("/api/v1/credentials/lookup",
                         json={"code": code, "document_number": make_resident_id()})
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "credential_not_found"


def test_missing_fields_are_named_per_kind(client, fair, apply_body):
    answer = client.post("/api/v1/credentials", json=apply_body(
        "professional", organisation=None, title=None, venue=None))
    assert answer.status_code == 422
    assert set(answer.get_json()["error"]["fields"]) == {"organisation", "title", "venue",
                                                         "date"}
    answer = client.post("/api/v1/credentials", json=apply_body("media", press_card=None))
    assert answer.status_code == 422 and set(answer.get_json()["error"]["fields"]) == {
        "press_card"}
    # A journalist naming the outlet needs no press card.
    answer = client.post("/api/v1/credentials", json=apply_body(
        "media", press_card=None, organisation="新华社"))
    assert answer.status_code == 201
    for kind in ("visitor", "exhibitor", "guest"):
        answer = client.post("/api/v1/credentials", json=apply_body(kind))
        assert answer.status_code == 422 and "kind" in answer.get_json()["error"]["fields"]
    answer = client.post("/api/v1/credentials", json=apply_body("online", consent=False))
    assert answer.status_code == 422 and "consent" in answer.get_json()["error"]["fields"]
    answer = client.post("/api/v1/credentials", json=apply_body(
        "online", document={"type": "cn_resident_id", "number": "110101199003078031"}))
    assert answer.status_code == 422
    assert "document.number" in answer.get_json()["error"]["fields"]


def test_one_active_multi_day_credential_per_document(client, fair, apply_body,
                                                      make_resident_id):
    number = make_resident_id()
    assert client.post("/api/v1/credentials",
                       json=apply_body("media", number=number)).status_code == 201
    for kind in ("media", "online"):
        answer = client.post("/api/v1/credentials", json=apply_body(kind, number=number))
        assert answer.status_code == 409
        error = answer.get_json()["error"]
        assert error["code"] == "credential_exists" and "media" in error["message"]
        assert "document.number" in error["fields"]


def test_a_professional_day_and_a_multi_day_credential_do_not_overlap(client, fair,
                                                                      apply_body,
                                                                      make_resident_id):
    number = make_resident_id()
    assert client.post("/api/v1/credentials", json=apply_body(
        "professional", number=number, date=fair[2].isoformat())).status_code == 201
    answer = client.post("/api/v1/credentials", json=apply_body("media", number=number))
    assert answer.status_code == 409
    assert "professional visitor" in answer.get_json()["error"]["message"]
