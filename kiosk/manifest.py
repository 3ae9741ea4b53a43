"""Manifest pages (docs/sync-protocol.md, section 3) turned into ledger rows.

The page header is validated with ``schemas.gate.ManifestPageSchema``; the items with a
hand-written check of the same shape (see :func:`check_items`). A door device's page also
carries its ``zone`` (sessions of the day) and ``attention_kinds``, its items ``seats`` and
``attention``: checked here by hand too, and optional, so a page of an older service loads.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import datetime, timezone

from marshmallow import ValidationError

from gate.passes import PassKind, decode_public_key, key_id_for
from gate.vocabulary import GateStatus, values
from schemas.gate import ManifestItemSchema, ManifestPageSchema, PresenceSchema

log = logging.getLogger(__name__)

_HEADER = ManifestPageSchema(exclude=("appointments",))
_ITEM_FIELDS = tuple(name for name, f in ManifestItemSchema().fields.items() if f.required)
_PRESENCE_FIELDS = tuple(PresenceSchema().fields)
_KINDS = frozenset(values(PassKind))
_STATUSES = frozenset(values(GateStatus))
_HHMM = re.compile(r"\d\d:\d\d")


def utc_text(moment: datetime) -> str:
    """A fixed-width UTC timestamp: string order is time order."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def key_rows(keys: list[dict]) -> list[tuple]:
    """(key id, raw public key, active) for each published key whose id matches it."""
    rows = []
    for key in keys:
        raw = decode_public_key(key["public_key"])
        if key_id_for(raw) != key["key_id"]:
            log.warning("ignoring published key %s: id does not match", key["key_id"])
            continue
        rows.append((key["key_id"], raw, int(key["active"])))
    return rows


def parse_page(page: dict) -> tuple[dict, list[tuple], list[tuple], str]:
    """(header, key rows, appointment rows, header digest); ValidationError if malformed."""
    if not isinstance(page, dict):
        raise ValidationError({"_schema": ["A manifest page is an object."]})
    header = _HEADER.load({k: v for k, v in page.items() if k != "appointments"
                           and (k in _HEADER.fields or k not in _DOOR_HEADER)})
    header["zone"] = check_zone(page.get("zone"))
    header["attention_kinds"] = check_attention_kinds(page.get("attention_kinds"))
    items = page.get("appointments")
    check_items(items)
    rows = [item_row(item, header["date"]) for item in items]
    digest = hashlib.sha256(json.dumps(
        [header[k] for k in ("venue", "date", "policy", "lookup_kdf", "keys", "zone",
                             "attention_kinds")],
        sort_keys=True).encode()).hexdigest()
    return header, key_rows(header["keys"]), rows, digest


_DOOR_HEADER = ("zone", "attention_kinds")


def _bad(field: str):
    return ValidationError({field: ["Not what a manifest page carries."]})


def _is_note(note, *, with_staff: bool = True) -> bool:
    return isinstance(note, dict) and isinstance(note.get("zh"), str) \
        and isinstance(note.get("en"), str) \
        and (not with_staff or isinstance(note.get("needs_staff", False), bool))


def _time(text) -> str:
    moment = datetime.fromisoformat(text)  # ValueError/TypeError when not ISO-8601
    if moment.tzinfo is None:
        raise ValueError("naive time")
    return utc_text(moment)


def check_zone(zone) -> dict | None:
    """A door device's zone (None: an entrance device or an older service)."""
    if zone is None:
        return None
    try:
        kinds = zone.get("kinds")
        sessions = [{"code": s["code"], "title": s.get("title") or {"zh": "", "en": ""},
                     **{k: _time(s[k]) for k in ("starts", "ends", "doors_open",
                                                 "admits_until")}}
                    for s in zone.get("sessions") or ()]
        ok = isinstance(zone["code"], str) and isinstance(zone.get("seated"), bool) \
            and (kinds is None or (isinstance(kinds, list) and set(kinds) <= _KINDS)) \
            and (zone.get("capacity") is None or type(zone["capacity"]) is int) \
            and all(isinstance(s["code"], str) for s in sessions)
    except (AttributeError, KeyError, TypeError, ValueError):
        ok = False
    if not ok:
        raise _bad("zone")
    return {"code": zone["code"], "kind": zone.get("kind"), "name": zone.get("name"),
            "seated": zone["seated"], "kinds": kinds, "capacity": zone.get("capacity"),
            "sessions": sessions}


def check_attention_kinds(notes) -> dict:
    """{kind: {zh, en, needs_staff}}: the notes every pass of a kind gets."""
    if notes is None:
        return {}
    if not isinstance(notes, dict) or not all(
            kind in _KINDS and _is_note(note) for kind, note in notes.items()):
        raise _bad("attention_kinds")
    return {kind: {"zh": n["zh"], "en": n["en"], "needs_staff": bool(n.get("needs_staff"))}
            for kind, n in notes.items()}


def check_items(items) -> None:
    """The shape ``ManifestItemSchema`` describes, checked by hand: marshmallow takes about
    45 us an item, 4.5 s of a 100,000-item full pull spent holding the GIL the scan loop
    needs. Anything a decision later relies on (kind, status, slot times) is checked."""
    if not isinstance(items, list):
        raise ValidationError({"appointments": ["Not a list."]})
    for n, item in enumerate(items):
        ok = isinstance(item, dict) and all(name in item for name in _ITEM_FIELDS) \
            and isinstance(item["serial"], str) and item["status"] in _STATUSES \
            and item["kind"] in _KINDS and isinstance(item["seq"], int) \
            and isinstance(item["holder"], dict) \
            and (item["gate_index"] is None or isinstance(item["gate_index"], str))
        slot, presence = (item.get("slot"), item.get("presence")) if ok else (None, None)
        if ok and slot is not None:
            ok = isinstance(slot, dict) and all(
                isinstance(slot.get(k), str) and _HHMM.fullmatch(slot[k])
                for k in ("start", "end"))
        if ok and presence is not None:
            ok = isinstance(presence, dict) and all(k in presence for k in _PRESENCE_FIELDS)
        seats, note = (item.get("seats"), item.get("attention")) if ok else (None, None)
        if ok and seats is not None:
            ok = isinstance(seats, list) and all(isinstance(s, str) for s in seats)
        if ok and note is not None:
            ok = _is_note(note)
        if not ok:
            raise ValidationError({"appointments": {n: ["Not a manifest item."]}})


def item_row(item: dict, day: str) -> tuple:
    slot, holder, presence = item["slot"], item["holder"], item["presence"] or {}
    passed = presence.get("last_passed_at")
    note = item.get("attention")
    return (item["serial"], day, item["status"], item["kind"],
            slot["start"] if slot else None, slot["end"] if slot else None,
            holder["name"], holder["document"], item["gate_index"], item["seq"],
            presence.get("entries", 0), presence.get("exits", 0),
            int(bool(presence.get("inside"))), presence.get("last_direction"),
            presence.get("last_gate"), utc_text(parse_time(passed)) if passed else None,
            json.dumps(sorted(item.get("seats") or ())),
            json.dumps({"zh": note["zh"], "en": note["en"],
                        "needs_staff": bool(note.get("needs_staff"))},
                       ensure_ascii=False) if note else None)
