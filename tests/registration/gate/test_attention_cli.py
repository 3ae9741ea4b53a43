"""`fairgate attention set / remove`: check-in texts for a kind, an organisation or one pass,
audited ``attention_set`` as cli:<login>; one line in English and Chinese for each
mistake."""
from __future__ import annotations

import getpass
import json

import pytest
from sqlalchemy import select

SET = ("set", "--text-zh", "请引导至贵宾室", "--text-en", "Escort to the VIP lounge")


@pytest.fixture
def cli(app):
    def run(*args: str):
        return app.test_cli_runner().invoke(args=["attention", *args])
    return run


def audit_entries(app) -> list[tuple]:
    from registration.extensions import db
    from registration.models import AuditEntry

    with app.app_context():
        return [(e.username, e.target, json.loads(e.details)) for e in db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "attention_set")
            .order_by(AuditEntry.id))]


def test_a_kinds_text_is_set_replaced_and_removed_and_audited(app, cli, gates):
    from registration.extensions import db
    from registration.services import attention

    done = cli(*SET, "--kind", "guest", "--needs-staff")
    assert done.exit_code == 0, done.output
    assert "kind:guest" in done.output and "已设置" in done.output
    assert cli("set", "--kind", "GUEST", "--text-zh", "贵宾", "--text-en", "VIP").exit_code == 0
    with app.app_context():
        assert attention.kind_notes() == {"guest": {"zh": "贵宾", "en": "VIP",
                                                    "needs_staff": False}}
    assert cli("remove", "--kind", "guest").exit_code == 0
    with app.app_context():
        assert attention.kind_notes() == {}
        db.session.rollback()
    login = f"cli:{getpass.getuser()}"[:60]
    entries = audit_entries(app)
    assert [(user, target, details["needs_staff"], details["removed"])
            for user, target, details in entries] == [
        (login, "kind:guest", True, False), (login, "kind:guest", False, False),
        (login, "kind:guest", False, True)]
    assert entries[0][2]["text_en"] == "Escort to the VIP lounge"


def test_a_pass_text_reaches_the_manifest_item(app, cli, gates, book):
    day, e1, _ = gates
    booking = book(day)
    serial = booking["pass"]["serial"]
    assert cli(*SET, "--pass", serial.lower()).exit_code == 0

    def note():
        page = app.test_client().get("/api/v1/gate/manifest", headers=e1.headers).get_json()
        return {i["serial"]: i["attention"] for i in page["appointments"]}[serial]

    assert note() == {"zh": "请引导至贵宾室", "en": "Escort to the VIP lounge",
                      "needs_staff": False}
    assert cli("remove", "--pass", serial).exit_code == 0
    assert note() is None
    # The audit names the pass by serial, never its holder.
    assert {target for _, target, _ in audit_entries(app)} == {f"pass:{serial}"}
    assert booking["number"] not in str(audit_entries(app))


def test_an_organisations_text_is_its_members_credentials(
        app, cli, gates, org_body, issue_credential):
    from registration.extensions import db
    from registration.models import Appointment, Credential
    from registration.services import attention

    response = app.test_client().post("/api/v1/organisations", json=org_body())
    assert response.status_code == 201, response.get_json()
    org = response.get_json()["organisation"]["code"]
    day = gates[0]
    code = issue_credential("media", "11010119900307803X", day, day)
    assert cli(*SET, "--org", org.lower()).exit_code == 0
    with app.app_context():
        credential = db.session.scalar(select(Credential).where(Credential.code == code))
        # A member's credential (the portal's issuing is another part): tied here.
        credential.organisation_id = db.session.scalar(
            select(attention.Organisation.id).where(attention.Organisation.code == org))
        db.session.commit()
        carrier = db.session.scalar(select(Appointment.id).where(
            Appointment.credential_id == credential.id))
        text, needs_staff = attention.attention_for(carrier, "media")
        assert (text.en, needs_staff) == ("Escort to the VIP lounge", False)
        assert attention.attention_for(None, "media") is None


@pytest.mark.parametrize(("args", "english", "chinese"), [
    (SET, "Name exactly one of", "只能一种"),
    ((*SET, "--kind", "guest", "--org", "ORG-1"), "Name exactly one of", "只能一种"),
    ((*SET, "--kind", "pilot"), "No such credential kind", "没有这种证件类别"),
    ((*SET, "--org", "ORG-NOTHERE"), "No such organisation", "没有这个机构"),
    ((*SET, "--pass", "NOSUCHPASS"), "No such pass", "没有这个通行证"),
    (("set", "--kind", "guest", "--text-zh", "  ", "--text-en", "x"),
     "Give the text in Chinese and in English", "请填写中英文提示"),
    (("set", "--kind", "guest", "--text-zh", "x", "--text-en", "x" * 301),
     "The text is too long", "提示过长"),
    (("remove", "--kind", "media"), "There is no text for it", "该对象没有提示"),
])
def test_mistakes_are_one_clear_line(app, cli, gates, args, english, chinese):
    result = cli(*args)
    assert result.exit_code != 0
    assert english in result.output and chinese in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert audit_entries(app) == []
