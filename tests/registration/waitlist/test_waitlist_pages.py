"""The visitor pages: "Notify me" on a full day, joining, the offer link and its confirm."""
from __future__ import annotations

import email
import re
from email import policy


def _form(number: str, **overrides) -> dict:
    data = {"document_type": "cn_resident_id", "document_number": number, "document_country": "",
            "name": "李四", "phone": "", "email": "li@example.com", "consent": "y"}
    data.update(overrides)
    return data


def test_a_full_day_offers_notify_me_in_both_languages(app, full_day):
    day, _ = full_day(quota=1)
    client = app.test_client()
    english = client.get(f"/book/CNCC/{day.isoformat()}?lang=en").get_data(as_text=True)
    assert "Notify me when a place is free" in english
    assert f'href="/book/CNCC/{day.isoformat()}/waitlist"' in english
    chinese = client.get(f"/book/CNCC/{day.isoformat()}/waitlist?lang=zh").get_data(as_text=True)
    assert "加入候补名单" in chinese and "保留 2 小时" in chinese


def test_joining_through_the_page(app, full_day, make_resident_id, day_state):
    day, _ = full_day(quota=1)
    client = app.test_client()
    page = client.post(f"/book/CNCC/{day.isoformat()}/waitlist?lang=en",
                       data=_form(make_resident_id()))
    assert page.status_code == 201
    html = page.get_data(as_text=True)
    assert "You are on the waiting list" in html and "0 people are before you" in html
    code = re.search(r'id="waitlist-code">([A-Z0-9]+)<', html).group(1)
    assert day_state(day).codes == [code]


def test_the_page_says_what_is_wrong(app, full_day, make_resident_id):
    day, booked = full_day(quota=1)
    client = app.test_client()
    no_email = client.post(f"/book/CNCC/{day.isoformat()}/waitlist?lang=en",
                           data=_form(make_resident_id(), email="", phone="+86 138 0013 8000"))
    assert no_email.status_code == 422
    assert "an email address is required" in no_email.get_data(as_text=True).lower()
    holder = client.post(f"/book/CNCC/{day.isoformat()}/waitlist?lang=zh",
                         data=_form(booked[0][1]))
    assert holder.status_code == 409
    assert "该证件当日已有预约" in holder.get_data(as_text=True)


def test_the_offer_link_shows_the_place_and_confirming_gives_the_pass(
        app, full_day, join, cancel, offer_tokens, outbox):
    day, booked = full_day(quota=1)
    join(day, email="first@example.com", lang="en")
    cancel(*booked[0])
    (token,) = offer_tokens()["first@example.com"]
    client = app.test_client()
    page = client.get(f"/waitlist/offer/{token}?lang=en").get_data(as_text=True)
    assert "A place is held for you" in page and "Held for you until" in page
    assert "(Asia/Shanghai)" in page and "李*" in page
    confirmed = client.post(f"/waitlist/offer/{token}", data={"decision": "accept"})
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"].startswith("/pass/")
    pass_page = client.get(confirmed.headers["Location"]).get_data(as_text=True)
    assert "Your booking is confirmed" in pass_page
    assert any("booking confirmed" in str(m["Subject"]) for m in outbox())
    assert client.get("/waitlist/offer/not-a-token").status_code == 404


def test_confirming_needs_the_forms_csrf_token(make_app, tmp_path, make_fair_day,
                                               booking_body, join_body):
    app = make_app(WTF_CSRF_ENABLED=True, MAIL_OUTBOX=str(tmp_path / "csrf-outbox"))
    day = make_fair_day(quota=1)
    client = app.test_client()
    body = booking_body(day)
    code = client.post("/api/v1/appointments", json=body).get_json()["appointment"]["code"]
    client.post(f"/api/v1/venues/CNCC/days/{day.isoformat()}/waitlist",
                json=join_body(email="csrf@example.com"))
    client.post(f"/api/v1/appointments/{code}/cancel",
                json={"document_number": body["document"]["number"]})
    message = email.message_from_bytes(next((tmp_path / "csrf-outbox").glob("*.eml")).read_bytes(),
                                       policy=policy.default)
    mail = message.get_body(("plain",)).get_content()
    token = re.search(r"/waitlist/offer/([A-Za-z0-9_\-]+)", mail).group(1)
    forged = client.post(f"/waitlist/offer/{token}", data={"decision": "accept"})
    assert forged.status_code == 400
    page = client.get(f"/waitlist/offer/{token}").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    real = client.post(f"/waitlist/offer/{token}",
                       data={"decision": "accept", "csrf_token": csrf})
    assert real.status_code == 302
