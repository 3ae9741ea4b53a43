"""kiosk.readers: card-reader records from a keyboard wedge (stdin) and a serial port."""
from __future__ import annotations

import io
import os
import time
from datetime import date

import pytest

from gate.checksums import mod11_2_check_char
from gate.documents import DocumentError, DocumentType
from kiosk.readers import (
    LINE, TD1, TD3, KeyboardWedgeReader, ReaderError, ReaderRecord, SerialReader,
    group_lines, parse_record,
)

TODAY = date(2026, 9, 10)
# ICAO Doc 9303 specimens (IDENTITY.md).
TD3_LINES = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
             "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1_LINES = ("I<UTOD231458907<<<<<<<<<<<<<<<",
             "7408122F1204159UTO<<<<<<<<<<<6",
             "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")
RESIDENT_ID = "11010519491231002" + mod11_2_check_char("11010519491231002")
CARD_SERVICE_RECORD = f"张三|男|汉|19491231|北京市东城区|{RESIDENT_ID}|北京市公安局|2020-2040"


def typed(*lines: str) -> io.StringIO:
    return io.StringIO("".join(line + "\n" for line in lines))


def test_keyboard_wedge_reads_one_card_per_line_and_groups_mrz_lines():
    stream = typed(RESIDENT_ID, *TD3_LINES, "", CARD_SERVICE_RECORD, *TD1_LINES)
    records = list(KeyboardWedgeReader(stream))
    assert [r.layout for r in records] == [LINE, TD3, LINE, TD1]
    assert all(r.ok for r in records)
    assert records[1].text == "\n".join(TD3_LINES)
    documents = [parse_record(r, today=TODAY) for r in records]
    assert documents[0].type is DocumentType.CN_RESIDENT_ID
    assert documents[0].number == RESIDENT_ID
    assert (documents[1].type, documents[1].number, documents[1].country) == \
        (DocumentType.PASSPORT, "L898902C3", "UTO")
    assert documents[2].number == RESIDENT_ID
    assert (documents[3].number, documents[3].country) == ("D23145890", "UTO")


def test_garbage_lines_give_clear_errors_and_the_reader_keeps_going():
    stream = typed("hello world", "\x1b[A\x07", TD3_LINES[0], RESIDENT_ID, "x" * 600,
                   *TD1_LINES[:2], TD1_LINES[2][:20], *TD3_LINES)
    records = list(KeyboardWedgeReader(stream))
    layouts = [(r.layout, r.ok) for r in records]
    assert layouts == [
        (LINE, True),    # text, but no document in it: parse_record says so
        (LINE, False),   # control characters
        (TD3, False),    # a passport zone cut short after its first line ...
        (LINE, True),    # ... and the next card is still read
        (LINE, False),   # far too long
        (TD1, False),    # two of three TD1 lines
        (LINE, True),    # the odd line that broke the group
        (TD3, True),     # and the reader still works
    ]
    with pytest.raises(DocumentError) as caught:
        parse_record(records[0], today=TODAY)
    assert "No identity document number was recognised" in caught.value.message.en
    with pytest.raises(ReaderError, match="control characters"):
        parse_record(records[1])
    with pytest.raises(ReaderError) as caught:
        parse_record(records[2])
    assert caught.value.message.en.startswith("Incomplete machine-readable zone (1 of 2")
    assert "机读区不完整" in caught.value.message.zh
    assert parse_record(records[3], today=TODAY).number == RESIDENT_ID
    assert parse_record(records[-1], today=TODAY).number == "L898902C3"


def test_a_misread_mrz_is_reported_by_its_check_digit():
    bad = TD3_LINES[1][:9] + "7" + TD3_LINES[1][10:]  # document number check digit
    (record,) = group_lines([TD3_LINES[0], bad])
    assert record.layout == TD3 and record.ok
    with pytest.raises(DocumentError) as caught:
        parse_record(record, today=TODAY)
    assert caught.value.code == "mrz_check_digit"


def test_an_mrz_at_the_end_of_input_is_flushed_as_incomplete():
    (record,) = group_lines(TD1_LINES[:1])
    assert (record.layout, record.ok) == (TD1, False)


def test_record_repr_keeps_personal_data_out_of_logs():
    (record,) = group_lines([RESIDENT_ID])
    assert RESIDENT_ID not in repr(record) and "18 chars" in repr(record)


def test_parse_record_takes_plain_text_too():
    assert parse_record(RESIDENT_ID, today=TODAY).number == RESIDENT_ID
    assert isinstance(ReaderRecord("x").ok, bool)


# --- serial port: a real pseudo-terminal, pyserial on its slave side ---------------------

@pytest.fixture
def pty_port():
    master, slave = os.openpty()
    name = os.ttyname(slave)
    yield master, name
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


def collect(reader: SerialReader, count: int, deadline: float = 5.0) -> list[ReaderRecord]:
    records: list[ReaderRecord] = []
    ends = time.monotonic() + deadline
    while len(records) < count and time.monotonic() < ends:
        records.extend(reader.read_records())
    return records


def test_serial_reader_on_a_pty(pty_port):
    master, name = pty_port
    with SerialReader(name, 9600, timeout=0.05, group_timeout=0.3) as reader:
        os.write(master, f"{RESIDENT_ID}\r\n".encode())
        os.write(master, ("\r\n".join(TD3_LINES) + "\r\n").encode())
        os.write(master, b"\xff\xfe\xfa garbage\r")  # not UTF-8, CR-terminated
        os.write(master, ("\n".join(TD1_LINES) + "\n").encode())
        records = collect(reader, 4)
    assert [(r.layout, r.ok) for r in records] == \
        [(LINE, True), (TD3, True), (LINE, False), (TD1, True)]
    assert records[0].source == f"serial:{name}"
    assert parse_record(records[1], today=TODAY).number == "L898902C3"
    with pytest.raises(ReaderError, match="unreadable data"):
        parse_record(records[2])
    assert parse_record(records[3], today=TODAY).number == "D23145890"


def test_serial_reader_reports_an_mrz_that_stops_halfway(pty_port):
    master, name = pty_port
    with SerialReader(name, timeout=0.05, group_timeout=0.2) as reader:
        os.write(master, (TD3_LINES[0] + "\r\n").encode())
        (record,) = collect(reader, 1)
        assert (record.layout, record.ok) == (TD3, False)
        os.write(master, f"{RESIDENT_ID}\n".encode())
        (record,) = collect(reader, 1)
        assert record.ok and record.text == RESIDENT_ID


def test_serial_reader_ends_with_an_error_record_when_the_port_goes_away(pty_port):
    master, name = pty_port
    reader = SerialReader(name, timeout=0.05)
    os.write(master, f"{RESIDENT_ID}\n".encode())
    assert collect(reader, 1)[0].ok
    os.close(master)
    records = list(reader)  # iteration ends by itself
    assert records and not records[-1].ok
    assert "card reader connection failed" in records[-1].error.en


def test_a_missing_serial_port_is_a_clear_error():
    with pytest.raises(ReaderError, match="/dev/ttyNOPE"):
        SerialReader("/dev/ttyNOPE")
