"""Telling an applicant of a decision: the pass by email (and a text message when a phone
was given), or the reason of a rejection, in the applicant's language.

Decisions are made inside a transaction (an application, the review page, the CLI): the
email is built at once and queued on the session; it leaves after that commit and is
dropped by a rollback, like the waiting list's offers (services/waitlist_mail.py). The
text message goes through services/messages.py, which queues and retries it itself. The
pass attachments are named after the carrier appointment's code, so the retention purge
deletes them with it.
"""
from __future__ import annotations

from flask import current_app, render_template
from flask_babel import force_locale

from gate.i18n import Text
from gate.kinds import KINDS
from registration.links import public_url_for
from registration.models import Credential, CredentialStatus, Pass
from registration.rendering.pdf import pass_pdf
from registration.rendering.qr import pass_qr_png
from registration.rendering.view import PassView
from registration.services import mail, mail_queue, messages
from registration.services.credentials import stored_contact

EVERY_VENUE = Text("全部场馆", "Every venue")


def pass_view(credential: Credential, issued: Pass) -> PassView:
    carrier = issued.appointment
    venue = credential.venue
    return PassView(
        token=issued.token, serial=issued.serial, code=credential.code,
        venue_code=venue.code if venue is not None else "*",
        venue_name=venue.name if venue is not None else EVERY_VENUE, day=carrier.day,
        holder_name_masked=credential.name_masked, document_masked=credential.document_masked,
        kind=issued.kind,
        fair_name=Text(current_app.config["FAIR_NAME_ZH"], current_app.config["FAIR_NAME_EN"]))


def _context(credential: Credential) -> dict:
    lang = credential.lang
    kind = KINDS[credential.kind].name
    venue = credential.venue.name if credential.venue is not None else EVERY_VENUE
    return {"credential": credential, "lang": lang, "kind": kind.zh if lang == "zh" else kind.en,
            "venue": venue.zh if lang == "zh" else venue.en,
            "lookup_url": public_url_for("credentials.lookup")}


def decision_message(credential: Credential, issued: Pass | None, to: str):
    """The decision email: approved (the pass attached, if the kind has one) or rejected."""
    context = _context(credential)
    with force_locale(credential.lang):
        subject = render_template("email/credential_subject.txt", **context).strip()
        if issued is not None:
            context["pass_url"] = public_url_for("passes.show", serial=issued.serial)
        text = render_template("email/credential.txt", issued=issued, **context)
    attachments = []
    if issued is not None:
        code = issued.appointment.code
        view = pass_view(credential, issued)
        attachments = [
            mail.Attachment(f"fairgate-pass-{code}.pdf", pass_pdf(view), "application", "pdf"),
            mail.Attachment(f"fairgate-pass-{code}.png", pass_qr_png(issued.token),
                            "image", "png")]
    return mail.build_message(to=to, subject=subject, text=text, attachments=attachments)


def announce_decision(credential: Credential, issued: Pass | None) -> None:
    """Queue the decision's email (after the commit) and text message, where the applicant
    gave an address or a phone number."""
    contact = stored_contact(credential)
    if contact.get("email"):
        mail_queue.send_after_commit(
            decision_message(credential, issued, contact["email"]), "credential decision")
    if contact.get("phone"):
        context = _context(credential)
        if issued is not None:
            context["pass_url"] = public_url_for("passes.show", serial=issued.serial)
        template = "credential_rejected" if credential.status is CredentialStatus.REJECTED \
            else "credential_approved"
        context.pop("lang")
        messages.send_sms(contact["phone"], messages.render_sms(template, credential.lang,
                                                                issued=issued, **context),
                          ref=credential.code)
