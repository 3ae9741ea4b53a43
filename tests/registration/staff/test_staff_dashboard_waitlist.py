"""The dashboard shows the day's waiting list: people waiting, and offers holding places."""
from __future__ import annotations


def test_the_dashboard_counts_the_waiting_list(app, make_fair_day, book_online, staff_client,
                                               booking_body):
    day = make_fair_day("CNCC", offset=0, quota=1)
    booked = book_online(day)
    client = app.test_client()
    for number in range(2):
        body = booking_body(day)
        body.pop("venue"), body.pop("date"), body.pop("slot", None)
        body["email"] = f"w{number}@example.com"
        assert client.post(f"/api/v1/venues/CNCC/days/{day.isoformat()}/waitlist",
                           json=body).status_code == 201
    client.post(f"/api/v1/appointments/{booked['appointment']['code']}/cancel",
                json={"document_number": booked["number"]})
    desk = staff_client("desk", "CNCC")
    data = desk.get(f"/staff/dashboard/CNCC/{day.isoformat()}.json").get_json()
    assert (data["booked"], data["waitlist_waiting"], data["waitlist_offered"]) == (1, 1, 1)
    page = desk.get(f"/staff/dashboard/CNCC/{day.isoformat()}?lang=en").get_data(as_text=True)
    assert 'data-field="waitlist_waiting">1<' in page and "offered (places held)" in page


def test_the_audit_log_shows_the_offer(app, make_fair_day, book_online, staff_client,
                                       booking_body):
    day = make_fair_day("CNCC", offset=0, quota=1)
    booked = book_online(day)
    client = app.test_client()
    body = booking_body(day)
    body.pop("venue"), body.pop("date"), body.pop("slot", None)
    entry = client.post(f"/api/v1/venues/CNCC/days/{day.isoformat()}/waitlist",
                        json=body).get_json()["entry"]
    client.post(f"/api/v1/appointments/{booked['appointment']['code']}/cancel",
                json={"document_number": booked["number"]})
    admin = staff_client("admin")
    page = admin.get("/staff/audit?action=waitlist_offered")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert entry["code"] in html and entry["holder"]["document"] in html
    assert body["document"]["number"] not in html
