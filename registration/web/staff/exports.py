"""Exports of a venue-day: appointments and check-ins as CSV (masked data only) and the
daily report as a PDF with charts. Each download is in the audit log."""
from __future__ import annotations

from flask import Response, abort, render_template
from flask_babel import lazy_gettext as _l

from registration.extensions import db
from registration.models import Venue
from registration.rendering.report import daily_report_pdf
from registration.services import dashboard as dashboard_service
from registration.services import exports as export_service
from registration.services.calendar import utc_now, venue_now
from registration.web.staff import blueprint
from registration.web.staff.access import MANAGERS, audit, parse_day, staff_required
from registration.web.staff.desk import choose_venue

KINDS = {"appointments.csv", "checkins.csv", "report.pdf", "kinds.csv",
         "exhibitor-badges.csv", "forums.csv"}


@blueprint.get("/exports")
@staff_required(roles=MANAGERS, venue_scoped=False)
def exports_start():
    return choose_venue("staff.exports", _l("Exports"))


@blueprint.get("/exports/<venue>")
@staff_required(roles=MANAGERS)
def exports(venue: Venue):
    return render_template("staff/exports.html", venue=venue,
                           days=dashboard_service.visible_days(venue))


@blueprint.get("/exports/<venue>/<day>/<kind>")
@staff_required(roles=MANAGERS)
def export_file(venue: Venue, day: str, kind: str):
    if kind not in KINDS:
        abort(404)
    wanted = parse_day(day)
    if kind == "appointments.csv":
        body, mimetype = export_service.appointments_csv(venue, wanted), "text/csv"
    elif kind == "checkins.csv":
        body, mimetype = export_service.checkins_csv(venue, wanted), "text/csv"
    elif kind == "kinds.csv":  # counts by credential kind
        body, mimetype = export_service.kinds_csv(venue, wanted), "text/csv"
    elif kind == "forums.csv":  # forum attendance: counts only
        body, mimetype = export_service.forums_csv(venue, wanted), "text/csv"
    elif kind == "exhibitor-badges.csv":  # the venue's exhibitors as of now (any day)
        body, mimetype = export_service.exhibitor_badges_csv(venue), "text/csv"
    else:
        fair_day = next((d for d in venue.days if d.date == wanted), None)
        figures = export_service.daily_figures(venue, wanted)
        body = daily_report_pdf(figures, opens_hour=fair_day.opens.hour if fair_day else 9,
                                closes_hour=fair_day.closes.hour if fair_day else 17,
                                generated_at=venue_now(venue, utc_now()))
        mimetype = "application/pdf"
    audit("export", venue=venue.code, target=f"{wanted.isoformat()} {kind}",
          details={"bytes": len(body)})
    db.session.commit()
    filename = f"fairgate-{venue.code}-{wanted.isoformat()}-{kind}"
    disposition = "inline" if kind.endswith(".pdf") else "attachment"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'{disposition}; filename="{filename}"'})
