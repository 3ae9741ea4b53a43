"""Fixtures for the kiosk tests: a test signing key, verdict and status builders."""
from __future__ import annotations

from datetime import datetime, time, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

import imagesets
from kioskkit import KIOSK_DAY, LOOKUP_PARAMS, FakeClock, beijing
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


# --- a real service for the kiosk to talk to ---------------------------------------------

@pytest.fixture
def gate_day(make_fair_day):
    """Builder: today's CNCC venue-day, open all day: ``gate_day(quota=100, ...)``."""

    def build(**options):
        options.setdefault("opens", time(0, 0))
        options.setdefault("closes", time(23, 59))
        return make_fair_day("CNCC", offset=0, **options)

    return build


@pytest.fixture
def live_service(app):
    """The real service (migrated test database) on loopback; ``.stop()``/``.start()``."""
    from kioskkit import LiveService

    service = LiveService(app)
    yield service
    service.stop()


@pytest.fixture
def enrolment_code(app):
    """``enrolment_code("CNCC", "CNCC-E2")`` -> a one-time code (the gate is created)."""
    from registration.extensions import db
    from registration.models import Gate, Venue
    from registration.services import devices

    def build(venue: str = "CNCC", gate: str = "CNCC-E1") -> str:
        with app.app_context():
            record = db.session.scalar(select(Venue).where(Venue.code == venue))
            if not any(g.code == gate for g in record.gates):
                db.session.add(Gate(venue=record, code=gate, name=gate))
            code, _ = devices.new_enrollment_code(venue, gate)
            db.session.commit()
        return code

    return build


@pytest.fixture
def book_passes(live_service, booking_body):
    """``book_passes(day, n)`` -> n bookings through the HTTP API: dicts with the pass
    ``token``, its ``serial``, the ``code`` and the document ``number``."""

    def build(day, n: int = 1, venue: str = "CNCC", **overrides) -> list[dict]:
        booked = []
        for _ in range(n):
            body = booking_body(day, venue=venue, **overrides)
            answer = live_service.post("/api/v1/appointments", body)
            assert answer.status_code == 201, answer.text
            data = answer.json()
            booked.append({"token": data["pass"]["token"], "serial": data["pass"]["serial"],
                           "code": data["appointment"]["code"],
                           "number": body["document"]["number"]})
        return booked

    return build


@pytest.fixture
def enrolled(tmp_path, live_service, enrolment_code):
    """``enrolled("CNCC-E1")`` -> the state directory of a kiosk enrolled at that gate
    (through ``fairgate-kiosk enroll``, in process)."""
    from kiosk.cli import main

    def build(gate: str = "CNCC-E1", name: str = "lane") -> Path:
        home = tmp_path / f"kiosk-{gate}-{name}"
        assert main(["--home", str(home), "enroll", "--server", live_service.url,
                     "--code", enrolment_code("CNCC", gate), "--name", name]) == 0
        return home

    return build


# --- a ledger without a service: signed passes and manifest pages built here --------------

@pytest.fixture
def clock():
    """A FakeClock at 10:00 Beijing time on the kiosk test day."""
    return FakeClock(beijing(10))


@pytest.fixture
def make_pass(signing_key, make_resident_id):
    """``make_pass(kind="visitor", venue="CNCC", day_count=1)`` -> a signed pass with the
    holder's document: ``.token``, ``.serial``, ``.number``, ``.document``."""
    from gate.documents import parse_document
    from gate.passes import new_claims, sign_pass

    def build(kind: str = "visitor", venue: str = "CNCC", day_count: int = 1,
              first_day=KIOSK_DAY):
        number = make_resident_id()
        document = parse_document("cn_resident_id", number, today=KIOSK_DAY)
        claims = new_claims(venue=venue, first_day=first_day, document_key=document.key,
                            kind=PassKind(kind), day_count=day_count)
        return SimpleNamespace(token=sign_pass(claims, signing_key), serial=claims.serial,
                               number=number, document=document, kind=kind)

    return build


@pytest.fixture
def make_page(signing_key):
    """``make_page([pass, ...], reset=True, cursor=..., status={serial: "cancelled"},
    presence={serial: {...}}, occupancy_limit=None, quota=1000)`` -> a manifest page as
    the service sends it."""
    from gate.lookup import gate_lookup_index
    from gate.passes import encode_public_key

    def build(passes=(), *, reset: bool = True, cursor: str = "v1.1.1",
              has_more: bool = False, status=None, presence=None, slots=None,
              occupancy_limit=None, quota: int = 1000, reentry_allowed: bool = False,
              opens: str = "09:00", closes: str = "18:00", day=KIOSK_DAY, venue="CNCC",
              lookup_params=LOOKUP_PARAMS):
        status, presence, slots = status or {}, presence or {}, slots or {}
        items = []
        for seq, p in enumerate(passes, start=1):
            state = status.get(p.serial, "active")
            slot = slots.get(p.serial)
            items.append({
                "serial": p.serial, "status": state, "kind": p.kind,
                "slot": {"code": "S", "start": slot[0], "end": slot[1]} if slot else None,
                "holder": {"name": "张*", "document": p.number[0] + "*" * 13 + p.number[-4:]},
                "gate_index": gate_lookup_index(lookup_params, p.document.key)
                if state == "active" else None,
                "presence": presence.get(p.serial), "seq": seq})
        return {
            "venue": venue, "date": day.isoformat(), "server_time": beijing(9).isoformat(),
            "policy": {"opens": opens, "closes": closes, "timezone": "Asia/Shanghai",
                       "reentry_allowed": reentry_allowed, "quota": quota,
                       "occupancy_limit": occupancy_limit},
            "lookup_kdf": lookup_params.to_wire(),
            "keys": [{"key_id": signing_key.key_id, "algorithm": "Ed25519",
                      "public_key": encode_public_key(signing_key.public_bytes()),
                      "created_at": "2026-09-01T00:00:00+00:00", "active": True}],
            "reset": reset, "full": reset, "appointments": items,
            "revoked": [i["serial"] for i in items if i["status"] != "active"],
            "cursor": cursor, "has_more": has_more}

    return build


@pytest.fixture
def ledger(tmp_path):
    """An empty ledger of a CNCC kiosk."""
    from kiosk.ledger import Ledger

    with Ledger(tmp_path / "ledger.sqlite") as opened:
        opened.set(venue="CNCC", gate="CNCC-E1", device_id=1)
        yield opened


@pytest.fixture
def station(enrolled):
    """``station("CNCC-E2")`` -> an enrolled kiosk's parts in this process: ``.ledger``,
    ``.client``, ``.sync`` (one round: ``.sync.round()``), ``.gate`` (a Gatekeeper whose
    ``online`` follows ``.online``), ``.home`` and ``.config``."""
    from kiosk.config import ledger_path, load
    from kiosk.gatekeeper import Gatekeeper
    from kiosk.ledger import Ledger
    from kiosk.sync import GateClient, Synchronizer

    opened = []

    def build(gate: str = "CNCC-E1", name: str = "lane", **options):
        home = enrolled(gate, name)
        config, token = load(home)
        ledger = Ledger(ledger_path(home))
        client = GateClient(config.server, token, timeout=(1.0, 3.0))
        parts = SimpleNamespace(home=home, config=config, token=token, ledger=ledger,
                                client=client, sync=Synchronizer(ledger, client), online=True)
        parts.gate = Gatekeeper(ledger, venue=config.venue, gate=config.gate,
                                online=lambda: parts.online, **options)
        opened.append(parts)
        return parts

    yield build
    for parts in opened:
        parts.client.close()
        parts.ledger.close()


@pytest.fixture
def service_events(app):
    """``service_events()`` -> the check-in events the service stored, as dicts."""
    from registration.extensions import db
    from registration.models import CheckInEvent

    def read(**where) -> list[dict]:
        with app.app_context():
            query = select(CheckInEvent).order_by(CheckInEvent.id)
            for name, value in where.items():
                query = query.where(getattr(CheckInEvent, name) == value)
            rows = db.session.scalars(query).all()
            return [{"id": r.event_id, "device": r.device_id, "serial": r.serial,
                     "reason": r.reason, "admit": r.admit, "offline": r.offline,
                     "source": r.source, "anomalies": r.anomalies} for r in rows]

    return read
