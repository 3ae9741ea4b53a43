"""Every staff page and endpoint, with no account and with each role at its own venue and
at another venue: 200 / 302 / 401 / 403 exactly as designed (registration/web/staff/access.py).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from staffkit import log_in

NONE, DESK, DESK_OTHER, SUP, SUP_OTHER, ADMIN = (
    "none", "desk", "desk@other", "supervisor", "supervisor@other", "admin")
ACTORS = (NONE, DESK, DESK_OTHER, SUP, SUP_OTHER, ADMIN)
ALL_ROLES = {DESK, SUP, ADMIN}
MANAGERS = {SUP, ADMIN}
ADMINS = {ADMIN}

# name: (method, url, form data, roles allowed at CNCC, status when allowed, venue-scoped)
# Form data and URLs may use {day}, {later}, {code}, {device}, {n} (a number per actor).
ENDPOINTS = {
    "start": ("GET", "/staff/", None, ALL_ROLES, 302, False),
    "logout": ("POST", "/staff/logout", {}, ALL_ROLES, 302, False),
    "desk_start": ("GET", "/staff/desk", None, ALL_ROLES, {ADMIN: 200, "*": 302}, False),
    "desk": ("GET", "/staff/desk/CNCC", None, ALL_ROLES, 200, True),
    "desk_post": ("POST", "/staff/desk/CNCC", {"line": "{number}"}, ALL_ROLES, 200, True),
    "search_start": ("GET", "/staff/appointments", None, ALL_ROLES, {ADMIN: 200, "*": 302},
                     False),
    "search": ("GET", "/staff/appointments/CNCC?q={code}", None, ALL_ROLES, 200, True),
    "search_post": ("POST", "/staff/appointments/CNCC", {"q": "{number}"}, ALL_ROLES, 200,
                    True),
    "appointment": ("GET", "/staff/appointments/CNCC/{code}", None, ALL_ROLES, 200, True),
    "label": ("GET", "/staff/appointments/CNCC/{code}/label/58", None, ALL_ROLES, 200, True),
    "label_css": ("GET", "/staff/appointments/CNCC/{code}/label-80.css", None, ALL_ROLES, 200,
                  True),
    "label_png": ("GET", "/staff/appointments/CNCC/{code}/label-58.png", None, ALL_ROLES, 200,
                  True),
    "label_pdf": ("GET", "/staff/appointments/CNCC/{code}/label-80.pdf", None, ALL_ROLES, 200,
                  True),
    "revoke_pass": ("POST", "/staff/appointments/CNCC/{code}/revoke", {"reason": "lost card"},
                    MANAGERS, 302, True),
    "dashboard_start": ("GET", "/staff/dashboard", None, ALL_ROLES, {ADMIN: 200, "*": 302},
                        False),
    "dashboard_venue": ("GET", "/staff/dashboard/CNCC", None, ALL_ROLES, 302, True),
    "dashboard": ("GET", "/staff/dashboard/CNCC/{day}", None, ALL_ROLES, 200, True),
    "dashboard_json": ("GET", "/staff/dashboard/CNCC/{day}.json", None, ALL_ROLES, 200, True),
    "operations_start": ("GET", "/staff/operations", None, MANAGERS, {ADMIN: 200, "*": 302},
                         False),
    "operations": ("GET", "/staff/operations/CNCC", None, MANAGERS, 200, True),
    "gate_add": ("POST", "/staff/operations/CNCC/gates", {"code": "CNCC-G{n}"}, MANAGERS, 302,
                 True),
    "day_add": ("POST", "/staff/operations/CNCC/days",
                {"date": "{later}", "quota": "50", "walk_in_reserve": "5", "opens": "09:00",
                 "closes": "17:00"}, MANAGERS, 302, True),
    "day_edit": ("GET", "/staff/operations/CNCC/days/{day}", None, MANAGERS, 200, True),
    "day_save": ("POST", "/staff/operations/CNCC/days/{day}",
                 {"quota": "10", "walk_in_reserve": "3", "opens": "00:00", "closes": "23:59",
                  "occupancy_limit": "50"}, MANAGERS, 302, True),
    "slot_set": ("POST", "/staff/operations/CNCC/days/{day}/slots",
                 {"code": "S{n}", "starts": "00:00", "ends": "23:59", "quota": "10"},
                 MANAGERS, 302, True),
    "devices_start": ("GET", "/staff/devices", None, MANAGERS, {ADMIN: 200, "*": 302}, False),
    "devices": ("GET", "/staff/devices/CNCC", None, MANAGERS, 200, True),
    "enroll_code": ("POST", "/staff/devices/CNCC/codes", {"gate": "CNCC-E1", "hours": "2"},
                    MANAGERS, 200, True),
    "device_revoke": ("POST", "/staff/devices/CNCC/{device}/revoke", {}, MANAGERS, 302, True),
    "exports_start": ("GET", "/staff/exports", None, MANAGERS, {ADMIN: 200, "*": 302}, False),
    "exports": ("GET", "/staff/exports/CNCC", None, MANAGERS, 200, True),
    "export_appointments": ("GET", "/staff/exports/CNCC/{day}/appointments.csv", None,
                            MANAGERS, 200, True),
    "export_checkins": ("GET", "/staff/exports/CNCC/{day}/checkins.csv", None, MANAGERS, 200,
                        True),
    "export_report": ("GET", "/staff/exports/CNCC/{day}/report.pdf", None, MANAGERS, 200, True),
    "venues": ("GET", "/staff/venues", None, ADMINS, 200, False),
    "venue_save": ("POST", "/staff/venues",
                   {"code": "HALL{n}", "name_zh": "新馆", "name_en": "New Hall"}, ADMINS, 302,
                   False),
    "audit": ("GET", "/staff/audit", None, ADMINS, 200, False),
    "purge": ("GET", "/staff/purge", None, ADMINS, 200, False),
    "purge_post": ("POST", "/staff/purge", {"confirm": "PURGE"}, ADMINS, 200, False),
}


def expected(name: str, actor: str) -> int:
    _, url, _, roles, ok, scoped = ENDPOINTS[name]
    if actor == NONE:
        return 401 if url.endswith(".json") else 302
    role = actor.split("@")[0]
    if role not in roles or (scoped and actor.endswith("@other")):
        return 403
    if isinstance(ok, dict):
        return ok.get(role, ok["*"])
    return ok


@pytest.fixture
def world(app, venues, make_staff, make_device, book_online, make_resident_id):
    booked = book_online(venues)
    device = make_device("CNCC", "CNCC-E1")
    accounts = {
        DESK: make_staff("desk", "CNCC"), DESK_OTHER: make_staff("desk", "SHOUGANG"),
        SUP: make_staff("supervisor", "CNCC"), SUP_OTHER: make_staff("supervisor", "SHOUGANG"),
        ADMIN: make_staff("admin"),
    }
    return {"day": venues.isoformat(), "date": venues,
            "code": booked["appointment"]["code"], "device": device.id,
            "accounts": accounts, "number": make_resident_id}


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_every_role_gets_what_the_design_says(app, world, name):
    method, url, data, *_ = ENDPOINTS[name]
    seen, wanted = {}, {}
    for n, actor in enumerate(ACTORS):
        client = app.test_client()
        if actor != NONE:
            assert log_in(client, world["accounts"][actor]).status_code == 302
        values = {**world, "n": n, "number": world["number"](),
                  "later": (world["date"] + timedelta(days=30 + n)).isoformat()}
        target = url.format(**values)
        if method == "GET":
            response = client.get(target)
        else:
            response = client.post(target, data={k: v.format(**values)
                                                 for k, v in (data or {}).items()})
        seen[actor], wanted[actor] = response.status_code, expected(name, actor)
        if wanted[actor] == 302 and actor == NONE:
            assert "/staff/login" in response.headers["Location"]
        if wanted[actor] == 401:
            assert response.get_json()["error"]["code"] == "login_required"
        if wanted[actor] == 403 and url.endswith(".json"):
            assert response.get_json()["error"]["code"] == "forbidden"
    assert seen == wanted


def test_the_login_page_is_open_to_everyone(client):
    assert client.get("/staff/login").status_code == 200


def test_a_logged_in_account_asking_for_the_login_page_goes_home(app, staff_client, venues):
    response = staff_client("desk", "CNCC").get("/staff/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/desk")


def test_another_venues_ids_in_a_url_are_not_found_even_for_admins(
        app, venues, staff_client, book_online, make_device):
    shougang = book_online(venues, venue="SHOUGANG")["appointment"]["code"]
    other_device = make_device("SHOUGANG", "SHOUGANG-E1")
    admin = staff_client("admin")
    for url in (f"/staff/appointments/CNCC/{shougang}",
                f"/staff/appointments/CNCC/{shougang}/label/58",
                f"/staff/appointments/CNCC/{shougang}/label-58.pdf"):
        assert admin.get(url).status_code == 404, url
    assert admin.post(f"/staff/appointments/CNCC/{shougang}/revoke",
                      data={"reason": "test"}).status_code == 404
    assert admin.post(f"/staff/devices/CNCC/{other_device.id}/revoke").status_code == 404
    # ... and the CNCC supervisor may not even look at SHOUGANG's
    supervisor = staff_client("supervisor", "CNCC")
    assert supervisor.get(f"/staff/appointments/SHOUGANG/{shougang}").status_code == 403
    assert supervisor.post(f"/staff/devices/SHOUGANG/{other_device.id}/revoke"
                           ).status_code == 403
    with app.app_context():
        from registration.extensions import db
        from registration.models import Device

        assert db.session.get(Device, other_device.id).revoked_at is None


def test_unknown_venue_and_bad_dates_are_404_for_admins(staff_client, venues):
    admin = staff_client("admin")
    assert admin.get("/staff/desk/NOWHERE").status_code == 404
    assert admin.get("/staff/dashboard/CNCC/2026-02-30").status_code == 404
    assert admin.get(f"/staff/exports/CNCC/{venues}/passwords.csv").status_code == 404
    assert admin.get("/staff/appointments/CNCC/ABCDEFGH/label/70").status_code == 404
