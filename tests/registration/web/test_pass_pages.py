"""The pass page, its downloads, the calendar file and the confirmation email."""
from __future__ import annotations

import smtplib
from datetime import time

from pagetools import Page


def _pass_url(book, day, **fields) -> str:
    response = book(day, **fields)
    assert response.status_code == 302
    return response.headers["Location"]


def test_pass_page_shows_qr_details_and_what_to_bring(
        client, make_fair_day, book, appointments):
    day = make_fair_day("SHOUGANG", quota=10, slots=[("AM", time(9), time(12), 5)])
    url = _pass_url(book, day, venue="SHOUGANG", slot="AM", lang="en",
                    number="11010119900307803X")
    booked = appointments()[0]
    page = Page.of(client.get(url))
    card = page.root.find("article", class_="pass-card")
    assert "Shougang Park" in card.text
    assert "09:00–12:00" in card.text
    assert f"Confirmation code {booked.code}" in card.text
    assert "Holder 张*" in card.text
    qr = card.find("img", class_="qr")
    assert qr["src"] == f"/api/v1/passes/{booked.serial}.svg"
    assert booked.code in qr["alt"]
    bring = page.root.find("section", class_="bring").text
    assert "Resident Identity Card (1*************803X)" in bring
    assert client.get(qr["src"]).mimetype == "image/svg+xml"


def test_pass_downloads_png_pdf_and_calendar(client, make_fair_day, book, appointments):
    day = make_fair_day(quota=10, opens=time(9), closes=time(18))
    page = Page.of(client.get(_pass_url(book, day, lang="en")))
    code = appointments()[0].code
    png = page.root.find("a", download=f"fairgate-pass-{code}.png")
    pdf = page.root.find("a", download=f"fairgate-pass-{code}.pdf")
    ics = page.root.find("a", download=f"fairgate-{code}.ics")
    assert png.text == "Download image (PNG)" and pdf.text == "Download for printing (PDF)"
    assert client.get(png["href"]).data.startswith(b"\x89PNG")
    assert client.get(pdf["href"]).data.startswith(b"%PDF")
    calendar = client.get(ics["href"])
    assert calendar.mimetype == "text/calendar"
    body = calendar.get_data(as_text=True)
    assert body.startswith("BEGIN:VCALENDAR\r\n") and "END:VCALENDAR\r\n" in body
    # 09:00-18:00 in Beijing is 01:00-10:00 UTC.
    assert f"DTSTART:{day:%Y%m%d}T010000Z" in body
    assert f"DTEND:{day:%Y%m%d}T100000Z" in body
    assert "LOCATION:China National Convention Center" in body
    assert code in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))


def test_unknown_pass_is_404_and_a_revoked_pass_says_so(client, make_fair_day, book):
    assert client.get("/pass/AAAAAAAAAAAAAAAA").status_code == 404
    day = make_fair_day()
    url = _pass_url(book, day, lang="en", number="11010119900307803X")
    code = Page.of(client.get(url)).root.find("dd", class_="code").text
    client.post("/my", data={"code": code, "document_number": "11010119900307803X"})
    client.post("/my/appointment/cancel")
    gone = client.get(url)
    assert gone.status_code == 410
    page = Page.of(gone)
    assert page.h1 == "This pass is no longer valid"
    assert "The appointment was cancelled." in page.text
    assert page.root.find("img", class_="qr") is None
    assert client.get(url + "/calendar.ics").status_code == 410


def test_confirmation_email_goes_to_the_outbox_with_the_pass(
        client, make_fair_day, book, outbox, appointments):
    day = make_fair_day()
    _pass_url(book, day, lang="zh", email="li@example.com", number="11010119900307803X")
    [message] = outbox()
    booked = appointments()[0]
    assert message["To"] == "li@example.com"
    assert message["Subject"] == f"服贸会：预约成功，确认码 {booked.code}"
    body = message.get_body(("plain",)).get_content()
    assert "国家会议中心" in body and booked.code in body
    assert f"/pass/{booked.serial}" in body
    assert "1*************803X" in body and "11010119900307803X" not in body
    attachments = {part.get_filename(): part for part in message.iter_attachments()}
    assert attachments[f"fairgate-pass-{booked.code}.pdf"].get_content().startswith(b"%PDF")
    assert attachments[f"fairgate-pass-{booked.code}.png"].get_content_type() == "image/png"


def test_email_is_in_the_visitors_language_and_only_when_an_address_is_given(
        client, make_fair_day, book, outbox):
    day = make_fair_day()
    _pass_url(book, day, lang="en", email="anna@example.com")
    _pass_url(book, day, lang="en", email="")
    [message] = outbox()
    assert message["Subject"].startswith("CIFTIS: booking confirmed, code ")
    assert "Venue: China National Convention Center" in message.get_body().get_content()


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.host, self.port = host, port
        self.calls: list[str] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self, context=None):
        self.calls.append("starttls")

    def login(self, user, password):
        self.calls.append(f"login {user}")

    def send_message(self, message):
        FakeSMTP.sent.append((self.host, self.port, self.calls, message))


def test_smtp_is_used_when_configured(make_app, make_fair_day, booking_form, monkeypatch,
                                      tmp_path):
    app = make_app(MAIL_SMTP_HOST="smtp.example.test", MAIL_SMTP_PORT=2525,
                   MAIL_SMTP_USERNAME="fairgate", MAIL_SMTP_PASSWORD="pw",
                   MAIL_OUTBOX=str(tmp_path / "outbox"))
    FakeSMTP.sent = []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    day = make_fair_day()
    response = app.test_client().post(f"/book/CNCC/{day.isoformat()}", data=booking_form())
    assert response.status_code == 302
    [(host, port, calls, message)] = FakeSMTP.sent
    assert (host, port) == ("smtp.example.test", 2525)
    assert calls == ["starttls", "login fairgate"]
    assert message["To"] == "zhang@example.com"
    assert not (tmp_path / "outbox").exists()


def test_a_failing_mail_server_does_not_lose_the_booking(make_app, make_fair_day, booking_form,
                                                         monkeypatch, tmp_path):
    app = make_app(MAIL_SMTP_HOST="smtp.example.test", MAIL_OUTBOX=str(tmp_path / "outbox"))

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    day = make_fair_day()
    client = app.test_client()
    response = client.post(f"/book/CNCC/{day.isoformat()}?lang=en", data=booking_form())
    assert response.status_code == 302
    page = Page.of(client.get(response.headers["Location"]))
    assert "We could not send the confirmation email" in page.text
    assert page.root.find("img", class_="qr") is not None
