"""The handheld scanner's typed fallback in Chromium: confirmation codes (online only) and
ID numbers, online and offline (the Argon2id look-up index computed in the browser and
found in the IndexedDB manifest), and the ID card a venue wants with the pass."""
from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.test_handheld import NUMBERS, Handheld, _book, _checked, _events, _typed_enrol

pytestmark = pytest.mark.browser

UNBOOKED = "110101196601010051"  # a valid number nobody booked with (check char fixed below)


def _wrong_check(number: str) -> str:
    """The number with a wrong check character: a typing mistake."""
    right = _checked(number)
    return right[:-1] + ("0" if right[-1] != "0" else "1")


@pytest.fixture
def phone(browser, live_server, tmp_path):
    """A phone without camera: everything here is typed."""
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE,
                                  extra_http_headers={"Accept-Language": "en-GB"})
    context.set_default_timeout(10_000)
    yield Handheld(context, tmp_path / "unused.y4m")
    context.close()


def type_in(phone: Handheld, kind: str, text: str) -> dict:
    """Type ``text`` as ``kind``, submit; what the verdict screen says, then tap it away."""
    page = phone.page
    page.locator("#typed-type").select_option(kind)
    page.locator("#typed-text").fill(text)
    page.locator("#typed-form button[type=submit]").click()
    verdict = page.locator("#verdict")
    expect(verdict).to_be_visible()
    seen = {"reason": verdict.get_attribute("data-reason"),
            "mode": verdict.get_attribute("data-mode"),
            "holder": page.locator("#verdict-holder").inner_text(),
            "text": verdict.inner_text()}
    assert page.locator("#typed-text").input_value() == ""  # nothing typed is kept
    verdict.click()
    expect(verdict).to_be_hidden()
    return seen


def ledger_dump(phone: Handheld) -> str:
    """Everything the phone keeps in IndexedDB, as one JSON text."""
    return phone.page.evaluate("""async () => {
        const db = window.fairgateScan.ledger.db;
        const out = {};
        for (const name of db.objectStoreNames) out[name] = await db.getAll(name);
        return JSON.stringify(out);
    }""")


def test_a_typed_code_is_checked_online_and_needs_the_network(phone, staff, live_app):
    day = staff.today("CNCC", quota=50)
    booked = [_book(staff, day, number) for number in NUMBERS[:2]]
    phone.open()
    _typed_enrol(phone, live_app)
    code = booked[0]["code"]
    # As read from a phone screen: lower case, in two groups, in the pass-text field.
    online = type_in(phone, "pass", f"{code[:4].lower()} {code[4:].lower()}")
    assert (online["reason"], online["mode"]) == ("ok", "online")
    assert "*" in online["holder"] and _checked(NUMBERS[0]) not in online["text"]
    assert ("ok", False) in [(reason, offline) for _, reason, offline in _events(live_app)]
    before = len(_events(live_app))

    phone.context.set_offline(True)
    offline = type_in(phone, "code", booked[1]["code"])
    assert (offline["reason"], offline["mode"]) == ("unreadable", "offline")
    assert "A typed code needs the network: type the ID number instead" in offline["text"]
    assert "离线时无法核验确认码" in offline["text"]
    # The phone offers the ID number instead, and the code is in none of its stores.
    assert phone.page.locator("#typed-type").input_value() == "cn_resident_id"
    dump = ledger_dump(phone)
    assert booked[1]["code"] not in dump and code not in dump
    phone.context.set_offline(False)
    phone.sync()
    assert len(_events(live_app)) == before  # nothing was decided, nothing queued
    assert phone.problems == []


def test_typed_id_numbers_are_found_offline_by_the_look_up_index(phone, staff, live_app):
    day = staff.today("CNCC", quota=50)
    booked = [_book(staff, day, number) for number in NUMBERS[:3]]
    phone.open()
    _typed_enrol(phone, live_app)
    phone.context.set_offline(True)
    first = type_in(phone, "cn_resident_id", _checked(NUMBERS[0]))
    assert (first["reason"], first["mode"]) == ("ok", "offline")
    assert "*" in first["holder"] and _checked(NUMBERS[0]) not in first["text"]
    assert _checked(NUMBERS[0])[-2:] in first["holder"]  # the manifest's masked tail
    # The passage is the pass's: its pass typed next is a duplicate, not a second entry.
    again = type_in(phone, "pass", booked[0]["token"])
    assert (again["reason"], again["mode"]) == ("duplicate_scan", "offline")
    wrong = type_in(phone, "cn_resident_id", _checked(UNBOOKED))
    assert (wrong["reason"], wrong["mode"]) == ("no_appointment", "offline")
    typo = type_in(phone, "cn_resident_id", _wrong_check(NUMBERS[1]))
    assert typo["reason"] == "unreadable"
    assert "Not a valid ID number" in typo["text"]
    expect(phone.page.locator("#queue-count")).to_have_attribute("data-count", "3")
    # Only indexes and masked tails are kept on the phone, never a number.
    dump = ledger_dump(phone)
    for number in (*NUMBERS[:3], UNBOOKED):
        assert _checked(number) not in dump and _checked(number)[:17] not in dump

    phone.context.set_offline(False)
    phone.sync()
    expect(phone.page.locator("#queue-count")).to_have_attribute("data-count", "0",
                                                                 timeout=15_000)
    from registration.extensions import db
    from registration.models.checkin import CheckInEvent

    with live_app.app_context():
        rows = db.session.scalars(db.select(CheckInEvent).where(
            CheckInEvent.offline.is_(True))).all()
        by_reason = {row.reason: row for row in rows}
        assert set(by_reason) == {"ok", "duplicate_scan", "no_appointment"}
        assert by_reason["ok"].serial == booked[0]["serial"]
        assert by_reason["ok"].appointment_id is not None
    assert phone.problems == []


def test_the_browser_index_equals_the_python_index(phone, staff, live_app):
    from gate.documents import parse_document
    from gate.lookup import LookupParams, gate_lookup_index
    from gate.passes import document_fingerprint
    from tests.conftest import CHEAP_LOOKUP_KDF

    staff.today("CNCC", quota=50)
    phone.open()
    cheap = {"time_cost": CHEAP_LOOKUP_KDF["GATE_LOOKUP_KDF_TIME_COST"],
             "memory_kib": CHEAP_LOOKUP_KDF["GATE_LOOKUP_KDF_MEMORY_KIB"],
             "parallelism": CHEAP_LOOKUP_KDF["GATE_LOOKUP_KDF_PARALLELISM"]}
    settings = [cheap, {"time_cost": 3, "memory_kib": 256, "parallelism": 2, "length": 32},
                {"time_cost": 2, "memory_kib": 128, "parallelism": 4, "length": 16}]
    second, third = _checked(NUMBERS[1]), _checked(NUMBERS[2])
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "110101800101123")  # a 15-digit card
    typed = [_checked(NUMBERS[0]), f" {second[:6]} {second[6:14]} {second[14:]} ", full_width,
             f"{third[:6]}-{third[6:14]}—{third[14:]}", _checked("11010119900307803X")[:17]
             + "x"]
    for n, values in enumerate(settings):
        params = LookupParams(salt=bytes(range(n, n + 16)), **values)
        kdf = params.to_wire()
        for text in typed:
            expected_key = parse_document("cn_resident_id", text).key
            browser = phone.page.evaluate("""async ([kdf, text, serial]) => {
                const lookup = window.fairgateScan.lookup;
                const key = lookup.residentIdKey(text);
                return { key, index: await lookup.gateIndex(kdf, key),
                         fingerprint: await lookup.documentFingerprint(serial, key, 3) };
            }""", [kdf, text, "7GQ4XW2M9KD3HB5T"])
            assert browser["key"] == expected_key, text
            assert browser["index"] == gate_lookup_index(params, expected_key), (values, text)
            assert browser["fingerprint"] == document_fingerprint(
                "7GQ4XW2M9KD3HB5T", expected_key).hex()
    # What the phone refuses before any look-up: a wrong check character, a wrong length.
    wrong = [_wrong_check(NUMBERS[0]), "11010119900307", _checked("7" + NUMBERS[0][1:])]
    refused = phone.page.evaluate(
        "(texts) => texts.map((t) => window.fairgateScan.lookup.residentIdKey(t))", wrong)
    assert refused == [None, None, None]
    assert json.dumps(phone.page.evaluate(
        "['k7p2 qx9m', 'K7P2QX9O', 'ABCD1234'].map(window.fairgateScan.lookup"
        ".confirmationCode)")) == json.dumps(["K7P2QX9M", None, None])
    assert phone.problems == []


def test_the_venues_id_check_is_met_by_a_typed_number_offline(phone, staff, live_app):
    from registration.extensions import db
    from registration.services import operations

    day = staff.today("CNCC", quota=50)
    booked = [_book(staff, day, number) for number in NUMBERS[:2]]
    with live_app.app_context():
        operations.set_venue("CNCC", "国家会议中心", "China National Convention Center",
                             id_check_kinds=["visitor"])
        db.session.commit()
    try:
        phone.open()
        _typed_enrol(phone, live_app)
        online = type_in(phone, "pass", booked[1]["token"])
        assert (online["reason"], online["mode"]) == ("id_required", "online")
        paired = type_in(phone, "cn_resident_id", _checked(NUMBERS[1]))
        assert (paired["reason"], paired["mode"]) == ("ok", "online")

        phone.context.set_offline(True)
        asked = type_in(phone, "pass", booked[0]["token"])
        assert (asked["reason"], asked["mode"]) == ("id_required", "offline")
        other = type_in(phone, "cn_resident_id", _checked(NUMBERS[2]))
        assert (other["reason"], other["mode"]) == ("id_mismatch", "offline")
        type_in(phone, "pass", booked[0]["token"])
        matching = type_in(phone, "cn_resident_id", _checked(NUMBERS[0]))
        assert (matching["reason"], matching["mode"]) == ("ok", "offline")
        assert phone.problems == []
    finally:
        with live_app.app_context():
            operations.set_venue("CNCC", "国家会议中心", "China National Convention Center",
                                 id_check_kinds=[])
            db.session.commit()


def test_the_index_at_the_venue_days_real_cost(phone, staff, live_app):
    """The manifest's own parameters (the service's defaults, about 96 MiB): the phone's
    index is the one the manifest lists for the booking, and how long a typed card takes."""
    from gate.documents import parse_document
    from gate.lookup import LookupParams, gate_lookup_index

    day = staff.today("CNCC", quota=50)
    booked = _book(staff, day, NUMBERS[0])
    phone.open()
    _typed_enrol(phone, live_app)
    measured = phone.page.evaluate("""async ([serial, number]) => {
        const { ledger, lookup } = window.fairgateScan;
        const kdf = (await ledger.get("manifest")).lookup_kdf;
        const item = await ledger.appointment(serial);
        const times = [];
        let index = null;
        for (let i = 0; i < 5; i += 1) {
            const start = performance.now();
            index = await lookup.gateIndex(kdf, lookup.residentIdKey(number));
            times.push(performance.now() - start);
        }
        return { kdf, index, listed: item.gate_index, times };
    }""", [booked["serial"], _checked(NUMBERS[0])])
    key = parse_document("cn_resident_id", _checked(NUMBERS[0])).key
    params = LookupParams.from_wire(measured["kdf"])
    assert params.memory_kib >= 64 * 1024  # the real cost, not the tests' cheap one
    assert measured["index"] == measured["listed"] == gate_lookup_index(params, key)
    times = sorted(measured["times"])
    print(f"\nargon2id in Chromium ({params.memory_kib} KiB, t={params.time_cost}, "
          f"p={params.parallelism}): median {times[2]:.0f} ms, max {times[-1]:.0f} ms")
