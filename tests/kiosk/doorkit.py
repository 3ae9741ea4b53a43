"""Manifest pages of a door device (issue 13), built from conftest's ``make_page`` (a helper
module, not tests)."""
from __future__ import annotations

from gate.doors import SessionWindow
from kioskkit import beijing

ROOM = "CNCC-R301"


def session(code: str = "F-AI", start=(10, 30), end=(12, 0), **minutes) -> dict:
    """A session of the room today as the page carries it (Beijing start/end)."""
    window = SessionWindow.of(code, beijing(*start), beijing(*end), **minutes)
    return {"code": code, "title": {"zh": "人工智能论坛", "en": "AI forum"},
            **{name: getattr(window, name).isoformat()
               for name in ("starts", "ends", "doors_open", "admits_until")}}


def door_page(make_page, passes=(), *, seats=None, attention=None, kind_notes=None,
              capacity=None, kinds=None, sessions=None, seated=True, **options) -> dict:
    """``make_page`` plus the zone header and each item's seats and attention note."""
    page = make_page(passes, **options)
    page["zone"] = {"code": ROOM, "kind": "forum_room",
                    "name": {"zh": "301会议室", "en": "Room 301"}, "seated": seated,
                    "kinds": kinds, "capacity": capacity,
                    "sessions": [session()] if sessions is None else sessions}
    page["attention_kinds"] = kind_notes or {}
    seats, attention = seats or {}, attention or {}
    for item in page["appointments"]:
        item["seats"] = seats.get(item["serial"], [])
        item["attention"] = attention.get(item["serial"])
    return page
