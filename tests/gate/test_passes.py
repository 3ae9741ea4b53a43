import base64
import dataclasses
import re
from datetime import date
from pathlib import Path

import pytest
import qrcode
from hypothesis import given, settings
from hypothesis import strategies as st
from qrcode.util import MODE_ALPHA_NUM, QRData

from gate.passes import (
    ALL_VENUES,
    MAX_TOKEN_LENGTH,
    MAX_VENUE_LENGTH,
    TOKEN_PREFIX,
    BadSignature,
    PassClaims,
    PassKind,
    PassTokenError,
    SigningKey,
    UnknownKey,
    UnreadableToken,
    decode_public_key,
    decode_unverified,
    document_fingerprint,
    encode_payload,
    encode_public_key,
    key_id_for,
    new_claims,
    new_serial,
    sign_pass,
    token_length,
    verify_token,
)

DOC_KEY = "cn_resident_id::11010519491231002X"  # gate.documents.Document.key
FAIR_DAY = date(2026, 9, 10)
QR_ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]*")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "pass-format.md"


@pytest.fixture(scope="module")
def key():
    return SigningKey.generate()


@pytest.fixture(scope="module")
def keys(key):
    return {key.key_id: key.public_bytes()}


@pytest.fixture(scope="module")
def make_token(key):
    def make(venue="CNCC", *, signing_key=None, **overrides):
        kind = overrides.pop("kind", PassKind.visitor)
        claims = new_claims(venue=venue, first_day=FAIR_DAY, document_key=DOC_KEY, kind=kind)
        return sign_pass(dataclasses.replace(claims, **overrides), signing_key or key)
    return make


def raw_bytes(token):
    body = token[len(TOKEN_PREFIX):]
    return base64.b32decode(body + "=" * (-len(body) % 8))


def as_token(raw):
    return TOKEN_PREFIX + base64.b32encode(raw).decode().rstrip("=")


def reason_of(text, keys):
    with pytest.raises(PassTokenError) as caught:
        verify_token(text, keys)
    return caught.value.reason


def test_round_trip(make_token, keys, key):
    token = make_token("SHOUGANG", day_count=3, kind=PassKind.exhibitor)
    claims = verify_token(token, keys)
    assert claims.venue == "SHOUGANG"
    assert claims.first_day == FAIR_DAY and claims.day_count == 3
    assert claims.valid_days == (date(2026, 9, 10), date(2026, 9, 11), date(2026, 9, 12))
    assert claims.covers(date(2026, 9, 12)) and not claims.covers(date(2026, 9, 13))
    assert not claims.covers(date(2026, 9, 9))
    assert claims.kind is PassKind.exhibitor
    assert claims.key_id == key.key_id and claims.version == 1
    assert claims == decode_unverified(token)
    assert len(token) == token_length(len("SHOUGANG"))


@pytest.mark.parametrize("kind", list(PassKind))
def test_every_kind_round_trips(make_token, keys, kind):
    assert verify_token(make_token(kind=kind), keys).kind is kind


@pytest.mark.parametrize("kind", [PassKind.exhibitor, PassKind.staff, PassKind.media,
                                  PassKind.guest, PassKind.contractor])
def test_every_venue_pass_round_trips(make_token, keys, kind):
    token = make_token(ALL_VENUES, day_count=5, kind=kind)
    claims = verify_token(token, keys)
    assert claims.venue == "*" and claims.every_venue and claims.kind is kind
    assert claims.valid_at("CNCC") and claims.valid_at("SHOUGANG")
    assert len(token) == token_length(1) == 140 and QR_ALPHANUMERIC.fullmatch(token)
    assert not verify_token(make_token("CNCC"), keys).valid_at("SHOUGANG")


@pytest.mark.parametrize("kind", [PassKind.visitor, PassKind.professional])
def test_one_venue_day_pass_with_every_venue_is_unreadable(key, keys, kind):
    with pytest.raises(ValueError):
        new_claims(venue=ALL_VENUES, first_day=FAIR_DAY, document_key=DOC_KEY, kind=kind)
    # Signed anyway (by hand, past PassClaims): the decoder refuses it.
    media = new_claims(venue=ALL_VENUES, first_day=FAIR_DAY, document_key=DOC_KEY,
                       kind=PassKind.media)
    payload = bytearray(encode_payload(dataclasses.replace(media, key_id=key.key_id)))
    payload[14 + 1 + 3] = kind.code
    assert reason_of(as_token(bytes(payload) + key.sign(bytes(payload))), keys) == "unreadable"


def test_token_uses_only_qr_alphanumeric_characters(make_token):
    token = make_token()
    assert token.startswith("FG") and QR_ALPHANUMERIC.fullmatch(token)
    assert "=" not in token


def test_lower_case_and_surrounding_whitespace_accepted(make_token, keys):
    token = make_token()
    assert verify_token(f"  {token.lower()}\r\n", keys).serial == decode_unverified(token).serial


def test_inner_whitespace_and_non_ascii_are_unreadable(make_token, keys):
    token = make_token()
    assert reason_of(token[:20] + " " + token[20:], keys) == "unreadable"
    # "ﬀ".upper() == "FF": a look-alike must not become a valid prefix.
    assert reason_of("\ufb00" + token[2:].lower(), keys) == "unreadable"


def test_key_rotation(make_token, keys, key):
    new_key = SigningKey.generate()
    published = {**keys, new_key.key_id: new_key.public_bytes()}
    old_token, new_token = make_token(), make_token(signing_key=new_key)
    assert verify_token(old_token, published).key_id == key.key_id
    assert verify_token(new_token, published).key_id == new_key.key_id
    # once the old key is withdrawn its passes are refused, but as unknown_key
    assert reason_of(old_token, {new_key.key_id: new_key.public_bytes()}) == "unknown_key"


def test_unknown_key(make_token):
    other = SigningKey.generate()
    with pytest.raises(UnknownKey) as caught:
        verify_token(make_token(), {other.key_id: other.public_bytes()})
    assert caught.value.reason == "unknown_key"
    assert caught.value.key_id == decode_unverified(make_token()).key_id


def test_forged_with_other_key_under_known_key_id(make_token, key, keys):
    forger = SigningKey.generate()
    claims = dataclasses.replace(decode_unverified(make_token()), key_id=forger.key_id)
    token = sign_pass(claims, forger)
    forged = raw_bytes(token)
    forged = forged[:1] + bytes.fromhex(key.key_id) + forged[3:]
    with pytest.raises(BadSignature):
        verify_token(as_token(forged), keys)


def test_every_byte_flipped_is_refused(make_token, keys):
    raw = raw_bytes(make_token("SHOUGANG"))
    for index in range(len(raw)):
        for mask in (0x01, 0x80, 0xFF):
            tampered = bytearray(raw)
            tampered[index] ^= mask
            reason = reason_of(as_token(bytes(tampered)), keys)
            if index in (1, 2):  # the key id names a key nobody published
                assert reason == "unknown_key"
            else:
                assert reason in ("bad_signature", "unreadable"), (index, mask)


def test_every_text_bit_flip_is_refused(make_token, keys):
    token = make_token()
    for index in range(len(token)):
        for bit in range(7):
            text = token[:index] + chr(ord(token[index]) ^ (1 << bit)) + token[index + 1:]
            try:
                verify_token(text, keys)
            except PassTokenError:
                continue
            assert text.strip().upper() == token  # only a case change may still verify


def test_truncated(make_token, keys):
    token = make_token()
    for length in range(len(token)):
        assert reason_of(token[:length], keys) == "unreadable"
    assert reason_of(token + "A", keys) == "unreadable"
    assert reason_of(token + "AAAAAAAA", keys) == "unreadable"


@pytest.mark.parametrize("text", ["", "FG", "HELLO", "FG0000", "FGAAAA====",
                                  "https://example.com/FGAAAA"])
def test_not_our_format(text, keys):
    with pytest.raises(UnreadableToken):
        verify_token(text, keys)


def test_unknown_version_and_kind_are_unreadable(make_token, keys):
    raw = raw_bytes(make_token())
    assert reason_of(as_token(b"\x02" + raw[1:]), keys) == "unreadable"
    kind_at = 14 + 4 + 3
    assert reason_of(as_token(raw[:kind_at] + b"\x09" + raw[kind_at + 1:]), keys) == "unreadable"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_random_text(keys, text):
    with pytest.raises(PassTokenError):
        verify_token(text, keys)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=0, max_size=120))
def test_fuzz_random_bytes_as_token(keys, raw):
    with pytest.raises(PassTokenError):
        verify_token(as_token(raw), keys)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_fuzz_truncations_and_bit_flips(make_token, keys, data):
    raw = raw_bytes(make_token(data.draw(st.sampled_from(["CNCC", "SHOUGANG", "A"]))))
    cut = data.draw(st.integers(0, len(raw) - 1))
    bit = data.draw(st.integers(0, len(raw) * 8 - 1))
    flipped = bytearray(raw)
    flipped[bit // 8] ^= 1 << (bit % 8)
    for candidate in (raw[:cut], bytes(flipped), raw[:cut] + raw[cut + 1:]):
        with pytest.raises(PassTokenError):
            verify_token(as_token(candidate), keys)


def test_decode_unverified_ignores_signature_but_not_format(make_token):
    raw = raw_bytes(make_token())
    forged = as_token(raw[:-1] + bytes((raw[-1] ^ 1,)))
    assert decode_unverified(forged).venue == "CNCC"
    with pytest.raises(UnreadableToken):
        decode_unverified(forged[:-5])


@pytest.mark.parametrize("venue", ["CNCC", "SHOUGANG", "X" * MAX_VENUE_LENGTH])
def test_qr_version_and_alphanumeric_mode(make_token, venue):
    token = make_token(venue)
    assert len(token) == token_length(len(venue)) <= MAX_TOKEN_LENGTH
    data = QRData(token)  # qrcode's own choice of mode for the text
    assert data.mode == MODE_ALPHA_NUM
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    qr.make(fit=True)
    assert qr.version <= 6
    assert [chunk.mode for chunk in qr.data_list] == [MODE_ALPHA_NUM]


def test_fingerprint_binding(make_token, keys):
    claims = verify_token(make_token(), keys)
    assert claims.fingerprint == document_fingerprint(claims.serial, DOC_KEY)
    assert claims.matches_document(DOC_KEY)
    assert not claims.matches_document("cn_resident_id::110105194912310037")
    assert len(claims.fingerprint) == 3
    # the serial is mixed in: the same document gives unrelated fingerprints per pass
    other = new_serial()
    assert document_fingerprint(other, DOC_KEY) != claims.fingerprint or other == claims.serial


def test_fingerprint_definition():
    import hashlib
    expected = hashlib.sha256(b"fairgate/fp/v1\x00AAAQEAYEAUDAOCAJ\x00" + DOC_KEY.encode())
    assert document_fingerprint("AAAQEAYEAUDAOCAJ", DOC_KEY) == expected.digest()[:3]


def test_serials_are_random_base32():
    serials = {new_serial() for _ in range(200)}
    assert len(serials) == 200
    assert all(re.fullmatch(r"[A-Z2-7]{16}", s) for s in serials)


@pytest.mark.parametrize("overrides", [
    {"venue": "cncc"}, {"venue": ""}, {"venue": "X" * (MAX_VENUE_LENGTH + 1)},
    {"venue": "CNCC-E1"}, {"venue": "**"}, {"venue": "C*"}, {"day_count": 0},
    {"day_count": 256}, {"first_day": date(2019, 12, 31)},
    {"serial": "short"}, {"fingerprint": b"\x00" * 4}, {"kind": "vip"}, {"key_id": "ABCD"},
    {"version": 2},
])
def test_invalid_claims_rejected(overrides):
    fields = dict(serial=new_serial(), venue="CNCC", first_day=FAIR_DAY, day_count=1,
                  kind=PassKind.visitor, fingerprint=b"\x00\x01\x02")
    fields.update(overrides)
    with pytest.raises(ValueError):
        PassClaims(**fields)


def test_kind_aliases():
    assert list(PassKind) == [PassKind.visitor, PassKind.exhibitor, PassKind.staff,
                              PassKind.media, PassKind.professional, PassKind.guest,
                              PassKind.contractor, PassKind.online]
    assert PassKind.VISITOR is PassKind.visitor and PassKind("staff") is PassKind.STAFF
    assert PassKind.GUEST is PassKind.guest
    # Codes printed on passes never change meaning.
    assert [kind.code for kind in PassKind] == [1, 2, 3, 4, 5, 6, 7, 8]


def test_kind_given_as_text_is_coerced():
    claims = new_claims(venue="CNCC", first_day=FAIR_DAY, document_key=DOC_KEY, kind="media")
    assert claims.kind is PassKind.media


def test_sign_refuses_claims_for_another_key(make_token, key):
    token = make_token()
    claims = decode_unverified(token)
    with pytest.raises(ValueError):
        sign_pass(claims, SigningKey.generate())
    assert sign_pass(claims, key) == token  # Ed25519 is deterministic


def test_signing_key_round_trip_and_key_id(key):
    again = SigningKey.from_private_bytes(key.private_bytes())
    assert again.public_bytes() == key.public_bytes() and again.key_id == key.key_id
    assert key.key_id == key_id_for(key.public_bytes())
    assert re.fullmatch(r"[0-9a-f]{4}", key.key_id)
    assert key.private_bytes().hex() not in repr(key)
    with pytest.raises(ValueError):
        SigningKey.from_private_bytes(b"\x01" * 31)


def test_public_key_text_form(key):
    text = encode_public_key(key.public_bytes())
    assert len(text) == 43 and "=" not in text
    assert decode_public_key(text) == decode_public_key(text + "=") == key.public_bytes()
    with pytest.raises(ValueError):
        decode_public_key("not a key")


def test_malformed_published_key_is_a_configuration_error(make_token, key):
    with pytest.raises(ValueError):
        verify_token(make_token(), {key.key_id: b"\x00" * 31})


def test_worked_example_in_docs_matches_code():
    example_key = SigningKey.from_private_bytes(b"\x01" * 32)
    claims = new_claims(venue="CNCC", first_day=FAIR_DAY, day_count=1, kind=PassKind.visitor,
                        document_key=DOC_KEY, serial="AAAQEAYEAUDAOCAJ")
    token = sign_pass(claims, example_key)
    text = DOCS.read_text(encoding="utf-8")
    assert token in text
    assert example_key.key_id in text
    assert encode_public_key(example_key.public_bytes()) in text
    assert verify_token(token, {example_key.key_id: example_key.public_bytes()}) == \
        dataclasses.replace(claims, key_id=example_key.key_id)
    every_venue = dataclasses.replace(claims, venue=ALL_VENUES, day_count=5,
                                      kind=PassKind.media)
    assert sign_pass(every_venue, example_key) in text
