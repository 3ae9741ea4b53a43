"""SMS providers: where a text message is handed over (the queue is services/messages.py).

A provider has one method, ``send(phone, text, *, reference=None) -> provider id``, and
raises ``SendError`` when the message was not taken (the queue then retries it later).
- ``OutboxProvider`` (the default): one JSON file per message in ``<instance>/sms-outbox/``
  (or ``SMS_OUTBOX``), the folder 0700 and each file 0600 like the mail outbox, so the
  service works offline and tests and operators can read what would have been sent.
- ``HttpGatewayProvider`` (``SMS_GATEWAY_URL`` set): POSTs ``{"to", "text", "reference"}``
  as JSON with ``Authorization: Bearer <SMS_GATEWAY_TOKEN>`` and reads ``{"id": ...}`` from
  a 2xx answer; any other answer, a time-out or a refused connection is a ``SendError``.
  A real gateway's own API is put behind a small relay of this shape (docs/credentials.md).
Errors never carry the number or the text (they are stored and shown to staff).
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from flask import current_app


class SendError(RuntimeError):
    """The provider did not take the message (retried later)."""


class SmsProvider(Protocol):
    def send(self, phone: str, text: str, *, reference: str | None = None) -> str:
        """Hand the message over; returns the provider's id for it, or raises SendError."""


_SEPARATORS = re.compile(r"[\s\-().]")


def textable(phone: str) -> bool:
    """A number an SMS can go to: digits after an optional + once normalised, at least six
    of them as typed ("00" before a country code counts, as the schemas' pattern does)."""
    number = normalise_phone(phone)
    return number.lstrip("+").isdigit() and sum(ch.isdigit() for ch in phone) >= 6


def normalise_phone(phone: str) -> str:
    """``+86 138-0013-8000`` -> ``+8613800138000``; a mainland mobile number written
    without a country code gets +86."""
    number = _SEPARATORS.sub("", unicodedata.normalize("NFKC", phone or ""))
    if number.startswith("00"):
        number = "+" + number[2:]
    if re.fullmatch(r"1\d{10}", number):
        number = "+86" + number
    return number


def mask_phone(phone: str) -> str:
    """``+8613800138000`` -> ``+86138****8000``: the four digits before the last four
    hidden (all but the last two of a short number)."""
    number = normalise_phone(phone)
    if len(number) <= 6:
        return "*" * max(len(number) - 2, 0) + number[-2:]
    if len(number) < 8:
        return "*" * (len(number) - 4) + number[-4:]
    return number[:-8] + "****" + number[-4:]


class OutboxProvider:
    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, phone: str, text: str, *, reference: str | None = None) -> str:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            name = f"{stamp}-{uuid.uuid4().hex[:8]}"
            path = self.folder / f"{name}.json"
            temporary = path.with_suffix(".tmp")
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(handle, "w", encoding="utf-8") as output:
                json.dump({"to": phone, "text": text, "reference": reference,
                           "at": datetime.now(timezone.utc).isoformat()},
                          output, ensure_ascii=False)
            temporary.replace(path)  # readers never see half a message
        except OSError as exc:
            raise SendError(f"SMS outbox not writable: {exc.strerror or exc}") from None
        return f"outbox:{name}"


class HttpGatewayProvider:
    def __init__(self, url: str, token: str | None, timeout: float = 5.0):
        self.url, self.token, self.timeout = url, token, timeout

    def send(self, phone: str, text: str, *, reference: str | None = None) -> str:
        body = json.dumps({"to": phone, "text": text, "reference": reference},
                          ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
            **({"Authorization": f"Bearer {self.token}"} if self.token else {})})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise SendError(f"SMS gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise SendError(f"SMS gateway unreachable: {reason}") from None
        try:
            provider_id = json.loads(answer)["id"]
        except (ValueError, KeyError, TypeError):
            raise SendError("SMS gateway answer has no message id") from None
        if not isinstance(provider_id, (str, int)) or not str(provider_id):
            raise SendError("SMS gateway answer has no message id")
        return str(provider_id)[:120]


def outbox_dir() -> Path:
    configured = current_app.config.get("SMS_OUTBOX")
    return Path(configured) if configured else Path(current_app.instance_path) / "sms-outbox"


def configured_provider() -> SmsProvider:
    """The gateway when ``SMS_GATEWAY_URL`` is set, else the outbox."""
    config = current_app.config
    if config.get("SMS_GATEWAY_URL"):
        return HttpGatewayProvider(config["SMS_GATEWAY_URL"], config.get("SMS_GATEWAY_TOKEN"),
                                   float(config.get("SMS_GATEWAY_TIMEOUT") or 5))
    return OutboxProvider(outbox_dir())


def outbox_messages(folder: Path | None = None) -> list[dict]:
    """The messages in the outbox, oldest first (each with its ``path``)."""
    folder = folder or outbox_dir()
    found = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            found.append({**json.loads(path.read_text(encoding="utf-8")), "path": path})
        except (FileNotFoundError, ValueError):
            continue  # removed meanwhile, or not one of ours
    return found


def remove_outbox_messages(references: set[str]) -> int:
    """Delete the outbox copies of the messages about these references (retention purge)."""
    removed = 0
    for message in outbox_messages() if references else []:
        if message.get("reference") in references:
            try:
                message["path"].unlink()
                removed += 1
            except FileNotFoundError:
                continue
    return removed
