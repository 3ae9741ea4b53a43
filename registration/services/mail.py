"""Outgoing email: through SMTP when ``MAIL_SMTP_HOST`` is set, else into an outbox folder.

The outbox (``<instance>/outbox/`` unless ``MAIL_OUTBOX`` names another folder) holds one
``.eml`` file per message, so the service works offline and tests and operators can read
what would have been sent. A new folder is created 0700 and each file 0600 (the messages
carry names, addresses and passes); the retention purge deletes the messages of purged
appointments (``remove_outbox_messages``). Configuration: the ``MAIL_*`` settings of
registration/config.py (each also as a ``FAIRGATE_`` variable).
"""
from __future__ import annotations

import os
import re
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.policy import default as default_policy
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str


def build_message(*, to: str, subject: str, text: str,
                  attachments: list[Attachment] | tuple = ()) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain="fairgate.invalid")
    message.set_content(text)
    for item in attachments:
        message.add_attachment(item.content, maintype=item.maintype, subtype=item.subtype,
                               filename=item.filename)
    return message


def outbox_dir() -> Path:
    configured = current_app.config["MAIL_OUTBOX"]
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def send_message(message: EmailMessage) -> str:
    """Send (SMTP) or store (outbox); returns ``"smtp"`` or the path of the ``.eml`` file."""
    if current_app.config["MAIL_SMTP_HOST"]:
        _send_smtp(message)
        return "smtp"
    folder = outbox_dir()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    temporary = path.with_suffix(".tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(handle, "wb") as output:
        output.write(message.as_bytes(policy=SMTP))
    temporary.replace(path)  # readers never see half a message
    return str(path)


# The pass attachments name their appointment: fairgate-pass-<CODE>.pdf / .png.
_PASS_ATTACHMENT = re.compile(r"fairgate-pass-([A-Z0-9]+)\.(?:pdf|png)")


def outbox_codes(path: Path) -> set[str]:
    """The appointment codes a stored message is about (from its pass attachments)."""
    with path.open("rb") as handle:
        message = BytesParser(policy=default_policy).parse(handle)
    codes = set()
    for part in message.walk():
        match = _PASS_ATTACHMENT.fullmatch(part.get_filename() or "")
        if match:
            codes.add(match.group(1))
    return codes


def remove_outbox_messages(codes: set[str]) -> int:
    """Delete the outbox messages about any of these appointments (the retention purge);
    returns how many files were deleted."""
    folder = outbox_dir()
    if not codes or not folder.is_dir():
        return 0
    removed = 0
    for path in sorted(folder.glob("*.eml")):
        try:
            if outbox_codes(path) & codes:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue  # removed meanwhile
    return removed


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    host, port = config["MAIL_SMTP_HOST"], int(config["MAIL_SMTP_PORT"])
    security = str(config["MAIL_SMTP_SECURITY"] or "none").lower()
    timeout = float(config["MAIL_SMTP_TIMEOUT"])
    try:
        if security == "ssl":
            server = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config["MAIL_SMTP_USERNAME"]:
                server.login(config["MAIL_SMTP_USERNAME"], config["MAIL_SMTP_PASSWORD"] or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP delivery via {host}:{port} failed: {exc}") from exc
