"""What an organisation's contact is sent: the registration with its sign-in link, a new
sign-in link, the approval (status and a sign-in link) and the rejection (the reason as the
reviewer typed it), by email in the contact's language, and by SMS too when a phone number
was given (services/messages.send_sms).

Mails are built inside the action's transaction (the link's token exists only there) and
queued on the session: they leave after its commit and are dropped by its rollback, like
the waiting list's offers (services/waitlist_mail.py). SMS are queued by send_sms in the
same transaction. A failed mail delivery is logged; the contact can ask for a new link.
"""
from __future__ import annotations

from flask import current_app

from registration.models import Organisation
from registration.services import mail, mail_queue, messages
from registration.services import organisations as organisation_service
from registration.services.errors import InvalidInput


SUBJECTS = {
    "registered": ("服贸会：机构 {code} 已登记，待审核",
                   "CIFTIS: organisation {code} registered, waiting for review"),
    "sign_in": ("服贸会：机构门户登录链接（{code}）",
                "CIFTIS: your organisation portal sign-in link ({code})"),
    "approved": ("服贸会：机构 {code} 已通过审核", "CIFTIS: organisation {code} approved"),
    "rejected": ("服贸会：机构 {code} 未通过审核", "CIFTIS: organisation {code} not approved"),
}
SMS_TEMPLATES = {"registered": "org_registered", "approved": "org_approved",
                 "rejected": "org_rejected"}


def _lang(organisation: Organisation) -> str:
    return organisation.lang if organisation.lang in ("zh", "en") else "zh"


def message(organisation: Organisation, what: str, to: str, sign_in_url: str | None = None):
    """The email ``what`` (registered, sign_in, approved, rejected) in the contact's
    language."""
    lang = _lang(organisation)
    context = {"org": organisation, "sign_in_url": sign_in_url,
               "hours": _hours(), "lang": lang}
    text = _render(f"email/org/{what}.{lang}.txt", **context)
    subject = SUBJECTS[what][0 if lang == "zh" else 1].format(code=organisation.code)
    return mail.build_message(to=to, subject=subject, text=text)


def _render(template: str, **context) -> str:
    """A template with only ``context`` and the config: no request's context processors,
    so mails are the same from a page, the API and the CLI."""
    return current_app.jinja_env.get_template(template).render(
        config=current_app.config, **context)


def _hours() -> str:
    hours = float(current_app.config["ORG_SIGN_IN_HOURS"])
    return str(int(hours)) if hours.is_integer() else str(hours)


def notify(organisation: Organisation, what: str, sign_in_url: str | None = None, *,
           sms: bool = True) -> None:
    """Queue the email ``what`` to the contact (sent after the commit) and, when ``sms``
    and a phone number was given, its SMS."""
    contact = organisation_service.stored_contact(organisation)
    if contact.get("email"):
        mail_queue.send_after_commit(
            message(organisation, what, contact["email"], sign_in_url), "organisation")
    if sms and contact.get("phone") and what in SMS_TEMPLATES:
        # services/messages.render_sms's templates (sms/<name>.<lang>.txt), rendered here.
        text = _render(f"sms/{SMS_TEMPLATES[what]}.{_lang(organisation)}.txt",
                       org=organisation, sign_in_url=sign_in_url, hours=_hours()).strip()
        try:
            messages.send_sms(contact["phone"], text, ref=organisation.code)
        except InvalidInput:  # a number the SMS provider cannot take: the email remains
            current_app.logger.warning("organisation %s: no SMS to this number",
                                       organisation.code)
