"""Fixtures of the badge tests: a fair (CNCC today and tomorrow, SHOUGANG today), approved
credentials made through the service, logged-in staff clients, and the real decoders."""
from __future__ import annotations

import sys
from datetime import date, time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(STAFF_PASSWORD_HASH="scrypt:1024:8:1", MAIL_OUTBOX=str(tmp_path / "outbox"),
                    SMS_OUTBOX=str(tmp_path / "sms"))


@pytest.fixture
def fair(make_fair_day):
    days = [make_fair_day("CNCC", offset=offset, quota=20, opens=time(0, 0))
            for offset in (0, 1)]
    make_fair_day("SHOUGANG", offset=0, quota=20)
    return days


@pytest.fixture
def issue(issue_credential, fair):
    """``issue(kind, number, venue=None, **extra)`` -> the code of an approved credential
    covering the fair's days (or ``first``/``last``)."""
    def build(kind: str, number: str, venue: str | None = None, *, first: date | None = None,
              last: date | None = None, **extra) -> str:
        return issue_credential(kind, number, first or fair[0], last or fair[-1], venue,
                                **extra)

    return build
