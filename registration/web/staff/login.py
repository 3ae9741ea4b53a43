"""Log-in (hashed passwords, lock-out, rate limit per address), log-out, the start page.

A failed log-in is audited under the account when there is one, else under what was typed
only if it cannot be a password (``audit.typed_username``: ``?`` otherwise). Logging out
ends every session of the account (``staff.end_sessions``)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from registration.extensions import db, limiter
from registration.models import StaffRole
from registration.services import staff as staff_service
from registration.web.locale import tr
from registration.web.staff import blueprint
from registration.web.staff.access import (
    audit, end_session, safe_next, staff_required, start_session,
)
from registration.web.staff.forms import ConfirmForm, LoginForm


def _login_limit() -> str:
    return current_app.config["RATELIMIT_STAFF_LOGIN"]


def home_url() -> str:
    if current_user.role is StaffRole.DESK:
        return url_for("staff.desk_start")
    return url_for("staff.dashboard_start")


@blueprint.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url())
    form = LoginForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate():
            username = form.username.data.strip().lower()
            try:
                user = staff_service.authenticate(username, form.password.data)
            except staff_service.LoginRefused as err:
                known = staff_service.find_user(username)
                audit("login_locked" if err.code == "locked" else "login_failed", user=known,
                      username=username)
                db.session.commit()
                form.form_errors.append(tr(err.message))
                status = 401
            else:
                start_session(user)
                login_user(user)
                audit("login", user=user, venue=user.venue.code if user.venue else None)
                db.session.commit()
                return redirect(safe_next(request.args.get("next")) or home_url())
    # The form posts back to where it came from, minus anything that looks like a document
    # number (a hand-made ?next=...?q=<number> is not echoed into the page).
    return render_template("staff/login.html", form=form,
                           next_url=safe_next(request.args.get("next"))), status


@blueprint.post("/logout")
@staff_required(venue_scoped=False)
def logout():
    form = ConfirmForm()
    if form.validate():
        audit("logout")
        staff_service.end_sessions(current_user._get_current_object())
        db.session.commit()
        end_session()
        flash("logged_out", "success")
    return redirect(url_for("staff.login"))


@blueprint.get("/")
@staff_required(venue_scoped=False)
def start():
    return redirect(home_url())


@blueprint.after_request
def private(response):
    # Staff pages show personal data (masked) and live figures: never cached.
    response.headers["Cache-Control"] = "private, no-store"
    return response
