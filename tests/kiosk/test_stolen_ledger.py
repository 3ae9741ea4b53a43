"""What a stolen kiosk gives away: its ledger, synced from the real service, holds no key,
no document number, two characters of each document and Argon2id indexes; it still matches
ID cards offline, and it signs nothing."""
from __future__ import annotations

import base64
import json
import sqlite3

import pytest

from gate.documents import parse_document
from gate.lookup import gate_lookup_index
from gate.passes import SigningKey, new_claims, sign_pass
from gate.reasons import Reason
from kiosk.ledger import Ledger
from kiosk.sync import Synchronizer

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def ledger_bytes(ledger: Ledger) -> bytes:
    """Everything on disk: the database file and its WAL (what a thief copies)."""
    parts = [ledger.path.read_bytes()]
    for suffix in ("-wal", "-shm"):
        extra = ledger.path.with_name(ledger.path.name + suffix)
        if extra.exists():
            parts.append(extra.read_bytes())
    return b"".join(parts)


def forms(raw: bytes) -> list[bytes]:
    """A secret as it could be written down: raw, hex, base64 (padded or not)."""
    b64 = base64.b64encode(raw)
    url = base64.urlsafe_b64encode(raw)
    return [raw, raw.hex().encode(), b64, b64.rstrip(b"="), url, url.rstrip(b"=")]


def test_a_synced_ledger_holds_no_key_no_number_and_two_characters_per_document(
        app, gate_day, book_passes, station):
    from registration.services.identity import vault

    day = gate_day()
    booked = book_passes(day, 4)
    kiosk = station()  # enrolment pulled the manifest from the real service
    assert kiosk.ledger.counts()["appointments"] == 4
    disk = ledger_bytes(kiosk.ledger)
    meta = {row[0] for row in kiosk.ledger.conn.execute("SELECT key FROM meta")}
    assert "lookup_key" not in meta and "lookup_kdf" in meta
    ring = app.extensions["fairgate.keys"]
    for secret in (ring.index_key, ring.document_key, ring.current_signing_key.private_bytes()):
        assert not any(form in disk for form in forms(secret))
    holders = dict(kiosk.ledger.conn.execute("SELECT serial, document_masked FROM appointments"))
    with app.app_context():
        blind = [vault().blind_index(parse_document("cn_resident_id", b["number"]))
                 for b in booked]
    for booking, server_index in zip(booked, blind):
        number = booking["number"]
        assert holders[booking["serial"]] == "*" * 16 + number[-2:]
        for part in (number, number[:17], number[:14], number[:6] + "*",
                     number[0] + "*" * 13 + number[-4:]):
            assert part.encode() not in disk, part
        assert server_index.encode() not in disk  # the service's own index stays there
    # The indexes are there, as the Argon2id of the documents under the ledger's parameters.
    params = kiosk.ledger.lookup_params()
    assert (params.time_cost, params.memory_kib) == (1, 64)  # the tests' cheap settings
    indexes = dict(kiosk.ledger.conn.execute("SELECT serial, gate_index FROM appointments"))
    for booking in booked:
        document = parse_document("cn_resident_id", booking["number"])
        assert indexes[booking["serial"]] == gate_lookup_index(params, document.key)


def test_a_stolen_ledger_mints_no_pass(app, gate_day, book_passes, station):
    day = gate_day()
    booked = book_passes(day, 1)[0]
    kiosk = station()
    kiosk.online = False
    published = app.test_client().get("/api/v1/keys").get_json()["keys"]
    held = kiosk.ledger.public_keys()
    assert {k["key_id"] for k in published} == set(held)  # public keys, nothing to sign with
    thief = SigningKey.generate()
    claims = new_claims(venue="CNCC", first_day=day, document_key=parse_document(
        "cn_resident_id", booked["number"]).key)
    forged = kiosk.gate.decide_text(sign_pass(claims, thief))
    assert forged.verdict.reason is Reason.unknown_key and not forged.verdict.admit
    assert kiosk.gate.decide_text(booked["token"]).verdict.reason is Reason.ok


def test_the_kiosk_matches_an_id_card_offline_through_the_kdf(
        gate_day, book_passes, station, live_service, service_events, make_resident_id):
    day = gate_day()
    booked, other = book_passes(day, 2)
    kiosk = station()
    live_service.stop()
    kiosk.online = False
    found = kiosk.gate.decide_card(booked["number"])
    assert found.verdict.reason is Reason.ok and found.source == "card"
    assert found.verdict.serial == booked["serial"]
    assert found.verdict.document_masked == "*" * 16 + booked["number"][-2:]
    event = kiosk.ledger.queued_events()[0]
    document = parse_document("cn_resident_id", booked["number"])
    assert event["document_index"] == gate_lookup_index(kiosk.ledger.lookup_params(),
                                                        document.key)
    assert booked["number"] not in json.dumps(event)
    assert kiosk.gate.decide_card(make_resident_id()).verdict.reason is Reason.no_appointment
    live_service.start()
    kiosk.online = True
    assert kiosk.sync.round().uploaded == 2
    stored = service_events(source="upload")
    assert [(e["serial"], e["reason"], e["anomalies"]) for e in stored] == [
        (booked["serial"], "ok", None), (None, "no_appointment", "unknown_pass")]
    assert other  # booked, never shown: nothing about it in the events


def test_an_upgraded_kiosk_erases_its_old_lookup_key(gate_day, book_passes, station):
    day = gate_day()
    booked = book_passes(day, 2)
    kiosk = station()
    path = kiosk.ledger.path
    kiosk.ledger.close()
    # The ledger as the previous version left it: the venue-day HMAC key beside its indexes.
    old_key = base64.urlsafe_b64encode(bytes(range(100, 132))).rstrip(b"=").decode()
    old_indexes = [f"{n:02x}" * 20 for n in (0xA1, 0xB2)]
    raw = sqlite3.connect(path, isolation_level=None)
    for _ in range(3):  # written at every pull, as it was
        raw.execute("INSERT OR REPLACE INTO meta VALUES ('lookup_key', ?)", (json.dumps(old_key),))
    for serial, index in zip((b["serial"] for b in booked), old_indexes):
        raw.execute("UPDATE appointments SET gate_index = ? WHERE serial = ?", (index, serial))
    raw.close()

    upgraded = Ledger(path)
    try:
        assert upgraded.get("lookup_key") is None and upgraded.get("cursor") is None
        disk = ledger_bytes(upgraded)
        assert old_key.encode() not in disk
        assert not any(index.encode() in disk for index in old_indexes)
        assert upgraded.counts()["appointments"] == 2  # passes still decide offline
        report = Synchronizer(upgraded, kiosk.client).round()
        assert report.items == 2 and not report.manifest_error  # a full pull
        from kiosk.gatekeeper import Gatekeeper

        gate = Gatekeeper(upgraded, venue="CNCC", gate="CNCC-E1")
        assert gate.decide_card(booked[1]["number"]).verdict.reason is Reason.ok
    finally:
        upgraded.close()
