"""Exports (masked CSV, the daily report with drawn charts), the audit log and the purge."""
from __future__ import annotations

import csv
import io
import subprocess
from datetime import datetime, time, timedelta, timezone

import pytest
from pagetools import Page
from sqlalchemy import select, update
from sqlalchemy.exc import DatabaseError


@pytest.fixture
def busy_day(app, venues, book_online, staff_client, make_device, post_events,
             make_resident_id):
    online = [book_online(venues) for _ in range(3)]
    formula = book_online(venues, name="=HYPERLINK(evil)")
    desk = staff_client("desk", "CNCC")
    walk_in_number = make_resident_id()
    desk.post("/staff/desk/CNCC", data={"line": walk_in_number, "name": "李四", "consent": "y"})
    device = make_device("CNCC", "CNCC-E1")
    post_events(device, [(online[0]["pass"]["serial"], "in"),
                         (online[1]["pass"]["serial"], "in")])
    numbers = [b["number"] for b in online] + [formula["number"], walk_in_number]
    return {"day": venues, "online": online, "numbers": numbers, "formula": formula,
            "supervisor": staff_client("supervisor", "CNCC")}


def read_csv(response):
    assert response.mimetype == "text/csv" and response.data.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_appointments_csv_has_masked_documents_only(app, busy_day, audit_actions):
    day = busy_day["day"].isoformat()
    response = busy_day["supervisor"].get(f"/staff/exports/CNCC/{day}/appointments.csv")
    rows = read_csv(response)
    assert len(rows) == 5
    assert sorted(r["channel"] for r in rows) == ["online"] * 4 + ["walk_in"]
    admitted = {r["code"]: r["admitted"] for r in rows}
    assert admitted[busy_day["online"][0]["appointment"]["code"]] == "yes"
    assert admitted[busy_day["online"][2]["appointment"]["code"]] == "no"
    text = response.data.decode("utf-8-sig")
    for number in busy_day["numbers"]:
        assert number not in text
        assert number[0] + "*" * 13 + number[-4:] in text
    assert all("*" in r["document"] for r in rows)
    # A name that a spreadsheet would run as a formula is quoted.
    formula_row = next(r for r in rows if r["code"] == busy_day["formula"]["appointment"]["code"])
    assert formula_row["holder"].startswith("'=")
    assert ("supervisor-cncc", "export", "CNCC", f"{day} appointments.csv") in audit_actions()


def test_the_checkins_csv(app, busy_day):
    day = busy_day["day"].isoformat()
    rows = read_csv(busy_day["supervisor"].get(f"/staff/exports/CNCC/{day}/checkins.csv"))
    assert [(r["gate"], r["direction"], r["admit"]) for r in rows] == \
        [("CNCC-E1", "in", "yes")] * 2
    assert {r["appointment_code"] for r in rows} == \
        {b["appointment"]["code"] for b in busy_day["online"][:2]}
    assert all("*" in r["document"] for r in rows)
    text = "\n".join(",".join(r.values()) for r in rows)
    assert not any(number in text for number in busy_day["numbers"])


def test_the_daily_report_pdf_draws_its_charts(app, busy_day, tmp_path):
    day = busy_day["day"].isoformat()
    response = busy_day["supervisor"].get(f"/staff/exports/CNCC/{day}/report.pdf")
    assert response.mimetype == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    for words in ("Daily report", "Bookings by channel", "Arrivals by hour", "Attendance",
                  "国家会议中心", "Admitted 2", "No-shows 3"):
        assert words in text, words
    assert not any(number in text for number in busy_day["numbers"])
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(pdf),
                    str(tmp_path / "page")], check=True)
    from PIL import Image

    image = Image.open(tmp_path / "page.png").convert("RGB")
    colours = {colour for _, colour in image.getcolors(1 << 20)}
    # The bars are drawn in the brand blue and the admitted green, not written as tables.
    assert any(abs(r - 0x0b) < 30 and abs(g - 0x4f) < 30 and abs(b - 0x8a) < 30
               for r, g, b in colours)
    assert any(abs(r - 0x17) < 30 and abs(g - 0x65) < 30 and abs(b - 0x3a) < 30
               for r, g, b in colours)


def test_the_audit_log_page_lists_and_filters_entries(app, busy_day, staff_client):
    admin = staff_client("admin")
    page = Page.of(admin.get("/staff/audit?lang=en"))
    rows = page.root.find("table", class_="audit-table").find_all("tr")[1:]
    actions = [row.find_all("td")[2].text for row in rows]
    assert actions[0] == "login" and "desk_booking" in actions
    filtered = Page.of(admin.get("/staff/audit?action=desk_booking"))
    cells = filtered.root.find("table", class_="audit-table").find_all("td")
    assert "desk-cncc" in [c.text for c in cells] and "1 entry" in filtered.text


def test_audit_entries_cannot_be_changed_in_the_database(app, busy_day):
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(update(AuditEntry).values(username="someone else"))
        db.session.rollback()
        assert "someone else" not in db.session.scalars(select(AuditEntry.username)).all()


@pytest.fixture
def old_appointment(app, make_fair_day, make_resident_id):
    """An appointment 40 days ago (retention: 30 days)."""
    from gate.documents import parse_document
    from registration.extensions import db
    from registration.models import Channel
    from registration.services import booking

    day = make_fair_day("CNCC", offset=-40, quota=5)
    with app.app_context():
        request = booking.BookingRequest(
            venue="CNCC", day=day, slot=None,
            visitor=booking.Visitor(parse_document("cn_resident_id", make_resident_id()),
                                    "赵六"),
            consent=True, consent_version="v1", channel=Channel.ONLINE)
        moment = datetime.combine(day, time(10, 0), timezone(timedelta(hours=8)))
        code = booking.book_appointment(request, now=moment).code
        db.session.commit()
    return code


def test_an_admin_purges_with_a_confirmation_step(app, staff_client, venues, book_online,
                                                  old_appointment, audit_actions):
    from registration.extensions import db
    from registration.models import Appointment

    recent = book_online(venues)["appointment"]["code"]
    admin = staff_client("admin")
    page = Page.of(admin.get("/staff/purge?lang=en"))
    assert "1 appointment will be erased" in page.text
    refused = admin.post("/staff/purge?lang=en", data={"confirm": "yes"})
    assert refused.status_code == 422
    assert "Type PURGE to confirm" in Page.of(refused).error_for("confirm")
    with app.app_context():
        assert db.session.scalar(select(Appointment.purged_at).where(
            Appointment.code == old_appointment)) is None
    done = admin.post("/staff/purge?lang=en", data={"confirm": "PURGE"})
    assert done.status_code == 200
    assert "Identity data of 1 appointment was erased." in Page.of(done).text
    with app.app_context():
        rows = {a.code: a for a in db.session.scalars(select(Appointment))}
        assert rows[old_appointment].purged_at is not None
        assert rows[old_appointment].document_ciphertext is None
        assert rows[recent].purged_at is None
    [entry] = [a for a in audit_actions() if a[1] == "purge"]
    assert entry[0] == "admin-all"
    with app.app_context():
        from registration.models import AuditEntry
        from registration.services.audit import details_of

        stored = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "purge"))
        assert details_of(stored)["erased"] == 1
    assert "0 appointments will be erased" in Page.of(admin.get("/staff/purge?lang=en")).text
