"""Outgoing email: through SMTP when ``MAIL_SMTP_HOST`` is set, else into an outbox folder.

The outbox (``<instance>/outbox/`` unless ``MAIL_OUTBOX`` names another folder) holds one
``.eml`` file per message, so the service works offline and tests and operators can read
what would have been sent. Configuration (each also as a ``FAIRGATE_`` variable):
``MAIL_SMTP_HOST``, ``MAIL_SMTP_PORT`` (587), ``MAIL_SMTP_USERNAME``, ``MAIL_SMTP_PASSWORD``,
``MAIL_SMTP_SECURITY`` (``starttls``, ``ssl`` or ``none``), ``MAIL_SMTP_TIMEOUT`` (seconds),
``MAIL_SENDER`` and ``MAIL_OUTBOX``.
"""
from __future__ import annotations

import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app

DEFAULTS = {
    "MAIL_SMTP_HOST": None,
    "MAIL_SMTP_PORT": 587,
    "MAIL_SMTP_USERNAME": None,
    "MAIL_SMTP_PASSWORD": None,
    "MAIL_SMTP_SECURITY": "starttls",
    "MAIL_SMTP_TIMEOUT": 10,
    "MAIL_SENDER": "CIFTIS fairgate <no-reply@fairgate.invalid>",
    "MAIL_OUTBOX": None,
}


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
    message["From"] = _config("MAIL_SENDER")
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
    configured = _config("MAIL_OUTBOX")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def send_message(message: EmailMessage) -> str:
    """Send (SMTP) or store (outbox); returns ``"smtp"`` or the path of the ``.eml`` file."""
    if _config("MAIL_SMTP_HOST"):
        _send_smtp(message)
        return "smtp"
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    temporary = path.with_suffix(".tmp")
    temporary.write_bytes(message.as_bytes(policy=SMTP))
    temporary.replace(path)  # readers never see half a message
    return str(path)


def _send_smtp(message: EmailMessage) -> None:
    host, port = _config("MAIL_SMTP_HOST"), int(_config("MAIL_SMTP_PORT"))
    security = str(_config("MAIL_SMTP_SECURITY") or "none").lower()
    timeout = float(_config("MAIL_SMTP_TIMEOUT"))
    try:
        if security == "ssl":
            server = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if _config("MAIL_SMTP_USERNAME"):
                server.login(_config("MAIL_SMTP_USERNAME"), _config("MAIL_SMTP_PASSWORD") or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP delivery via {host}:{port} failed: {exc}") from exc


def _config(name: str):
    return current_app.config.get(name, DEFAULTS[name])
