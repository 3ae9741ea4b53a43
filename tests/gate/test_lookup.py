"""The kiosks' document look-up index: Argon2id under per venue-day parameters."""
from __future__ import annotations

from datetime import date

import pytest
from argon2.low_level import Type, hash_secret_raw

from gate.documents import parse_document
from gate.lookup import (
    LookupParams, LookupParamsError, gate_lookup_index, venue_day_salt,
)

PARAMS = LookupParams(salt=bytes(range(16)), time_cost=1, memory_kib=64, parallelism=1)
DOCUMENT = parse_document("cn_resident_id", "11010119900307803X").key


def test_the_index_is_argon2id_of_the_document_under_the_venue_day_salt():
    index = gate_lookup_index(PARAMS, DOCUMENT)
    assert len(index) == 40 and int(index, 16) >= 0
    expected = hash_secret_raw(b"fairgate/gate-index/v2\x00" + DOCUMENT.encode(), PARAMS.salt,
                               1, 64, 1, 20, Type.ID)
    assert index == expected.hex()
    assert gate_lookup_index(PARAMS, DOCUMENT) == index  # the kiosk and the service agree
    other_day = LookupParams(salt=bytes(16), time_cost=1, memory_kib=64, parallelism=1)
    assert gate_lookup_index(other_day, DOCUMENT) != index
    other_card = parse_document("cn_resident_id", "360426199101010071").key
    assert gate_lookup_index(PARAMS, other_card) != index


def test_every_parameter_changes_the_index():
    base = gate_lookup_index(PARAMS, DOCUMENT)
    variants = [dict(time_cost=2), dict(memory_kib=128), dict(parallelism=2),
                dict(length=32)]
    indexes = {gate_lookup_index(LookupParams(**{**PARAMS.__dict__, **change}), DOCUMENT)
               for change in variants}
    assert len(indexes) == 4 and base not in indexes


def test_the_salt_is_per_venue_and_day_and_public_only_as_a_derivation():
    master = bytes(range(32))
    salts = {venue_day_salt(master, venue, day) for venue in ("CNCC", "SHOUGANG")
             for day in (date(2026, 9, 10), date(2026, 9, 11))}
    assert len(salts) == 4 and all(len(salt) == 16 for salt in salts)
    assert venue_day_salt(bytes(32), "CNCC", date(2026, 9, 10)) not in salts


def test_parameters_travel_as_json_and_come_back_the_same():
    wire = PARAMS.to_wire()
    assert wire == {"algorithm": "argon2id", "version": 19, "time_cost": 1,
                    "memory_kib": 64, "parallelism": 1, "length": 20,
                    "salt": "AAECAwQFBgcICQoLDA0ODw"}
    assert LookupParams.from_wire(wire) == PARAMS


@pytest.mark.parametrize("change,message", [
    ({"algorithm": "argon2i"}, "only argon2id"),
    ({"version": 16}, "only argon2id"),
    ({"time_cost": 0}, "time_cost"),
    ({"time_cost": "2"}, "time_cost"),
    ({"memory_kib": 2 << 20}, "memory_kib"),  # 2 GiB: no manifest may exhaust a kiosk
    ({"memory_kib": 8, "parallelism": 2}, "8 x parallelism"),
    ({"parallelism": 0}, "parallelism"),
    ({"length": 8}, "length"),
    ({"salt": "!!"}, "salt"),
    ({"salt": None}, "salt"),
    ({"salt": "AAAA"}, "salt"),  # 3 bytes
])
def test_parameters_a_kiosk_refuses(change, message):
    with pytest.raises(LookupParamsError, match=message):
        LookupParams.from_wire({**PARAMS.to_wire(), **change})
