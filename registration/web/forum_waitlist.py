"""Visitor pages of a forum's waiting list: joining a full forum, and the offer page the
offer's email or SMS links to (docs/forums.md).

Joining asks what a seat asks (the booking's confirmation code and document number, only
ever POSTed, never shown back) and an email address or mobile number for the offer. The
offer page is keyed by the link's random token (only its hash is stored); taking the seat
and declining it ("No thanks": it goes to the next in line at once) are CSRF-protected
POSTs, and the pass page then lists a seat taken. Offers past their time run out
lazily before any request about a forum (the hook below) and with ``fairgate waitlist
expire``, like the day waiting list's.
"""
from __future__ import annotations

import math

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from registration.actions import forum_waitlist as line_actions
from registration.actions.actors import Actor
from registration.actions.unit import unit_of_work
from registration.extensions import db
from registration.models import Forum
from registration.ratelimits import per_document
from registration.services import forum_waitlist as line_service
from registration.services import forums as forum_service
from registration.services.calendar import utc_now
from registration.services.errors import ServiceError
from registration.services.forum_waitlist_mail import local_deadline
from registration.web.forms import LookupForm, VisitorFields, apply_service_error
from registration.web.forums import SEAT_FIELDS, forum_row
from registration.web.locale import current_lang, tr
from registration.web.public import post_limit
from registration.waitingroom import guard

blueprint = Blueprint("forum_waitlist", __name__)

# Requests about one forum (pages and API): their rule starts so, with the code in the path.
FORUM_RULES = ("/forums/<code>", "/api/v1/forums/<code>")
FORUM_LISTS = ("/forums", "/api/v1/forums")


class WaitlistJoinForm(LookupForm):
    """The seat form's code and document, and where the offer is to be sent (the service
    asks for one of the two, its message beside the email field)."""

    phone = VisitorFields.phone
    email = VisitorFields.email


@blueprint.before_app_request
def _expire_forum_offers() -> None:
    """Before a request about a forum (or the forum list), on the web and in the API,
    offers past their time run out, so a seat nobody took is offered to the next in line
    or freed before it is counted or reserved. The one place for it: the forum views and
    endpoints do not call it again."""
    rule = request.url_rule.rule if request.url_rule is not None else None
    if rule in FORUM_LISTS:
        line_actions.expire_lazily()
    elif rule is not None and rule.startswith(FORUM_RULES):
        forum = forum_service.get_forum((request.view_args or {}).get("code", ""))
        if forum is not None:
            line_actions.expire_lazily(forum)


def _forum_or_404(code: str) -> Forum:
    forum = forum_service.get_forum(code)
    if forum is None:
        abort(404)
    return forum


def _visitor() -> Actor:
    return Actor.visitor(request.remote_addr)


@blueprint.route("/forums/<code>/waitlist", methods=["GET", "POST"])
@post_limit("RATELIMIT_WAITLIST")
@per_document("RATELIMIT_LOOKUP_PER_DOCUMENT", "document-lookup", methods=["POST"])
def join(code: str):
    forum = _forum_or_404(code)
    form, status_code = WaitlistJoinForm(), 200
    if request.method == "POST":
        status_code = 422
        if form.validate():
            try:
                guard.proof_of_work_if_asked()  # while staff ask it on every look-up
                with unit_of_work():
                    entry = line_actions.join(
                        _visitor(), forum.code, code=form.code.data,
                        document_number=form.document_number.data, email=form.email.data,
                        phone=form.phone.data, lang=current_lang())
            except ServiceError as err:
                aliases = {**SEAT_FIELDS, "email": "email", "phone": "phone"}
                form.form_errors.extend(apply_service_error(form, err, aliases)
                                        if err.fields else [tr(err.message)])
                status_code = err.status
            else:
                return render_template("forum_waitlist_join.html", row=forum_row(forum),
                                       entry=entry, position=line_service.position(entry),
                                       form=None), 201
        form.document_number.data = ""  # a refused form never shows the number back
        form.document_number.raw_data = []
    return render_template("forum_waitlist_join.html", row=forum_row(forum), form=form,
                           entry=None), status_code


def _minutes_left(entry) -> int:
    seconds = (entry.offer_expires_at - utc_now()).total_seconds()
    return max(math.ceil(seconds / 60), 0)


@blueprint.route("/forum-offers/<token>", methods=["GET", "POST"])
@post_limit("RATELIMIT_BOOKING")
def offer(token: str):
    entry = line_service.find_offer(token)  # the 404 page for an unknown token
    line_actions.expire_lazily(entry.forum)
    db.session.refresh(entry)
    error, status_code = None, 200
    if request.method == "POST":
        try:
            if request.form.get("decision") == "decline":
                with unit_of_work():
                    line_actions.decline(_visitor(), token)
                return redirect(url_for("forum_waitlist.offer", token=token))
            with unit_of_work():
                seat = line_actions.accept(_visitor(), token)
        except ServiceError as err:
            db.session.refresh(entry)
            error, status_code = tr(err.message), err.status
        else:
            flash(_("Your forum seat is reserved: it is listed with your pass below."),
                  "success")
            return redirect(url_for("passes.show",
                                    serial=seat.appointment.current_pass.serial))
    open_offer = line_service.offer_is_open(entry)
    seat_pass = None
    if entry.seat_id is not None and entry.appointment.current_pass is not None:
        seat_pass = entry.appointment.current_pass
    return render_template("forum_offer.html", entry=entry, row=forum_row(entry.forum),
                           open_offer=open_offer, error=error, token=token,
                           deadline=local_deadline(entry) if entry.offer_expires_at else None,
                           minutes_left=_minutes_left(entry) if open_offer else None,
                           seat_pass=seat_pass), status_code
