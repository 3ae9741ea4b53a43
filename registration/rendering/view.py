"""What a rendered pass shows: only masked personal data ever reaches a renderer."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from gate.i18n import Text
from gate.kinds import kind_info
from registration.config import Defaults

DEFAULT_FAIR_NAME = Text(Defaults.FAIR_NAME_ZH, Defaults.FAIR_NAME_EN)
FAIR_SHORT_NAME = Text("服贸会", "CIFTIS")
PASS_TITLE = Text("入场通行证", "Admission pass")
WHAT_TO_BRING = Text(
    "请携带登记时使用的本人有效身份证件原件，并出示本通行证（纸质或手机）。"
    "一人一证，仅限本人使用，不得转让。",
    "Bring the original identity document you registered with and show this pass "
    "(printed or on your phone). Personal and non-transferable.",
)
LABELS = {
    "venue": Text("场馆", "Venue"),
    "day": Text("日期", "Date"),
    "slot": Text("入场时段", "Entry time"),
    "holder": Text("持证人", "Holder"),
    "document": Text("证件", "ID"),
    "code": Text("确认码", "Code"),
    "kind": Text("类别", "Pass type"),
    "serial": Text("序列号", "Serial"),
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_text(day: date) -> Text:
    """``2026年9月10日`` / ``10 Sep 2026``, independent of the process locale."""
    return Text(f"{day.year}年{day.month}月{day.day}日",
                f"{day.day} {_MONTHS[day.month - 1]} {day.year}")


def bilingual_label(key: str) -> str:
    label = LABELS[key]
    return f"{label.zh} {label.en}"


@dataclass(frozen=True, kw_only=True)
class PassView:
    """Everything a pass rendering needs. Holder and document come masked by the caller."""

    token: str
    serial: str
    code: str
    venue_code: str
    venue_name: Text
    day: date
    slot_label: str | None = None
    holder_name_masked: str
    document_masked: str
    kind: str = "visitor"
    # The app's FAIR_NAME_ZH / FAIR_NAME_EN (registration.api.passes.pass_view).
    fair_name: Text = DEFAULT_FAIR_NAME

    def __post_init__(self) -> None:
        # A cheap guard against handing a renderer the plain number by mistake.
        if "*" not in self.document_masked:
            raise ValueError("document_masked must be masked (e.g. 1*************803X)")
        name = self.venue_name
        if isinstance(name, Mapping):
            object.__setattr__(self, "venue_name", Text(name["zh"], name["en"]))
        elif not isinstance(name, Text):
            object.__setattr__(self, "venue_name", Text(*name))

    @property
    def day_text(self) -> Text:
        return day_text(self.day)

    @property
    def kind_text(self) -> Text:
        return kind_info(self.kind).name
