"""The audit log (admins read it; nobody edits it) and the retention purge (admins, with a
confirmation step, itself audited)."""
from __future__ import annotations

from datetime import date

from flask import render_template, request

from gate.i18n import Text
from registration.actions import retention
from registration.actions.unit import unit_of_work
from registration.services import audit as audit_service
from registration.services.calendar import in_fair_day_range, out_of_range_message
from registration.web.locale import current_lang
from registration.web.staff import blueprint
from registration.web.staff.access import ADMIN, staff_actor, staff_required
from registration.web.staff.forms import PurgeForm

NOT_A_DAY = Text("日期格式应为 YYYY-MM-DD，已忽略日期筛选",
                 "Enter the day as YYYY-MM-DD; the day filter was ignored")


@blueprint.get("/audit")
@staff_required(roles=ADMIN, venue_scoped=False)
def audit_log():
    args = request.args
    day, day_error = _day_filter(args.get("day"))
    wanted = audit_service.AuditFilter(
        action=args.get("action") if args.get("action") in audit_service.ACTIONS else None,
        username=(args.get("user") or "").strip().lower() or None,
        venue=(args.get("venue") or "").strip().upper() or None, day=day)
    page = audit_service.entries(wanted, args.get("page", 1, type=int) or 1)
    return render_template("staff/audit.html", page=page, wanted=wanted,
                           actions=audit_service.ACTIONS, details_of=audit_service.details_of,
                           day_error=day_error), 422 if day_error else 200


def _day_filter(text: str | None) -> tuple[date | None, str | None]:
    """The day to filter on, or None and the reason it is ignored (not a date, or outside
    the dates a fair day may have: the list is then not filtered by day)."""
    if not (text or "").strip():
        return None, None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        return None, NOT_A_DAY.in_language(current_lang())
    if not in_fair_day_range(day):
        limits = out_of_range_message()
        message = Text(f"{limits.zh}，已忽略日期筛选", f"{limits.en}; the day filter was ignored")
        return None, message.in_language(current_lang())
    return day, None


@blueprint.route("/purge", methods=["GET", "POST"])
@staff_required(roles=ADMIN, venue_scoped=False)
def purge():
    form = PurgeForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            with unit_of_work():
                chosen, done = retention.purge(staff_actor())
            return render_template("staff/purge_done.html", count=done.appointments,
                                   done=done, days=chosen.older_than_days)
    chosen = retention.plan()
    return render_template("staff/purge.html", form=form, days=chosen.older_than_days,
                           cutoff=chosen.cutoff, count=chosen.count), status
