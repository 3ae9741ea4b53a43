"""Check-in texts (services/attention.py): set or remove the note of a credential kind, an
organisation or one pass, audited ``attention_set`` in the actor's name (the target's
label and the texts; no holder data: a pass is named by its booking code)."""
from __future__ import annotations

from registration.actions.actors import Actor
from registration.actions.base import audit
from registration.models.zone import AttentionNote
from registration.services import attention as attention_service


def _venue(to: attention_service.Target) -> str | None:
    if to.appointment is not None:
        return to.appointment.fair_day.venue.code
    return None


def set_note(actor: Actor, to: attention_service.Target, *, text_zh: str, text_en: str,
             needs_staff: bool = False) -> AttentionNote:
    note = attention_service.set_note(to, text_zh=text_zh, text_en=text_en,
                                      needs_staff=needs_staff)
    audit(actor, "attention_set", venue=_venue(to), target=to.label,
          details={"text_zh": note.text_zh, "text_en": note.text_en,
                   "needs_staff": note.needs_staff, "removed": False})
    return note


def remove_note(actor: Actor, to: attention_service.Target) -> AttentionNote:
    note = attention_service.remove_note(to)
    audit(actor, "attention_set", venue=_venue(to), target=to.label,
          details={"text_zh": note.text_zh, "text_en": note.text_en,
                   "needs_staff": note.needs_staff, "removed": True})
    return note
