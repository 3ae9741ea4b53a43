"""Card-reader input: text records from a keyboard-wedge reader (stdin) or a serial port.

A reader delivers one line per card: a bare ID number, or a delimited record from an ID
card reader service (see ``gate.card_reader``). A passport reader delivers the machine
readable zone as consecutive lines instead, which are grouped into one record here:

* a 44-character MRZ line followed by another 44-character line: TD3 (passport);
* three 30-character MRZ lines: TD1 (ID card).

A line that cannot be a record (undecodable bytes, control characters, far too long) or an
MRZ group that is cut short becomes an *error record*: the reader reports it and keeps
reading. :func:`parse_record` turns a record into a validated ``gate.documents.Document``.
"""
from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO

import serial

from gate.card_reader import parse_reader_record
from gate.documents import Document, DocumentError
from gate.i18n import Text

LINE, TD3, TD1 = "line", "TD3", "TD1"
MRZ_SHAPES = {44: (TD3, 2), 30: (TD1, 3)}  # line length -> (layout, line count)
MAX_LINE = 512
_MRZ_CHARS = re.compile(r"[A-Z0-9<]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class ReaderRecord:
    """One card as the reader delivered it. ``error``: why it is not usable (bilingual)."""

    text: str
    layout: str = LINE
    error: Text | None = None
    source: str = field(default="", compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None

    def __repr__(self) -> str:  # record text is personal data: keep it out of logs
        state = "ok" if self.ok else f"error={self.error.en!r}"
        return f"<ReaderRecord {self.layout} {len(self.text)} chars {state}>"


class ReaderError(DocumentError):
    """A reader-level fault (bad bytes, cut-short MRZ): the card must be read again."""

    def __init__(self, message: Text):
        super().__init__("reader", "reader", message)


INCOMPLETE_MRZ = Text("机读区不完整（{got}/{want}行），请重新读取证件",
                      "Incomplete machine-readable zone ({got} of {want} lines); "
                      "please read the document again")
UNDECODABLE = Text("读卡器发送了无法识别的数据，请重新读卡",
                   "The reader sent unreadable data; please read the card again")
CONTROL_CHARACTERS = Text("读卡记录含有控制字符，请重新读卡",
                          "The reader record contains control characters; please read again")
TOO_LONG = Text("读卡记录过长", "The reader record is too long")
PORT_FAILED = Text("读卡器连接中断：{detail}", "The card reader connection failed: {detail}")


def _mrz_start(line: str) -> tuple[str, int] | None:
    """(layout, line count) when ``line`` opens an MRZ: the right length, MRZ characters
    only, with at least one ``<`` filler (every first MRZ line has one)."""
    shape = MRZ_SHAPES.get(len(line))
    if shape and _MRZ_CHARS.fullmatch(line) and "<" in line:
        return shape
    return None


class LineGrouper:
    """Turns lines into records, grouping MRZ lines; pure (no I/O), reused by every reader.

    :meth:`feed` takes one line and returns the records it completes; :meth:`flush` ends a
    pending MRZ group (end of input, or the reader fell silent mid-group)."""

    def __init__(self, source: str = ""):
        self.source = source
        self._pending: list[str] = []
        self._shape: tuple[str, int] | None = None

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def feed(self, line: str) -> list[ReaderRecord]:
        line = line.strip()
        records: list[ReaderRecord] = []
        if self._pending:
            layout, count = self._shape
            width = len(self._pending[0])
            if len(line) == width and _MRZ_CHARS.fullmatch(line.upper()):
                self._pending.append(line)
                if len(self._pending) == count:
                    records.append(self._record("\n".join(self._pending), layout))
                    self._pending, self._shape = [], None
                return records
            records.extend(self.flush())
        if not line:
            return records
        error = None
        if len(line) > MAX_LINE:
            error, line = TOO_LONG, line[:MAX_LINE]
        elif _CONTROL.search(line):
            error = CONTROL_CHARACTERS
        elif "\ufffd" in line:
            error = UNDECODABLE
        shape = None if error else _mrz_start(line.upper())
        if shape:
            self._pending, self._shape = [line], shape
        else:
            records.append(self._record(line, LINE, error))
        return records

    def flush(self) -> list[ReaderRecord]:
        if not self._pending:
            return []
        layout, count = self._shape
        text = "\n".join(self._pending)
        error = INCOMPLETE_MRZ.format(got=len(self._pending), want=count)
        self._pending, self._shape = [], None
        return [self._record(text, layout, error)]

    def _record(self, text: str, layout: str, error: Text | None = None) -> ReaderRecord:
        return ReaderRecord(text=text, layout=layout, error=error, source=self.source)


def group_lines(lines: Iterable[str], source: str = "") -> Iterator[ReaderRecord]:
    """Records from a finite sequence of lines."""
    grouper = LineGrouper(source)
    for line in lines:
        yield from grouper.feed(line)
    yield from grouper.flush()


class KeyboardWedgeReader:
    """A reader that types like a keyboard: one line per card on a text stream (stdin).

    Reading blocks on the stream; an MRZ group cut short is reported when the next line
    (or the end of the stream) shows it is incomplete.
    """

    def __init__(self, stream: IO[str], source: str = "keyboard"):
        self.stream = stream
        self.source = source

    def __iter__(self) -> Iterator[ReaderRecord]:
        grouper = LineGrouper(self.source)
        while True:
            try:
                line = self.stream.readline()
            except UnicodeDecodeError:
                yield ReaderRecord("", LINE, UNDECODABLE, self.source)
                continue
            if not line:
                break
            yield from grouper.feed(line)
        yield from grouper.flush()


class SerialReader:
    """A reader on a serial port (USB-serial, RS-232) read with pyserial.

    Lines end with CR, LF or CRLF. An MRZ group whose next line does not arrive within
    ``group_timeout`` seconds is reported incomplete. Iteration ends when :meth:`close` is
    called (from another thread), or after the port fails: an error record says why.
    ``serial_factory`` builds the port (tests pass a fake; default ``serial.Serial``).
    """

    def __init__(self, port: str, baudrate: int = 9600, *, timeout: float = 0.1,
                 group_timeout: float = 1.0, encoding: str = "utf-8",
                 serial_factory: Callable[..., serial.SerialBase] = serial.Serial,
                 clock: Callable[[], float] = time.monotonic):
        self.port_name = port
        self.source = f"serial:{port}"
        self.encoding = encoding
        self.group_timeout = group_timeout
        self._clock = clock
        try:
            self._port = serial_factory(port, baudrate=baudrate, timeout=timeout)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise ReaderError(PORT_FAILED.format(detail=f"{port}: {exc}")) from None
        self._grouper = LineGrouper(self.source)
        self._buffer = b""
        self._closed = False
        self._last_line_at = clock()

    def read_records(self) -> list[ReaderRecord]:
        """Read what the port has now (waits at most ``timeout``); the records completed."""
        if self._closed:
            return []
        try:
            chunk = self._port.read(max(1, self._port.in_waiting))
        except (serial.SerialException, OSError, TypeError) as exc:
            self.close()
            return [*self._grouper.flush(),
                    ReaderRecord("", LINE, PORT_FAILED.format(detail=str(exc) or "closed"),
                                 self.source)]
        records: list[ReaderRecord] = []
        self._buffer += chunk
        parts = re.split(rb"\r\n|\r|\n", self._buffer)
        self._buffer = parts.pop()
        for raw in parts:
            records.extend(self._grouper.feed(raw.decode(self.encoding, "replace")))
            self._last_line_at = self._clock()
        if len(self._buffer) > MAX_LINE * 4:  # a reader that never ends its line
            records.extend(self._grouper.feed(self._buffer.decode(self.encoding, "replace")))
            self._buffer = b""
        if self._grouper.pending and self._clock() - self._last_line_at > self.group_timeout:
            records.extend(self._grouper.flush())
        return records

    def __iter__(self) -> Iterator[ReaderRecord]:
        while not self._closed:
            yield from self.read_records()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            try:
                self._port.close()
            except (serial.SerialException, OSError):
                pass

    def __enter__(self) -> "SerialReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def parse_record(record: ReaderRecord | str, *, today: date | None = None) -> Document:
    """The validated document in a record; ``DocumentError`` (``ReaderError`` for a
    reader fault) with a bilingual message when there is none."""
    if isinstance(record, ReaderRecord):
        if record.error is not None:
            raise ReaderError(record.error)
        record = record.text
    return parse_reader_record(record, today=today)
