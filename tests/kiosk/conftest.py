"""Fixtures for the kiosk tests: a test signing key, verdict and status builders."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

import imagesets
from gate.passes import PassKind
from gate.reasons import Reason
from gate.rules import AdmissionVerdict
from kiosk.display import KioskStatus


@pytest.fixture(scope="session")
def signing_key():
    return imagesets.make_key()


@pytest.fixture(scope="session")
def public_keys(signing_key):
    return {signing_key.key_id: signing_key.public_bytes()}


@pytest.fixture
def make_verdict():
    """Builder: ``make_verdict(Reason.ok, direction="in", holder=...)`` as gate.rules would
    give it (token failures identify nobody: no holder)."""

    def build(reason: Reason = Reason.ok, *, direction: str = "in",
              holder: str | None = "张*", document: str | None = "1*************803X",
              kind: PassKind | None = PassKind.visitor) -> AdmissionVerdict:
        if reason.is_token_failure or reason is Reason.no_appointment:
            holder = document = None
        return AdmissionVerdict(admit=reason.admit, reason=reason, message=reason.message,
                                colour=reason.colour, direction=direction,
                                kind=None if reason.is_token_failure else kind,
                                holder_name_masked=holder, document_masked=document)

    return build


@pytest.fixture
def kiosk_status():
    return KioskStatus(venue="CNCC", gate="CNCC-E1", online=True, inside_now=1234,
                       occupancy_limit=5000, admitted_today=8765, quota=20000,
                       last_sync=datetime(2026, 9, 10, 2, 42, 5, tzinfo=timezone.utc))
