// Pass tokens (docs/pass-format.md): parse the QR text and verify its Ed25519 signature with
// WebCrypto, as gate.passes.verify_token does. The format's constants come from the
// generated table (pass_format); the answer is {claims} or {token_error: reason}.
import { base32nopad as base32 } from "@scure/base";

const VENUE_RE = /^(?:[A-Z0-9]+|\*)$/; // "*" (fmt.all_venues): every venue of the fair

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function isoDay(epochIso, offset) {
  return new Date(Date.parse(`${epochIso}T00:00:00Z`) + offset * 86400000)
    .toISOString().slice(0, 10);
}

function decodeCanonical(body) {
  // base32 with the padding put back; the one canonical spelling only (as the service).
  let raw;
  try {
    raw = base32.decode(body);
  } catch (err) {
    return null;
  }
  return base32.encode(raw) === body ? raw : null;
}

/** (claims, signed payload, signature) of a token text, or null when it is unreadable. */
export function parseToken(text, fmt) {
  if (typeof text !== "string") return null;
  let t = text.trim();
  if (!/^[\x00-\x7f]*$/.test(t)) return null;
  t = t.toUpperCase();
  if (!t.startsWith(fmt.prefix) || t.length > fmt.max_token_length) return null;
  const raw = decodeCanonical(t.slice(fmt.prefix.length));
  if (raw === null || raw.length < fmt.fixed_payload_bytes + 1 + fmt.signature_bytes) return null;
  if (raw[0] !== fmt.version) return null;
  const venueStart = 1 + fmt.key_id_bytes + fmt.serial_bytes + 1;
  const venueLength = raw[venueStart - 1];
  if (venueLength < 1 || venueLength > fmt.max_venue_length) return null;
  const payloadLength = fmt.fixed_payload_bytes + venueLength;
  if (raw.length !== payloadLength + fmt.signature_bytes) return null;
  const payload = raw.slice(0, payloadLength);
  const offset = venueStart + venueLength;
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const dayOffset = view.getUint16(offset);
  const dayCount = payload[offset + 2];
  const kind = Object.keys(fmt.kind_codes).find((k) => fmt.kind_codes[k] === payload[offset + 3]);
  const venue = String.fromCharCode(...payload.slice(venueStart, offset));
  if (!kind || dayCount < 1 || !VENUE_RE.test(venue)) return null;
  // A one-venue-day kind always names its venue (gate.passes.SINGLE_VENUE_KINDS).
  if (venue === fmt.all_venues && fmt.single_venue_kinds.includes(kind)) return null;
  const claims = {
    serial: base32.encode(payload.slice(1 + fmt.key_id_bytes, venueStart - 1)),
    venue,
    first_day: isoDay(fmt.day_epoch, dayOffset),
    day_count: dayCount,
    kind,
    fingerprint: hex(payload.slice(offset + 4)),
    key_id: hex(payload.slice(1, 1 + fmt.key_id_bytes)),
  };
  return { claims, payload, signature: raw.slice(payloadLength) };
}

/** key id -> CryptoKey for the manifest's published keys whose id matches the key. */
export async function importKeys(keys) {
  const imported = new Map();
  for (const key of keys || []) {
    let raw;
    try {
      raw = b64urlDecode(key.public_key);
    } catch (err) {
      continue;
    }
    if (raw.length !== 32) continue;
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
    if (hex(digest.slice(0, 2)) !== key.key_id) continue; // as the kiosk: ignore a mismatch
    imported.set(key.key_id, await crypto.subtle.importKey(
      "raw", raw, { name: "Ed25519" }, false, ["verify"]));
  }
  return imported;
}

function b64urlDecode(b64url) {
  // Public keys are unpadded base64url of the raw 32 bytes.
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
  const bin = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

/** {claims} of a genuine pass, else {token_error: "unreadable"|"unknown_key"|"bad_signature"}. */
export async function verifyToken(text, keys, fmt) {
  const parsed = parseToken(text, fmt);
  if (parsed === null) return { token_error: "unreadable" };
  const key = keys.get(parsed.claims.key_id);
  if (!key) return { token_error: "unknown_key", claims_unverified: parsed.claims };
  const context = new TextEncoder().encode(fmt.signing_context);
  const signed = new Uint8Array(context.length + parsed.payload.length);
  signed.set(context);
  signed.set(parsed.payload, context.length);
  const genuine = await crypto.subtle.verify({ name: "Ed25519" }, key, parsed.signature, signed);
  return genuine ? { claims: parsed.claims } : { token_error: "bad_signature" };
}
