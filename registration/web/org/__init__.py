"""The organisation portal (/org/): an organisation's contact signs in with a one-time link
and, once the organisation is approved, manages its members.

A portal session stores the organisation's id, its ``session_version`` and when it began; it
ends when the version moves on (``Organisation.session_version`` raised: every session of
the organisation ends), after ``PORTAL_SESSION_HOURS``, or on signing out.
"""
from __future__ import annotations

import time
from functools import wraps

from flask import Blueprint, flash, g, redirect, session, url_for
from flask_babel import gettext as _

from registration.extensions import db
from registration.models import Organisation

blueprint = Blueprint("org", __name__, url_prefix="/org")

ORG_ID, ORG_VERSION, ORG_SINCE = "org_id", "org_session_version", "org_signed_in_at"
PORTAL_SESSION_HOURS = 12


def start_portal_session(organisation: Organisation) -> None:
    """A fresh session for this organisation (only the chosen language survives)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    session[ORG_ID] = organisation.id
    session[ORG_VERSION] = organisation.session_version
    session[ORG_SINCE] = int(time.time())


def end_portal_session() -> None:
    for key in (ORG_ID, ORG_VERSION, ORG_SINCE):
        session.pop(key, None)


def portal_organisation() -> Organisation | None:
    """The signed-in organisation, or None (and the session ended) when there is none, its
    session version moved on, it was purged or the session is too old."""
    ident = session.get(ORG_ID)
    if ident is None:
        return None
    organisation = db.session.get(Organisation, ident) if isinstance(ident, int) else None
    fresh = time.time() - session.get(ORG_SINCE, 0) < PORTAL_SESSION_HOURS * 3600
    if (organisation is None or organisation.purged_at is not None or not fresh
            or organisation.session_version != session.get(ORG_VERSION)):
        end_portal_session()
        g.portal_session_ended = True
        return None
    return organisation


def portal_required(view):
    """The view runs with ``g.organisation``; without a portal session it sends the
    browser to the page that asks for a new sign-in link."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        organisation = portal_organisation()
        if organisation is None:
            flash(_("Your portal session has ended: get a new sign-in link.")
                  if g.get("portal_session_ended") else
                  _("Please sign in with the link sent to your contact email."), "warning")
            return redirect(url_for("org.new_link"))
        g.organisation = organisation
        return view(*args, **kwargs)
    return wrapper


@blueprint.after_request
def private(response):
    # Portal pages show members (masked) and sign-in links: never cached.
    response.headers["Cache-Control"] = "private, no-store"
    return response


from registration.web.org import members, pages, phone  # noqa: E402,F401  (routes)
