"""Group registration: an organisation uploads a CSV of members; all are booked or none."""
from __future__ import annotations

from flask import (
    Blueprint, Response, abort, current_app, redirect, render_template, request, session,
    url_for,
)

from gate.i18n import Text
from registration.actions import groups as group_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.models import Delegation
from registration.services import group_csv, groups
from registration.services.errors import ServiceError
from registration.waitingroom import guard, waiting_room
from registration.web import group_files, notify
from registration.web.forms import GroupForm
from registration.web.locale import current_lang
from registration.web.options import bookable_options
from registration.web.public import post_limit

blueprint = Blueprint("groups", __name__)

SESSION_KEY = "delegations"
NOT_ENOUGH_PLACES = Text("该日剩余名额不足以容纳整个团体，请选择其他日期",
                         "Not enough places left that day for the whole group; choose another day")
SERVICE_COLUMNS = {"document.number": "document_number", "document.type": "document_type",
                   "document.country": "document_country"}


@blueprint.get("/group/template.csv")
def template():
    return Response(group_csv.template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="fairgate-group-template.csv"'})


@blueprint.route("/group", methods=["GET", "POST"])
@post_limit("RATELIMIT_BOOKING")
def register():
    form = GroupForm()
    form.option.choices = bookable_options()
    problems: list[group_csv.CsvProblem] = []
    if request.method != "POST":
        return render_template("group.html", form=form, problems=problems)
    valid = form.validate()
    members = None
    if form.members.data:
        members = group_csv.parse_member_csv(
            form.members.data.read(), max_members=current_app.config["GROUP_MAX_MEMBERS"])
        problems = members.problems
    chosen = form.chosen() if valid else None
    if chosen is not None and members is not None and members.ok:
        venue, day, slot = chosen
        lang = current_lang()
        try:
            guard.proof_of_work_if_asked()  # while staff ask it on every booking
            # A day behind the waiting room: the admission of one member who queued.
            admission = guard.admission_for(venue, day, [
                (m.document_number, m.document_type, m.document_country)
                for m in members.members])
            waiting_room().spend_admission(admission)  # before the transaction, as the API
            with unit_of_work():
                booked = group_actions.book_group(
                    Actor.visitor(request.remote_addr), organisation=form.organisation.data,
                    venue=venue, day=day, slot=slot, members=members.members,
                    consent=form.consent.data, lang=lang)
        except ServiceError as err:
            problems = _service_problems(err, members.lines)
        else:
            _remember(booked.delegation)
            _send_passes(booked, lang)
            return redirect(url_for("groups.result", code=booked.delegation.code))
    return render_template("group.html", form=form, problems=problems), 422


def _service_problems(err: ServiceError, lines: list[int]) -> list[group_csv.CsvProblem]:
    if err.code == "quota_full":
        return [group_csv.CsvProblem(None, None, NOT_ENOUGH_PLACES)]
    problems = []
    for path, message in err.fields.items():
        parts = path.split(".", 2)
        if parts[0] == "members" and len(parts) == 3 and parts[1].isdigit():
            line = lines[int(parts[1])] if int(parts[1]) < len(lines) else None
            problems.append(group_csv.CsvProblem(line, SERVICE_COLUMNS.get(parts[2], parts[2]),
                                                 message))
        else:
            problems.append(group_csv.CsvProblem(None, None, message))
    return problems or [group_csv.CsvProblem(None, None, err.message)]


def _remember(delegation: Delegation) -> None:
    session[SESSION_KEY] = [*session.get(SESSION_KEY, [])[-9:], delegation.id]


def _send_passes(booked: group_actions.GroupBooked, lang: str) -> None:
    for member in booked.bookings:
        if member.email:
            notify.send_pass_email(member.appointment, member.email, lang, quiet=True)


def _delegation_or_404(code: str) -> Delegation:
    """Only the browser session that registered a delegation may see its passes."""
    delegation = groups.find_delegation(code)
    if delegation is None or delegation.id not in session.get(SESSION_KEY, []):
        abort(404)
    return delegation


@blueprint.get("/group/<code>")
def result(code: str):
    delegation = _delegation_or_404(code)
    appointments = sorted(delegation.appointments, key=lambda a: a.id)
    first = appointments[0]
    return render_template("group_result.html", delegation=delegation,
                           appointments=appointments, fair_day=first.fair_day,
                           venue=first.fair_day.venue, slot=first.slot)


@blueprint.get("/group/<code>/passes.zip")
def passes_zip(code: str):
    delegation = _delegation_or_404(code)
    return Response(group_files.passes_zip(delegation), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="fairgate-group-{delegation.code}.zip"'})


@blueprint.get("/group/<code>/passes.pdf")
def passes_pdf(code: str):
    delegation = _delegation_or_404(code)
    return Response(group_files.passes_pdf(delegation), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="fairgate-group-{delegation.code}.pdf"'})
