"""Counts by credential kind on the dashboard and in the exports (issued, admitted today,
inside now), and each exhibitor's badges used / quota."""
from __future__ import annotations

import csv
import io

import pytest


@pytest.fixture
def kinds_day(app, venues, book_online, make_device, make_resident_id):
    """CNCC today: two visitor bookings, an exhibitor (9 m², quota 3) with two members, a
    guest valid at every venue; returns the pass serials by kind."""
    from registration.extensions import db
    from registration.services import booking, members, organisations
    from registration.services import credentials as credential_service

    visitors = [book_online(venues)["pass"]["serial"] for _ in range(2)]
    with app.app_context():
        exhibitor = organisations.register(organisations.OrganisationInput(
            name_zh="示例展商", name_en="Example Exhibitor", kind="exhibitor", country="GBR",
            registration_number="GB12345678", contact_name="Anna Eriksson",
            contact_email="anna@example.org", consent=True,
            stand=organisations.Stand("CNCC", "A2", 9)), consent_version="test")
        organisations.approve(exhibitor, decided_by="test")
        staff = [members.add_member(exhibitor, members.MemberInput(
            document_type="cn_resident_id", document_number=make_resident_id(),
            document_country=None, name=name)) for name in ("王五", "赵六")]
        guest = credential_service.create_credential(credential_service.CredentialInput(
            kind="guest", document=booking.validate_document(
                "cn_resident_id", make_resident_id(), None),
            name="钱七", lang="en", consent_version="test", first_day=venues,
            last_day=venues, venue=None), issued_by="staff:test")
        credential_service.approve_credential(guest, decided_by="test")
        db.session.commit()
        serials = {"visitor": visitors,
                   "exhibitor": [member.current_pass.serial for member in staff],
                   "guest": [guest.current_pass.serial], "org": exhibitor.code}
    serials["gate"] = make_device("CNCC", "CNCC-E1")
    return serials


def _by_kind(data) -> dict:
    return {row["kind"]: (row["issued"], row["admitted"], row["inside"])
            for row in data["by_kind"]}


def test_dashboard_counts_by_kind_and_exhibitor_badges(app, venues, kinds_day, post_events,
                                                       staff_client):
    gate = kinds_day["gate"]
    post_events(gate, [(kinds_day["visitor"][0], "in"), (kinds_day["exhibitor"][0], "in"),
                       (kinds_day["guest"][0], "in")])
    post_events(gate, [(kinds_day["guest"][0], "out")])
    client = staff_client("supervisor", "CNCC")
    data = client.get(f"/staff/dashboard/CNCC/{venues.isoformat()}.json").get_json()
    counts = _by_kind(data)
    assert counts["visitor"] == (2, 1, 1)
    assert counts["exhibitor"] == (2, 1, 1)
    assert counts["guest"] == (1, 1, 0)
    assert counts["media"] == counts["staff"] == (0, 0, 0)
    assert "online" not in counts  # no gate pass
    guest_row = next(row for row in data["by_kind"] if row["kind"] == "guest")
    assert guest_row["colour"] == "#c62828" and guest_row["name"] == {"zh": "嘉宾",
                                                                      "en": "Guest"}
    assert [(o["code"], o["used"], o["quota"]) for o in data["exhibitors"]] == [
        (kinds_day["org"], 2, 3)]
    page = client.get(f"/staff/dashboard/CNCC/{venues.isoformat()}").get_data(as_text=True)
    assert "kind-tag-exhibitor" in page and "2 / 3" in page and "示例展商" in page
    css = client.get("/staff/kinds.css").get_data(as_text=True)
    assert ".kind-tag-exhibitor { background: #2e7d32; }" in css

    # The guest is valid at every venue; the exhibitor's stand is at CNCC only.
    admin = staff_client("admin")
    other = _by_kind(admin.get(f"/staff/dashboard/SHOUGANG/{venues.isoformat()}.json")
                     .get_json())
    assert other["guest"] == (1, 0, 0) and other["exhibitor"] == (0, 0, 0)


def _rows(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_exports_by_kind_and_exhibitor_badges(app, venues, kinds_day, post_events,
                                              staff_client, audit_actions):
    post_events(kinds_day["gate"], [(kinds_day["exhibitor"][1], "in")])
    client = staff_client("supervisor", "CNCC")
    day = venues.isoformat()
    rows = _rows(client.get(f"/staff/exports/CNCC/{day}/kinds.csv"))
    exhibitor = next(row for row in rows if row["kind"] == "exhibitor")
    assert exhibitor == {"venue": "CNCC", "date": day, "kind": "exhibitor", "kind_zh": "参展商",
                         "kind_en": "Exhibitor", "colour": "#2e7d32", "issued": "2",
                         "admitted": "1", "inside": "1"}
    assert [row["kind"] for row in rows][:3] == ["visitor", "professional", "exhibitor"]
    badges = _rows(client.get(f"/staff/exports/CNCC/{day}/exhibitor-badges.csv"))
    assert badges == [{"venue": "CNCC", "organisation": kinds_day["org"],
                       "name_zh": "示例展商", "name_en": "Example Exhibitor", "hall": "A2",
                       "badges_used": "2", "badge_quota": "3"}]
    assert ("supervisor-cncc", "export", "CNCC", f"{day} kinds.csv") in audit_actions()
    page = client.get("/staff/exports/CNCC").get_data(as_text=True)
    assert "kinds.csv" in page and "exhibitor-badges.csv" in page
    assert staff_client("desk", "CNCC").get(
        f"/staff/exports/CNCC/{day}/kinds.csv").status_code == 403
