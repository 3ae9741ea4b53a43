"""The live dashboard of a venue-day: the page, and the JSON it polls every few seconds
(registration/static/dashboard.js redraws numbers, gates and the chart without reloading)."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l

from registration.models import Venue
from registration.services import dashboard as dashboard_service
from registration.services.calendar import venue_today
from registration.web.staff import blueprint
from registration.web.staff.access import parse_day, staff_required
from registration.web.staff.desk import choose_venue

CHART = {"width": 960, "height": 260, "left": 40, "right": 10, "top": 12, "bottom": 28}


def chart_geometry(series: list[dict]) -> dict:
    """Bars of the 15-minute chart in SVG user units (the script draws the same way)."""
    top_value = max([point["entries"] for point in series] + [1])
    step = next((s for s in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
                 if top_value / s <= 5), 20000)
    scale_max = -(-top_value // step) * step
    inner_w = CHART["width"] - CHART["left"] - CHART["right"]
    inner_h = CHART["height"] - CHART["top"] - CHART["bottom"]
    slot = inner_w / max(len(series), 1)
    bars = []
    for index, point in enumerate(series):
        height = inner_h * point["entries"] / scale_max
        bars.append({"x": round(CHART["left"] + index * slot + slot * 0.1, 1),
                     "y": round(CHART["top"] + inner_h - height, 1),
                     "width": round(slot * 0.8, 1), "height": round(height, 1),
                     "label": point["start"], "entries": point["entries"],
                     "tick": point["start"].endswith(":00")})
    grid = [{"value": value,
             "y": round(CHART["top"] + inner_h - inner_h * value / scale_max, 1)}
            for value in range(0, scale_max + 1, step)]
    return {**CHART, "bars": bars, "grid": grid, "baseline": CHART["top"] + inner_h}


@blueprint.get("/dashboard")
@staff_required(venue_scoped=False)
def dashboard_start():
    return choose_venue("staff.dashboard_venue", _l("Dashboard"))


@blueprint.get("/dashboard/<venue>")
@staff_required()
def dashboard_venue(venue: Venue):
    return redirect(url_for("staff.dashboard", venue=venue.code,
                            day=venue_today(venue).isoformat()))


@blueprint.get("/dashboard/<venue>/<day>.json")
@staff_required()
def dashboard_json(venue: Venue, day: str):
    response = jsonify(dashboard_service.venue_day_numbers(venue, parse_day(day)))
    return response


@blueprint.get("/dashboard/<venue>/<day>")
@staff_required()
def dashboard(venue: Venue, day: str):
    wanted = parse_day(day)
    numbers = dashboard_service.venue_day_numbers(venue, wanted)
    return render_template(
        "staff/dashboard.html", venue=venue, day=wanted, numbers=numbers,
        chart=chart_geometry(numbers["series"]), days=dashboard_service.visible_days(venue),
        poll_seconds=current_app.config["DASHBOARD_POLL_SECONDS"],
        json_url=url_for("staff.dashboard_json", venue=venue.code, day=wanted.isoformat()))
