// The facts of an offline decision as the rules take them (gate/rules.py's value objects):
// the venue's local clock, the manifest item as an AppointmentRecord, presence, and at the
// door of a zone its DoorFacts.
import { EMPTY_PRESENCE } from "./rules.js";

export function localClock(moment, timezone) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", { timeZone: timezone,
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23" }).formatToParts(moment).map((p) => [p.type, p.value]));
  const ms = String(moment.getMilliseconds()).padStart(3, "0");
  return { day: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}.${ms}` };
}

export function offsetIso(moment) {
  // scanned_at with the phone's own UTC offset (the service wants a time zone).
  const offset = -moment.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
  const local = new Date(moment.getTime() + offset * 60000).toISOString().slice(0, 23);
  return `${local}${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

export function record(item, manifest) {
  if (!item) return null;
  return { serial: item.serial, status: item.status, day: manifest.date, venue: manifest.venue,
    kind: item.kind, slot_start: item.slot ? item.slot.start : null,
    slot_end: item.slot ? item.slot.end : null, fingerprint: null,
    holder_name_masked: item.holder.name, document_masked: item.holder.document };
}

export function presenceOf(item, local) {
  // The manifest's presence (all gates) with this phone's own passages: the latest decides.
  const remote = item && item.presence ? { inside: item.presence.inside,
    entries_today: item.presence.entries, last_direction: item.presence.last_direction,
    last_gate: item.presence.last_gate,
    last_passed_at: item.presence.last_passed_at ? Date.parse(item.presence.last_passed_at)
      : null } : null;
  const rows = [remote, local].filter((row) => row && row.last_passed_at !== null);
  if (!rows.length) return { ...EMPTY_PRESENCE };
  const latest = rows.reduce((a, b) => (b.last_passed_at > a.last_passed_at ? b : a));
  return { ...EMPTY_PRESENCE, inside: latest.inside, last_direction: latest.last_direction,
    last_gate: latest.last_gate, last_passed_at: latest.last_passed_at,
    entries_today: Math.max(...rows.map((row) => row.entries_today || 0)) };
}

export function doorFacts(manifest, item, credits) {
  // A door device's manifest names its zone (kiosk/doors.py reads the same header); its
  // items' presence is the zone's. The room's capacity is held, as the venue's is at an
  // entrance, by the device's leased entry credits.
  const zone = manifest ? manifest.zone : null;
  if (!zone) return null;
  return { zone: zone.code, seated: Boolean(zone.seated), allowed_kinds: zone.kinds ?? null,
    capacity: null, inside_now: 0, entry_credits: credits ? credits.available : null,
    sessions: (zone.sessions || []).map((s) => ({ code: s.code,
      doors_open: Date.parse(s.doors_open), admits_until: Date.parse(s.admits_until) })),
    seats: item && item.seats ? item.seats : [] };
}
