"""The audit log (admins read it; nobody edits it) and the retention purge (admins, with a
confirmation step, itself audited)."""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request

from registration.extensions import db
from registration.services import audit as audit_service
from registration.services import purge as purge_service
from registration.services.calendar import utc_now
from registration.web.staff import blueprint
from registration.web.staff.access import ADMIN, audit, staff_required
from registration.web.staff.forms import PurgeForm

BEIJING = "Asia/Shanghai"


@blueprint.get("/audit")
@staff_required(roles=ADMIN, venue_scoped=False)
def audit_log():
    args = request.args
    try:
        day = date.fromisoformat(args["day"]) if args.get("day") else None
    except ValueError:
        day = None
    wanted = audit_service.AuditFilter(
        action=args.get("action") if args.get("action") in audit_service.ACTIONS else None,
        username=(args.get("user") or "").strip().lower() or None,
        venue=(args.get("venue") or "").strip().upper() or None, day=day)
    page = audit_service.entries(wanted, args.get("page", 1, type=int) or 1)
    return render_template("staff/audit.html", page=page, wanted=wanted,
                           actions=audit_service.ACTIONS, details_of=audit_service.details_of)


def _today() -> date:
    return utc_now().astimezone(ZoneInfo(BEIJING)).date()


@blueprint.route("/purge", methods=["GET", "POST"])
@staff_required(roles=ADMIN, venue_scoped=False)
def purge():
    days = int(current_app.config["RETENTION_DAYS"])
    today = _today()
    form = PurgeForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            count = purge_service.purge_identity_data(days, today=today)
            audit("purge", details={"older_than_days": days, "erased": count,
                                    "cutoff": (today - timedelta(days=days)).isoformat()})
            db.session.commit()
            return render_template("staff/purge_done.html", count=count, days=days)
    return render_template("staff/purge.html", form=form, days=days,
                           cutoff=today - timedelta(days=days),
                           count=purge_service.purgeable_count(days, today=today)), status
