"""Fixtures for the visitor pages: an app with its own outbox, form data builders."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TRANSLATIONS = Path(__file__).parents[3] / "registration" / "translations"


def compile_catalogs() -> None:
    """`make` compiles the catalogs; a bare `pytest` after editing a .po does it here."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run([sys.executable, "-m", "babel.messages.frontend", "compile",
                            "-d", str(TRANSLATIONS)], check=True, capture_output=True)
            return


@pytest.fixture(scope="session", autouse=True)
def catalogs():
    compile_catalogs()


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(MAIL_OUTBOX=str(tmp_path / "outbox"))


@pytest.fixture
def booking_form(make_resident_id):
    """Builder of a valid booking form submission; keyword arguments override fields."""
    def build(number: str | None = None, **overrides):
        data = {"document_type": "cn_resident_id", "document_number": number or make_resident_id(),
                "document_country": "", "name": "张三", "phone": "+86 138 0013 8000",
                "email": "zhang@example.com", "consent": "y"}
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return build


@pytest.fixture
def book(client, booking_form):
    """Book through the form: ``book(day, venue="CNCC", **fields)`` -> the response."""
    def submit(day, venue: str = "CNCC", lang: str | None = None, **fields):
        query = f"?lang={lang}" if lang else ""
        return client.post(f"/book/{venue}/{day.isoformat()}{query}", data=booking_form(**fields))

    return submit


@pytest.fixture
def appointments(app):
    """Builder: ``appointments()`` -> what the database holds, as plain records."""
    from types import SimpleNamespace

    from registration.extensions import db
    from registration.models import Appointment

    def read():
        with app.app_context():
            rows = db.session.query(Appointment).order_by(Appointment.id).all()
            return [SimpleNamespace(
                code=a.code, status=a.status.value, lang=a.lang, day=a.day,
                venue=a.fair_day.venue.code, slot=a.slot.code if a.slot else None,
                consent_version=a.consent_version, document_masked=a.document_masked,
                name_masked=a.name_masked, delegation=a.delegation_id,
                serial=a.current_pass.serial if a.current_pass else None,
                serials=[p.serial for p in a.passes],
            ) for a in rows]

    return read
