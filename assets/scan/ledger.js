// The handheld's ledger in IndexedDB: the device, the venue-day manifest (pulled by cursor,
// like kiosk/ledger.py), this device's own passages, queued events and entry credits.
import { openDB } from "idb";

const DB_NAME = "fairgate-scan";

export async function openLedger() {
  const db = await openDB(DB_NAME, 2, {
    upgrade(store, oldVersion, newVersion, tx) {
      if (oldVersion < 1) {
        store.createObjectStore("meta");
        store.createObjectStore("appointments", { keyPath: "serial" });
        store.createObjectStore("presence", { keyPath: "key" });
        store.createObjectStore("events", { keyPath: "id" });
      }
      // 2: ID cards offline, found by their look-up index (items without one, null, are
      // left out of the index by IndexedDB).
      if (oldVersion < 2) tx.objectStore("appointments").createIndex("gate_index", "gate_index");
    },
  });
  return new Ledger(db);
}

const NO_CREDITS = () => ({ day: null, available: 0,
  pending: { entries: 0, exits: 0, recycled_exits: 0, returned: 0 }, outstanding: null });

export class Ledger {
  constructor(db) {
    this.db = db;
    this.entered = new Set(); // serials the manifest says entered today (quota counting)
  }

  get(key) { return this.db.get("meta", key); }

  set(key, value) { return this.db.put("meta", value, key); }

  /** A new enrolment: drop the old device's manifest, passages and credits. Queued events
   * (and batches set aside) stay: they go up under the new device with their ids. */
  async forget() {
    const tx = this.db.transaction(["meta", "appointments", "presence"], "readwrite");
    await Promise.all([tx.objectStore("appointments").clear(),
      tx.objectStore("presence").clear(),
      ...["device", "manifest", "credits"].map((key) => tx.objectStore("meta").delete(key))]);
    await tx.done;
    this.entered.clear();
  }

  async load() {
    const manifest = await this.get("manifest");
    this.entered.clear();
    if (!manifest) return;
    for (const item of await this.db.getAll("appointments")) this._count(item);
  }

  _count(item) {
    if (item.presence && item.presence.entries > 0) this.entered.add(item.serial);
    else this.entered.delete(item.serial);
  }

  /** Apply one manifest page: items, header and cursor in one transaction. */
  async applyPage(page) {
    const tx = this.db.transaction(["meta", "appointments"], "readwrite");
    const items = tx.objectStore("appointments");
    if (page.reset) {
      await items.clear();
      this.entered.clear();
    }
    for (const item of page.appointments) {
      items.put(item);
      this._count(item);
    }
    const { appointments, revoked, ...header } = page;
    tx.objectStore("meta").put({ ...header, pulled_at: Date.now() }, "manifest");
    await tx.done;
    return page.appointments.length;
  }

  appointment(serial) { return this.db.get("appointments", serial); }

  /** The active booking whose holder's document has this look-up index (kiosk/ledger.py
   * appointment_by_index), or undefined. */
  async appointmentByIndex(index) {
    const items = await this.db.getAllFromIndex("appointments", "gate_index", index);
    return items.find((item) => item.status === "active");
  }

  localPresence(serial, day) { return this.db.get("presence", `${day}|${serial}`); }

  async admittedToday(day, quotaKinds) {
    // Distinct passes of the quota kinds admitted today, by any gate as far as known here.
    let count = 0;
    for (const serial of this.entered) {
      const item = await this.appointment(serial);
      if (item && quotaKinds.includes(item.kind)) count += 1;
    }
    const tx = this.db.transaction("presence");
    for (const row of await tx.store.getAll()) {
      if (row.day === day && row.entries_today > 0 && quotaKinds.includes(row.kind)
          && !this.entered.has(row.serial)) count += 1;
    }
    return count;
  }

  /** Record a decision: the local presence after an admission, the event to upload (when
   * ``event`` is given) and the spent or freed credit, all in one transaction. */
  async record({ serial, kind, day, presence, event, credit }) {
    const tx = this.db.transaction(["meta", "presence", "events"], "readwrite");
    if (presence) {
      tx.objectStore("presence").put({ key: `${day}|${serial}`, serial, kind, day, ...presence });
    }
    if (event) tx.objectStore("events").put({ id: event.id, event, queued_at: Date.now() });
    if (credit) await changeCredits(tx.objectStore("meta"), day, credit);
    await tx.done;
  }

  /** Read, change and write the credits in one transaction (a scan and a sync round may
   * both be at them): ``change(credits)`` edits them in place. */
  async updateCredits(day, change) {
    const tx = this.db.transaction("meta", "readwrite");
    const credits = await changeCredits(tx.store, day, change);
    await tx.done;
    return credits;
  }

  queued(limit) { return this.db.getAll("events", null, limit); }

  queuedCount() { return this.db.count("events"); }

  async dropEvents(ids) {
    const tx = this.db.transaction("events", "readwrite");
    for (const id of ids) tx.store.delete(id);
    await tx.done;
  }

  /** The credits to decide with on ``day``: none left from another day count. */
  async credits(day) {
    const credits = forDay(await this.get("credits"), day);
    return credits.day === day ? credits : { ...credits, available: 0 };
  }
}

function forDay(credits, day) {
  // Credits are for one venue-day. Once the last report of a day is delivered, a new day
  // starts from none; until then the old day's report waits for its lease.
  credits = credits || NO_CREDITS();
  const reported = !credits.outstanding && !Object.values(credits.pending).some((n) => n > 0);
  return credits.day === null || (credits.day !== day && reported)
    ? { ...NO_CREDITS(), day } : credits;
}

async function changeCredits(meta, day, change) {
  const credits = forDay(await meta.get("credits"), day);
  change(credits);
  await meta.put(credits, "credits");
  return credits;
}
