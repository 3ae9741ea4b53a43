"""Shared fixtures: the service on SQLite and on the real PostgreSQL, and builders."""
from __future__ import annotations

import itertools
import os
import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from gate.checksums import mod11_2_check_char

PG_ADMIN_URL = os.environ.get("FAIRGATE_TEST_PG_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BEIJING = ZoneInfo("Asia/Shanghai")
# The kiosks' look-up index is a real Argon2id in the tests too, with parameters that make
# it cost well under a millisecond (production: registration/config.py, bench/ledger_attack.py).
CHEAP_LOOKUP_KDF = {"GATE_LOOKUP_KDF_TIME_COST": 1, "GATE_LOOKUP_KDF_MEMORY_KIB": 64,
                    "GATE_LOOKUP_KDF_PARALLELISM": 1}


def beijing_today() -> date:
    return datetime.now(BEIJING).date()


@pytest.fixture(scope="session")
def playwright_session():
    """The run's one Playwright: its sync API cannot be started twice at once, and both
    tests/browser (the service's pages) and tests/kiosk (the gate screen) drive Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def pg_database_url():
    """A throw-away PostgreSQL database for this test session (dropped at the end)."""
    name = f"fairgate_test_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def instance_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("instance")


_migrated: set[str] = set()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture
def database_url(backend, request, instance_dir):
    if backend == "sqlite":
        return f"sqlite:///{instance_dir / 'test.sqlite'}"
    return request.getfixturevalue("pg_database_url")


@pytest.fixture
def make_app(instance_dir, database_url):
    """Builder: ``make_app(**config)`` -> a migrated, empty service on this backend."""
    from flask_migrate import upgrade

    from registration import create_app
    from registration.extensions import db

    apps = []

    def build(**config):
        settings = {"TESTING": True, "DATABASE_URL": database_url,
                    "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
                    **CHEAP_LOOKUP_KDF, **config}
        app = create_app(settings, instance_path=str(instance_dir))
        with app.app_context():
            if database_url not in _migrated:
                upgrade()
                _migrated.add(database_url)
            _empty_tables(db)
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
            for engine in db.engines.values():  # the primary and any replica bind
                engine.dispose()


def _empty_tables(db) -> None:
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


_sequence = itertools.count(1)


@pytest.fixture
def make_resident_id():
    """Builder of distinct valid mainland resident ID numbers (GB 11643)."""
    rng = random.Random(1234)

    def build(region: str = "110101", birth: date | None = None) -> str:
        born = birth or date(1960, 1, 1) + timedelta(days=rng.randrange(0, 20000))
        sequence = f"{next(_sequence) % 1000:03d}"
        body = f"{region}{born:%Y%m%d}{sequence}"
        return body + mod11_2_check_char(body)

    return build


@pytest.fixture
def make_fair_day(app):
    """Builder: ``make_fair_day(venue="CNCC", offset=1, quota=10, slots=[...])``."""
    from registration.extensions import db
    from registration.services import operations

    def build(venue: str = "CNCC", offset: int = 1, quota: int = 100,
              walk_in_reserve: int = 0, occupancy_limit: int | None = None,
              slots: list[tuple[str, time, time, int]] | None = None,
              opens: time = time(0, 0), closes: time = time(23, 59)):
        with app.app_context():
            names = {"CNCC": ("国家会议中心", "China National Convention Center"),
                     "SHOUGANG": ("首钢园", "Shougang Park")}
            zh, en = names.get(venue, (f"{venue}场馆", f"{venue} Hall"))
            operations.set_venue(venue, zh, en, gates=[f"{venue}-E1"])
            day = beijing_today() + timedelta(days=offset)
            fair_day = operations.set_day(venue, day, quota=quota, opens=opens, closes=closes,
                                          occupancy_limit=occupancy_limit,
                                          walk_in_reserve=walk_in_reserve)
            for code, starts, ends, slot_quota in slots or []:
                operations.set_slot(fair_day, code, starts, ends, slot_quota)
            db.session.commit()
            return day

    return build


@pytest.fixture
def booking_body(make_resident_id):
    """Builder of a valid booking request body; keyword arguments override fields."""

    def build(day: date, venue: str = "CNCC", number: str | None = None, **overrides):
        body = {
            "venue": venue, "date": day.isoformat(),
            "document": {"type": "cn_resident_id", "number": number or make_resident_id()},
            "name": "张三", "phone": "+86 138 0013 8000", "email": "zhang@example.com",
            "consent": True, "lang": "en",
        }
        body.update(overrides)
        return body

    return build
