"""An organiser uploads a member list with one bad line, fixes it, downloads the passes."""
from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def csv_file(text: str) -> dict:
    return {"name": "members.csv", "mimeType": "text/csv", "buffer": text.encode("utf-8")}


def test_group_csv_with_one_bad_line_then_fixed(page, fair, make_resident_id):
    day = fair.day("CNCC", quota=20)
    good = [make_resident_id() for _ in range(2)]
    header = "document_type,document_number,document_country,name,phone,email\n"
    bad = (header + f"cn_resident_id,{good[0]},,张三,,\n"
           + "cn_resident_id,110101199003078031,,李四,,\n"
           + f"cn_resident_id,{good[1]},,王五,,wang@example.com\n")
    page.goto("/group?lang=en")
    with page.expect_download() as template:
        page.get_by_role("link", name="download the CSV template").click()
    assert template.value.suggested_filename == "fairgate-group-template.csv"
    page.get_by_label("Organisation").fill("Beijing Trade Delegation")
    page.get_by_label("Venue and day").select_option(f"CNCC|{day.isoformat()}|")
    page.get_by_label("Member list (CSV, UTF-8)").set_input_files(csv_file(bad))
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Check the list and book").click()
    problems = page.locator(".problem-table tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first.locator("td").nth(0)).to_have_text("3")
    expect(problems.first.locator("td").nth(1)).to_have_text("Document number")
    expect(problems.first.locator("td").nth(2)).to_contain_text("check character")
    expect(page.locator(".problems")).to_contain_text("Nobody was booked")
    expect(page.get_by_label("Organisation")).to_have_value("Beijing Trade Delegation")
    page.goto("/?lang=en")
    expect(page.locator(".day-card")).to_contain_text("20 places left")

    page.goto("/group?lang=en")
    page.get_by_label("Organisation").fill("Beijing Trade Delegation")
    page.get_by_label("Venue and day").select_option(f"CNCC|{day.isoformat()}|")
    fixed = bad.replace("110101199003078031", make_resident_id())
    page.get_by_label("Member list (CSV, UTF-8)").set_input_files(csv_file(fixed))
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Check the list and book").click()
    expect(page).to_have_url(re.compile(r"/group/[0-9A-F]{8}$"))
    expect(page.get_by_role("status")).to_contain_text(
        "All 3 members of Beijing Trade Delegation are booked.")
    expect(page.locator(".member-table tbody tr")).to_have_count(3)
    with page.expect_download() as download:
        page.get_by_role("link", name="All passes as a ZIP").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert len([n for n in archive.namelist() if n.endswith(".pdf")]) == 3
    with page.expect_download() as combined:
        page.get_by_role("link", name="All passes in one PDF").click()
    assert combined.value.suggested_filename.endswith(".pdf")
