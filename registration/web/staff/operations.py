"""Operations: venues (admins), gates, fair days, slots and quotas. Every change is one
transaction: a refused rule (quota below booked, a duplicate gate) saves nothing."""
from __future__ import annotations

from datetime import time

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from gate.i18n import Text
from registration.extensions import db
from registration.models import FairDay, Venue
from registration.services import operations
from registration.services.errors import InvalidInput, ServiceError
from registration.web.locale import current_lang
from registration.web.staff import blueprint
from registration.web.staff.access import ADMIN, MANAGERS, audit, parse_day, staff_required
from registration.web.forms import apply_service_error
from registration.web.staff.desk import choose_venue
from registration.web.staff.forms import DayForm, GateForm, NewDayForm, SlotForm, VenueForm

DAY_EXISTS = Text("该日已存在，请在列表中编辑", "This day exists already: edit it in the list")
QUOTA_RACE = InvalidInput("quota_below_booked", Text(
    "名额不能少于已预约人数（刚有新的预约）",
    "The quota cannot go below the places already booked (a booking just came in)"),
    {"quota": Text("不能少于已预约人数", "At least the places already booked")})


def _commit_or(form) -> bool:
    """Commit; a constraint the database refused (a booking raced the change) becomes a
    field message and nothing is saved."""
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        apply_service_error(form, QUOTA_RACE)
        return False


@blueprint.get("/operations")
@staff_required(roles=MANAGERS, venue_scoped=False)
def operations_start():
    return choose_venue("staff.operations_venue", _l("Operations"))


def _days(venue: Venue) -> list[FairDay]:
    return list(db.session.scalars(select(FairDay).where(FairDay.venue_id == venue.id)
                                   .order_by(FairDay.date)))


def _overview(venue: Venue, *, day_form=None, gate_form=None, status: int = 200):
    new_day = day_form or NewDayForm(formdata=None, opens=time(9, 0), closes=time(18, 0),
                                     walk_in_reserve=0)
    return render_template("staff/operations.html", venue=venue, days=_days(venue),
                           day_form=new_day, gate_form=gate_form or GateForm(formdata=None),
                           ), status


@blueprint.get("/operations/<venue>")
@staff_required(roles=MANAGERS)
def operations_venue(venue: Venue):
    return _overview(venue)


@blueprint.post("/operations/<venue>/gates")
@staff_required(roles=MANAGERS)
def gate_add(venue: Venue):
    form = GateForm()
    if not form.validate():
        return _overview(venue, gate_form=form, status=422)
    try:
        gate = operations.add_gate(venue.code, form.code.data, form.name.data)
    except ServiceError as err:
        db.session.rollback()
        apply_service_error(form, err)
        return _overview(venue, gate_form=form, status=err.status)
    audit("gate_added", venue=venue.code, target=gate.code)
    db.session.commit()
    flash("gate_added", "success")
    return redirect(url_for("staff.operations_venue", venue=venue.code))


def _save_day(venue: Venue, form: DayForm, day):
    """``set_day`` with the form's values; returns the fair day or None (errors on form)."""
    before = db.session.scalar(select(FairDay).where(FairDay.venue_id == venue.id,
                                                     FairDay.date == day))
    old = None if before is None else {
        "quota": before.quota, "walk_in_reserve": before.walk_in_reserve,
        "occupancy_limit": before.occupancy_limit, "opens": f"{before.opens:%H:%M}",
        "closes": f"{before.closes:%H:%M}"}
    try:
        fair_day = operations.set_day(
            venue.code, day, quota=form.quota.data, opens=form.opens.data,
            closes=form.closes.data, occupancy_limit=form.occupancy_limit.data,
            walk_in_reserve=form.walk_in_reserve.data)
        if form.occupancy_limit.data is None and fair_day.occupancy_limit is not None:
            fair_day.occupancy_limit = None  # the field left empty: no limit
    except ServiceError as err:
        db.session.rollback()
        apply_service_error(form, err)
        form.status = err.status
        return None
    new = {"quota": fair_day.quota, "walk_in_reserve": fair_day.walk_in_reserve,
           "occupancy_limit": fair_day.occupancy_limit, "opens": f"{fair_day.opens:%H:%M}",
           "closes": f"{fair_day.closes:%H:%M}"}
    audit("day_set", venue=venue.code, target=day.isoformat(),
          details={"before": old, "after": new})
    if not _commit_or(form):
        form.status = 409
        return None
    return fair_day


@blueprint.post("/operations/<venue>/days")
@staff_required(roles=MANAGERS)
def day_add(venue: Venue):
    form = NewDayForm()
    if not form.validate():
        return _overview(venue, day_form=form, status=422)
    if any(day.date == form.date.data for day in venue.days):
        form.date.errors = [*form.date.errors, DAY_EXISTS.in_language(current_lang())]
        return _overview(venue, day_form=form, status=409)
    if _save_day(venue, form, form.date.data) is None:
        return _overview(venue, day_form=form, status=form.status)
    flash("day_saved", "success")
    return redirect(url_for("staff.day_edit", venue=venue.code, day=form.date.data.isoformat()))


def _day_or_404(venue: Venue, day_text: str) -> FairDay:
    fair_day = db.session.scalar(select(FairDay).where(
        FairDay.venue_id == venue.id, FairDay.date == parse_day(day_text)))
    if fair_day is None:
        abort(404)
    return fair_day


def _day_page(venue, fair_day, form=None, slot_form=None, status=200):
    form = form or DayForm(formdata=None, obj=fair_day)
    return render_template("staff/day.html", venue=venue, fair_day=fair_day, form=form,
                           slot_form=slot_form or SlotForm(formdata=None)), status


@blueprint.route("/operations/<venue>/days/<day>", methods=["GET", "POST"])
@staff_required(roles=MANAGERS)
def day_edit(venue: Venue, day: str):
    fair_day = _day_or_404(venue, day)
    if request.method == "GET":
        return _day_page(venue, fair_day)
    form = DayForm()
    if not form.validate():
        return _day_page(venue, fair_day, form=form, status=422)
    if _save_day(venue, form, fair_day.date) is None:
        db.session.expire_all()
        return _day_page(venue, _day_or_404(venue, day), form=form, status=form.status)
    flash("day_saved", "success")
    return redirect(url_for("staff.day_edit", venue=venue.code, day=day))


@blueprint.post("/operations/<venue>/days/<day>/slots")
@staff_required(roles=MANAGERS)
def slot_set(venue: Venue, day: str):
    fair_day = _day_or_404(venue, day)
    form = SlotForm()
    if not form.validate():
        return _day_page(venue, fair_day, slot_form=form, status=422)
    try:
        slot = operations.set_slot(fair_day, form.code.data, form.starts.data, form.ends.data,
                                   form.quota.data)
    except ServiceError as err:
        db.session.rollback()
        apply_service_error(form, err)
        return _day_page(venue, _day_or_404(venue, day), slot_form=form, status=err.status)
    audit("slot_set", venue=venue.code, target=f"{day} {slot.code}",
          details={"starts": f"{slot.starts:%H:%M}", "ends": f"{slot.ends:%H:%M}",
                   "quota": slot.quota})
    if not _commit_or(form):
        return _day_page(venue, _day_or_404(venue, day), slot_form=form, status=409)
    flash("slot_saved", "success")
    return redirect(url_for("staff.day_edit", venue=venue.code, day=day))


@blueprint.route("/venues", methods=["GET", "POST"])
@staff_required(roles=ADMIN, venue_scoped=False)
def venues():
    form = VenueForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            try:
                venue = operations.set_venue(form.code.data, form.name_zh.data.strip(),
                                             form.name_en.data.strip())
                db.session.flush()
            except ServiceError as err:
                db.session.rollback()
                apply_service_error(form, err)
                status = err.status
            else:
                audit("venue_set", venue=venue.code, target=venue.code,
                      details={"name_zh": venue.name_zh, "name_en": venue.name_en})
                db.session.commit()
                flash("venue_saved", "success")
                return redirect(url_for("staff.venues"))
    all_venues = db.session.scalars(select(Venue).order_by(Venue.id)).all()
    return render_template("staff/venues.html", form=form, venues=all_venues), status
