"""An exhibitor registers, is approved, signs in from the emailed link, adds its members
from a CSV (first with a bad line), downloads every pass as one PDF and removes a member."""
from __future__ import annotations

import email
import re
import subprocess
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def csv_file(text: str) -> dict:
    return {"name": "members.csv", "mimeType": "text/csv",
            "buffer": ("\ufeff" + text).encode("utf-8")}


def sign_in_path(app, email_address: str) -> str:
    """The newest sign-in link mailed to ``email_address`` (its path)."""
    outbox = Path(app.config["MAIL_OUTBOX"] or Path(app.instance_path) / "outbox")
    for path in sorted(outbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if email_address not in str(message["To"]):
            continue
        text = message.get_body(("plain",)).get_content()
        found = re.search(r"/org/signin/[A-Za-z0-9_\-]+", text)
        if found:
            return found.group(0)
    raise AssertionError(f"no sign-in link mailed to {email_address}")


def approve(app, name_en: str) -> None:
    from sqlalchemy import select

    from registration.actions import organisations as organisation_actions
    from registration.actions.actors import Actor
    from registration.actions.unit import unit_of_work
    from registration.extensions import db
    from registration.models import Organisation

    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(
            Organisation.name_en == name_en))
        with unit_of_work():
            organisation_actions.approve(Actor.operator(), organisation)


def test_exhibitor_portal_journey(page, fair, make_resident_id, tmp_path):
    for offset in (1, 2):
        fair.day("CNCC", offset=offset, quota=50)
    contact = "portal.journey@example.com"

    page.goto("/org/register?lang=en")
    page.locator("#kind").select_option("exhibitor")
    page.locator("#name_zh").fill("柏林展览有限公司")
    page.locator("#name_en").fill("Berlin Expo GmbH")
    page.locator("#country").fill("DEU")
    page.locator("#registration_number").fill("HRB 123456")
    page.locator("#contact_name").fill("Anna Schmidt")
    page.locator("#contact_email").fill(contact)
    page.locator("#stand_venue").select_option("CNCC")
    page.locator("#stand_hall").fill("E2")
    page.locator("#stand_area_m2").fill("12")
    page.locator("#consent").check()
    page.get_by_role("button", name="Register").click()
    expect(page.locator("main")).to_contain_text("ORG-")

    approve(fair.app, "Berlin Expo GmbH")  # 12 m²: four badges
    page.goto(sign_in_path(fair.app, contact))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/org/$"))
    expect(page.locator("#badge-quota")).to_have_text("Badges used: 0 of 4")

    numbers = [make_resident_id() for _ in range(3)]
    header = "document_type,document_number,name,name_latin,title\n"
    bad = header + (f"cn_resident_id,{numbers[0]},张三,ZHANG San,Engineer\n"
                    "cn_resident_id,110101199003078031,李四,,\n"
                    f"cn_resident_id,{numbers[2]},王五,,\n")
    page.locator("#members").set_input_files(csv_file(bad))
    page.locator("#consent").check()
    with page.expect_response(lambda r: "/org/members/import" in r.url) as streamed:
        page.get_by_role("button", name="Check the list and add the members").click()
    assert streamed.value.request.headers["accept"] == "application/x-ndjson"
    problems = page.locator(".problem-table tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first.locator("td").nth(0)).to_have_text("3")
    expect(problems.first.locator("td").nth(1)).to_have_text("Document number")
    expect(page.locator(".problems")).to_contain_text("Nobody was added")
    expect(page).to_have_url(re.compile(r"/org/$"))  # the page stayed: no navigation

    good = bad.replace("110101199003078031", numbers[1])
    page.locator("#members").set_input_files(csv_file(good))
    page.get_by_role("button", name="Check the list and add the members").click()
    expect(page).to_have_url(re.compile(r"/org/\?added=3$"))
    expect(page.get_by_role("status").first).to_contain_text("3 members were added")
    rows = page.locator(".member-table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("#badge-quota")).to_have_text("Badges used: 3 of 4")
    content = page.content()
    assert not any(number in content for number in numbers)

    with page.expect_download() as download:
        page.get_by_role("link", name="Download every pass (one PDF)").click()
    assert not any(n in download.value.suggested_filename for n in numbers)
    pdf = tmp_path / "passes.pdf"
    download.value.save_as(pdf)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"Pages:\s+3\b", info.stdout), info.stdout

    rows.first.get_by_role("link", name="Remove").click()
    page.get_by_role("button", name="Remove the member").click()
    expect(page).to_have_url(re.compile(r"/org/$"))
    expect(page.locator(".member-table tbody tr.member-revoked")).to_have_count(1)
    expect(page.locator("#badge-quota")).to_have_text("Badges used: 2 of 4")

    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("h1")).to_have_text("You are signed out")
    page.goto("/org/")
    expect(page).to_have_url(re.compile(r"/org/link$"))
