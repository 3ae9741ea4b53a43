"""The live dashboard's numbers after check-in events posted through the gate API."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from pagetools import Page
from sqlalchemy import update


@pytest.fixture
def gate_day(app, venues, book_online, make_device, staff_client):
    serials = [book_online(venues)["pass"]["serial"] for _ in range(3)]
    desk = staff_client("desk", "CNCC")
    return {"day": venues, "serials": serials, "desk": desk,
            "e1": make_device("CNCC", "CNCC-E1", name="E1 kiosk"),
            "e2": make_device("CNCC", "CNCC-E2", name="E2 kiosk")}


def numbers(client, day):
    response = client.get(f"/staff/dashboard/CNCC/{day.isoformat()}.json")
    assert response.status_code == 200
    return response.get_json()


def test_an_empty_day(app, gate_day):
    data = numbers(gate_day["desk"], gate_day["day"])
    assert (data["booked"], data["quota"], data["admitted"], data["inside"]) == (3, 10, 0, 0)
    assert data["occupancy_limit"] == 50 and data["anomalies"]["total"] == 0
    assert [g["code"] for g in data["gates"]] == ["CNCC-E1", "CNCC-E2"]
    assert all(g["kiosks"][0]["online"] for g in data["gates"])
    assert data["series"][0]["start"] == "00:00" and data["series"][-1]["start"] == "23:45"
    assert sum(point["entries"] for point in data["series"]) == 0


def test_numbers_after_entries_exits_refusals_and_anomalies(app, gate_day, post_events):
    s0, s1, s2 = gate_day["serials"]
    e1, e2 = gate_day["e1"], gate_day["e2"]
    now = datetime.now(timezone.utc)
    post_events(e1, [(s0, "in"), (s1, "in")], at=now - timedelta(minutes=3))
    post_events(e2, [(s1, "out")], at=now - timedelta(minutes=2))
    answer = post_events(e2, [(s0, "in")], at=now - timedelta(minutes=1))  # s0 is inside
    assert [a["code"] for a in answer["anomalies"]] == ["double_admission"]
    post_events(e1, [("NOSUCHPASS", "in")], at=now)
    post_events(e2, [(s2, "in")], at=now, admit=False)
    data = numbers(gate_day["desk"], gate_day["day"])
    assert data["admitted"] == 2  # s0 and s1 (s0 twice: still one person admitted)
    assert data["inside"] == 1  # s1 went out
    gates = {g["code"]: (g["entries"], g["exits"], g["denied"]) for g in data["gates"]}
    assert gates == {"CNCC-E1": (3, 0, 0), "CNCC-E2": (1, 1, 1)}
    assert data["anomalies"]["counts"] == {"double_admission": 2, "unknown_pass": 1}
    assert data["anomalies"]["recent"][0]["codes"] == ["unknown_pass"]
    assert sum(point["entries"] for point in data["series"]) == 4
    page = Page.of(gate_day["desk"].get(f"/staff/dashboard/CNCC/{gate_day['day']}?lang=en"))
    field = {node["data-field"]: node.text for node in page.root.find_all(data_field=True)}
    assert (field["admitted"], field["inside"], field["anomalies"]) == ("2", "1", "3")
    chart = page.root.by_id("entries-chart")
    assert len(chart.find_all("rect")) == len(data["series"])
    assert "double_admission" in page.root.by_id("anomaly-counts").text


def test_a_silent_kiosk_shows_its_gate_offline(app, gate_day):
    from registration.extensions import db
    from registration.models import Device

    with app.app_context():
        db.session.execute(update(Device).where(Device.id == gate_day["e2"].id).values(
            last_seen_at=datetime.now(timezone.utc) - timedelta(minutes=10)))
        db.session.commit()
    data = numbers(gate_day["desk"], gate_day["day"])
    gates = {g["code"]: g for g in data["gates"]}
    assert gates["CNCC-E1"]["offline"] is False
    assert gates["CNCC-E2"]["offline"] is True
    assert gates["CNCC-E2"]["kiosks"][0]["seconds_since"] >= 600
    page = Page.of(gate_day["desk"].get(f"/staff/dashboard/CNCC/{gate_day['day']}?lang=en"))
    row = page.root.find("tr", data_gate="CNCC-E2")
    assert row["class"] == "gate-offline" and "OFFLINE" in row.text and "10 min ago" in row.text


def test_the_page_polls_its_json_with_a_script_file(app, gate_day):
    page = Page.of(gate_day["desk"].get(f"/staff/dashboard/CNCC/{gate_day['day']}"))
    root = page.root.by_id("dashboard")
    assert root["data-url"] == f"/staff/dashboard/CNCC/{gate_day['day']}.json"
    assert root["data-interval"] == "5"
    scripts = page.root.find_all("script")
    assert [s["src"] for s in scripts] == ["/static/dashboard.js"]
    assert all(not s.text.strip() for s in scripts)  # no inline script (CSP)


def test_the_dashboard_start_goes_to_today_at_the_own_venue(app, gate_day):
    response = gate_day["desk"].get("/staff/dashboard")
    assert response.headers["Location"] == "/staff/dashboard/CNCC"
    response = gate_day["desk"].get("/staff/dashboard/CNCC")
    assert response.headers["Location"] == f"/staff/dashboard/CNCC/{gate_day['day']}"


def test_a_day_without_fair(app, gate_day):
    other = gate_day["day"] + timedelta(days=100)
    data = numbers(gate_day["desk"], other)
    assert data["open"] is False and data["booked"] == 0
    page = Page.of(gate_day["desk"].get(f"/staff/dashboard/CNCC/{other}?lang=en"))
    assert "no fair day on this date" in page.text
