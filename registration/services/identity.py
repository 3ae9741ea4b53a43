"""The document vault: encryption of identity data and the keyed indexes.

Plain document numbers exist only in memory while a request is handled. The database holds
AES-256-GCM ciphertext (fresh nonce each time, the record kind bound as associated data) and
HMAC-SHA256 blind indexes that allow uniqueness checks and look-ups without decryption. The
blind index never leaves the service; kiosks get the Argon2id gate index instead.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from gate.documents import Document
from gate.lookup import venue_day_salt

NONCE_BYTES = 12


@dataclass(frozen=True)
class DocumentVault:
    document_key: bytes
    index_key: bytes

    def encrypt(self, value: dict | str, *, purpose: str) -> bytes:
        plaintext = json.dumps(value, ensure_ascii=False).encode()
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.document_key).encrypt(nonce, plaintext, purpose.encode())

    def decrypt(self, blob: bytes, *, purpose: str):
        nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
        try:
            plaintext = AESGCM(self.document_key).decrypt(nonce, ciphertext, purpose.encode())
        except InvalidTag as exc:  # wrong key or tampered row
            raise ValueError("identity data cannot be decrypted with this key") from exc
        return json.loads(plaintext)

    def blind_index(self, document: Document) -> str:
        return hmac.new(self.index_key, b"doc|" + document.key.encode(),
                        hashlib.sha256).hexdigest()

    def gate_salt(self, venue: str, day: date) -> bytes:
        """The public salt of a venue-day's look-up indexes (registration/services/
        gate_lookup.py computes them)."""
        return venue_day_salt(self.index_key, venue, day)

    def encrypt_document(self, document: Document) -> bytes:
        return self.encrypt(
            {"type": document.type.value, "number": document.number,
             "country": document.country},
            purpose="document",
        )

    def decrypt_document(self, blob: bytes) -> dict:
        return self.decrypt(blob, purpose="document")


def vault() -> DocumentVault:
    keys = current_app.extensions["fairgate.keys"]
    return DocumentVault(document_key=keys.document_key, index_key=keys.index_key)
