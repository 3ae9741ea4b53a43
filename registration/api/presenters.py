"""Appointments and passes as the plain structures the response schemas dump."""
from __future__ import annotations

from flask import url_for

from registration.models import Appointment, Pass


def pass_links(issued: Pass) -> dict:
    urls = {fmt: url_for("api.pass_file", serial=issued.serial, fmt=fmt, _external=False)
            for fmt in ("png", "svg", "pdf")}
    return {"serial": issued.serial, "token": issued.token, **urls}


def appointment_data(appointment: Appointment) -> dict:
    return {
        "code": appointment.code,
        "venue": appointment.fair_day.venue.code,
        "date": appointment.day,
        "slot": appointment.slot.code if appointment.slot else None,
        "status": appointment.status.value,
        "holder": {"name": appointment.name_masked, "document": appointment.document_masked},
    }


def booking_data(appointment: Appointment) -> dict:
    current = appointment.current_pass
    return {"appointment": appointment_data(appointment),
            "pass": pass_links(current) if current else None}
