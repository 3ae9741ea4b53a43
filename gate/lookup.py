"""Per venue-day document look-up index.

The service derives one key per venue and day from its master index key and hands only that
key to the kiosks of that venue, so a stolen kiosk can match ID cards for one venue-day and
nothing else. Both sides compute the same index from a document's canonical key.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import date


def venue_day_key(master_key: bytes, venue: str, day: date) -> bytes:
    message = f"fairgate/venue-day/v1|{venue}|{day.isoformat()}".encode()
    return hmac.new(master_key, message, hashlib.sha256).digest()


def gate_lookup_index(key: bytes, document_key: str) -> str:
    """Index of a document (``Document.key``) under a venue-day key, hex encoded."""
    return hmac.new(key, document_key.encode(), hashlib.sha256).hexdigest()[:40]
