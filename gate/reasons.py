"""The fixed list of gate reason codes, with what each one does and says.

Every verdict a gate gives carries exactly one of these codes. The code travels in check-in
events and API answers; ``admit``, ``colour`` and ``message`` belong to the code, so a kiosk,
the service and the dashboard always agree on what a code means. The table is documented in
docs/gate-rules.md.
"""
from __future__ import annotations

from enum import Enum, StrEnum

from gate.i18n import Text


class Colour(StrEnum):
    """The display colour of a verdict (see :class:`Reason`)."""

    green = "green"
    amber = "amber"
    red = "red"


GREEN, AMBER, RED = Colour.green, Colour.amber, Colour.red
COLOURS = tuple(Colour)


class Reason(str, Enum):
    """A gate reason code. ``admit`` says whether the turnstile opens.

    Colours on the display: green = go through; amber = stop, it can be sorted out here
    (scan again, show the ID card, wait) or an exit worth a look; red = refused, see staff.
    """

    # (code, admit, colour, zh, en)
    ok = ("ok", True, GREEN, "欢迎入场", "Welcome, please enter")
    ok_reentry = ("ok_reentry", True, GREEN, "欢迎再次入场", "Welcome back, please enter")
    ok_exit = ("ok_exit", True, GREEN, "再见，欢迎再来", "Goodbye, see you again")
    not_inside = ("not_inside", True, AMBER, "无入场记录，请通行",
                  "No entry on record, please exit")
    duplicate_scan = ("duplicate_scan", False, AMBER, "刚刚已扫描，无需重复扫码",
                      "Already scanned, no need to scan again")
    unreadable = ("unreadable", False, AMBER, "无法识别，请重新扫码",
                  "Cannot read the code, please scan again")
    unknown_key = ("unknown_key", False, AMBER, "通行证无法验证，请联系工作人员",
                   "Pass cannot be verified, please see staff")
    bad_signature = ("bad_signature", False, RED, "通行证无效", "Invalid pass")
    revoked = ("revoked", False, RED, "通行证已作废", "Pass no longer valid")
    cancelled = ("cancelled", False, RED, "预约已取消", "Appointment cancelled")
    wrong_venue = ("wrong_venue", False, RED, "非本场馆通行证", "Pass is for another venue")
    wrong_day = ("wrong_day", False, RED, "非预约日期", "Not valid today")
    no_appointment = ("no_appointment", False, RED, "未找到今日预约",
                      "No appointment for today")
    id_required = ("id_required", False, AMBER, "请同时出示身份证件",
                   "Please also show your ID card")
    id_mismatch = ("id_mismatch", False, RED, "证件与通行证不符",
                   "ID card does not match the pass")
    outside_hours = ("outside_hours", False, AMBER, "不在开放时间内", "Outside opening hours")
    outside_slot = ("outside_slot", False, AMBER, "不在预约时段内",
                    "Outside your booked time slot")
    already_inside = ("already_inside", False, RED, "今日已入场", "Already entered today")
    quota_full = ("quota_full", False, RED, "今日入场名额已满", "Today's admissions are full")
    venue_full = ("venue_full", False, AMBER, "场馆人数已满，请稍候",
                  "Venue is full, please wait")
    # Doors of zones inside a venue (rooms, halls, lounges): gate.doors, docs/gate-rules.md.
    zone_not_allowed = ("zone_not_allowed", False, RED, "您的证件不能进入此区域",
                        "Your pass does not admit you to this area")
    no_seat = ("no_seat", False, RED, "未预约本场论坛座位", "No seat booked for this session")
    session_not_open = ("session_not_open", False, AMBER, "本场尚未开始入场，请稍候",
                        "Doors are not open yet for your session")
    session_over = ("session_over", False, RED, "本场入场时间已过", "Entry to your session has closed")
    room_full = ("room_full", False, AMBER, "会场人数已满，请稍候", "The room is full, please wait")
    # Not a verdict given to anyone: the event by which a gate annuls its own last admission
    # ("the turnstile did not turn"); see docs/gate-rules.md.
    annulled = ("annulled", False, AMBER, "上次入场已撤销", "Last admission annulled")

    def __new__(cls, code: str, admit: bool, colour: Colour, zh: str, en: str) -> "Reason":
        member = str.__new__(cls, code)
        member._value_ = code
        member.admit = admit
        member.colour = Colour(colour)
        member.message = Text(zh, en)
        return member

    def __str__(self) -> str:
        return self.value

    @property
    def is_token_failure(self) -> bool:
        """The scanned text is not an honoured pass: nobody is identified by it."""
        return self in TOKEN_FAILURES


TOKEN_FAILURES = frozenset({Reason.unreadable, Reason.unknown_key, Reason.bad_signature})
