"""The walk-in desk: card reader lines, pasted MRZ, the walk-in reserve, people who already
booked, and the pass printed for 58/80 mm thermal printers."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import time

import pytest
from staffkit import log_in
from pagetools import Page
from sqlalchemy import select

TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n"
       "L898902C36UTO7408122F1204159ZE184226B<<<<<10")


@pytest.fixture
def desk(staff_client, venues):
    return staff_client("desk", "CNCC")


def appointments(app):
    from registration.extensions import db
    from registration.models import Appointment

    with app.app_context():
        return [(a.code, a.channel.value, a.name_masked, a.document_masked, a.consent_version,
                 a.fair_day.venue.code, a.slot.code if a.slot else None)
                for a in db.session.scalars(select(Appointment).order_by(Appointment.id))]


def counters(app, venue="CNCC"):
    from registration.extensions import db
    from registration.models import FairDay, Venue

    with app.app_context():
        day = db.session.scalar(select(FairDay).join(Venue).where(Venue.code == venue))
        return day.booked, day.walk_in_booked


def walk_in(client, number, name="张三", **extra):
    return client.post("/staff/desk/CNCC?lang=en",
                       data={"line": number, "name": name, "consent": "y", **extra})


def test_a_card_read_with_name_and_consent_books_a_walk_in(app, desk, make_resident_id,
                                                           audit_actions):
    number = make_resident_id()
    response = walk_in(desk, number + "\r\n")  # the reader ends its line with Enter
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"/staff/appointments/CNCC/[A-Z2-9]{8}", response.headers["Location"])
    [(stored_code, channel, name, document, consent, venue, _)] = appointments(app)
    assert (stored_code, channel, name, venue) == (code, "walk_in", "张*", "CNCC")
    assert document == number[0] + "*" * 13 + number[-4:]
    assert consent == app.config["DESK_CONSENT_VERSION"]
    page = Page.of(desk.get(response.headers["Location"] + "?lang=en"))
    assert "Walk-in booked" in page.text
    assert page.root.find("img", class_="qr") is not None
    assert page.link("Label 58 mm").endswith(f"/{code}/label/58")
    assert page.link("PDF for 80 mm").endswith(f"/{code}/label-80.pdf")
    assert number not in page.html
    assert audit_actions()[-1] == ("desk-cncc", "desk_booking", "CNCC", code)


def test_the_walk_in_reserve_is_used_first_then_the_general_pool(
        app, desk, venues, book_online, make_resident_id):
    # CNCC today: quota 10, walk-in reserve 3 -> online may take 7.
    for _ in range(2):
        assert book_online(venues)["status"] == 201
    for n in range(5):
        assert walk_in(desk, make_resident_id()).status_code == 302, n
    assert counters(app) == (7, 5)  # 3 from the reserve, 2 from the general pool
    page = Page.of(desk.get("/staff/desk/CNCC?lang=en"))
    assert page.root.by_id("walk-in-left").text == "3"
    assert "0 / 3" in page.text  # reserve used up
    # Online: 7 - (7 booked - 3 reserve used) = 3 more, then full.
    assert [book_online(venues)["status"] for _ in range(4)] == [201, 201, 201, 409]
    assert counters(app) == (10, 5)
    response = walk_in(desk, make_resident_id())
    assert response.status_code == 409
    assert "This day is fully booked" in Page.of(response).text


def test_online_booking_cannot_take_the_reserve_but_the_desk_can(app, desk, venues,
                                                                 book_online, make_resident_id):
    statuses = [book_online(venues)["status"] for _ in range(8)]
    assert statuses == [201] * 7 + [409]
    assert Page.of(desk.get("/staff/desk/CNCC")).root.by_id("walk-in-left").text == "3"
    for _ in range(3):
        assert walk_in(desk, make_resident_id()).status_code == 302
    assert counters(app) == (10, 3)


def test_someone_who_booked_today_is_found_not_booked_twice_and_reprinted(
        app, desk, venues, book_online, audit_actions):
    booked = book_online(venues)
    code = booked["appointment"]["code"]
    response = desk.post("/staff/desk/CNCC?lang=en", data={"line": booked["number"] + "\n"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/staff/appointments/CNCC/{code}"
    assert len(appointments(app)) == 1 and counters(app) == (1, 0)
    page = Page.of(desk.get(response.headers["Location"] + "?lang=en"))
    assert "already booked today: nothing new was booked" in page.text
    label = desk.get(page.link("Label 80 mm"))
    assert label.status_code == 200
    assert ("desk-cncc", "desk_found", "CNCC", code) in audit_actions()
    assert ("desk-cncc", "label_printed", "CNCC", code) in audit_actions()


def test_someone_booked_at_the_other_venue_today_is_told_so(app, desk, venues, book_online):
    """The CNCC desk holding a SHOUGANG visitor's card learns where and when, never the
    confirmation code (code + card cancel the booking at /my)."""
    booked = book_online(venues, venue="SHOUGANG")
    code = booked["appointment"]["code"]
    response = walk_in(desk, booked["number"])
    assert response.status_code == 409
    page = Page.of(response)
    assert page.error_for("line") == (
        f"This visitor has an appointment at Shougang Park on {venues.isoformat()} and "
        "cannot book here too")
    assert code not in page.html
    assert booked["appointment"]["holder"]["document"] not in page.html
    zh = desk.post("/staff/desk/CNCC?lang=zh", data={"line": booked["number"]})
    assert zh.status_code == 409
    assert f"该访客已预约{venues.month}月{venues.day}日在首钢园入场" in Page.of(zh).error_for("line")
    assert code not in zh.get_data(as_text=True)
    assert len(appointments(app)) == 1


def test_reading_the_card_first_asks_for_name_and_consent_without_the_number_in_the_page(
        app, desk, make_resident_id):
    number = make_resident_id()
    response = desk.post("/staff/desk/CNCC?lang=en", data={"line": number})
    assert response.status_code == 200
    page = Page.of(response)
    masked = number[0] + "*" * 13 + number[-4:]
    assert "Document read" in page.text and masked in page.text
    assert number not in page.html
    ticket = page.value_of("ticket")
    assert ticket and number not in ticket
    assert appointments(app) == []
    # Name but no consent: asked again, with the reason beside the checkbox.
    response = desk.post("/staff/desk/CNCC?lang=en", data={"ticket": ticket, "name": "李四"})
    assert response.status_code == 422
    assert "confirm they agreed" in Page.of(response).error_for("consent")
    response = desk.post("/staff/desk/CNCC", data={"ticket": ticket, "name": "李四",
                                                   "consent": "y"})
    assert response.status_code == 302
    assert [(a[1], a[2], a[3]) for a in appointments(app)] == [("walk_in", "李*", masked)]


def test_a_tampered_or_foreign_ticket_is_refused(app, desk, make_resident_id):
    page = Page.of(desk.post("/staff/desk/CNCC", data={"line": make_resident_id()}))
    ticket = page.value_of("ticket")
    forged = ticket[:-4] + ("AAAA" if not ticket.endswith("AAAA") else "BBBB")
    response = desk.post("/staff/desk/CNCC?lang=en",
                         data={"ticket": forged, "name": "李四", "consent": "y"})
    assert response.status_code == 422
    assert "read the card again" in Page.of(response).error_for("line")
    assert appointments(app) == []


def test_a_pasted_passport_mrz_is_checked_and_fills_the_name(app, desk):
    response = desk.post("/staff/desk/CNCC?lang=en", data={"mrz": TD3})
    page = Page.of(response)
    assert response.status_code == 200
    assert page.value_of("name") == "ERIKSSON, ANNA MARIA"
    assert "L****02C3" in page.text
    response = desk.post("/staff/desk/CNCC", data={"ticket": page.value_of("ticket"),
                                                   "name": page.value_of("name"),
                                                   "consent": "y"})
    assert response.status_code == 302
    [(_, channel, name, document, *_)] = appointments(app)
    assert (channel, name, document) == ("walk_in", "ERIKSSON A.", "L****02C3")


def test_a_misread_mrz_says_which_check_digit_failed(app, desk):
    bad = TD3[:-2] + "9" + TD3[-1]  # the optional data's check digit
    response = desk.post("/staff/desk/CNCC?lang=en", data={"mrz": bad, "name": "X",
                                                           "consent": "y"})
    assert response.status_code == 422
    assert "check digit for the optional data" in Page.of(response).error_for("mrz")
    assert appointments(app) == []


def test_a_delimited_reader_record_gives_number_and_name(app, desk, make_resident_id):
    number = make_resident_id()
    record = f"王小明|男|汉|19900307|北京市东城区|{number}|北京市公安局|20200101-20400101"
    response = desk.post("/staff/desk/CNCC", data={"line": record})
    page = Page.of(response)
    assert page.value_of("name") == "王小明"
    response = desk.post("/staff/desk/CNCC", data={"ticket": page.value_of("ticket"),
                                                   "name": "王小明", "consent": "y"})
    assert response.status_code == 302
    assert appointments(app)[0][2] == "王*"


def test_a_typed_passport_number_with_its_country(app, desk):
    response = walk_in(desk, "E12345678", name="Maria Schmidt", document_type="passport",
                       country="deu")
    assert response.status_code == 302
    assert appointments(app)[0][2:4] == ("SCHMIDT M.", "E****5678")


@pytest.mark.parametrize("line,message", [
    ("110101199003078031", "check character (the last one) does not match"),
    ("hello", "No identity document number was recognised"),
    ("", "Read the ID card, paste the machine-readable zone or type the number"),
])
def test_bad_numbers_get_a_precise_message(app, desk, line, message):
    response = walk_in(desk, line)
    assert response.status_code == 422
    assert message in Page.of(response).error_for("line")
    assert appointments(app) == []


def test_a_day_with_slots_books_the_walk_in_into_the_current_slot(
        app, staff_client, make_fair_day, make_resident_id):
    make_fair_day("CNCC", offset=0, quota=10,
                  slots=[("ALL", time(0, 0), time(23, 59), 5)])
    client = staff_client("desk", "CNCC")
    page = Page.of(client.get("/staff/desk/CNCC"))
    assert page.value_of("slot") == "ALL"
    assert walk_in(client, make_resident_id(), slot="ALL").status_code == 302
    assert appointments(app)[0][6] == "ALL"


def test_no_fair_day_today_shows_a_notice(app, staff_client, make_fair_day):
    make_fair_day("CNCC", offset=3)
    client = staff_client("desk", "CNCC")
    page = Page.of(client.get("/staff/desk/CNCC?lang=en"))
    assert "not open today" in page.text and page.root.find("form", class_="desk-form") is None


def pdf_page_size(pdf: bytes, tmp_path) -> tuple[float, float]:
    path = tmp_path / "label.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                          check=True).stdout
    width, height = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups()
    return float(width), float(height)


def decode(image) -> list[str]:
    from pyzbar.pyzbar import decode as zbar

    return [symbol.data.decode() for symbol in zbar(image)]


@pytest.mark.parametrize("width,points", [(58, 164.4), (80, 226.8)])
def test_labels_are_58_or_80_mm_wide_and_their_qr_decodes(app, desk, venues, book_online,
                                                          tmp_path, width, points):
    from PIL import Image

    booked = book_online(venues)
    code, token = booked["appointment"]["code"], booked["pass"]["token"]
    base = f"/staff/appointments/CNCC/{code}"
    pdf = desk.get(f"{base}/label-{width}.pdf")
    assert pdf.mimetype == "application/pdf"
    page_width, page_height = pdf_page_size(pdf.data, tmp_path)
    assert page_width == pytest.approx(points, abs=0.1) and page_height > page_width
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile",
                    str(tmp_path / "label.pdf"), str(tmp_path / "label")], check=True)
    assert decode(Image.open(tmp_path / "label.png")) == [token]
    png = Image.open(io.BytesIO(desk.get(f"{base}/label-{width}.png").data))
    assert png.width == round(width / 25.4 * 203)
    assert decode(png.convert("L")) == [token]
    page = Page.of(desk.get(f"{base}/label/{width}"))
    sheets = [link["href"] for link in page.root.find_all("link", rel="stylesheet")]
    css = desk.get(sheets[-1]).get_data(as_text=True)
    length = png.height / 203 * 25.4
    assert f"size: {width}mm {length:.1f}mm; margin: 0;" in css
    assert page.root.find("img", class_="label-image")["src"].endswith(f"label-{width}.png")
    assert page.root.find("script") is not None and "<script>" not in page.html


def test_a_revoked_pass_cannot_be_printed(app, staff_client, venues, book_online):
    code = book_online(venues)["appointment"]["code"]
    supervisor = staff_client("supervisor", "CNCC")
    supervisor.post(f"/staff/appointments/CNCC/{code}/revoke", data={"reason": "lost"})
    assert supervisor.get(f"/staff/appointments/CNCC/{code}/label/58").status_code == 410
    page = Page.of(supervisor.get(f"/staff/appointments/CNCC/{code}?lang=en"))
    assert "No active pass" in page.text and "lost" in page.text


def test_the_desk_page_has_the_reader_field_focused_and_submits_on_enter(app, desk):
    page = Page.of(desk.get("/staff/desk/CNCC"))
    form = page.root.find("form", class_="desk-form")
    reader = form.find("input", id="line")
    assert reader is not None and reader["autofocus"] is not None
    assert reader["autocomplete"] == "off"
    # Enter in a text field submits the form with its first submit button.
    assert form.find_all("button", type="submit")[0].text in ("查找或登记", "Find or book")


def test_log_in_helper_rejects_a_wrong_password(app, make_staff, venues):
    make_staff("desk", "CNCC")
    assert log_in(app.test_client(), "desk-cncc", "nope").status_code == 401
