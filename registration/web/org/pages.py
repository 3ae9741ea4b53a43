"""Signing in and out of the portal, asking for a new link, and the portal's start page."""
from __future__ import annotations

from flask import g, has_request_context, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registration.actions import organisations as organisation_actions
from registration.actions import portal as portal_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.models import OrganisationKind, ReviewStatus
from registration.services import member_csv
from registration.services import members as member_service
from registration.services.errors import NotFound
from registration.web.org import (
    blueprint, end_portal_session, portal_organisation, portal_required, start_portal_session,
)
from registration.web.org.forms import ConfirmForm, ImportForm, NewLinkForm
from registration.web.public import post_limit

STATUS_ORDER = {"approved": 0, "pending": 1, "rejected": 2, "revoked": 3}


@blueprint.route("/signin/<token>", methods=["GET", "POST"])
@post_limit("RATELIMIT_LOOKUP")
def sign_in(token: str):
    """GET shows a button, POST uses the link up: a mail scanner that follows the link
    leaves it usable for the person it was sent to."""
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        try:
            with unit_of_work():
                organisation = portal_actions.sign_in(token, request.remote_addr)
        except NotFound:
            return render_template("org/link_invalid.html", form=NewLinkForm()), 404
        start_portal_session(organisation)
        return redirect(url_for("org.home"))
    return render_template("org/sign_in.html", form=form, token=token)


@blueprint.route("/link", methods=["GET", "POST"])
@post_limit("RATELIMIT_ORG_SIGN_IN_LINK")
def new_link():
    """A new sign-in link by email: the same answer whether or not code and email match."""
    form = NewLinkForm()
    if request.method == "POST" and form.validate():
        with unit_of_work():
            organisation_actions.send_sign_in_link(Actor.visitor(request.remote_addr),
                                                   form.code.data, form.email.data)
        return render_template("org/link_sent.html")
    status = 422 if request.method == "POST" else 200
    return render_template("org/new_link.html", form=form), status


@blueprint.post("/signout")
def sign_out():
    form = ConfirmForm()
    if form.validate():
        end_portal_session()
    return render_template("org/signed_out.html")


def member_rows(organisation) -> list:
    """Members with an active credential first, then the others, newest first within."""
    return sorted(organisation.members,
                  key=lambda c: (STATUS_ORDER.get(c.status.value, 9), -c.id))


def home_context(organisation, import_form: ImportForm | None = None) -> dict:
    context = {"organisation": organisation, "problems": []}
    if organisation.status is ReviewStatus.APPROVED:
        members = member_rows(organisation)
        context.update(
            members=members, import_form=import_form or ImportForm(),
            active=sum(1 for c in members if c.current_pass is not None),
            badges_left=member_service.badges_left(organisation),
            extra_columns=member_csv.columns(organisation),
            max_members=member_csv.MAX_MEMBERS,
            added=request.args.get("added", type=int))
    return context


@blueprint.get("/")
@portal_required
def home():
    return render_template("org/home.html", **home_context(g.organisation))


@blueprint.app_context_processor
def portal_context():
    """The portal's header shows who is signed in (portal pages only; mails rendered outside
    a request, e.g. from the CLI, have none)."""
    if not has_request_context() or request.blueprint != "org":
        return {}
    kinds = {OrganisationKind.EXHIBITOR: _("Exhibitor"),
             OrganisationKind.ORGANISATION: _("Institution"),
             OrganisationKind.MEDIA_OUTLET: _("Media outlet")}
    return {"organisation_kind_names": kinds,
            "portal_signed_in": g.get("organisation") or portal_organisation()}
