"""Helpers the SMS tests import (conftest modules are not importable by name)."""
from __future__ import annotations

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "web"))

from pagetools import Page  # noqa: E402

_org_numbers = itertools.count(1)


def csrf_token(client, url: str) -> str:
    return Page.of(client.get(url)).root.find("input", name="csrf_token")["value"]


def register_organisation(app, *, phone: str | None = "+86 139 1234 5678",
                          lang: str = "en"):
    """A pending media outlet with a contact phone; returns its code."""
    from registration.extensions import db
    from registration.services import organisations

    with app.app_context():
        organisation = organisations.register(organisations.OrganisationInput(
            name_zh="示例传媒", name_en="Example Media", kind="media_outlet", country="GBR",
            registration_number=f"GB{next(_org_numbers):08d}", contact_name="Anna Eriksson",
            contact_email="anna@example.org", contact_phone=phone, consent=True, lang=lang),
            consent_version="test-1")
        db.session.commit()
        return organisation.code
