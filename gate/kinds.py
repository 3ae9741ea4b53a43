"""Credential kinds: what each pass kind is called, its colour and how it is issued.

One table for every screen and document that shows a kind (passes, badges, kiosk and
handheld screens, dashboards, exports) and for the rules that depend on how a kind is
issued (registration/services/credentials.py). The wire code of each kind is in
gate/passes.py; the admission rules per kind in gate/rules.py.
"""
from __future__ import annotations

from dataclasses import dataclass

from gate.i18n import Text
from gate.passes import PassKind


@dataclass(frozen=True)
class KindInfo:
    """``colour``: the kind's band on passes and badges and its tag on gate screens (CSS
    hex). ``multi_day``: one credential covers several fair days (at most one active per
    document). ``public``: counted against the day's quota at the gate. ``applied``: a
    person may apply for it online (``POST /api/v1/credentials``); the others are issued
    by staff or through an organisation."""

    kind: PassKind
    name: Text
    colour: str
    multi_day: bool
    public: bool
    applied: bool = False


KINDS: dict[PassKind, KindInfo] = {info.kind: info for info in (
    KindInfo(PassKind.visitor, Text("观众", "Visitor"), "#1565c0", False, True),
    KindInfo(PassKind.professional, Text("专业观众", "Professional visitor"), "#00838f",
             False, True, applied=True),
    KindInfo(PassKind.exhibitor, Text("参展商", "Exhibitor"), "#2e7d32", True, False),
    KindInfo(PassKind.media, Text("媒体", "Media"), "#6a1b9a", True, False, applied=True),
    KindInfo(PassKind.guest, Text("嘉宾", "Guest"), "#c62828", True, False),
    KindInfo(PassKind.staff, Text("工作人员", "Staff"), "#37474f", True, False),
    KindInfo(PassKind.contractor, Text("施工人员", "Contractor"), "#ef6c00", True, False),
    KindInfo(PassKind.online, Text("线上参会", "Online participant"), "#5d4037", True, False,
             applied=True),
)}

MULTI_DAY_KINDS = frozenset(kind for kind, info in KINDS.items() if info.multi_day)
PUBLIC_KINDS = frozenset(kind for kind, info in KINDS.items() if info.public)
APPLIED_KINDS = frozenset(kind for kind, info in KINDS.items() if info.applied)


def kind_info(kind: PassKind | str) -> KindInfo:
    return KINDS[PassKind(kind)]
