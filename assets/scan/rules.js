// The gate rules of gate/rules.py, for deciding offline in the browser.
// Reasons, messages, colours and the check order come from gate-rules.json, generated from
// gate/ (registration/web/scan_rules.py); this module only says how each check is made.
// tests/browser/test_handheld_rules.py runs the same cases here and through gate.rules.decide.

const MS = 1000;
const ALL_VENUES = "*"; // a pass (or booking) valid at every venue of the fair

// One predicate per entry reason, as in gate/rules.py (f: the facts of one scan).
const ENTRY_CHECKS = {
  revoked: (f) => f.revoked || (f.record !== null && f.record.status === "revoked"),
  // "*": valid at every venue; a gateless kind (online) is not for any gate.
  wrong_venue: (f) => {
    if (f.policy.gateless_kinds.includes(f.kind)) return true;
    if (f.scan.claims) return ![f.policy.venue, ALL_VENUES].includes(f.scan.claims.venue);
    return f.record !== null && ![f.policy.venue, ALL_VENUES].includes(f.record.venue);
  },
  // A pass states its own valid days; an ID card relies on the booking.
  wrong_day: (f) => (f.scan.claims ? !covers(f.scan.claims, f.day)
    : f.record !== null && f.record.day !== f.day),
  cancelled: (f) => f.record !== null && f.record.status === "cancelled",
  no_appointment: (f) => isDocument(f.scan) && f.record === null,
  id_required: (f) => Boolean(f.scan.claims) && f.policy.id_check_kinds.includes(f.kind)
    && !f.scan.presented_fingerprint,
  id_mismatch: (f) => {
    const presented = f.scan.presented_fingerprint;
    if (!presented) return false;
    const expected = f.scan.claims ? f.scan.claims.fingerprint
      : (f.record ? f.record.fingerprint : null);
    return Boolean(expected) && presented !== expected;
  },
  duplicate_scan: (f) => duplicateScan(f),
  outside_hours: (f) => {
    if (f.policy.hours_exempt_kinds.includes(f.kind)) return false;
    return !(opensFor(f.policy, f.kind) <= f.local_seconds
             && f.local_seconds < seconds(f.policy.closes));
  },
  // Slots are arrival windows: only the first entry of the day is held to one.
  outside_slot: (f) => {
    const r = f.record;
    if (r === null || !r.slot_start || f.presence.entries_today) return false;
    const grace = f.policy.slot_grace_seconds;
    const earliest = seconds(r.slot_start) - grace;
    const latest = seconds(r.slot_end) + grace;
    return !(earliest <= f.local_seconds && f.local_seconds <= latest);
  },
  already_inside: (f) => refusesEntry(f.presence, f.kind, f.policy),
  quota_full: (f) => {
    const quota = f.capacity.quota;
    if (quota === null || quota === undefined || !firstEntry(f)
        || !f.policy.quota_kinds.includes(f.kind)) return false;
    return f.capacity.admitted_today >= quota;
  },
  venue_full: (f) => {
    const c = f.capacity;
    if (c.occupancy_limit !== null && c.occupancy_limit !== undefined
        && c.inside_now >= c.occupancy_limit) return true;
    return c.entry_credits !== null && c.entry_credits !== undefined && c.entry_credits <= 0;
  },
};

// The door's own entry checks (gate/doors.py DOOR_CHECKS), after the pass's checks above.
// f.door: {seated, allowed_kinds (null: every kind), capacity, inside_now, entry_credits,
// sessions: [{code, doors_open, admits_until} (ms)], seats: [forum codes held]}.
const DOOR_CHECKS = {
  zone_not_allowed: (f) => f.door.allowed_kinds !== null && f.door.allowed_kinds !== undefined
    && !f.door.allowed_kinds.includes(f.kind),
  no_seat: (f) => sessionReason(f) === "no_seat",
  session_not_open: (f) => sessionReason(f) === "session_not_open",
  session_over: (f) => sessionReason(f) === "session_over",
  // People step out of a room and back in: only a pass still inside is refused.
  already_inside: (f) => f.presence.inside && !f.policy.multi_entry_kinds.includes(f.kind),
  room_full: (f) => {
    const d = f.door;
    if (d.capacity !== null && d.capacity !== undefined && d.inside_now >= d.capacity) {
      return true;
    }
    return d.entry_credits !== null && d.entry_credits !== undefined && d.entry_credits <= 0;
  },
};

/** no_seat, session_not_open or session_over for an entry at a seated door; null: go on
 * (DoorFacts.session_reason). */
function sessionReason(f) {
  const d = f.door;
  if (!d.seated || f.seatExempt.includes(f.kind)) return null;
  const held = (d.sessions || []).filter((s) => (d.seats || []).includes(s.code));
  if (!held.length) return "no_seat";
  const at = f.scan.scanned_at;
  if (held.some((s) => s.doors_open <= at && at <= s.admits_until)) return null;
  if (held.some((s) => s.doors_open > at)) return "session_not_open";
  return "session_over";
}

function isDocument(scan) { return scan.document_index !== null && scan.document_index !== undefined; }

export function seconds(hhmm) {
  const [h, m, s] = hhmm.split(":").map(Number);
  return h * 3600 + m * 60 + (s || 0);
}

/** When ``kind`` may first enter (VenuePolicy.opens_for): its own opening if earlier. */
export function opensFor(policy, kind) {
  const opens = seconds(policy.opens);
  const own = kind !== null && policy.kind_opens ? policy.kind_opens[kind] : undefined;
  return own ? Math.min(seconds(own), opens) : opens;
}

function dayNumber(iso) { return Date.parse(`${iso}T00:00:00Z`) / 86400000; }

function covers(claims, day) {
  const n = dayNumber(day) - dayNumber(claims.first_day);
  return n >= 0 && n < claims.day_count;
}

function firstEntry(f) { return f.presence.entries_today === 0 && !f.presence.admitted_elsewhere; }

function duplicateScan(f) {
  const p = f.presence;
  if (p.last_passed_at === null || p.last_passed_at === undefined || p.last_gate !== f.scan.gate) {
    return false;
  }
  if (p.last_direction !== f.scan.direction) return false;
  const gap = f.scan.scanned_at - p.last_passed_at;
  return gap >= 0 && gap <= f.policy.duplicate_window_seconds * MS;
}

export function refusesEntry(presence, kind, policy) {
  if (policy.multi_entry_kinds.includes(kind)) return false;
  if (presence.inside || presence.admitted_elsewhere) return true;
  return presence.entries_today > 0 && !policy.reentry_allowed;
}

/** The presence after an admitted passage (gate.presence.PresenceState.after). */
export function after(presence, direction, gate, at) {
  const next = { ...presence, inside: direction === "in", last_direction: direction,
    last_gate: gate, last_passed_at: at };
  if (direction === "in") next.entries_today = (presence.entries_today || 0) + 1;
  else next.exits_today = (presence.exits_today || 0) + 1;
  return next;
}

export const EMPTY_PRESENCE = Object.freeze({ inside: false, entries_today: 0, exits_today: 0,
  last_direction: null, admitted_elsewhere: false, last_gate: null, last_passed_at: null });

/** Rules bound to the generated table: ``decide(scan, facts)`` -> verdict. */
export function makeRules(table) {
  const passChecks = (order) => order.filter((r) => !table.token_failures.includes(r));
  const entryOrder = passChecks(table.entry_check_order);
  const doorOrder = passChecks(table.door_entry_check_order || []);
  const checkOf = { entry: (r) => ENTRY_CHECKS[r],
    door: (r) => (r in DOOR_CHECKS ? DOOR_CHECKS[r] : ENTRY_CHECKS[r]) };
  for (const [order, where] of [[entryOrder, "entry"], [doorOrder, "door"]]) {
    for (const reason of order) {
      // A reason added to gate/ without its check here must not be skipped silently.
      if (!checkOf[where](reason)) throw new Error(`no browser check for gate reason ${reason}`);
    }
  }
  const [exitUnknown, exitRepeat, exitOk] = table.exit_check_order;

  function verdictFor(reason, direction, fields) {
    const info = table.reasons[reason];
    return { admit: info.admit, reason, colour: info.colour, message: info.message,
      direction, ...fields };
  }

  function entryReason(f) {
    if (f.scan.token_error) return f.scan.token_error;
    const [order, where] = f.door ? [doorOrder, "door"] : [entryOrder, "entry"];
    for (const reason of order) {
      if (checkOf[where](reason)(f)) return reason;
    }
    return f.presence.entries_today === 0 ? "ok" : "ok_reentry";
  }

  function exitReason(f) {
    // Nobody is ever held in; only a known occupant (ok_exit) frees a place.
    if (f.scan.token_error || (isDocument(f.scan) && f.record === null)) return exitUnknown;
    if (duplicateScan(f)) return exitRepeat;
    return f.presence.inside ? exitOk : exitUnknown;
  }

  /**
   * scan: {direction, gate, scanned_at (ms), claims | token_error | document_index,
   *        presented_fingerprint}; facts: {policy, day, local_time, record, revoked,
   *        presence, capacity, door} in the field names of gate/rules.py; ``door``
   *        (DoorFacts, times in ms) only at the door of a zone.
   */
  function decide(scan, facts) {
    let record = facts.record || null;
    if (scan.token_error) record = null; // nothing trustworthy identifies the holder
    else if (scan.claims && record && record.serial !== scan.claims.serial) {
      throw new Error("record is for another serial than the scanned pass");
    }
    const policy = { ...table.policy_defaults, ...facts.policy };
    const presence = { ...EMPTY_PRESENCE, ...facts.presence };
    const f = { scan, policy, day: facts.day, local_seconds: seconds(facts.local_time), record,
      revoked: Boolean(facts.revoked), presence, capacity: facts.capacity || {},
      door: facts.door || null, seatExempt: table.seat_exempt_kinds || [] };
    f.kind = scan.claims ? scan.claims.kind : (record ? record.kind : null);
    const reason = scan.direction === "out" ? exitReason(f) : entryReason(f);
    let serial = scan.claims ? scan.claims.serial : null;
    if (serial === null && record) serial = record.serial;
    return verdictFor(reason, scan.direction, {
      serial, kind: f.kind,
      holder: { name: record ? record.holder_name_masked : null,
        document: record ? record.document_masked : null },
      counts_toward_quota: !f.door && reason === "ok" && firstEntry(f)
        && policy.quota_kinds.includes(f.kind),
    });
  }

  return { decide, verdictFor, table };
}
