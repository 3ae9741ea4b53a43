"""Every active member's pass in one PDF, one A4 page each (as a delegation's passes)."""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from registration.api.passes import fair_name, pass_view
from registration.models import Credential, CredentialStatus, Organisation, PassStatus
from registration.rendering.pdf import paint_pass


def members_with_passes(organisation: Organisation) -> list[Credential]:
    """Approved members whose pass is valid, in the order they were added."""
    return [member for member in organisation.members
            if member.status is CredentialStatus.APPROVED and member.current_pass is not None
            and member.current_pass.status is not PassStatus.REVOKED]


def passes_pdf(organisation: Organisation) -> bytes:
    width, height = A4
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True, pageCompression=1)
    canvas.setTitle(f"{fair_name().en} - {organisation.code}")
    canvas.setAuthor("fairgate")
    canvas.setCreator("fairgate")
    for member in members_with_passes(organisation):
        paint_pass(canvas, pass_view(member.current_pass), width, height)
        canvas.showPage()
    canvas.save()
    return out.getvalue()
