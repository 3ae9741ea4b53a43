"""Zones of a venue (halls, forum rooms, lounges) for operators: the command line and the
staff operations page. ``set_zone`` normalises what was typed, leaves what was not given
as it is (``KEEP``), calls services/zones.py (which holds every rule) and audits
``zone_set`` with the values that changed. The caller's unit of work commits."""
from __future__ import annotations

from gate.i18n import Text
from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.models import Zone
from registration.services import zones as zone_service
from registration.services.errors import Conflict, invalid_field
from registration.services.operations import KEEP, Keep

ZONE_EXISTS = Text("该区域编号已存在，请在列表中编辑",
                   "This zone code exists already: edit it in the list")
NEW_ZONE_NEEDS = Text("新区域须给出类型和中英文名称",
                      "A new zone needs its kind and its names in Chinese and in English")
NO_LIMIT = ("", "none", "-")


def zone_state(zone: Zone) -> dict:
    """What an audit entry shows of a zone: codes, names and numbers, nothing personal."""
    return {"kind": zone.kind.value, "name_zh": zone.name_zh, "name_en": zone.name_en[:80],
            "capacity": zone.capacity, "kinds": zone.kind_list,
            "closes": f"{zone.closes:%H:%M}" if zone.closes is not None else None,
            "gates": [gate.code for gate in zone_service.gates_of(zone)]}


def changes(before: dict | None, after: dict) -> dict:
    """``{"before": ..., "after": ...}`` with only the keys that changed (all for a new
    record, whose ``before`` is None)."""
    if before is None:
        return {"before": None, "after": after}
    changed = [key for key in after if before.get(key) != after[key]]
    return {"before": {key: before.get(key) for key in changed},
            "after": {key: after[key] for key in changed}}


def _no_value(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in NO_LIMIT)


def capacity_value(value) -> int | None:
    """People inside at once: a whole number of 1 or more, or none (empty, ``none``)."""
    if _no_value(value):
        return None
    if isinstance(value, bool):
        raise invalid_field("capacity", zone_service.BAD_CAPACITY, "invalid_capacity")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise invalid_field("capacity", zone_service.BAD_CAPACITY, "invalid_capacity") from None
    if number < 1:
        raise invalid_field("capacity", zone_service.BAD_CAPACITY, "invalid_capacity")
    return number


def gate_codes(values) -> list[str]:
    """Door gate codes from a list or from text separated by commas or spaces."""
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    return [str(value).strip().upper() for value in values or () if str(value).strip()]


def set_zone(actor: Actor, venue_code: str, code: str, *, kind=KEEP, name_zh=KEEP,
             name_en=KEEP, capacity: int | str | None | Keep = KEEP, gates=(), kinds=KEEP,
             closes=KEEP, new_only: bool = False) -> Zone:
    """Create or change a zone. Arguments left at ``KEEP`` keep the zone's current value
    (a new zone needs its kind and names); ``capacity`` None: no limit; ``kinds`` empty:
    every kind with a gate pass; ``gates`` are added as doors (none for a new zone: one
    gate coded like the zone); ``closes`` (``HH:MM``) None: at the venue's closing;
    ``new_only`` refuses a code that exists already."""
    code = zone_service.normal_code(code)
    current = zone_service.get_zone(code)
    if current is not None and new_only:
        if current.venue.code != (venue_code or "").strip().upper():
            raise invalid_field("code", zone_service.OTHER_VENUE, "zone_in_other_venue")
        raise Conflict("zone_exists", ZONE_EXISTS, {"code": ZONE_EXISTS})
    if current is None and KEEP in (kind, name_zh, name_en):
        field = "kind" if kind is KEEP else "name_zh" if name_zh is KEEP else "name_en"
        raise invalid_field(field, NEW_ZONE_NEEDS, "zone_details_required")
    before = zone_state(current) if current is not None else None
    zone = zone_service.set_zone(
        venue_code, code,
        kind=current.kind if kind is KEEP else kind,
        name_zh=current.name_zh if name_zh is KEEP else name_zh,
        name_en=current.name_en if name_en is KEEP else name_en,
        capacity=(current.capacity if current is not None else None) if capacity is KEEP
        else capacity_value(capacity),
        gates=gate_codes(gates),
        kinds=(current.kind_list if current is not None else ()) if kinds is KEEP else kinds,
        closes=(current.closes if current is not None else None) if closes is KEEP
        else None if _no_value(closes) else closes)
    audit(actor, "zone_set", venue=zone.venue.code, target=zone.code,
          details=changes(before, zone_state(zone)))
    return zone
