"""Check-in texts (AttentionNote): shown on the gate screen with the verdict, at the
entrance and at doors, for a credential kind, an organisation's members or one pass.

The most specific note wins: the pass's own, then its organisation's (a credential's
organisation), then its kind's. Kiosks get the kinds' notes in the manifest header
(``attention_kinds``) and each item's own or organisation note (``attention``), so they
reach the same answer offline (kiosk/doors.py attention_for). A change to a pass's or an
organisation's note bumps the passes concerned (ManifestChange.ATTENTION); a kind's note
travels in the header of every page.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from gate.i18n import Text
from gate.passes import PassKind
from registration.extensions import db
from registration.models import (
    Appointment, Credential, ManifestChange, ManifestEntry, Organisation, Pass,
)
from registration.models.zone import AttentionNote
from registration.services.calendar import utc_now
from registration.services.errors import NotFound, invalid_field

TEXT_LIMITS = {"text_zh": 200, "text_en": 300}
NO_TEXT = Text("请填写中英文提示", "Give the text in Chinese and in English")
TOO_LONG = Text("提示过长", "The text is too long")
BAD_KIND = Text("没有这种证件类别", "No such credential kind")
ONE_TARGET = Text("请指定一种对象：证件类别、机构或通行证（只能一种）",
                  "Name exactly one of a credential kind, an organisation or a pass")
NO_PASS = Text("没有这个通行证", "No such pass")
NO_ORGANISATION = Text("没有这个机构", "No such organisation")
NO_NOTE = Text("该对象没有提示", "There is no text for it")


@dataclass(frozen=True)
class Target:
    """Whom a note is for: exactly one of a kind, an organisation or an appointment."""

    kind: PassKind | None = None
    organisation: Organisation | None = None
    appointment: Appointment | None = None
    serial: str | None = None  # the pass named (its booking holds the note)

    @property
    def label(self) -> str:
        if self.kind is not None:
            return f"kind:{self.kind.value}"
        if self.organisation is not None:
            return f"org:{self.organisation.code}"
        return f"pass:{self.serial}"

    def where(self):
        if self.kind is not None:
            return AttentionNote.kind == self.kind
        if self.organisation is not None:
            return AttentionNote.organisation_id == self.organisation.id
        return AttentionNote.appointment_id == self.appointment.id


def target(*, kind: str | None = None, organisation: str | None = None,
           serial: str | None = None) -> Target:
    """The target named by exactly one of ``kind``, ``organisation`` (its code), ``serial``
    (a pass serial: the note is its booking's, so a reissued pass keeps it)."""
    given = [value for value in (kind, organisation, serial) if value not in (None, "")]
    if len(given) != 1:
        raise invalid_field("target", ONE_TARGET, "invalid_target")
    if kind:
        try:
            return Target(kind=PassKind(kind.strip().lower()))
        except ValueError:
            raise invalid_field("kind", BAD_KIND, "invalid_kind") from None
    if organisation:
        found = db.session.scalar(select(Organisation).where(
            Organisation.code == organisation.strip().upper()))
        if found is None:
            raise NotFound("organisation_not_found", NO_ORGANISATION, {"org": NO_ORGANISATION})
        return Target(organisation=found)
    issued = db.session.scalar(select(Pass).where(Pass.serial == serial.strip().upper()))
    if issued is None:
        raise NotFound("pass_not_found", NO_PASS, {"pass": NO_PASS})
    return Target(appointment=issued.appointment, serial=issued.serial)


def _text(value: str | None, field: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise invalid_field(field, NO_TEXT, "invalid_text")
    if len(text) > TEXT_LIMITS[field]:
        raise invalid_field(field, TOO_LONG, "invalid_text")
    return text


def set_note(to: Target, *, text_zh: str, text_en: str, needs_staff: bool = False
             ) -> AttentionNote:
    """Create or replace the target's note; the caller commits."""
    zh, en = _text(text_zh, "text_zh"), _text(text_en, "text_en")
    note = db.session.scalar(select(AttentionNote).where(to.where()))
    if note is None:
        note = AttentionNote(kind=to.kind,
                             organisation_id=to.organisation.id if to.organisation else None,
                             appointment_id=to.appointment.id if to.appointment else None)
        db.session.add(note)
    note.text_zh, note.text_en, note.needs_staff = zh, en, bool(needs_staff)
    note.updated_at = utc_now()
    db.session.flush()
    _bump(to)
    return note


def remove_note(to: Target) -> AttentionNote:
    """Delete the target's note (404 ``note_not_found`` when it has none)."""
    note = db.session.scalar(select(AttentionNote).where(to.where()))
    if note is None:
        raise NotFound("note_not_found", NO_NOTE)
    db.session.delete(note)
    db.session.flush()
    _bump(to)
    return note


def _bump(to: Target) -> None:
    """The passes whose manifest item carries the note get an ATTENTION change."""
    from registration.services import manifest  # it imports this module
    if to.kind is not None:
        return  # the header of every page carries the kinds' notes
    query = select(ManifestEntry.fair_day_id, ManifestEntry.pass_id).join(
        Pass, Pass.id == ManifestEntry.pass_id)
    if to.appointment is not None:
        query = query.where(Pass.appointment_id == to.appointment.id)
    else:
        query = query.join(Appointment, Appointment.id == Pass.appointment_id).join(
            Credential, Credential.id == Appointment.credential_id).where(
            Credential.organisation_id == to.organisation.id)
    per_day: dict[int, list[int]] = {}
    for fair_day_id, pass_id in db.session.execute(query.order_by(ManifestEntry.id)):
        per_day.setdefault(fair_day_id, []).append(pass_id)
    for fair_day_id in sorted(per_day):
        manifest.bump_entries(fair_day_id, per_day[fair_day_id], ManifestChange.ATTENTION)


@dataclass(frozen=True)
class Listed:
    """A note as the staff page lists it: what it is for, and the values of the form's
    target fields that name it again (to remove it)."""

    note: AttentionNote
    kind: str = ""
    organisation: str = ""  # its code
    organisation_name: Text | None = None
    serial: str = ""  # the booking's current pass (or latest)


def listing() -> list[Listed]:
    """Every note: the kinds' first, then organisations' by code, then passes' by serial."""
    rows = []
    for note in db.session.scalars(select(AttentionNote).order_by(AttentionNote.id)):
        if note.kind is not None:
            rows.append(Listed(note, kind=note.kind.value))
        elif note.organisation_id is not None:
            organisation = db.session.get(Organisation, note.organisation_id)
            rows.append(Listed(note, organisation=organisation.code, organisation_name=Text(
                organisation.name_zh, organisation.name_en)))
        else:
            appointment = db.session.get(Appointment, note.appointment_id)
            issued = appointment.current_pass or (appointment.passes[-1]
                                                  if appointment.passes else None)
            rows.append(Listed(note, serial=issued.serial if issued else ""))
    order = {"kind": 0, "organisation": 1, "serial": 2}
    return sorted(rows, key=lambda row: (
        order["kind" if row.kind else "organisation" if row.organisation else "serial"],
        row.kind or row.organisation or row.serial))


def wire(note: AttentionNote) -> dict:
    return {"zh": note.text_zh, "en": note.text_en, "needs_staff": note.needs_staff}


def kind_notes() -> dict[str, dict]:
    """The manifest header's ``attention_kinds``: {kind: {zh, en, needs_staff}}."""
    return {note.kind.value: wire(note) for note in db.session.scalars(
        select(AttentionNote).where(AttentionNote.kind.is_not(None))
        .order_by(AttentionNote.id))}


def item_notes(appointment_ids) -> dict[int, dict]:
    """Appointment id -> its own note, else its organisation's, in wire form (two queries
    for a whole manifest page)."""
    ids = sorted({a for a in appointment_ids if a is not None})
    if not ids:
        return {}
    found: dict[int, dict] = {}
    for appointment_id, note in db.session.execute(
            select(Appointment.id, AttentionNote)
            .join(Credential, Credential.id == Appointment.credential_id)
            .join(AttentionNote, AttentionNote.organisation_id == Credential.organisation_id)
            .where(Appointment.id.in_(ids))):
        found[appointment_id] = wire(note)
    for note in db.session.scalars(select(AttentionNote).where(
            AttentionNote.appointment_id.in_(ids))):
        found[note.appointment_id] = wire(note)  # the pass's own note wins
    return found


def attention_for(appointment_id: int | None, kind) -> tuple[Text, bool] | None:
    """The note shown with a verdict for a pass (its appointment) of ``kind``:
    (text, needs_staff) or None."""
    note = item_notes([appointment_id]).get(appointment_id) if appointment_id else None
    if note is None and kind is not None:
        note = kind_notes().get(PassKind(kind).value)
    if note is None:
        return None
    return Text(note["zh"], note["en"]), note["needs_staff"]
