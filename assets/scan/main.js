// The handheld scanner (/scan): enrolment, camera or typed input, online verify, and the
// offline decision from the IndexedDB ledger with gate/'s rules (docs/handheld.md).
import { Camera, makeDecoder } from "./camera.js";
import { openLedger } from "./ledger.js";
import { doorFacts, localClock, offsetIso, presenceOf, record } from "./facts.js";
import { EMPTY_PRESENCE, after, makeRules } from "./rules.js";
import { Rejected, Synchronizer, Unreachable, annul, enroll, verify } from "./sync.js";
import { TEXT, both, primaryLang } from "./text.js";
import { importKeys, parseToken, verifyToken } from "./token.js";
import { confirmationCode, documentFingerprint, gateIndex, residentIdKey } from "./lookup.js";

const SYNC_INTERVAL_MS = 3000;
// The kiosk pairs a card read within 5 s of a pass; typing a number on a phone takes longer.
const CARD_AFTER_PASS_MS = 60000;
const ANNUL_WINDOW_MS = 30000; // gate.presence.ANNUL_WINDOW
const ENROL_CODE = /^[A-HJ-NP-Z2-9]{4}(-?[A-HJ-NP-Z2-9]{4}){3}$/;
const $ = (id) => document.getElementById(id);

const state = { online: navigator.onLine, revoked: false, device: null, direction: "in",
  mode: "scan", keys: new Map(), keysFrom: null, timings: [], syncing: null,
  awaitingCard: null };

class App {
  constructor(root, rules, ledger, decoder) {
    this.root = root;
    this.rules = rules;
    this.ledger = ledger;
    this.decoder = decoder;
    this.camera = new Camera($("camera"), decoder, (text, at) => this.onCode(text, at));
  }

  async start() {
    state.device = await this.ledger.get("device");
    state.direction = (await this.ledger.get("direction")) || "in";
    await this.ledger.load();
    this.bind();
    this.show();
    if (state.device) this.syncSoon(0);
  }

  bind() {
    $("enrol-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.enrol($("enrol-code").value, $("enrol-name").value);
    });
    $("camera-toggle").addEventListener("click", () => this.toggleCamera());
    $("enrol-camera").addEventListener("click", () => this.toggleCamera());
    $("torch").addEventListener("click", async () => {
      state.torch = !state.torch;
      await this.camera.setTorch(state.torch);
      $("torch").setAttribute("aria-pressed", String(state.torch));
    });
    for (const button of this.root.querySelectorAll("[data-direction]")) {
      button.addEventListener("click", async () => {
        state.direction = button.dataset.direction;
        await this.ledger.set("direction", state.direction);
        this.show();
      });
    }
    $("typed-form").addEventListener("submit", async (e) => {
      e.preventDefault();
      const input = $("typed-text");
      const text = input.value.trim();
      input.value = ""; // an ID number is never kept on the page
      if (text) await this.onTyped(text, $("typed-type").value);
    });
    // A verdict stays until tapped (a needs-staff one is amber: staff come and tap it).
    $("verdict").addEventListener("click", () => $("verdict").setAttribute("hidden", ""));
    $("annul-last").addEventListener("click", (e) => {
      e.stopPropagation();
      this.annulLast();
    });
    window.addEventListener("online", () => this.syncSoon(0));
    window.addEventListener("offline", () => this.setOnline(false));
  }

  show() {
    const enrolled = Boolean(state.device) && !state.revoked;
    $("enrol").hidden = enrolled;
    $("scanner").hidden = !enrolled;
    $("revoked").hidden = !state.revoked;
    for (const button of this.root.querySelectorAll("[data-direction]")) {
      button.setAttribute("aria-pressed", String(button.dataset.direction === state.direction));
    }
    if (state.device) {
      $("device-info").textContent = `${state.device.venue} · ${state.device.gate} · #${state.device.device_id}`;
    }
    const net = $("net-status");
    net.textContent = both(state.online ? TEXT.online : TEXT.offline);
    net.dataset.online = String(state.online);
    $("torch").hidden = !this.camera.hasTorch();
    this.root.dataset.online = String(state.online);
    this.root.dataset.decoder = this.decoder.name;
  }

  async showCounts() {
    const manifest = await this.ledger.get("manifest");
    const queued = await this.ledger.queuedCount();
    $("queue-count").textContent = `${queued} ${both(TEXT.queued)}`;
    $("queue-count").dataset.count = String(queued);
    $("manifest-info").textContent = manifest
      ? `${both(TEXT.manifest)}: ${manifest.date} · ${new Date(manifest.pulled_at).toLocaleTimeString()}`
      : both(TEXT.noManifest);
  }

  setOnline(online) {
    if (state.online !== online) {
      state.online = online;
      this.show();
    }
    if (online === false) this.syncSoon(SYNC_INTERVAL_MS);
  }

  // --- enrolment -------------------------------------------------------------------------

  async enrol(code, name) {
    const message = $("enrol-error");
    message.hidden = true;
    code = (code || "").toUpperCase().replace(/[\s-]/g, "");
    if (!code || !(name || "").trim()) {
      message.textContent = both(TEXT.enrolBadInput);
      message.hidden = false;
      return;
    }
    try {
      const answer = await enroll(code, name.trim());
      await this.ledger.forget();
      state.device = { token: answer.token, device_id: answer.device_id, venue: answer.venue,
        gate: answer.gate, name: name.trim() };
      state.revoked = false;
      await this.ledger.set("device", state.device);
      this.stopCamera();
      this.show();
      this.syncSoon(0);
    } catch (err) {
      message.textContent = both(err instanceof Rejected ? TEXT.enrolFailed : TEXT.noNetwork);
      message.hidden = false;
    }
  }

  stopCamera() {
    this.camera.stop();
    this.root.dataset.camera = "off";
  }

  async toggleCamera() {
    if (this.camera.running) {
      this.stopCamera();
      return;
    }
    try {
      await this.camera.start();
      this.root.dataset.camera = "on";
      this.show();
    } catch (err) {
      $("camera-error").textContent = both(TEXT.cameraFailed);
      $("camera-error").hidden = false;
    }
  }

  // --- scanning --------------------------------------------------------------------------

  async onCode(text, grabbedAt) {
    if (!state.device || state.revoked) {
      const code = text.trim().toUpperCase();
      if (ENROL_CODE.test(code)) {
        $("enrol-code").value = code;
        $("enrol-status").textContent = both(TEXT.decodedEnrol);
        await this.enrol(code, $("enrol-name").value);
      }
      return;
    }
    const shown = await this.decide(text);
    requestAnimationFrame(() => state.timings.push({ ms: performance.now() - grabbedAt,
      decoder: this.decoder.name, mode: shown.mode, reason: shown.verdict.reason }));
  }

  /** Typed input: a confirmation code (recognised by its alphabet), a pass text or an ID
   * number. The field is already empty; the number is kept in no variable beyond this. */
  async onTyped(text, type) {
    const code = confirmationCode(text);
    if (code || type === "code") return this.checkCode(code);
    if (type === "pass") return this.decide(text);
    const awaiting = state.awaitingCard;
    state.awaitingCard = null;
    if (awaiting && Date.now() - awaiting.at <= CARD_AFTER_PASS_MS) {
      // The venue wants the ID card with this pass (id_required): decide the pass again.
      return this.decide(awaiting.text, { type, number: text });
    }
    const id = `hh-${crypto.randomUUID()}`;
    const moment = new Date();
    if (state.online) {
      try {
        const answer = await verify(state.device, { scan: { document: { type, number: text } },
          direction: state.direction, gate: state.device.gate, id });
        return this.display({ verdict: answer.verdict, mode: "online" });
      } catch (err) {
        if (err instanceof Rejected && err.status === 401) return this.revoke();
        if (err instanceof Rejected) return this.refused(err, "online");
        if (!(err instanceof Unreachable)) throw err;
        this.setOnline(false); // the same id offline: an upload after a lost answer is a duplicate
      }
    }
    const key = type === "cn_resident_id" ? residentIdKey(text) : null;
    if (!key) return this.refused(null, "offline", type === "cn_resident_id"
      ? TEXT.documentInvalid : TEXT.documentOffline);
    const manifest = await this.ledger.get("manifest");
    let index = "";
    try {
      if (manifest) index = await gateIndex(manifest.lookup_kdf, key);
    } catch (err) { // parameters this page does not know, or memory the phone cannot give
      return this.refused(null, "offline", TEXT.lookupFailed);
    }
    return this.display(await this.decideOffline(null, id, moment, { index }));
  }

  /** A typed confirmation code: online only (codes are not in the manifest). */
  async checkCode(code) {
    if (!code) return this.refused(null, state.online ? "online" : "offline", TEXT.codeInvalid);
    if (state.online) {
      try {
        const answer = await verify(state.device, { scan: { code }, direction: state.direction,
          gate: state.device.gate, id: `hh-${crypto.randomUUID()}` });
        return this.display({ verdict: answer.verdict, mode: "online" });
      } catch (err) {
        if (err instanceof Rejected && err.status === 401) return this.revoke();
        if (err instanceof Rejected) return this.refused(err, "online");
        if (!(err instanceof Unreachable)) throw err;
        this.setOnline(false);
      }
    }
    $("typed-type").value = "cn_resident_id"; // what the phone can check alone
    $("typed-text").focus();
    return this.refused(null, "offline", TEXT.codeOffline);
  }

  /** No verdict of the rules: ``unreadable`` with why (the service's refusal, or ``note``). */
  refused(err, mode, note) {
    const reason = err ? { zh: err.body?.error?.message?.zh || err.code,
      en: err.body?.error?.message?.en || err.code } : note;
    return this.display({ verdict: this.rules.verdictFor("unreadable", state.direction,
      { holder: { name: null, document: null } }), mode, note: reason });
  }

  /** Decide one pass text: the service when online, else the local rules. */
  async decide(text, card = null) {
    const id = `hh-${crypto.randomUUID()}`;
    const moment = new Date();
    if (state.online) {
      try {
        const answer = await verify(state.device, { scan: text, direction: state.direction,
          gate: state.device.gate, id, ...(card ? { document: card } : {}) });
        const claims = parseToken(text, this.rules.table.pass_format)?.claims;
        const verdict = { ...answer.verdict, kind: claims ? claims.kind : null };
        let passage = null;
        if (verdict.admit && claims && verdict.reason !== "not_inside") {
          // Remember the passage: a scan offline right after must know it happened.
          passage = await this.rememberPassage(claims, moment, null);
        }
        // The service's verdict names no direction: this phone's is the scan's.
        if (verdict.admit && state.direction === "in") {
          state.lastAdmission = { id: answer.event_id || id, at: Date.now(), passage };
        }
        return this.shown(text, this.display({ verdict, mode: "online" }));
      } catch (err) {
        if (err instanceof Rejected && err.status === 401) return this.revoke();
        // Unreachable: offline. Any other refusal (a text too long for the service, 429):
        // the phone's own rules still give the person at the gate a verdict.
        if (err instanceof Unreachable) this.setOnline(false);
      }
    }
    const key = card && card.type === "cn_resident_id" ? residentIdKey(card.number) : null;
    if (card && !key) return this.refused(null, "offline", TEXT.documentInvalid);
    return this.shown(text, this.display(await this.decideOffline(text, id, moment, { key })));
  }

  /** After ``id_required`` the next typed ID number goes with this pass. */
  shown(text, result) {
    state.awaitingCard = result.verdict.reason === "id_required" ? { text, at: Date.now() }
      : null;
    return result;
  }

  /** Remember an admitted passage on the phone; returns what it replaced, so an annul can
   * put it back: {serial, kind, day, before}. */
  async rememberPassage(claims, moment, extra) {
    const manifest = await this.ledger.get("manifest");
    const timezone = manifest?.policy.timezone || this.rules.table.policy_defaults.timezone;
    const { day } = localClock(moment, timezone);
    const local = await this.ledger.localPresence(claims.serial, day);
    const presence = after(local || EMPTY_PRESENCE, state.direction, state.device.gate,
      moment.getTime());
    await this.ledger.record({ serial: claims.serial, kind: claims.kind, day, presence,
      ...extra });
    return { serial: claims.serial, kind: claims.kind, day, before: local || null };
  }

  /** The local rules: a pass ``text`` (with ``card.key``, the ID card typed with it), or
   * an ID card alone by its look-up index (``card.index``). */
  async decideOffline(text, id, moment, card = {}) {
    const { ledger, rules } = this;
    const manifest = await ledger.get("manifest");
    const table = rules.table;
    if (manifest && state.keysFrom !== manifest.pulled_at) {
      state.keys = await importKeys(manifest.keys);
      state.keysFrom = manifest.pulled_at;
    }
    const checked = text === null ? {} : await verifyToken(text, state.keys, table.pass_format);
    const claims = checked.claims || null;
    const documentIndex = text === null ? card.index : null;
    const mp = manifest ? manifest.policy : {};
    // kind_opens / quota_kinds: absent from older manifests (the rules' defaults apply).
    const policy = { venue: state.device.venue, opens: mp.opens || "00:00",
      closes: mp.closes || "23:59:59.999", timezone: mp.timezone || table.policy_defaults.timezone,
      reentry_allowed: Boolean(mp.reentry_allowed), id_check_kinds: mp.id_check_kinds || [],
      kind_opens: mp.kind_opens || {},
      quota_kinds: mp.quota_kinds || table.policy_defaults.quota_kinds };
    const { day, time } = localClock(moment, policy.timezone);
    let item = null;
    if (manifest && claims) item = await ledger.appointment(claims.serial);
    else if (manifest && documentIndex) item = (await ledger.appointmentByIndex(documentIndex)) || null;
    const who = claims || (item ? { serial: item.serial, kind: item.kind } : null);
    const local = who ? await ledger.localPresence(who.serial, day) : null;
    const roomCapacity = manifest && manifest.zone ? manifest.zone.capacity : null;
    const limited = (mp.occupancy_limit !== null && mp.occupancy_limit !== undefined)
      || (roomCapacity !== null && roomCapacity !== undefined);
    const credits = limited ? await ledger.credits(day) : null;
    const scan = { direction: state.direction, gate: state.device.gate,
      scanned_at: moment.getTime(), claims, token_error: checked.token_error || null,
      document_index: documentIndex, presented_fingerprint: claims && card.key
        ? await documentFingerprint(claims.serial, card.key, table.pass_format.fingerprint_bytes)
        : null };
    const quotaKinds = policy.quota_kinds;
    const verdict = rules.decide(scan, {
      policy, day, local_time: time, record: manifest ? record(item, manifest) : null,
      revoked: false,
      presence: presenceOf(item, local),
      capacity: { quota: mp.quota ?? null,
        admitted_today: mp.quota != null ? await ledger.admittedToday(day, quotaKinds) : 0,
        occupancy_limit: null, inside_now: 0,
        entry_credits: credits ? credits.available : null },
      door: doorFacts(manifest, item, credits) });
    let credit = null; // the change to the credits, applied in the decision's transaction
    if (credits && verdict.admit && verdict.direction === "in") {
      credit = (c) => { c.available -= 1; c.pending.entries += 1; };
    } else if (credits && verdict.reason === "ok_exit") {
      credit = (c) => { c.pending.exits += 1; };
    }
    const event = { id, gate: state.device.gate, direction: verdict.direction,
      admit: verdict.admit, reason: verdict.reason, scanned_at: offsetIso(moment),
      offline: true };
    if (claims) event.pass_serial = claims.serial;
    else if (documentIndex) event.document_index = documentIndex;
    const admitted = verdict.admit && who && verdict.reason !== "not_inside";
    if (admitted) {
      await this.rememberPassage(who, moment, { event, credit });
    } else {
      await ledger.record({ day, event, credit });
    }
    this.showCounts();
    // The pass's own note from the manifest item, else its kind's (issue 13).
    const note = (item && item.attention)
      || (manifest && manifest.attention_kinds && verdict.kind
        ? manifest.attention_kinds[verdict.kind] : null);
    if (note && verdict.reason !== "unreadable") {
      verdict.attention = { zh: note.zh, en: note.en };
      verdict.needs_staff = Boolean(note.needs_staff);
      if (verdict.needs_staff && verdict.admit) verdict.colour = "amber";
    }
    return { verdict, mode: "offline" };
  }

  display({ verdict, mode, note }) {
    const panel = $("verdict");
    panel.dataset.colour = verdict.colour;
    panel.dataset.reason = verdict.reason;
    panel.dataset.mode = mode;
    const lang = primaryLang();
    const other = lang === "zh" ? "en" : "zh";
    $("verdict-primary").textContent = verdict.message[lang];
    $("verdict-secondary").textContent = verdict.message[other];
    $("verdict-reason").textContent = verdict.reason;
    const holder = verdict.holder || {};
    $("verdict-holder").textContent = [holder.name, holder.document].filter(Boolean).join(" · ")
      || "—";
    // The kind's zh/en name and colour from gate/kinds.py (the generated table).
    const kind = verdict.kind ? this.rules.table.kinds[verdict.kind] : null;
    const kindBox = $("verdict-kind");
    kindBox.textContent = kind ? both(kind.name) : "—";
    kindBox.dataset.kind = verdict.kind || "";
    kindBox.style.borderLeftColor = kind ? kind.colour : "transparent";
    const attention = [note || TEXT[`attention_${verdict.colour}`]];
    if (verdict.attention) attention.unshift(verdict.attention);
    if (verdict.needs_staff) attention.unshift(TEXT.staffNeeded);
    if (mode === "offline") attention.push(TEXT.attention_offline);
    panel.dataset.needsStaff = String(Boolean(verdict.needs_staff));
    const last = state.lastAdmission;
    $("annul-last").hidden = !(mode === "online" && verdict.admit && last
      && Date.now() - last.at <= ANNUL_WINDOW_MS);
    $("annul-status").textContent = "";
    $("verdict-attention").textContent = attention.map(both).join(" · ");
    panel.hidden = false;
    return { verdict, mode };
  }

  /** The "annul last admission" button: the service undoes it within 30 s. */
  async annulLast() {
    const last = state.lastAdmission;
    let text = TEXT.annulUnknown;
    if (last) {
      try {
        await annul(state.device, last.id);
        state.lastAdmission = null;
        text = TEXT.annulled;
        if (last.passage) {
          // The service undid the passage; so does the phone, or it would refuse the
          // person as already inside when it decides offline.
          const { serial, kind, day, before } = last.passage;
          await this.ledger.record({ serial, kind, day, presence: before || EMPTY_PRESENCE });
        }
      } catch (err) {
        if (err instanceof Unreachable) text = TEXT.annulOffline;
        else if (err instanceof Rejected && err.code === "annul_too_late") text = TEXT.annulTooLate;
      }
    }
    $("annul-last").hidden = true;
    $("annul-status").textContent = both(text);
    $("annul-status").dataset.done = String(text === TEXT.annulled);
  }

  async revoke() {
    state.revoked = true;
    this.stopCamera();
    this.show();
    return { verdict: this.rules.verdictFor("unknown_key", state.direction, {}), mode: "revoked" };
  }

  // --- sync --------------------------------------------------------------------------------

  syncSoon(delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.sync(), delay);
  }

  async sync() {
    if (!state.device || state.revoked) return;
    if (!state.syncing) {
      state.syncing = (async () => {
        try {
          await new Synchronizer(this.ledger, state.device).round();
          this.setOnline(true);
        } catch (err) {
          if (err instanceof Rejected && err.status === 401) await this.revoke();
          else this.setOnline(false);
        } finally {
          state.syncing = null;
          this.showCounts();
        }
      })();
    }
    await state.syncing;
    this.syncSoon(SYNC_INTERVAL_MS);
  }
}

async function main() {
  const root = $("scan-app");
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.worker, { scope: root.dataset.scope })
      .catch((err) => console.error("service worker", err));
  }
  const table = await (await fetch(root.dataset.rules)).json();
  const rules = makeRules(table);
  const [ledger, decoder] = await Promise.all([openLedger(), makeDecoder(root.dataset.wasm)]);
  const app = new App(root, rules, ledger, decoder);
  window.fairgateScan = { rules, ledger, state, app, timings: state.timings,
    sync: () => app.sync(), decide: (text) => app.decide(text),
    lookup: { gateIndex, documentFingerprint, residentIdKey, confirmationCode },
    token: { parseToken: (text) => parseToken(text, table.pass_format)?.claims || null } };
  await app.start();
  root.dataset.ready = "true";
}

main();
