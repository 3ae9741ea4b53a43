"""Operations: a venue's zones (halls, forum rooms, lounges) and the forums held in them,
listed, created and changed through the zone and forum actions (each one transaction and
one audit entry; a refused rule saves nothing and shows its message beside its field).
Admins everywhere, supervisors at their own venue, as the rest of operations."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for

from gate.kinds import KINDS

from registration.actions import forums as forum_actions
from registration.actions import zones as zone_actions
from registration.actions.unit import unit_of_work
from registration.models import Forum, Venue, Zone
from registration.services import forums as forum_service
from registration.services import zones as zone_service
from registration.services.errors import ServiceError
from registration.web.forms import apply_service_error
from registration.web.staff import blueprint
from registration.web.staff.access import MANAGERS, staff_actor, staff_required
from registration.web.staff.zone_forms import (
    FORUM_FIELDS, ZONE_FIELDS, ZONE_KIND_NAMES, ForumForm, ZoneForm,
)

LOCAL_INPUT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> shows and sends


@blueprint.get("/operations/<venue>/zones")
@staff_required(roles=MANAGERS)
def operations_zones(venue: Venue):
    zones = zone_service.zones_of(venue.code)
    return render_template("staff/zones.html", venue=venue, zones=zones,
                           gates={zone.code: zone_service.gates_of(zone) for zone in zones},
                           forums=forum_service.listing(venue=venue.code),
                           zone_kind_names=ZONE_KIND_NAMES, local=venue_local,
                           kind_names={kind.value: info.name for kind, info in KINDS.items()})


def venue_local(moment, venue: Venue, pattern: str = LOCAL_INPUT) -> str:
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(venue.timezone)).strftime(pattern)


def _zone_of(venue: Venue, code: str) -> Zone:
    zone = zone_service.get_zone(code)
    if zone is None or zone.venue_id != venue.id:
        abort(404)
    return zone


def _zone_page(venue: Venue, form: ZoneForm, code: str | None = None, status: int = 200,
               problems=()):
    zone = _zone_of(venue, code) if code else None
    gates = zone_service.gates_of(zone) if zone is not None else []
    return render_template("staff/zone_form.html", venue=venue, form=form, zone=zone,
                           gates=gates, problems=problems), status


def _save_zone(venue: Venue, form: ZoneForm, code: str, *, new_only: bool):
    editing = None if new_only else code
    if not form.validate():
        return _zone_page(venue, form, editing, 422)
    try:
        with unit_of_work():
            zone = zone_actions.set_zone(
                staff_actor(), venue.code, code, kind=form.kind.data,
                name_zh=form.name_zh.data, name_en=form.name_en.data,
                capacity=form.capacity.data, gates=form.gates.data or "",
                kinds=form.kinds.data or [], closes=form.closes.data or None,
                new_only=new_only)
            saved = zone.code
    except ServiceError as err:
        problems = apply_service_error(form, err, ZONE_FIELDS)
        return _zone_page(venue, form, editing, err.status, problems)
    flash("zone_saved", "success")
    return redirect(url_for("staff.operations_zone_edit", venue=venue.code, code=saved))


@blueprint.route("/operations/<venue>/zones/new", methods=["GET", "POST"])
@staff_required(roles=MANAGERS)
def operations_zone_new(venue: Venue):
    if request.method == "GET":
        return _zone_page(venue, ZoneForm(formdata=None, kind="forum_room"))
    form = ZoneForm()
    return _save_zone(venue, form, form.code.data or "", new_only=True)


@blueprint.route("/operations/<venue>/zones/<code>", methods=["GET", "POST"])
@staff_required(roles=MANAGERS)
def operations_zone_edit(venue: Venue, code: str):
    zone = _zone_of(venue, code)
    if request.method == "GET":
        form = ZoneForm(formdata=None, kind=zone.kind.value, name_zh=zone.name_zh,
                        name_en=zone.name_en, kinds=zone.kind_list,
                        capacity="" if zone.capacity is None else str(zone.capacity),
                        closes="" if zone.closes is None else f"{zone.closes:%H:%M}")
    else:
        form = ZoneForm()
    del form.code  # the URL names the zone
    if request.method == "GET":
        return _zone_page(venue, form, zone.code)
    return _save_zone(venue, form, zone.code, new_only=False)


def forum_of_venue(venue: Venue, code: str) -> Forum:
    forum = forum_service.get_forum(code)
    if forum is None or forum.zone.venue_id != venue.id:
        abort(404)
    return forum


def _forum_page(venue: Venue, form: ForumForm, code: str | None = None, status: int = 200,
                problems=()):
    forum = forum_of_venue(venue, code) if code else None
    return render_template("staff/forum_form.html", venue=venue, form=form, forum=forum,
                           problems=problems), status


def _forum_form(venue: Venue, **data) -> ForumForm:
    zones = zone_service.zones_of(venue.code)
    if request.method == "GET":
        return ForumForm(formdata=None, zones=zones, **data)
    return ForumForm(zones=zones)


def _save_forum(venue: Venue, form: ForumForm, code: str, *, new_only: bool):
    editing = None if new_only else code
    if not form.validate():
        return _forum_page(venue, form, editing, 422)
    try:
        with unit_of_work():
            forum = forum_actions.set_forum(
                staff_actor(), code, in_venue=venue.code, new_only=new_only,
                zone=form.zone.data, title_zh=form.title_zh.data, title_en=form.title_en.data,
                starts=form.starts.data, ends=form.ends.data, seats=form.seats.data,
                kinds=form.kinds.data or [], doors_open_minutes=form.doors_open_minutes.data,
                admit_until_minutes=form.admit_until_minutes.data,
                registration_opens=form.registration_opens.data or None,
                registration_closes=form.registration_closes.data or None)
            saved = forum.code
    except ServiceError as err:
        problems = apply_service_error(form, err, FORUM_FIELDS)
        return _forum_page(venue, form, editing, err.status, problems)
    flash("forum_saved", "success")
    return redirect(url_for("staff.operations_forum_edit", venue=venue.code, code=saved))


@blueprint.route("/operations/<venue>/forums/new", methods=["GET", "POST"])
@staff_required(roles=MANAGERS)
def operations_forum_new(venue: Venue):
    form = _forum_form(venue, zone=request.args.get("zone", ""))
    if request.method == "GET":
        return _forum_page(venue, form)
    return _save_forum(venue, form, form.code.data or "", new_only=True)


@blueprint.route("/operations/<venue>/forums/<code>", methods=["GET", "POST"])
@staff_required(roles=MANAGERS)
def operations_forum_edit(venue: Venue, code: str):
    forum = forum_of_venue(venue, code)
    form = _forum_form(
        venue, zone=forum.zone.code, title_zh=forum.title_zh, title_en=forum.title_en,
        starts=venue_local(forum.starts, venue), ends=venue_local(forum.ends, venue),
        seats=str(forum.seats), kinds=forum.kind_list,
        doors_open_minutes=str(forum.doors_open_minutes),
        admit_until_minutes=str(forum.admit_until_minutes),
        registration_opens=venue_local(forum.registration_opens, venue),
        registration_closes=venue_local(forum.registration_closes, venue))
    del form.code  # the URL names the forum
    if request.method == "GET":
        return _forum_page(venue, form, forum.code)
    return _save_forum(venue, form, forum.code, new_only=False)
