"""Group registration: CSV upload, every bad line reported, all or nothing, downloads."""
from __future__ import annotations

import io
import zipfile

from pagetools import Page

HEADER = "document_type,document_number,document_country,name,phone,email\n"


def _upload(client, day, csv_text: str | bytes, venue="CNCC", lang="en", consent=True,
            organisation="北京某某科技有限公司"):
    data = csv_text.encode() if isinstance(csv_text, str) else csv_text
    form = {"organisation": organisation, "option": f"{venue}|{day.isoformat()}|",
            "members": (io.BytesIO(data), "members.csv")}
    if consent:
        form["consent"] = "y"
    return client.post(f"/group?lang={lang}", data=form, content_type="multipart/form-data")


def _members(make_resident_id, count: int) -> str:
    return HEADER + "".join(
        f"cn_resident_id,{make_resident_id()},,成员{i},,member{i}@example.com\n"
        for i in range(count))


def test_template_is_a_utf8_csv_with_the_header(client):
    response = client.get("/group/template.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.decode("utf-8-sig").strip() == HEADER.strip()
    page = Page.of(client.get("/group?lang=en"))
    assert page.link("download the CSV template") == "/group/template.csv"


def test_a_bad_line_is_reported_with_its_number_and_nobody_is_booked(
        client, make_fair_day, make_resident_id, appointments):
    day = make_fair_day(quota=10)
    csv_text = (HEADER
                + f"cn_resident_id,{make_resident_id()},,Zhang San,,\n"
                + "cn_resident_id,110101199003078031,,Li Si,,\n"
                + f"居民身份证,{make_resident_id()},,王五,,\n")
    response = _upload(client, day, csv_text)
    assert response.status_code == 422
    page = Page.of(response)
    rows = [[cell.text for cell in tr.find_all("td")]
            for tr in page.root.find("table", class_="problem-table").find("tbody").find_all("tr")]
    assert len(rows) == 1
    line, column, reason = rows[0]
    assert (line, column) == ("3", "Document number")
    assert "check character" in reason
    assert "Nobody was booked" in page.text
    assert page.value_of("organisation") == "北京某某科技有限公司"
    assert appointments() == []


def test_every_bad_line_is_reported_in_chinese(client, make_fair_day, make_resident_id,
                                               appointments):
    day = make_fair_day(quota=10)
    same = make_resident_id()
    csv_text = (HEADER
                + f"cn_resident_id,{same},,甲,,\n"
                + "\n"
                + f"cn_resident_id,{same},,乙,,\n"
                + "driving_licence,123,,丙,,\n"
                + "passport,E1234567,,,12ab,bad\n")
    page = Page.of(_upload(client, day, csv_text, lang="zh"))
    problems = [(tr.find_all("td")[0].text, tr.find_all("td")[1].text)
                for tr in page.root.find("table", class_="problem-table").find_all("tr")[1:]]
    assert problems == [("4", "证件号码"), ("5", "证件类型"), ("6", "姓名"), ("6", "电话"),
                        ("6", "电子邮箱"), ("6", "签发国家")]
    assert "与第 2 行的证件相同" in page.text
    assert "未预约任何人" in page.text
    assert appointments() == []


def test_a_good_list_books_everyone_and_offers_zip_and_pdf(
        client, make_fair_day, make_resident_id, appointments, outbox):
    day = make_fair_day(quota=10)
    response = _upload(client, day, _members(make_resident_id, 3))
    assert response.status_code == 302
    booked = appointments()
    assert len(booked) == 3 and len({a.delegation for a in booked}) == 1
    page = Page.of(client.get(response.headers["Location"]))
    assert "All 3 members of 北京某某科技有限公司 are booked." in page.text
    codes = [td.text for td in page.root.find_all("td", class_="code")]
    assert sorted(codes) == sorted(a.code for a in booked)
    assert "成*" in page.text
    archive = zipfile.ZipFile(io.BytesIO(client.get(page.link("All passes as a ZIP")).data))
    names = archive.namelist()
    assert sorted(n for n in names if n.endswith(".pdf")) == \
        [f"{i:03d}-{a.code}.pdf" for i, a in enumerate(booked, start=1)]
    assert archive.read(names[0]).startswith(b"%PDF")
    listing = archive.read("members.csv").decode("utf-8-sig")
    assert booked[0].code in listing and "成*" in listing
    combined = client.get(page.link("All passes in one PDF"))
    assert combined.mimetype == "application/pdf"
    assert combined.data.count(b"/Type /Page") - combined.data.count(b"/Type /Pages") == 3
    assert len(outbox()) == 3  # every member with an address gets their own pass


def test_results_are_only_for_the_session_that_booked(app, client, make_fair_day,
                                                      make_resident_id):
    day = make_fair_day(quota=10)
    location = _upload(client, day, _members(make_resident_id, 1)).headers["Location"]
    stranger = app.test_client()
    assert stranger.get(location).status_code == 404
    assert stranger.get(location + "/passes.zip").status_code == 404


def test_not_enough_places_for_the_group_books_nobody(client, make_fair_day, make_resident_id,
                                                      appointments):
    day = make_fair_day(quota=2)
    page = Page.of(_upload(client, day, _members(make_resident_id, 3)))
    assert "Not enough places left that day for the whole group" in page.text
    assert appointments() == []


def test_a_member_already_booked_that_day_is_named_by_line(
        client, make_fair_day, make_resident_id, book, appointments):
    day = make_fair_day(quota=10)
    taken = make_resident_id()
    assert book(day, number=taken).status_code == 302
    csv_text = HEADER + f"cn_resident_id,{make_resident_id()},,A,,\ncn_resident_id,{taken},,B,,\n"
    page = Page.of(_upload(client, day, csv_text))
    row = page.root.find("table", class_="problem-table").find("tbody").find("tr")
    assert [td.text for td in row.find_all("td")] == [
        "3", "Document number", "This document already has an appointment that day"]
    assert len(appointments()) == 1


def test_file_problems_and_missing_fields(client, make_fair_day):
    day = make_fair_day()
    latin1 = _upload(client, day, HEADER.encode() + "cn_resident_id,1,,Zoë,,\n".encode("latin-1"))
    assert "not UTF-8" in Page.of(latin1).text
    columns = Page.of(_upload(client, day, "number,name\n1,x\n"))
    assert "Missing columns: document_type, document_number" in columns.text
    empty = Page.of(_upload(client, day, HEADER))
    assert "The file lists no members" in empty.text
    form = Page.of(client.post("/group?lang=en", data={}, content_type="multipart/form-data"))
    assert form.error_for("organisation") == "Enter the organisation's name"
    assert form.error_for("members") == "Choose the CSV file with the members"
    assert form.error_for("consent") == "Please confirm every member has agreed"
