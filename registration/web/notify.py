"""The confirmation email: the pass attached (PDF and PNG), in the visitor's language.

A failed delivery never undoes a booking (the pass page is the primary delivery): it is
logged and the visitor is told to save the pass from the page.
"""
from __future__ import annotations

from flask import current_app, flash, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from registration.api.passes import pass_view
from registration.links import public_url_for
from registration.models import Appointment
from registration.rendering.pdf import pass_pdf
from registration.rendering.qr import pass_qr_png
from registration.services import mail


def pass_email(appointment: Appointment, to: str, lang: str, *, changed: bool = False):
    issued = appointment.current_pass
    view = pass_view(issued)
    with force_locale(lang):
        subject = (_("CIFTIS: your appointment was changed, code %(code)s", code=appointment.code)
                   if changed else
                   _("CIFTIS: booking confirmed, code %(code)s", code=appointment.code))
        text = render_template(
            "email/pass.txt", appointment=appointment, view=view, changed=changed, lang=lang,
            # From PUBLIC_URL: a forged Host header must not end up in the visitor's mail.
            pass_url=public_url_for("passes.show", serial=issued.serial),
            manage_url=public_url_for("manage.lookup"),
        )
    return mail.build_message(to=to, subject=subject, text=text, attachments=[
        mail.Attachment(f"fairgate-pass-{appointment.code}.pdf", pass_pdf(view),
                        "application", "pdf"),
        mail.Attachment(f"fairgate-pass-{appointment.code}.png", pass_qr_png(issued.token),
                        "image", "png"),
    ])


def send_pass_email(appointment: Appointment, to: str, lang: str, *,
                    changed: bool = False, quiet: bool = False) -> bool:
    """Send the pass; on failure log, tell the visitor (unless ``quiet``) and go on."""
    try:
        mail.send_message(pass_email(appointment, to, lang, changed=changed))
    except (mail.MailError, OSError):
        current_app.logger.warning("confirmation email for appointment %s not sent",
                                   appointment.id, exc_info=True)
        if not quiet:
            flash("mail_failed", "warning")
        return False
    return True
