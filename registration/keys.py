"""Secret keys kept in the instance folder: pass signing, document encryption, blind index.

The file is created on first run (mode 0600). In production the service refuses to start
without it, so a mis-mounted volume can never silently mint a fresh, unknown key set.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from gate.passes import SigningKey
from registration.config import ConfigurationError


class KeysMissing(ConfigurationError):
    """Raised in production mode when the key file does not exist."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


@dataclass
class SigningKeyEntry:
    key: SigningKey
    created_at: str
    active: bool

    @property
    def key_id(self) -> str:
        return self.key.key_id


@dataclass
class KeyRing:
    """All secrets of one deployment. Only the newest active signing key signs new passes."""

    path: Path
    secret_key: bytes
    document_key: bytes
    index_key: bytes
    signing_keys: list[SigningKeyEntry] = field(default_factory=list)

    @property
    def current_signing_key(self) -> SigningKey:
        return [entry for entry in self.signing_keys if entry.active][-1].key

    def public_keys(self) -> dict[str, bytes]:
        return {entry.key_id: entry.key.public_bytes() for entry in self.signing_keys}

    def rotate(self) -> SigningKeyEntry:
        """Add a new signing key that signs from now on; older keys keep verifying."""
        existing = {entry.key_id for entry in self.signing_keys}
        key = SigningKey.generate()
        while key.key_id in existing:  # 16-bit key ids: regenerate on the rare clash
            key = SigningKey.generate()
        entry = SigningKeyEntry(key=key, created_at=_now(), active=True)
        self.signing_keys.append(entry)
        self.save()
        return entry

    def to_json(self) -> dict:
        return {
            "secret_key": _b64(self.secret_key),
            "document_key": _b64(self.document_key),
            "index_key": _b64(self.index_key),
            "signing_keys": [
                {
                    "key_id": entry.key_id,
                    "private_key": _b64(entry.key.private_bytes()),
                    "created_at": entry.created_at,
                    "active": entry.active,
                }
                for entry in self.signing_keys
            ],
        }

    def save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(self.to_json(), handle, indent=2)
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _from_json(path: Path, data: dict) -> KeyRing:
    return KeyRing(
        path=path,
        secret_key=_unb64(data["secret_key"]),
        document_key=_unb64(data["document_key"]),
        index_key=_unb64(data["index_key"]),
        signing_keys=[
            SigningKeyEntry(
                key=SigningKey.from_private_bytes(_unb64(item["private_key"])),
                created_at=item["created_at"],
                active=item.get("active", True),
            )
            for item in data["signing_keys"]
        ],
    )


def generate_key_ring(path: Path) -> KeyRing:
    ring = KeyRing(
        path=path,
        secret_key=secrets.token_bytes(32),
        document_key=secrets.token_bytes(32),
        index_key=secrets.token_bytes(32),
        signing_keys=[SigningKeyEntry(SigningKey.generate(), _now(), True)],
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: when several workers start together exactly one writes the file.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return load_key_ring(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(ring.to_json(), handle, indent=2)
    return ring


def load_key_ring(path: Path) -> KeyRing:
    with open(path, encoding="utf-8") as handle:
        return _from_json(path, json.load(handle))


def open_key_ring(path: Path, *, create: bool) -> KeyRing:
    """Load the key ring, creating it when allowed (development) or refusing (production)."""
    if path.exists() and path.stat().st_size > 0:
        return load_key_ring(path)
    if not create:
        raise KeysMissing(
            f"No key file at {path}. Run `fairgate keys init` once (and keep a backup) "
            f"before starting in production mode. / 缺少密钥文件 {path}：生产模式启动前请先运行一次 "
            "`fairgate keys init`（并备份）。"
        )
    return generate_key_ring(path)
