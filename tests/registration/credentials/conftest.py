"""Fixtures for credentials: fair days with a professional share, application bodies, and
credentials made and decided through the service."""
from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select, update


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(MAIL_OUTBOX=str(tmp_path / "outbox"), SMS_OUTBOX=str(tmp_path / "sms"))


@pytest.fixture
def share(app):
    """``share(day, 5, venue="CNCC")``: set the venue-day's professional share."""
    from registration.extensions import db
    from registration.models import FairDay, Venue

    def build(day: date, quota: int, venue: str = "CNCC") -> None:
        with app.app_context():
            venue_id = db.session.scalar(select(Venue.id).where(Venue.code == venue))
            db.session.execute(update(FairDay).where(FairDay.venue_id == venue_id,
                                                     FairDay.date == day)
                               .values(professional_quota=quota))
            db.session.commit()

    return build


@pytest.fixture
def fair(make_fair_day, share):
    """Three CNCC days (yesterday, today, tomorrow) and SHOUGANG today and tomorrow,
    open all day, each with 5 professional places of a quota of 20."""
    days = [make_fair_day("CNCC", offset=offset, quota=20, opens=time(0, 0))
            for offset in (-1, 0, 1)]
    for offset in (0, 1):
        make_fair_day("SHOUGANG", offset=offset, quota=20)
    for day in days:
        share(day, 5)
    return days


@pytest.fixture
def apply_body(make_resident_id):
    """A valid application body of ``kind``; keyword arguments override fields."""
    def build(kind: str = "online", number: str | None = None, **overrides):
        body = {"kind": kind,
                "document": {"type": "cn_resident_id", "number": number or make_resident_id()},
                "name": "赵六", "phone": "+86 139 0000 0002", "email": "zhao@example.com",
                "consent": True, "lang": "en"}
        if kind == "professional":
            body.update(organisation="北京数字经济研究院", title="研究员", venue="CNCC")
        if kind == "media":
            body.update(press_card="PC-2026-00123")
        body.update(overrides)
        return body

    return build


@pytest.fixture
def credential_state(app):
    """``credential_state(code)`` -> a dict of what the database holds about it."""
    from registration.extensions import db
    from registration.models import Credential

    def read(code: str) -> dict:
        with app.app_context():
            credential = db.session.scalar(select(Credential).where(Credential.code == code))
            carrier = credential.carrier
            current = credential.current_pass
            return {"status": credential.status.value, "carrier": carrier and carrier.code,
                    "carrier_status": carrier and carrier.status.value,
                    "carrier_day": carrier and carrier.day,
                    "pass": current and current.serial, "token": current and current.token,
                    "passes": [p.serial for p in carrier.passes] if carrier else []}

    return read


@pytest.fixture
def issue(issue_credential):
    """``issue(kind, number, first, last, venue=None)``: the shared issue_credential."""
    return issue_credential
