"""The staff console's waiting-room page (supervisors and admins): each scheduled day's
line, its admission rate, and the bot defence, changed live and audited."""
from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp

from gate.i18n import Text
from registration.actions import waitingroom as actions
from registration.actions.unit import unit_of_work
from registration.extensions import db
from registration.models import FairDay
from registration.services import venues
from registration.services.errors import ServiceError
from registration.waitingroom.room import waiting_room
from registration.web.staff import blueprint
from registration.web.staff.access import ADMIN, MANAGERS, staff_actor, staff_required

TITLE = Text("排队与防机器人", "Waiting room and bots")
SAVED = Text("已保存，所有服务器立即生效", "Saved: every server applies it at once")


class RateForm(FlaskForm):
    rate = DecimalField("rate", places=None, validators=[
        InputRequired(), NumberRange(min=0, max=actions.MAX_RATE)])


class DefenceForm(FlaskForm):
    pow_max_number = IntegerField("pow_max_number", validators=[
        InputRequired(), NumberRange(min=actions.POW_MIN, max=actions.POW_MAX)])
    pow_on_booking = BooleanField("pow_on_booking")
    surge_per_second = DecimalField("surge_per_second", places=None, validators=[
        InputRequired(), NumberRange(min=0, max=actions.MAX_RATE)])


class OpeningForm(FlaskForm):
    day = SelectField("day", validators=[InputRequired()])
    opens_at = StringField("opens_at", validators=[Optional(), Regexp(
        r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", message="YYYY-MM-DDTHH:MM")])


def _days_choices() -> list[tuple[str, str]]:
    today = date.today() - timedelta(days=1)
    query = select(FairDay).where(FairDay.date >= today).order_by(FairDay.date)
    return [(f"{d.venue.code}|{d.date.isoformat()}", f"{d.venue.code} {d.date.isoformat()}")
            for d in db.session.scalars(query) if current_user.may_see_venue(d.venue.code)]


def _rooms() -> list[dict]:
    room, now = waiting_room(), time.time()
    query = select(FairDay).where(FairDay.booking_opens_at.is_not(None)).order_by(
        FairDay.date)
    rows = []
    for fair_day in db.session.scalars(query):
        if not current_user.may_see_venue(fair_day.venue.code):
            continue
        plan = room.plan_for(fair_day, now)
        line = room.store.status(plan.room, None, plan.opens_at,
                                 float(room.config["WAITING_ROOM_RATE"]), now)
        rows.append({"day": fair_day, "phase": plan.phase(now), "line": line,
                     "form": RateForm(formdata=None, rate=line.rate)})
    return rows


@blueprint.get("/waiting-room")
@staff_required(roles=MANAGERS, venue_scoped=False)
def waiting_room_page(defence: DefenceForm | None = None, status: int = 200):
    settings = waiting_room().settings()
    defence = defence or DefenceForm(formdata=None, **settings)
    opening = OpeningForm(formdata=None)
    opening.day.choices = _days_choices()
    return render_template("staff/waiting_room.html", rooms=_rooms(), defence=defence,
                           opening=opening, settings=settings, title=TITLE), status


@blueprint.post("/waiting-room/opening")
@staff_required(roles=MANAGERS, venue_scoped=False)
def waiting_room_opening():
    """Schedule (or clear, with no time) a day's booking opening, in the venue's time."""
    form = OpeningForm()
    form.day.choices = _days_choices()
    if not form.validate():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("staff.waiting_room_page"))
    venue_code, day_text = form.day.data.split("|")
    fair_day = venues.find_fair_day(venue_code, date.fromisoformat(day_text))
    opens_at = None
    if form.opens_at.data:
        opens_at = datetime.fromisoformat(form.opens_at.data).replace(
            tzinfo=ZoneInfo(fair_day.venue.timezone))
    with unit_of_work():
        actions.set_booking_opens(staff_actor(), venue_code, fair_day.date, opens_at)
    flash(SAVED.zh + " / " + SAVED.en, "success")
    return redirect(url_for("staff.waiting_room_page"))


@blueprint.post("/waiting-room/<venue>/<day>/rate")
@staff_required(roles=MANAGERS)
def waiting_room_rate(venue, day: str):
    form = RateForm()
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        abort(404)
    if form.validate():
        try:
            with unit_of_work():
                actions.set_admission_rate(staff_actor(), venue.code, wanted,
                                           float(form.rate.data))
        except ServiceError as err:
            flash(err.message.in_language(request.accept_languages.best or "zh"), "error")
        else:
            flash(SAVED.zh + " / " + SAVED.en, "success")
    return redirect(url_for("staff.waiting_room_page"))


@blueprint.post("/waiting-room/defence")
# Fair-wide (every venue's bookings and look-ups): admins only; supervisors see the values.
@staff_required(roles=ADMIN, venue_scoped=False)
def waiting_room_defence():
    form = DefenceForm()
    if not form.validate():
        return waiting_room_page(form, 422)
    with unit_of_work():
        actions.set_bot_defence(staff_actor(), pow_max_number=form.pow_max_number.data,
                                pow_on_booking=bool(form.pow_on_booking.data),
                                surge_per_second=float(form.surge_per_second.data))
    flash(SAVED.zh + " / " + SAVED.en, "success")
    return redirect(url_for("staff.waiting_room_page"))
