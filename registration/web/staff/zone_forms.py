"""Forms of the zones and forums operations page. Fields are named as the services name
them, so a refused rule shows its zh/en message beside its field; numbers and times are
checked by the services (one message each), only blanks here."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from gate.i18n import Text
from gate.kinds import KINDS
from gate.passes import PassKind
from gate.vocabulary import ZoneKind
from registration.web.locale import current_lang

ZONE_KIND_NAMES = {
    ZoneKind.hall: Text("展厅", "Exhibition hall"),
    ZoneKind.forum_room: Text("论坛会议室", "Forum room"),
    ZoneKind.meeting_room: Text("会议室", "Meeting room"),
    ZoneKind.vip_lounge: Text("贵宾室", "VIP lounge"),
    ZoneKind.media_centre: Text("新闻中心", "Media centre"),
}
# Where a service's field shows its message on these forms.
ZONE_FIELDS = {"name": "name_zh", "gate": "gates"}
FORUM_FIELDS = {"title": "title_zh"}


def pass_kind_choices() -> list[tuple[str, str]]:
    lang = current_lang()
    return [(kind.value, info.name.in_language(lang)) for kind, info in KINDS.items()
            if kind is not PassKind.online]


class KindsField(SelectMultipleField):
    """Pass kinds as checkboxes; the services refuse an unknown one."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label, **kwargs):
        super().__init__(label, validate_choice=False, **kwargs)


class ZoneForm(FlaskForm):
    code = StringField(_l("Zone code"), validators=[
        InputRequired(_l("Enter a zone code, e.g. CNCC-R301"))])
    kind = SelectField(_l("Kind of zone"), validate_choice=False,
                       validators=[InputRequired(_l("Choose the kind of zone"))])
    name_zh = StringField(_l("Name in Chinese"), validators=[
        InputRequired(_l("Enter the Chinese name"))])
    name_en = StringField(_l("Name in English"), validators=[
        InputRequired(_l("Enter the English name"))])
    capacity = StringField(_l("Capacity (people inside at once)"))
    kinds = KindsField(_l("Pass kinds admitted"))
    closes = StringField(_l("Closing time of the zone"))
    gates = StringField(_l("Add door gates"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = current_lang()
        self.kind.choices = [(kind.value, name.in_language(lang))
                             for kind, name in ZONE_KIND_NAMES.items()]
        self.kinds.choices = pass_kind_choices()


class ForumForm(FlaskForm):
    code = StringField(_l("Forum code"), validators=[
        InputRequired(_l("Enter a forum code, e.g. F-0905-01"))])
    zone = SelectField(_l("Room (zone)"), validate_choice=False,
                       validators=[InputRequired(_l("Choose the room"))])
    title_zh = StringField(_l("Title in Chinese"), validators=[
        InputRequired(_l("Enter the Chinese title"))])
    title_en = StringField(_l("Title in English"), validators=[
        InputRequired(_l("Enter the English title"))])
    starts = StringField(_l("Starts"), validators=[InputRequired(_l("Enter the start"))])
    ends = StringField(_l("Ends"), validators=[InputRequired(_l("Enter the end"))])
    seats = StringField(_l("Seats"), validators=[InputRequired(_l("Enter the number of seats"))])
    kinds = KindsField(_l("Pass kinds that may reserve a seat"))
    doors_open_minutes = StringField(_l("Doors open (minutes before the start)"), default="30")
    admit_until_minutes = StringField(_l("Doors admit until (minutes after the start)"),
                                      default="20")
    registration_opens = StringField(_l("Seat reservations open"))
    registration_closes = StringField(_l("Seat reservations close"))

    def __init__(self, *args, zones=(), **kwargs):
        super().__init__(*args, **kwargs)
        lang = current_lang()
        self.zone.choices = [("", _l("Choose a room"))] + [
            (zone.code, f"{zone.code} · {zone.name.in_language(lang)}") for zone in zones]
        self.kinds.choices = pass_kind_choices()
