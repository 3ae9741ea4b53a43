"""The staff page for a venue's zones and forums: who may open and change it (admins, the
venue's supervisors), the forms' refusals beside their fields in Chinese and English with
nothing saved, editing, the audit entries, and CSRF."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))
sys.path.insert(0, str(Path(__file__).parents[1] / "staff"))
from pagetools import Page  # noqa: E402
from staffkit import log_in  # noqa: E402

ZONES = "/staff/operations/CNCC/zones"
NEW_ZONE = f"{ZONES}/new"
NEW_FORUM = "/staff/operations/CNCC/forums/new"


@pytest.fixture
def app(make_app):
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1")  # cheap hashes: many log-ins


@pytest.fixture
def fair(make_fair_day):
    """CNCC and SHOUGANG open tomorrow: the day."""
    day = make_fair_day("CNCC", offset=1)
    make_fair_day("SHOUGANG", offset=1)
    return day


@pytest.fixture
def rooms(app, fair):
    """CNCC-R301 (forum room, capacity 200) with F-1 (09:30-11:00, 120 seats), the hall
    CNCC-H1, and SHOUGANG's hall SG-H1 with F-SG; made with the services."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from registration.extensions import db
    from registration.services import forums, zones

    def at(clock: str):
        return datetime.combine(fair, time.fromisoformat(clock), tzinfo=ZoneInfo("Asia/Shanghai"))

    with app.app_context():
        zones.set_zone("CNCC", "CNCC-R301", kind="forum_room", name_zh="301会议室",
                       name_en="Room 301", capacity=200)
        zones.set_zone("CNCC", "CNCC-H1", kind="hall", name_zh="一号馆", name_en="Hall 1")
        zones.set_zone("SHOUGANG", "SG-H1", kind="hall", name_zh="首钢一号馆",
                       name_en="Shougang Hall 1")
        forums.set_forum("F-1", zone_code="CNCC-R301", title_zh="数字贸易论坛",
                         title_en="Digital trade forum", starts=at("09:30"), ends=at("11:00"),
                         seats=120, kinds=["visitor", "professional"])
        forums.set_forum("F-SG", zone_code="SG-H1", title_zh="文旅论坛", title_en="Culture",
                         starts=at("10:00"), ends=at("11:00"), seats=30)
        db.session.commit()
    return fair


@pytest.fixture
def admin(staff_client, rooms):
    return staff_client("admin")


@pytest.fixture
def audit_entries(app):
    """``audit_entries("forum_set")`` -> [(username, venue, target, details)]."""
    from registration.extensions import db
    from registration.models import AuditEntry

    def read(action: str):
        with app.app_context():
            return [(e.username, e.venue_code, e.target, json.loads(e.details or "null"))
                    for e in db.session.scalars(select(AuditEntry).where(
                        AuditEntry.action == action).order_by(AuditEntry.id))]

    return read


def zone_form(**changes) -> dict:
    form = {"code": "CNCC-R305", "kind": "forum_room", "name_zh": "305会议室",
            "name_en": "Room 305", "capacity": "80", "kinds": [], "gates": ""}
    form.update(changes)
    return form


def forum_form(day, **changes) -> dict:
    form = {"code": "F-2", "zone": "CNCC-R301", "title_zh": "绿色金融", "title_en": "Green finance",
            "starts": f"{day}T13:00", "ends": f"{day}T14:30", "seats": "50", "kinds": [],
            "doors_open_minutes": "30", "admit_until_minutes": "20",
            "registration_opens": "", "registration_closes": ""}
    form.update({key: value(day) if callable(value) else value
                 for key, value in changes.items()})
    return form


def test_the_page_lists_the_venues_zones_and_forums_only(admin, rooms):
    page = Page.of(admin.get(f"{ZONES}?lang=en"))
    zones = page.root.find("ul", id="zone-list")
    assert [row["data-zone"] for row in zones.find_all("li", data_zone=True)] == [
        "CNCC-H1", "CNCC-R301"]
    room = zones.find("li", data_zone="CNCC-R301")
    assert room.text == ("CNCC-R301 · Room 301 Forum room · Capacity 200 Pass kinds: Every kind "
                         "Door gates: CNCC-R301")
    assert room.find("a")["href"] == f"{ZONES}/CNCC-R301"
    forum = page.root.find("li", data_forum="F-1")
    assert forum.text == (f"F-1 · Digital trade forum {rooms} 09:30–11:00 · CNCC-R301 "
                          "Seats taken / total: 0 / 120 "
                          "Pass kinds: Professional visitor, Visitor")
    assert forum.find("a")["href"] == "/staff/operations/CNCC/forums/F-1"
    assert page.root.find("li", data_forum="F-SG") is None
    assert page.link("Add a zone") == NEW_ZONE and page.link("Add a forum") == NEW_FORUM
    chinese = Page.of(admin.get(f"{ZONES}?lang=zh"))
    assert "论坛会议室" in chinese.text and "专业观众, 观众" in chinese.text
    operations = Page.of(admin.get("/staff/operations/CNCC?lang=en"))
    assert operations.link("Zones and forums") == ZONES


def test_a_zone_is_added_then_edited_and_audited(admin, rooms, audit_entries):
    made = admin.post(NEW_ZONE, data=zone_form(code=" cncc-mc ", kind="media_centre",
                                               capacity="", kinds=["media", "guest"],
                                               gates="cncc-mc1, CNCC-MC2"))
    assert made.status_code == 302
    assert made.headers["Location"] == f"{ZONES}/CNCC-MC"
    page = Page.of(admin.get(f"{ZONES}/CNCC-MC?lang=en"))
    assert page.h1 == "Zone CNCC-MC" and "Zone saved." in page.text
    assert page.value_of("kind") == "media_centre" and page.value_of("capacity") == ""
    assert page.root.find("input", id="kinds-media")["checked"] is not None
    assert page.root.find("input", id="kinds-visitor")["checked"] is None
    assert "Door gates: CNCC-MC1, CNCC-MC2" in page.text
    edited = admin.post(f"{ZONES}/CNCC-MC", data=zone_form(
        code="IGNORED", kind="media_centre", name_en="Press centre", capacity="40",
        kinds=["media"], closes="21:30"))
    assert edited.status_code == 302
    assert Page.of(admin.get(f"{ZONES}/CNCC-MC")).value_of("closes") == "21:30"
    listed = Page.of(admin.get(f"{ZONES}?lang=en")).root.find("li", data_zone="CNCC-MC")
    assert listed.text == ("CNCC-MC · Press centre Media centre · Capacity 40 Pass kinds: Media "
                           "Door gates: CNCC-MC1, CNCC-MC2")
    [created, changed] = audit_entries("zone_set")
    assert created[:3] == ("admin-all", "CNCC", "CNCC-MC") and created[3]["before"] is None
    assert changed == ("admin-all", "CNCC", "CNCC-MC", {
        "before": {"name_en": "Room 305", "capacity": None, "kinds": ["guest", "media"],
                   "closes": None},
        "after": {"name_en": "Press centre", "capacity": 40, "kinds": ["media"],
                  "closes": "21:30"}})


def test_a_forum_is_added_then_edited_and_audited(app, admin, rooms, audit_entries):
    made = admin.post(NEW_FORUM, data=forum_form(rooms, code="f-2", kinds=["professional"],
                                                 registration_closes=f"{rooms}T12:00"))
    assert made.status_code == 302 and made.headers["Location"] == \
        "/staff/operations/CNCC/forums/F-2"
    page = Page.of(admin.get("/staff/operations/CNCC/forums/F-2?lang=en"))
    assert page.h1 == "Forum F-2" and "Forum saved." in page.text
    assert page.value_of("starts") == f"{rooms}T13:00"
    assert page.value_of("registration_closes") == f"{rooms}T12:00"
    assert page.value_of("registration_opens") == "" and page.value_of("zone") == "CNCC-R301"
    assert "Seats taken: 0 of 50." in page.text
    edited = admin.post("/staff/operations/CNCC/forums/F-2", data=forum_form(
        rooms, code="IGNORED", zone="CNCC-H1", seats="60", admit_until_minutes="10",
        registration_closes="", kinds=["professional"]))
    assert edited.status_code == 302
    row = Page.of(admin.get(f"{ZONES}?lang=en")).root.find("li", data_forum="F-2")
    assert row.text == (f"F-2 · Green finance {rooms} 13:00–14:30 · CNCC-H1 "
                        "Seats taken / total: 0 / 60 Pass kinds: Professional visitor")
    [created, changed] = audit_entries("forum_set")[-2:]
    assert created[:3] == ("admin-all", "CNCC", "F-2")
    assert created[3]["after"]["registration_closes"] == f"{rooms}T12:00+08:00"
    assert changed == ("admin-all", "CNCC", "F-2", {
        "before": {"zone": "CNCC-R301", "seats": 50, "admit_until_minutes": 20,
                   "registration_closes": f"{rooms}T12:00+08:00"},
        "after": {"zone": "CNCC-H1", "seats": 60, "admit_until_minutes": 10,
                  "registration_closes": None}})


@pytest.mark.parametrize(("changes", "field", "english", "chinese"), [
    ({"code": "bad code"}, "code", "A code is 1 to 20 upper-case letters", "编号须为"),
    ({"code": ""}, "code", "Enter a zone code", "请输入区域编号"),
    ({"code": "CNCC-R301"}, "code", "This zone code exists already", "该区域编号已存在"),
    ({"code": "SG-H1"}, "code", "This zone code belongs to another venue", "另一个场馆"),
    ({"kind": "lounge"}, "kind", "The zone kind must be one of", "区域类型须为"),
    ({"name_zh": ""}, "name_zh", "Enter the Chinese name", "请输入中文名称"),
    ({"name_en": "x" * 151}, "name_zh", "The name is too long", "名称过长"),
    ({"capacity": "0"}, "capacity", "The capacity must be a whole number", "容量须为正整数"),
    ({"capacity": "-1"}, "capacity", "The capacity must be a whole number", "容量须为正整数"),
    ({"capacity": "abc"}, "capacity", "The capacity must be a whole number", "容量须为正整数"),
    ({"capacity": "9" * 30}, "capacity", "At most 1,000,000", "不能超过 1,000,000"),
    ({"kinds": ["media", "gust"]}, "kinds", "Unknown pass kind: gust", "没有这种证件类型"),
    ({"gates": "CNCC-E1"}, "gates", "Gate CNCC-E1 belongs to CNCC (entrance)", "不能用作"),
    ({"gates": "CNCC-R301"}, "gates", "Gate CNCC-R301 belongs to CNCC-R301", "不能用作"),
    ({"closes": "25:00"}, "closes", "A closing time is HH:MM", "关闭时间须为 HH:MM"),
    ({"gates": "CNCC/R9"}, "gates", "A code is 1 to 20", "编号须为"),
])
def test_zone_form_mistakes_show_beside_their_field_and_save_nothing(
        app, admin, audit_entries, changes, field, english, chinese):
    from registration.extensions import db
    from registration.models import Gate, Zone

    def counts():
        with app.app_context():
            return (db.session.scalar(select(func.count()).select_from(Zone)),
                    db.session.scalar(select(func.count()).select_from(Gate)))

    before = counts()
    for lang, message in (("en", english), ("zh", chinese)):
        response = admin.post(f"{NEW_ZONE}?lang={lang}", data=zone_form(**changes))
        assert response.status_code in (409, 422)
        page = Page.of(response)
        assert message in page.error_for(field), page.text
        assert page.root.find(class_="error-summary") is not None
    assert counts() == before and audit_entries("zone_set") == []


def test_a_zone_capacity_below_a_forums_seats_is_refused_on_the_edit_page(admin, rooms):
    response = admin.post(f"{ZONES}/CNCC-R301?lang=en", data=zone_form(capacity="100"))
    assert response.status_code == 422
    assert "below the seats of a forum in this zone (120)" in \
        Page.of(response).error_for("capacity")


def _far(day):
    from datetime import timedelta

    return day + timedelta(days=40)


@pytest.mark.parametrize(("changes", "field", "english", "chinese"), [
    ({"zone": "CNCC-R999"}, "zone", "Unknown zone", "没有这个区域"),
    ({"zone": "SG-H1"}, "zone", "Unknown zone", "没有这个区域"),  # another venue's
    ({"zone": ""}, "zone", "Choose the room", "请选择"),
    ({"code": "F-1"}, "code", "This forum code exists already", "该论坛编号已存在"),
    ({"code": "F-SG"}, "code", "This forum code exists already", "该论坛编号已存在"),
    ({"title_en": ""}, "title_en", "Enter the English title", "请输入英文标题"),
    ({"starts": "tomorrow"}, "starts", "A time is ISO 8601", "ISO 8601"),
    ({"ends": lambda d: f"{d}T12:00"}, "ends", "The end must come after the start", "结束时间"),
    ({"starts": lambda d: f"{_far(d)}T10:00", "ends": lambda d: f"{_far(d)}T11:00"}, "starts",
     "That day is not a fair day", "不是展会日"),
    ({"seats": "0"}, "seats", "The seats must be a whole number of 1 or more", "座位数须为"),
    ({"seats": "lots"}, "seats", "The seats must be a whole number", "座位数须为"),
    ({"seats": "201"}, "seats", "The seats cannot exceed the zone's capacity", "容量"),
    ({"seats": "9" * 30, "zone": "CNCC-H1"}, "seats", "At most 1,000,000", "不能超过"),
    ({"kinds": ["vip"]}, "kinds", "Unknown pass kind: vip", "没有这种证件类型"),
    ({"doors_open_minutes": "-1"}, "doors_open_minutes", "Minutes are a whole number", "分钟数"),
    ({"admit_until_minutes": ""}, "admit_until_minutes", "Minutes are a whole number", "分钟数"),
    ({"registration_opens": lambda d: f"{d}T12:00",
      "registration_closes": lambda d: f"{d}T11:00"}, "registration_closes",
     "Registration must close after it opens", "报名截止须晚于"),
    ({"starts": lambda d: f"{d}T10:00"}, "starts", "Overlaps forum F-1 in the same room",
     "时间重叠"),
])
def test_forum_form_mistakes_show_beside_their_field_and_save_nothing(
        admin, rooms, audit_entries, changes, field, english, chinese):
    before = audit_entries("forum_set")
    for lang, message in (("en", english), ("zh", chinese)):
        response = admin.post(f"{NEW_FORUM}?lang={lang}", data=forum_form(rooms, **changes))
        assert response.status_code in (409, 422)
        page = Page.of(response)
        assert message in page.error_for(field), page.text
    assert audit_entries("forum_set") == before


def test_seats_below_those_taken_are_refused_on_the_edit_page(app, admin, rooms):
    from registration.extensions import db
    from registration.models import Forum

    with app.app_context():
        db.session.execute(Forum.__table__.update().where(Forum.code == "F-1")
                           .values(seats_taken=90))
        db.session.commit()
    url = "/staff/operations/CNCC/forums/F-1?lang=en"
    page = Page.of(admin.get(url))
    assert "Seats taken: 90 of 120." in page.text and page.value_of("seats") == "120"
    data = forum_form(rooms, starts=f"{rooms}T09:30", ends=f"{rooms}T11:00", seats="89")
    response = admin.post(url, data=data)
    assert response.status_code == 422
    assert "cannot go below the seats already taken" in Page.of(response).error_for("seats")
    assert admin.post(url, data={**data, "seats": "90"}).status_code == 302


def test_another_venues_zones_and_forums_are_not_found(admin, rooms):
    for url in (f"{ZONES}/SG-H1", f"{ZONES}/NOPE", "/staff/operations/CNCC/forums/F-SG",
                "/staff/operations/CNCC/forums/NOPE", "/staff/operations/NOWHERE/zones"):
        assert admin.get(url).status_code == 404, url
    assert admin.post(f"{ZONES}/SG-H1", data=zone_form()).status_code == 404
    assert admin.post("/staff/operations/CNCC/forums/F-SG",
                      data=forum_form(rooms, zone="CNCC-H1")).status_code == 404


NONE, DESK, DESK_OTHER, SUP, SUP_OTHER, ADMIN = (
    "none", "desk", "desk@other", "supervisor", "supervisor@other", "admin")
ACTORS = (NONE, DESK, DESK_OTHER, SUP, SUP_OTHER, ADMIN)
# name: (method, url, form) with {n} a number per actor; every one is for managers of
# CNCC (admins, CNCC supervisors): 200 for a page, 302 after a change.
ENDPOINTS = {
    "zones": ("GET", ZONES, None),
    "zone_new": ("GET", NEW_ZONE, None),
    "zone_add": ("POST", NEW_ZONE, {"code": "CNCC-Z{n}", "kind": "hall", "name_zh": "馆",
                                    "name_en": "Hall {n}"}),
    "zone_edit": ("GET", f"{ZONES}/CNCC-H1", None),
    "zone_save": ("POST", f"{ZONES}/CNCC-H1", {"kind": "hall", "name_zh": "一号馆",
                                               "name_en": "Hall {n}", "capacity": "5{n}"}),
    "forum_new": ("GET", NEW_FORUM, None),
    "forum_add": ("POST", NEW_FORUM, {"code": "F-H{n}", "zone": "CNCC-H1", "title_zh": "会",
                                      "title_en": "Talk {n}", "starts": "{day}T15:00",
                                      "ends": "{day}T16:00", "seats": "10",
                                      "doors_open_minutes": "30", "admit_until_minutes": "20"}),
    "forum_edit": ("GET", "/staff/operations/CNCC/forums/F-1", None),
    "forum_save": ("POST", "/staff/operations/CNCC/forums/F-1",
                   {"zone": "CNCC-R301", "title_zh": "数字贸易论坛", "title_en": "Trade {n}",
                    "starts": "{day}T09:30", "ends": "{day}T11:00", "seats": "12{n}",
                    "doors_open_minutes": "30", "admit_until_minutes": "20"}),
}


def expected(method: str, actor: str) -> int:
    if actor == NONE:
        return 302  # to the log-in page
    if actor in (DESK, DESK_OTHER, SUP_OTHER):
        return 403
    return 200 if method == "GET" else 302


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_only_admins_and_the_venues_supervisors_may_open_or_change_it(
        app, rooms, make_staff, audit_entries, name):
    method, url, data = ENDPOINTS[name]
    accounts = {DESK: make_staff("desk", "CNCC"), DESK_OTHER: make_staff("desk", "SHOUGANG"),
                SUP: make_staff("supervisor", "CNCC"),
                SUP_OTHER: make_staff("supervisor", "SHOUGANG"), ADMIN: make_staff("admin")}
    seen, wanted = {}, {}
    for n, actor in enumerate(ACTORS):
        client = app.test_client()
        if actor != NONE:
            assert log_in(client, accounts[actor]).status_code == 302
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={k: v.format(n=n, day=rooms)
                                              for k, v in data.items()})
        seen[actor], wanted[actor] = response.status_code, expected(method, actor)
        if actor == NONE:
            assert "/staff/login" in response.headers["Location"]
    assert seen == wanted
    changes = audit_entries("zone_set") + audit_entries("forum_set")
    assert sorted(user for user, *_ in changes) == (
        [] if method == "GET" else sorted([accounts[SUP], accounts[ADMIN]]))


@pytest.fixture
def csrf_app(make_app):
    return make_app(WTF_CSRF_ENABLED=True, STAFF_PASSWORD_HASH="scrypt:1024:8:1")


def test_forms_without_their_csrf_token_are_refused_and_save_nothing(
        csrf_app, make_fair_day, audit_entries):
    from registration.extensions import db
    from registration.services import staff

    day = make_fair_day("CNCC", offset=1)
    with csrf_app.app_context():
        staff.create_user("boss", "admin", "correct horse battery")
        db.session.commit()
    client = csrf_app.test_client()
    login_token = Page.of(client.get("/staff/login")).root.find("input", name="csrf_token")
    assert log_in(client, "boss", csrf_token=login_token["value"]).status_code == 302
    zone = zone_form(code="CNCC-R301")
    for token in (None, "forged"):
        body = dict(zone, **({"csrf_token": token} if token else {}))
        assert client.post(NEW_ZONE, data=body).status_code == 400
        body = dict(forum_form(day), **({"csrf_token": token} if token else {}))
        assert client.post(NEW_FORUM, data=body).status_code == 400
    assert audit_entries("zone_set") == [] and audit_entries("forum_set") == []
    token = Page.of(client.get(NEW_ZONE)).root.find("input", name="csrf_token")["value"]
    assert client.post(NEW_ZONE, data={**zone, "csrf_token": token}).status_code == 302
    token = Page.of(client.get(NEW_FORUM)).root.find("input", name="csrf_token")["value"]
    assert client.post(NEW_FORUM, data={**forum_form(day), "csrf_token": token}
                       ).status_code == 302
    assert [target for _, _, target, _ in audit_entries("forum_set")] == ["F-2"]
