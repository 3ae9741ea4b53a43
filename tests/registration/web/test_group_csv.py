"""The member CSV reader: every problem with its line, encodings and layouts."""
from __future__ import annotations

from registration.services.group_csv import COLUMNS, parse_member_csv, template_csv

GOOD_ID = "11010119900307803X"
OTHER_ID = "360426199101010071"


def _problems(result) -> list[tuple[int | None, str | None, str]]:
    return [(p.line, p.column, p.message.en) for p in result.problems]


def test_template_has_a_bom_and_every_column():
    data = template_csv()
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig").strip().split(",") == list(COLUMNS)


def test_a_good_file_with_bom_crlf_quotes_and_document_names():
    text = ("\ufeffname,document_type,document_number,document_country,email\r\n"
            f"张三,居民身份证,{GOOD_ID},,a@example.com\r\n"
            "\"Smith, John\",Passport,E1234567,usa,\r\n")
    result = parse_member_csv(text.encode(), max_members=10)
    assert result.ok, _problems(result)
    assert [m.document_type for m in result.members] == ["cn_resident_id", "passport"]
    assert result.members[1].name == "Smith, John"
    assert result.lines == [2, 3]


def test_a_passport_needs_its_country():
    text = "document_type,document_number,name\npassport,E1234567,Smith John\n"
    result = parse_member_csv(text.encode(), max_members=10)
    assert _problems(result) == [(2, "document_country",
                                  "Please choose the country that issued the passport")]


def test_semicolon_separated_files_are_read():
    text = f"document_type;document_number;name\ncn_resident_id;{GOOD_ID};张三\n"
    result = parse_member_csv(text.encode(), max_members=10)
    assert result.ok and result.members[0].document_number == GOOD_ID


def test_line_numbers_count_blank_lines_and_quoted_line_breaks():
    text = ("document_type,document_number,name\n"
            "\n"
            f"cn_resident_id,{GOOD_ID},\"two\nlines\"\n"
            "cn_resident_id,123,x\n")
    result = parse_member_csv(text.encode(), max_members=10)
    assert [(line, column) for line, column, _ in _problems(result)] == [(5, "document_number")]


def test_too_many_members_and_extra_cells():
    rows = "".join(f"cn_resident_id,{GOOD_ID},n{i}\n" for i in range(3))
    result = parse_member_csv(("document_type,document_number,name\n" + rows).encode(),
                              max_members=2)
    assert _problems(result)[0] == (None, None, "Too many members: 2 at most, the file has 3")
    extra = parse_member_csv(
        f"document_type,document_number,name\ncn_resident_id,{OTHER_ID},x,surplus\n".encode(),
        max_members=5)
    assert _problems(extra) == [(2, None, "This line has more cells than the header")]


def test_unknown_columns_and_oversized_files():
    result = parse_member_csv(b"document_type,document_number,name,age\n", max_members=5)
    assert _problems(result) == [(1, None, "Unknown columns: age")]
    huge = parse_member_csv(b"x" * 1_000_001, max_members=5)
    assert _problems(huge) == [(None, None, "The file is too large (1 MB at most)")]
