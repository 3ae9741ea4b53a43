"""One visitor, one stored name: the JSON API, the booking form, a group's CSV and JSON and
the walk-in desk all go through the actions, which normalise a name once; the desk's
booking is audited once, in the desk member's name."""
from __future__ import annotations

import csv
import io

import pytest

NAMES = [
    ("  Anna   Maria\tERIKSSON ", "Anna Maria ERIKSSON"),
    (" 欧阳\u3000 娜娜  ", "欧阳 娜娜"),  # a full-width space too
    # Decomposed accents (as some keyboards send them) and a line break in a spreadsheet cell.
    ("Jose\u0301\n  Ordo\u0301n\u0303ez", "José Ordóñez"),
]
ORGANISATION = ("  ACME   Trade  Delegation ", "ACME Trade Delegation")
PHONE = "+86 138 0013 8000"


def group_csv(number: str, name: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["document_type", "document_number", "document_country", "name", "phone",
                     "email"])
    writer.writerow(["cn_resident_id", number, "", name, PHONE, ""])
    return out.getvalue().encode()


@pytest.fixture
def channels(app, client, today, desk_client, booking_body, make_resident_id):
    """``channels(name)``: book one visitor through every channel with this typed name."""

    def through_the_api(name):
        response = client.post("/api/v1/appointments",
                               json=booking_body(today, name=name, email=None))
        assert response.status_code == 201, response.get_json()

    def through_the_booking_form(name):
        response = client.post(f"/book/CNCC/{today.isoformat()}", data={
            "document_type": "cn_resident_id", "document_number": make_resident_id(),
            "document_country": "", "name": name, "phone": PHONE, "email": "",
            "consent": "y"})
        assert response.status_code == 302, response.get_data(as_text=True)

    def through_the_group_csv(name):
        members = group_csv(make_resident_id(), name)
        response = client.post("/group", content_type="multipart/form-data", data={
            "organisation": ORGANISATION[0], "option": f"CNCC|{today.isoformat()}|",
            "consent": "y", "members": (io.BytesIO(members), "members.csv")})
        assert response.status_code == 302, response.get_data(as_text=True)

    def through_the_group_api(name):
        response = client.post("/api/v1/groups", json={
            "organisation": ORGANISATION[0], "venue": "CNCC", "date": today.isoformat(),
            "consent": True, "lang": "en", "members": [{
                "document": {"type": "cn_resident_id", "number": make_resident_id()},
                "name": name, "phone": PHONE, "email": None}]})
        assert response.status_code == 201, response.get_json()

    desk, _ = desk_client()

    def at_the_desk(name):
        response = desk.post("/staff/desk/CNCC", data={"line": make_resident_id(),
                                                       "name": name, "consent": "y"})
        assert response.status_code == 302, response.get_data(as_text=True)

    def book_everywhere(name):
        for channel in (through_the_api, through_the_booking_form, through_the_group_csv,
                        through_the_group_api, at_the_desk):
            channel(name)

    return book_everywhere


@pytest.mark.parametrize("typed, expected", NAMES)
def test_every_channel_stores_the_same_name_for_the_same_input(channels, stored, typed,
                                                               expected):
    channels(typed)
    rows = stored()
    assert [row.channel for row in rows] == ["online", "online", "group", "group", "walk_in"]
    assert {row.name for row in rows} == {expected}
    assert len({row.name_masked for row in rows}) == 1
    assert [row.organisation for row in rows if row.channel == "group"] == \
        [ORGANISATION[1]] * 2


def test_a_desk_booking_is_audited_once_in_the_desk_members_name(
        app, today, desk_client, make_resident_id, stored, audit_entries):
    from registration.services import staff

    desk, username = desk_client()
    with app.app_context():
        user_id = staff.find_user(username).id
    number = make_resident_id()
    asked = desk.post("/staff/desk/CNCC", data={"line": number})  # no name, no consent yet
    assert asked.status_code == 200 and stored() == []
    booked = desk.post("/staff/desk/CNCC",
                       data={"line": number, "name": "  Li   Lei ", "consent": "y"})
    assert booked.status_code == 302
    [appointment] = stored()
    assert appointment.name == "Li Lei"
    desk_entries = [entry for entry in audit_entries() if entry[2].startswith("desk_")]
    assert desk_entries == [(username, user_id, "desk_booking", "CNCC", appointment.code)]
    found = desk.post("/staff/desk/CNCC", data={"line": number})  # the same card again
    assert found.status_code == 302 and len(stored()) == 1
    desk_entries = [entry for entry in audit_entries() if entry[2].startswith("desk_")]
    assert desk_entries[1:] == [(username, user_id, "desk_found", "CNCC", appointment.code)]


def test_the_booking_action_normalises_and_refuses_for_any_adapter(app, today,
                                                                   make_resident_id, stored):
    """An adapter that checked nothing still stores the normalised name, and a name the
    rule refuses is a 422 naming the field, with nothing booked."""
    from gate.documents import parse_document
    from registration.actions import appointments
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services import booking
    from registration.services.errors import InvalidInput

    def visitor(name):
        document = parse_document("cn_resident_id", make_resident_id(), None)
        return booking.Visitor(document=document, name=name, phone=f"  {PHONE} ", email="  ")

    with app.app_context():
        with unit_of_work():
            booked = appointments.book(Actor.visitor(), venue="CNCC", day=today, slot=None,
                                       visitor=visitor(NAMES[0][0]), consent=True)
        assert booked.email is None
        with pytest.raises(InvalidInput) as refused, unit_of_work():
            appointments.book(Actor.visitor(), venue="CNCC", day=today, slot=None,
                              visitor=visitor("ANNA\u200bMARIA"), consent=True)
    assert refused.value.code == "invalid_name" and set(refused.value.fields) == {"name"}
    assert [row.name for row in stored()] == [NAMES[0][1]]


def test_the_group_action_names_every_refused_member_and_books_nobody(
        app, today, make_resident_id, stored):
    from registration.actions import groups as group_actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.services.errors import InvalidInput
    from registration.services.groups import MemberInput

    names = ["张三", "ALICE\u202eEVIL", "   ", NAMES[1][0]]
    members = [MemberInput("cn_resident_id", make_resident_id(), None, name) for name in names]
    with app.app_context(), pytest.raises(InvalidInput) as refused, unit_of_work():
        group_actions.book_group(Actor.visitor(), organisation="ACME", venue="CNCC", day=today,
                                 slot=None, members=members, consent=True, lang="en")
    assert set(refused.value.fields) == {"members.1.name", "members.2.name"}
    assert stored() == []
