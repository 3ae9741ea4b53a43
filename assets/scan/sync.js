// Talking to the service (docs/sync-protocol.md): enrol, manifest by cursor, event upload
// (exactly once thanks to the events' ids), online verify and occupancy leases.

export class Rejected extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message ? `${error.message.en || ""}` : `HTTP ${status}`);
    this.status = status;
    this.code = error.code || `http_${status}`;
    this.body = body;
  }
}

export class Unreachable extends Error {}

const TIMEOUT_MS = 4000;
const PAGE_SIZE = 5000;
const EVENT_BATCH = 200;
const CREDIT_STOCK = 20;

async function call(method, path, { token, body } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, { method, headers, cache: "no-store",
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    throw new Unreachable(String(err));
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    if (response.ok) throw new Unreachable("not JSON");
  }
  if (response.status >= 500) throw new Unreachable(`HTTP ${response.status}`);
  if (!response.ok) throw new Rejected(response.status, data);
  return data;
}

export function enroll(code, name) {
  return call("POST", "/api/v1/devices/enroll", { body: { code, name } });
}

export function verify(device, body) {
  return call("POST", "/api/v1/gate/verify", { token: device.token, body });
}

/** Annul this device's own last admission (within 30 s): 200, 409 annul_too_late, 404. */
export function annul(device, eventId) {
  return call("POST", "/api/v1/gate/annul", { token: device.token, body: { event_id: eventId } });
}

export class Synchronizer {
  constructor(ledger, device) {
    this.ledger = ledger;
    this.device = device;
  }

  /** One round: pull the manifest, upload the queue, renew the lease. */
  async round() {
    const items = await this.pull();
    const uploaded = await this.push();
    await this.renewLease();
    return { items, uploaded };
  }

  async pull() {
    let cursor = (await this.ledger.get("manifest"))?.cursor ?? null;
    let items = 0;
    for (;;) {
      const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
      if (cursor) query.set("cursor", cursor);
      let page;
      try {
        page = await call("GET", `/api/v1/gate/manifest?${query}`, { token: this.device.token });
      } catch (err) {
        if (err instanceof Rejected && err.code === "invalid_cursor" && cursor) {
          cursor = null; // start a full pull
          continue;
        }
        throw err;
      }
      items += await this.ledger.applyPage(page);
      cursor = page.cursor;
      if (!page.has_more) return items;
    }
  }

  async push() {
    let uploaded = 0;
    for (;;) {
      const rows = await this.ledger.queued(EVENT_BATCH);
      if (!rows.length) return uploaded;
      let answer;
      try {
        answer = await call("POST", "/api/v1/gate/events",
          { token: this.device.token, body: { events: rows.map((row) => row.event) } });
      } catch (err) {
        if (err instanceof Rejected && err.status !== 401 && err.status !== 413) {
          // Kept for staff, never retried forever: the service refuses these events.
          await this.ledger.set(`rejected-${Date.now()}`, { error: err.code, rows });
          await this.ledger.dropEvents(rows.map((row) => row.id));
          continue;
        }
        throw err;
      }
      // Every id is in accepted or duplicates: it is on the service exactly once.
      await this.ledger.dropEvents([...answer.accepted, ...answer.duplicates]);
      uploaded += answer.accepted.length;
      if (rows.length < EVENT_BATCH) return uploaded;
    }
  }

  /** Deliver the outstanding credit report, or take a new one and top up the credits. */
  async renewLease() {
    const manifest = await this.ledger.get("manifest");
    if (!manifest) return null;
    const limited = manifest.policy.occupancy_limit !== null
      && manifest.policy.occupancy_limit !== undefined;
    // Take the report and the request in one transaction with the credits they describe.
    const { outstanding: lease } = await this.ledger.updateCredits(manifest.date, (credits) => {
      if (credits.outstanding) return;
      const pending = Object.values(credits.pending).some((n) => n > 0);
      const request = limited && credits.day === manifest.date
        && credits.available * 2 < CREDIT_STOCK ? CREDIT_STOCK - credits.available : 0;
      if (!request && !pending) return;
      credits.outstanding = { lease_id: `lease-${crypto.randomUUID()}`, request,
        report: credits.pending, date: credits.day };
      credits.pending = { entries: 0, exits: 0, recycled_exits: 0, returned: 0 };
    });
    if (!lease) return null;
    let answer;
    try {
      answer = await call("POST", "/api/v1/gate/leases", { token: this.device.token,
        body: { lease_id: lease.lease_id, request: lease.request, report: lease.report,
          date: lease.date } });
    } catch (err) {
      if (err instanceof Unreachable || err.status === 401) throw err;
      answer = { granted: 0 }; // refused: the report stays with the service's staff
    }
    await this.ledger.updateCredits(lease.date, (credits) => {
      credits.available += answer.granted;
      credits.outstanding = null;
    });
    return answer;
  }
}
