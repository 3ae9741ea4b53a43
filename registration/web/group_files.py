"""A delegation's passes for download: a ZIP (PDF and PNG per member, and a member list)
or one PDF with a page per member."""
from __future__ import annotations

import csv
import io
import zipfile

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from registration.api.passes import fair_name, pass_view
from registration.models import Appointment, Delegation
from registration.rendering.pdf import paint_pass, pass_pdf
from registration.rendering.qr import pass_qr_png

MEMBER_LIST_COLUMNS = ("number", "confirmation_code", "name", "document", "venue", "date",
                       "slot", "pass_serial")


def _members(delegation: Delegation) -> list[Appointment]:
    return sorted((a for a in delegation.appointments if a.current_pass is not None),
                  key=lambda a: a.id)


def passes_zip(delegation: Delegation) -> bytes:
    out = io.BytesIO()
    listing = io.StringIO()
    writer = csv.writer(listing)
    writer.writerow(MEMBER_LIST_COLUMNS)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, appointment in enumerate(_members(delegation), start=1):
            issued = appointment.current_pass
            stem = f"{number:03d}-{appointment.code}"
            archive.writestr(f"{stem}.pdf", pass_pdf(pass_view(issued)))
            archive.writestr(f"{stem}.png", pass_qr_png(issued.token))
            writer.writerow((number, appointment.code, appointment.name_masked,
                             appointment.document_masked, appointment.fair_day.venue.code,
                             appointment.day.isoformat(),
                             appointment.slot.code if appointment.slot else "", issued.serial))
        archive.writestr("members.csv", "\ufeff" + listing.getvalue())
    return out.getvalue()


def passes_pdf(delegation: Delegation) -> bytes:
    width, height = A4
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(f"{fair_name().en} - delegation {delegation.code}")
    canvas.setAuthor("fairgate")
    canvas.setCreator("fairgate")
    for appointment in _members(delegation):
        paint_pass(canvas, pass_view(appointment.current_pass), width, height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
