"""End-to-end fixtures: the real app served on 127.0.0.1 in a thread (SQLite in a temp
instance folder), one headless Chromium from the system (/usr/bin/chromium; Playwright never
downloads a browser), a fresh page per test and a screenshot in test-artifacts/ on failure."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

CHROMIUM = os.environ.get("FAIRGATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TRANSLATIONS = ROOT / "registration" / "translations"
PHONE = {"width": 360, "height": 780}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


def beijing_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from flask_migrate import upgrade

    from registration import create_app

    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        if not po.with_suffix(".mo").exists() or \
                po.with_suffix(".mo").stat().st_mtime < po.stat().st_mtime:
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile",
                            "-d", str(TRANSLATIONS)], check=True, capture_output=True)
    instance = tmp_path_factory.mktemp("browser-instance")
    app = create_app({"DATABASE_URL": f"sqlite:///{instance / 'fairgate.sqlite'}",
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": True},
                     instance_path=str(instance))
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture
def fair(live_app):
    """Builder of the fair's days, on an emptied database: ``fair.day(...)`` -> the date."""
    from registration.extensions import db
    from registration.services import operations

    with live_app.app_context():
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())

    class Fair:
        app = live_app

        @staticmethod
        def day(venue: str = "CNCC", offset: int = 1, quota: int = 100,
                slots: list[tuple[str, time, time, int]] | None = None) -> date:
            names = {"CNCC": ("国家会议中心", "China National Convention Center"),
                     "SHOUGANG": ("首钢园", "Shougang Park")}
            with live_app.app_context():
                operations.set_venue(venue, *names[venue], gates=[f"{venue}-E1"])
                day = beijing_today() + timedelta(days=offset)
                fair_day = operations.set_day(venue, day, quota=quota, opens=time(0, 0),
                                              closes=time(23, 59))
                for code, starts, ends, slot_quota in slots or []:
                    operations.set_slot(fair_day, code, starts, ends, slot_quota)
                db.session.commit()
            return day

    return Fair


@pytest.fixture(scope="session")
def browser(playwright_session):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install the Debian package `chromium` "
                    "(bash .ci/run does)")
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def new_page(browser, live_server, request):
    """Builder: ``new_page(lang="zh-CN", width=360)`` -> a page in a fresh browser context."""
    contexts = []

    def build(lang: str = "zh-CN", width: int = PHONE["width"]):
        context = browser.new_context(
            base_url=live_server, locale=lang, accept_downloads=True,
            viewport={"width": width, "height": PHONE["height"]},
            extra_http_headers={"Accept-Language": f"{lang},{lang.split('-')[0]};q=0.9"})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield build
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        for index, context in enumerate(contexts):
            for number, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{name}-{index}-{number}.png"),
                                full_page=True)
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


STAFF_PASSWORD = "staff password 2026"


@pytest.fixture
def staff(live_app, fair):
    """Builders for the staff console, on the emptied database of ``fair``:
    ``staff.today(venue, quota=, reserve=, occupancy=)``, ``staff.account(role, venue)``,
    ``staff.login(page, username)``, ``staff.device(venue, gate)`` (bearer headers) and
    ``staff.events(headers, gate, [(serial, "in"), ...])`` through the gate API."""
    from registration.extensions import db
    from registration.services import devices, operations
    from registration.services import staff as staff_service

    client = live_app.test_client()

    class Staff:
        @staticmethod
        def today(venue: str = "CNCC", quota: int = 100, reserve: int = 0,
                  occupancy: int | None = None) -> date:
            day = fair.day(venue, offset=0, quota=quota)
            with live_app.app_context():
                operations.set_day(venue, day, quota=quota, walk_in_reserve=reserve,
                                   occupancy_limit=occupancy)
                db.session.commit()
            return day

        @staticmethod
        def account(role: str, venue: str | None = None) -> str:
            username = f"{role}-{(venue or 'all').lower()}"
            with live_app.app_context():
                staff_service.create_user(username, role, STAFF_PASSWORD, venue)
                db.session.commit()
            return username

        @staticmethod
        def login(page, username: str, password: str = STAFF_PASSWORD):
            page.goto("/staff/login")
            page.locator("#username").fill(username)
            page.locator("#password").fill(password)
            page.locator("form.narrow-form button[type=submit]").click()

        @staticmethod
        def device(venue: str = "CNCC", gate: str | None = None) -> dict:
            gate = gate or f"{venue}-E1"
            with live_app.app_context():
                if gate != f"{venue}-E1":
                    operations.add_gate(venue, gate)
                code, _ = devices.new_enrollment_code(venue, gate)
                db.session.commit()
            body = client.post("/api/v1/devices/enroll",
                               json={"code": code, "name": f"{gate} kiosk"}).get_json()
            return {"Authorization": f"Bearer {body['token']}", "gate": body["gate"]}

        @staticmethod
        def events(device: dict, passages: list[tuple[str, str]]) -> dict:
            import uuid
            from datetime import timezone

            events = [{"id": uuid.uuid4().hex, "gate": device["gate"], "direction": direction,
                       "admit": True, "reason": "ok" if direction == "in" else "ok_exit",
                       "scanned_at": datetime.now(timezone.utc).isoformat(),
                       "offline": False, "pass_serial": serial}
                      for serial, direction in passages]
            response = client.post("/api/v1/gate/events", json={"events": events},
                                   headers={"Authorization": device["Authorization"]})
            assert response.status_code == 200, response.get_json()
            return response.get_json()

        @staticmethod
        def book_online(day: date, number: str, venue: str = "CNCC") -> dict:
            response = client.post("/api/v1/appointments", json={
                "venue": venue, "date": day.isoformat(), "name": "张三", "consent": True,
                "document": {"type": "cn_resident_id", "number": number},
                "phone": "+86 138 0013 8000"})
            assert response.status_code == 201, response.get_json()
            return response.get_json()

    return Staff
