"""The review (/staff/review, supervisors and admins): organisations and individual
credentials waiting for a decision, oldest first, filtered by kind; approve (an exhibitor
with its badge quota, by default from its stand area), reject with a reason (required,
shown to the applicant as typed and mailed to them), or approve several at once. Each
decision is an action (registration/actions/organisations.py, credentials.py): audited,
one transaction, the applicant told after the commit (docs/credentials.md "Review")."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from gate.i18n import Text
from gate.kinds import KINDS
from gate.passes import PassKind
from registration.actions import credentials as credential_actions
from registration.actions import organisations as organisation_actions
from registration.actions.unit import unit_of_work
from registration.i18n import request_language
from registration.models import CredentialStatus, OrganisationKind, ReviewStatus
from registration.services import credentials as credential_service
from registration.services import organisations as organisation_service
from registration.services.errors import Conflict, ServiceError
from registration.web.staff import blueprint
from registration.web.staff.access import MANAGERS, staff_actor, staff_required
from registration.web.staff.forms import ConfirmForm, WholeNumberField

ORGANISATION_KIND_LABELS = {
    OrganisationKind.EXHIBITOR: _l("Exhibitor"),
    OrganisationKind.ORGANISATION: _l("Institution"),
    OrganisationKind.MEDIA_OUTLET: _l("Media outlet"),
}
REVIEWED_KINDS = (PassKind.professional, PassKind.media, PassKind.online)
LIMIT = 500  # rows of each list on the page (oldest first: the next ones follow)


class ApproveForm(FlaskForm):
    badge_quota = WholeNumberField(_l("Badge quota"), validators=[
        Optional(), NumberRange(min=0, max=100000, message=_l("Enter a whole number from 0"))])


class RejectForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown to the applicant)"), validators=[
        InputRequired(_l("A rejection needs a reason: the applicant will read it")),
        Length(max=500, message=_l("At most 500 characters"))])


def _kind_filter() -> str:
    wanted = request.args.get("kind", "")
    return wanted if wanted in _kind_choices() else ""


def _organisation_kind_choices() -> dict[str, str]:
    return {kind.value: label for kind, label in ORGANISATION_KIND_LABELS.items()}


def _credential_kind_choices() -> dict[str, str]:
    return {kind.value: KINDS[kind].name.in_language(request_language())
            for kind in REVIEWED_KINDS}


def _kind_choices() -> dict[str, str]:
    return {**_organisation_kind_choices(), **_credential_kind_choices()}


def _waiting(kind: str) -> tuple[list, list]:
    organisation_kinds = {k.value for k in OrganisationKind}
    credential_kinds = {k.value for k in PassKind}
    organisations = [] if kind and kind not in organisation_kinds else \
        organisation_service.list_organisations(status=ReviewStatus.PENDING.value,
                                                kind=kind or None, limit=LIMIT)
    credentials = [] if kind and kind not in credential_kinds else \
        credential_service.list_credentials(status=CredentialStatus.PENDING,
                                            kind=PassKind(kind) if kind else None)[:LIMIT]
    return organisations, credentials


def _page(status: int = 200, *, approve_forms: dict | None = None,
          reject_forms: dict | None = None):
    kind = _kind_filter()
    organisations, credentials = _waiting(kind)
    return render_template(
        "staff/review.html", organisations=organisations, credentials=credentials,
        kind=kind, org_kind_choices=_organisation_kind_choices(),
        credential_kind_choices=_credential_kind_choices(),
        org_kind_labels=ORGANISATION_KIND_LABELS,
        kinds=KINDS, default_quota=organisation_service.default_badge_quota,
        approve_forms=approve_forms or {}, reject_forms=reject_forms or {},
        confirm=ConfirmForm(formdata=None)), status


def _back():
    return redirect(url_for("staff.review", kind=request.args.get("kind") or None))


@blueprint.get("/review")
@staff_required(roles=MANAGERS, venue_scoped=False)
def review():
    return _page()


def _refused(err: ServiceError, **forms):
    flash(err.message.in_language(request_language()), "warning")
    return _page(err.status, **forms)


@blueprint.post("/review/organisations/<code>/approve")
@staff_required(roles=MANAGERS, venue_scoped=False)
def review_approve_organisation(code: str):
    form = ApproveForm()
    if not form.validate():
        return _page(422, approve_forms={code: form})
    try:
        with unit_of_work():
            organisation = organisation_service.find_by_code(code)
            if organisation.status is not ReviewStatus.PENDING:
                raise Conflict("already_decided", organisation_service.ALREADY_DECIDED)
            organisation_actions.approve(staff_actor(), organisation,
                                         badge_quota=form.badge_quota.data)
    except ServiceError as err:
        return _refused(err, approve_forms={code: form})
    flash(_("%(code)s approved: the contact is told by email.", code=organisation.code),
          "success")
    return _back()


@blueprint.post("/review/organisations/<code>/reject")
@staff_required(roles=MANAGERS, venue_scoped=False)
def review_reject_organisation(code: str):
    form = RejectForm()
    if not form.validate():
        return _page(422, reject_forms={code: form})
    try:
        with unit_of_work():
            organisation = organisation_actions.reject(
                staff_actor(), organisation_service.find_by_code(code), reason=form.reason.data)
    except ServiceError as err:
        return _refused(err, reject_forms={code: form})
    flash(_("%(code)s rejected: the contact is told the reason by email.",
            code=organisation.code), "success")
    return _back()


@blueprint.post("/review/credentials/<code>/approve")
@staff_required(roles=MANAGERS, venue_scoped=False)
def review_approve_credential(code: str):
    if not ConfirmForm().validate():
        return _page(400)
    try:
        with unit_of_work():
            decided = credential_actions.approve(staff_actor(),
                                                 credential_service.get_credential(code))
    except ServiceError as err:
        return _refused(err)
    flash(_("%(code)s approved: the applicant is sent the credential.",
            code=decided.credential.code), "success")
    return _back()


@blueprint.post("/review/credentials/<code>/reject")
@staff_required(roles=MANAGERS, venue_scoped=False)
def review_reject_credential(code: str):
    form = RejectForm()
    if not form.validate():
        return _page(422, reject_forms={code: form})
    try:
        with unit_of_work():
            decided = credential_actions.reject(
                staff_actor(), credential_service.get_credential(code), form.reason.data)
    except ServiceError as err:
        return _refused(err, reject_forms={code: form})
    flash(_("%(code)s rejected: the applicant is told the reason.",
            code=decided.credential.code), "success")
    return _back()


@blueprint.post("/review/approve")
@staff_required(roles=MANAGERS, venue_scoped=False)
def review_bulk_approve():
    """The ticked rows, in one transaction: exhibitors get their stand's default quota;
    rows someone decided meanwhile are left as they are and named."""
    if not ConfirmForm().validate():
        return _page(400)
    org_codes = request.form.getlist("organisation")[:LIMIT]
    credential_codes = request.form.getlist("credential")[:LIMIT]
    if not org_codes and not credential_codes:
        flash(_("Tick the applications to approve first."), "warning")
        return _page(422)
    actor, skipped, approved = staff_actor(), [], 0
    try:
        with unit_of_work():
            organisations = [organisation_service.find_by_code(code) for code in org_codes]
            left = organisation_actions.approve_many(actor, organisations)
            skipped += [item.organisation.code for item in left]
            approved += len(organisations) - len(left)
            for code in credential_codes:
                credential = credential_service.get_credential(code)
                if credential.status is not CredentialStatus.PENDING:
                    skipped.append(credential.code)
                    continue
                try:
                    credential_actions.approve(actor, credential)
                except ServiceError as err:  # nothing is approved: the message names it
                    raise type(err)(err.code, Text(
                        f"{credential.code}：{err.message.zh}（未通过任何申请）",
                        f"{credential.code}: {err.message.en} (nothing was approved)")) \
                        from None
                approved += 1
    except ServiceError as err:
        return _refused(err)
    flash(_("%(count)s approved.", count=approved), "success")
    if skipped:
        flash(_("Already decided, left as they were: %(codes)s", codes=", ".join(skipped)),
              "warning")
    return _back()
