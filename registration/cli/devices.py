"""`fairgate device`: enrolment codes for gate devices, listing and revoking devices."""
from __future__ import annotations

import io

import click
import qrcode
from flask.cli import with_appcontext

from registration.actions import devices as device_actions
from registration.actions.actors import Actor
from registration.cli.common import transaction
from registration.services import devices


@click.group("device")
def device_group():
    """Gate devices (kiosks, handhelds)."""


@device_group.command("enroll-code")
@click.option("--venue", required=True, help="Venue code, e.g. CNCC.")
@click.option("--gate", required=True, help="Gate code, e.g. CNCC-E1.")
@click.option("--ttl-hours", type=click.FloatRange(min=0.01, max=24 * 30), default=None,
              help="Hours the code stays valid (default FAIRGATE_GATE_ENROLL_CODE_TTL_HOURS).")
@with_appcontext
def enroll_code(venue, gate, ttl_hours):
    """Print a one-time enrolment code (first line, alone) and its QR for the kiosk."""
    with transaction():
        code, record = device_actions.issue_enrollment_code(Actor.operator(), venue, gate,
                                                            ttl_hours=ttl_hours)
    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(code)
    drawing = io.StringIO()
    qr.print_ascii(out=drawing, invert=True)
    click.echo(code)
    click.echo(drawing.getvalue().rstrip("\n"))
    click.echo(f"venue {record.venue.code}, gate {record.gate.code}; single use, valid until "
               f"{record.expires_at:%Y-%m-%d %H:%M} UTC")


@device_group.command("list")
@click.option("--venue", default=None, help="Only devices of this venue.")
@with_appcontext
def list_devices(venue):
    """Devices with their venue, gate, last contact and state."""
    click.echo("id\tname\tvenue\tgate\tenrolled\tlast seen\tstate")
    for device in devices.list_devices(venue):
        seen = f"{device.last_seen_at:%Y-%m-%d %H:%M:%S}" if device.last_seen_at else "-"
        state = "active" if device.active else f"revoked {device.revoked_at:%Y-%m-%d %H:%M}"
        click.echo(f"{device.id}\t{device.name}\t{device.venue.code}\t{device.gate.code}\t"
                   f"{device.created_at:%Y-%m-%d %H:%M}\t{seen}\t{state}")


@device_group.command("revoke")
@click.argument("device_id", type=click.IntRange(min=1, max=2**31 - 1))
@with_appcontext
def revoke(device_id):
    """Revoke a device: its token stops working at once."""
    with transaction():
        device = device_actions.revoke_device(Actor.operator(), device_id)
    click.echo(f"device {device.id} ({device.name}, {device.venue.code}) revoked")
