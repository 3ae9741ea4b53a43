"""The portal's member pages: add one, add a CSV list (with progress), remove, replace, and
every pass in one PDF.

The list upload is an ordinary form post; the page's script (static/org_import.js) sends
the same form with ``Accept: application/x-ndjson`` and then gets one JSON line per step
(``{"stage": "check"|"add", "done", "total"}``) and a last line ``{"stage": "done",
"redirect"}`` or ``{"stage": "refused", "html"}`` (the problem table), so the page can show
the upload's and the checks' progress.
"""
from __future__ import annotations

import json
from datetime import date

from flask import (
    Response, abort, flash, g, redirect, render_template, request, stream_with_context,
    url_for,
)
from flask_babel import gettext as _

from registration.actions import members as member_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.extensions import db
from registration.models import Organisation, OrganisationKind, ReviewStatus
from registration.services import member_csv
from registration.services import members as member_service
from registration.services.errors import ServiceError
from registration.services.group_csv import CsvProblem
from registration.web.forms import apply_service_error
from registration.web.locale import current_lang, day_label
from registration.web.org import blueprint, portal_required
from registration.web.org.files import passes_pdf
from registration.web.org.forms import SERVICE_FIELDS, ConfirmForm, ImportForm, MemberForm

STREAM = "application/x-ndjson"


def _approved() -> Organisation:
    organisation = g.organisation
    if organisation.status is not ReviewStatus.APPROVED:
        abort(404)
    return organisation


def _actor(organisation: Organisation) -> Actor:
    return Actor.organisation(organisation.code, request.remote_addr)


def _day_choices(organisation: Organisation) -> list[tuple[str, str]]:
    if organisation.kind is not OrganisationKind.ORGANISATION:
        return []
    return [(f"{day.venue.code}|{day.date.isoformat()}",
             f"{day.venue.name.in_language(current_lang())} · {day_label(day.date)}")
            for day in member_service.coming_fair_days(None)]


def _member_form(organisation: Organisation) -> MemberForm:
    form = MemberForm()
    form.option.choices = _day_choices(organisation)
    return form


def _member_input(form: MemberForm) -> member_service.MemberInput:
    venue, _sep, day = (form.option.data or "").partition("|")
    try:
        chosen = date.fromisoformat(day) if day else None
    except ValueError:
        chosen = None
    return member_service.MemberInput(
        document_type=form.document_type.data, document_number=form.document_number.data,
        document_country=form.document_country.data or None, name=form.name.data,
        name_latin=form.name_latin.data, title=form.title.data, phone=form.phone.data,
        email=form.email.data, venue=venue or None, day=chosen)


def _submit_member(form: MemberForm, action) -> list[str] | None:
    """Validate and run ``action(member)`` in one unit of work: None when it was done, else
    the page's errors besides the fields'. The portal never shows a full document number:
    a refused form comes back without the number typed."""
    errors: list[str] = []
    if form.validate():
        try:
            with unit_of_work():
                action(_member_input(form))
        except ServiceError as err:
            errors = apply_service_error(form, err, SERVICE_FIELDS)
        else:
            return None
    form.document_number.raw_data, form.document_number.data = None, ""
    return errors


@blueprint.route("/members/new", methods=["GET", "POST"])
@portal_required
def add_member():
    organisation = _approved()
    form = _member_form(organisation)
    errors: list[str] = []
    if request.method == "POST":
        errors = _submit_member(form, lambda member: member_actions.add_member(
            _actor(organisation), organisation, member))
        if errors is None:
            flash(_("The member was added and their pass issued."), "success")
            return redirect(url_for("org.home"))
    return render_template("org/member_form.html", form=form, errors=errors, replacing=None,
                           organisation=organisation), 422 if request.method == "POST" else 200


@blueprint.route("/members/<code>/replace", methods=["GET", "POST"])
@portal_required
def replace_member(code: str):
    organisation = _approved()
    old = _member_or_404(organisation, code)
    form = _member_form(organisation)
    errors: list[str] = []
    if request.method == "POST":
        errors = _submit_member(form, lambda member: member_actions.replace_member(
            _actor(organisation), organisation, old.code, member))
        if errors is None:
            flash(_("The member was replaced: the old pass no longer works, the new one is "
                    "issued."), "success")
            return redirect(url_for("org.home"))
    return render_template("org/member_form.html", form=form, errors=errors, replacing=old,
                           organisation=organisation), 422 if request.method == "POST" else 200


def _member_or_404(organisation: Organisation, code: str):
    try:
        return member_service.find_member(organisation, code)
    except ServiceError:
        abort(404)


@blueprint.route("/members/<code>/remove", methods=["GET", "POST"])
@portal_required
def remove_member(code: str):
    organisation = _approved()
    member = _member_or_404(organisation, code)
    form = ConfirmForm()
    error = None
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                member_actions.remove_member(_actor(organisation), organisation, member.code)
        except ServiceError as err:
            error = err.message.in_language(current_lang())
        else:
            flash(_("The member was removed and their pass revoked."), "success")
            return redirect(url_for("org.home"))
    return render_template("org/remove.html", member=member, form=form, error=error,
                           organisation=organisation)


@blueprint.get("/members/template.csv")
@portal_required
def template():
    organisation = _approved()
    return Response(member_csv.template_csv(organisation), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="fairgate-members-template.csv"'})


def _problems_html(problems: list[CsvProblem]) -> str:
    return render_template("org/_problems.html", problems=problems)


def _refusal(err: ServiceError) -> list[CsvProblem]:
    if isinstance(err, member_service.MemberFileRefused):
        return err.problems
    return [CsvProblem(None, None, err.message)]


@blueprint.post("/members/import")
@portal_required
def import_members():
    organisation = _approved()
    form = ImportForm()
    streaming = STREAM in request.headers.get("Accept", "")
    if not form.validate():
        if streaming:
            messages = [m for f in (form.members, form.consent, form.csrf_token) for m in f.errors]
            return _lines([{"stage": "refused", "html": _problems_html(
                [CsvProblem(None, None, _text(m)) for m in messages])}]), 422
        return _home_with(form, [], 422)
    data = form.members.data.read()
    if streaming:
        return _lines(_import_stream(organisation.id, data))
    try:
        with unit_of_work():
            result = member_actions.import_members(_actor(organisation), organisation, data)
    except ServiceError as err:
        return _home_with(form, _refusal(err), 422)
    return redirect(url_for("org.home", added=len(result.members)))


def _text(message: str):
    from gate.i18n import Text

    return Text(str(message), str(message))


def _lines(items) -> Response:
    body = (json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    response = Response(stream_with_context(body), mimetype=STREAM)
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each line on at once
    return response


def _import_stream(organisation_id: int, data: bytes):
    organisation = db.session.get(Organisation, organisation_id)
    yield {"stage": "upload", "done": len(data), "total": len(data)}
    result = None
    try:
        with unit_of_work():
            for step in member_actions.import_steps(_actor(organisation), organisation, data):
                if isinstance(step, member_service.ImportProgress):
                    yield {"stage": step.stage, "done": step.done, "total": step.total}
                else:
                    result = step
    except ServiceError as err:
        yield {"stage": "refused", "html": _problems_html(_refusal(err))}
        return
    yield {"stage": "done", "added": len(result.members),
           "redirect": url_for("org.home", added=len(result.members))}


def _home_with(form: ImportForm, problems: list[CsvProblem], status: int):
    from registration.web.org.pages import home_context

    context = home_context(g.organisation, form)
    context["problems"] = problems
    return render_template("org/home.html", **context), status


@blueprint.get("/passes.pdf")
@portal_required
def passes():
    organisation = _approved()
    return Response(passes_pdf(organisation), mimetype="application/pdf", headers={
        "Content-Disposition":
            f'attachment; filename="fairgate-{organisation.code}-passes.pdf"'})
