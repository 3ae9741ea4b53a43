"""Finding appointments for staff: by confirmation code, masked name or the last digits of
the document (the masked number keeps its last four characters, so no decryption is
needed and a full number is never typed into a URL)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from gate.i18n import Text
from registration.extensions import db
from registration.models import Appointment, FairDay, Venue
from registration.services.booking import CODE_ALPHABET, CODE_LENGTH
from registration.services.errors import invalid_field

LIMIT = 50
CODE_RE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
DIGITS_RE = re.compile(r"[0-9X]{1,4}")
TOO_MANY_DIGITS = Text("最多输入证件号码的后四位；完整号码请在现场登记台读取",
                       "Type at most the last four characters of the document; read a full "
                       "document at the walk-in desk")
TOO_SHORT = Text("请至少输入两个字符", "Type at least two characters")


@dataclass(frozen=True)
class SearchResult:
    kind: str  # code / digits / name
    appointments: list[Appointment]
    truncated: bool


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(venue: Venue, query: str) -> SearchResult:
    text = " ".join((query or "").split())
    upper = text.upper()
    base = (select(Appointment).join(FairDay, FairDay.id == Appointment.fair_day_id)
            .where(FairDay.venue_id == venue.id)
            .options(selectinload(Appointment.passes), selectinload(Appointment.slot)))
    if CODE_RE.fullmatch(upper):
        kind, query_ = "code", base.where(Appointment.code == upper)
    elif re.fullmatch(r"[0-9X*]+", upper):
        digits = upper.lstrip("*")
        if not DIGITS_RE.fullmatch(digits):
            raise invalid_field("q", TOO_MANY_DIGITS, "too_many_digits")
        kind = "digits"
        query_ = base.where(Appointment.document_masked.like(f"%{_like_escaped(digits)}",
                                                             escape="\\"))
    else:
        name = upper.rstrip("*").strip()
        if len(name) < 2 and not re.match(r"[\u3400-\u9fff]", name):
            raise invalid_field("q", TOO_SHORT, "too_short")
        kind = "name"
        query_ = base.where(func.upper(Appointment.name_masked).like(
            f"{_like_escaped(name)}%", escape="\\"))
    rows = db.session.scalars(query_.order_by(Appointment.day.desc(), Appointment.id.desc())
                              .limit(LIMIT + 1)).all()
    return SearchResult(kind, list(rows[:LIMIT]), len(rows) > LIMIT)
