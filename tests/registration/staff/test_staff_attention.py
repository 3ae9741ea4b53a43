"""The staff page of check-in texts: listing them, setting one for a kind, an organisation or
a pass and removing it (audited ``attention_set``), each refusal beside its field in Chinese
and English with nothing saved (the rules of `fairgate attention`), and only for admins."""
from __future__ import annotations

import json

import pytest
from pagetools import Page
from sqlalchemy import select
from staffkit import log_in

PAGE = "/staff/attention"


@pytest.fixture
def admin(staff_client, venues):
    return staff_client("admin")


@pytest.fixture
def targets(app, venues, book_online, org_body):
    """An organisation's code and a booked pass's serial."""
    booked = book_online(venues)
    made = app.test_client().post("/api/v1/organisations", json=org_body())
    assert made.status_code == 201, made.get_json()
    return {"org": made.get_json()["organisation"]["code"],
            "serial": booked["pass"]["serial"], "number": booked["number"]}


def _note(**fields) -> dict:
    form = {"kind": "", "organisation": "", "serial": "", "text_zh": "请引导至贵宾通道",
            "text_en": "Show the way to the VIP lane", "decision": "set"}
    form.update(fields)
    return form


def _audit(app) -> list[tuple]:
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        found = [(e.username, e.target, json.loads(e.details)) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "attention_set")
            .order_by(AuditEntry.id))]
        db.session.remove()
    return found


def _listed(page: Page) -> dict[str, str]:
    notes = page.root.find("ul", id="note-list")
    return {} if notes is None else {
        row["data-target"]: row.text for row in notes.find_all("li", data_target=True)}


def test_texts_are_set_for_a_kind_an_organisation_and_a_pass_then_listed(
        app, admin, targets):
    assert Page.of(admin.get(f"{PAGE}?lang=en")).h1 == "Check-in texts"
    saved = admin.post(PAGE, data=_note(kind="guest", needs_staff="y"))
    assert saved.status_code == 302 and saved.headers["Location"] == PAGE
    assert admin.post(PAGE, data=_note(organisation=targets["org"].lower(),
                                       text_zh="展商证件", text_en="Exhibitor badge")
                      ).status_code == 302
    assert admin.post(PAGE, data=_note(serial=f" {targets['serial'].lower()} ",
                                       text_zh="请联系  主管", text_en="Call the supervisor")
                      ).status_code == 302
    page = Page.of(admin.get(f"{PAGE}?lang=en"))
    assert f"Check-in text of pass:{targets['serial']} saved." in page.text
    listed = _listed(page)
    assert list(listed) == ["kind:guest", f"org:{targets['org']}", f"pass:{targets['serial']}"]
    assert listed["kind:guest"] == ("Kind: Guest · Needs staff 请引导至贵宾通道 "
                                    "Show the way to the VIP lane Remove this text")
    assert listed[f"org:{targets['org']}"].startswith(
        f"Organisation: {targets['org']} · Beijing Example Technology Co., Ltd. 展商证件")
    assert listed[f"pass:{targets['serial']}"] == (
        f"Pass: {targets['serial']} 请联系 主管 Call the supervisor Remove this text")
    assert "需工作人员" in Page.of(admin.get(f"{PAGE}?lang=zh")).text
    assert _audit(app) == [
        ("admin-all", "kind:guest", {"text_zh": "请引导至贵宾通道",
                                     "text_en": "Show the way to the VIP lane",
                                     "needs_staff": True, "removed": False}),
        ("admin-all", f"org:{targets['org']}", {"text_zh": "展商证件",
                                                "text_en": "Exhibitor badge",
                                                "needs_staff": False, "removed": False}),
        ("admin-all", f"pass:{targets['serial']}", {"text_zh": "请联系 主管",
                                                    "text_en": "Call the supervisor",
                                                    "needs_staff": False, "removed": False})]
    replaced = admin.post(PAGE, data=_note(kind="guest", text_en="Escort to the lounge"))
    assert replaced.status_code == 302
    assert "Escort to the lounge" in _listed(Page.of(admin.get(PAGE)))["kind:guest"]
    assert "Needs staff" not in _listed(Page.of(admin.get(f"{PAGE}?lang=en")))["kind:guest"]


def test_a_text_is_removed_with_its_button_and_audited(app, admin, targets):
    admin.post(PAGE, data=_note(serial=targets["serial"]))
    page = Page.of(admin.get(f"{PAGE}?lang=en"))
    row = page.root.find("li", data_target=f"pass:{targets['serial']}")
    button = {node["name"]: node["value"] for node in row.find_all("input")}
    assert button["serial"] == targets["serial"]
    removed = admin.post(PAGE, data={**button, "decision": "remove"})
    assert removed.status_code == 302
    page = Page.of(admin.get(f"{PAGE}?lang=en"))
    assert f"Check-in text of pass:{targets['serial']} removed." in page.text
    assert _listed(page) == {} and "No check-in texts yet." in page.text
    assert _audit(app)[-1] == ("admin-all", f"pass:{targets['serial']}", {
        "text_zh": "请引导至贵宾通道", "text_en": "Show the way to the VIP lane",
        "needs_staff": False, "removed": True})


MISTAKES = [  # (form changes, field, English, Chinese)
    ({}, "kind", "Name exactly one of a credential kind, an organisation or a pass",
     "请指定一种对象：证件类别、机构或通行证（只能一种）"),
    ({"kind": "guest", "organisation": "{org}"}, "kind",
     "Name exactly one of a credential kind, an organisation or a pass",
     "请指定一种对象：证件类别、机构或通行证（只能一种）"),
    ({"kind": "pilot"}, "kind", "No such credential kind", "没有这种证件类别"),
    ({"organisation": "NOPE"}, "organisation", "No such organisation", "没有这个机构"),
    ({"serial": "NOPE-123"}, "serial", "No such pass", "没有这个通行证"),
    ({"kind": "guest", "text_zh": "  "}, "text_zh", "Give the text in Chinese and in English",
     "请填写中英文提示"),
    ({"kind": "guest", "text_en": "x" * 301}, "text_en", "The text is too long", "提示过长"),
]


@pytest.mark.parametrize("changes,field,english,chinese", MISTAKES)
def test_each_mistake_shows_beside_its_field_and_saves_nothing(
        app, admin, targets, changes, field, english, chinese):
    body = _note(**{key: value.format(**targets) for key, value in changes.items()})
    for lang, message in (("en", english), ("zh", chinese)):
        refused = admin.post(f"{PAGE}?lang={lang}", data=body)
        assert refused.status_code in (404, 422)
        page = Page.of(refused)
        assert page.error_for(field) == message
        assert _listed(page) == {}
    assert _audit(app) == []


def test_removing_a_text_that_is_not_there_says_so(app, admin, targets):
    for lang, message in (("en", "There is no text for it"), ("zh", "该对象没有提示")):
        refused = admin.post(f"{PAGE}?lang={lang}", data=_note(kind="media", decision="remove"))
        assert refused.status_code == 404
        assert message in Page.of(refused).root.find("div", class_="error-summary").text
    assert _audit(app) == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_admins_open_or_change_it(app, venues, make_staff, method):
    accounts = {"desk": make_staff("desk", "CNCC"),
                "supervisor": make_staff("supervisor", "CNCC"), "admin": make_staff("admin")}
    seen = {}
    for actor in ("anonymous", "desk", "supervisor", "admin"):
        client = app.test_client()
        if actor != "anonymous":
            assert log_in(client, accounts[actor]).status_code == 302
        response = client.get(PAGE) if method == "GET" else client.post(
            PAGE, data=_note(kind="guest"))
        seen[actor] = response.status_code
        operations = Page.of(client.get("/staff/operations/CNCC?lang=en"))
        if actor == "supervisor":
            assert "Check-in texts" not in operations.text
        if actor == "admin":
            assert operations.link("Check-in texts") == PAGE
    assert seen == {"anonymous": 302, "desk": 403, "supervisor": 403,
                    "admin": 200 if method == "GET" else 302}
    assert [user for user, *_ in _audit(app)] == ([] if method == "GET" else ["admin-all"])
