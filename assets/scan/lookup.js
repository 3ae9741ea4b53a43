// Typed input at the gate: what kind of text it is, and an ID number's venue-day look-up
// index (gate/lookup.py's gate_lookup_index, Argon2id with the manifest's lookup_kdf), so
// a card is found in the offline manifest by the same index as on the kiosk.
import { argon2id } from "hash-wasm";

// registration/services/booking.py CODE_ALPHABET x 8: no 0/O, 1/I. Never in the manifest.
const CONFIRMATION_CODE = /^[A-HJ-NP-Z2-9]{8}$/;
const INDEX_CONTEXT = "fairgate/gate-index/v2\u0000"; // gate/lookup.py INDEX_CONTEXT
const MOD11_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const MOD11_CHARS = "10X98765432";
// gate/documents.py normalize_number: NFKC, no white space or dashes, upper case.
const STRIPPED = /[\s\u002d\u2010-\u2015\u2212\ufe63\uff0d]+/gu;

/** The code as a confirmation code (upper case, spaces dropped), or null. */
export function confirmationCode(text) {
  const code = String(text || "").replace(/ /g, "").toUpperCase();
  return CONFIRMATION_CODE.test(code) ? code : null;
}

export function normalizeNumber(text) {
  return String(text || "").normalize("NFKC").replace(STRIPPED, "").toUpperCase();
}

/** A mainland resident ID number's canonical key (gate.documents Document.key), or null
 * when it is not one: 18 characters with its check character (15-digit cards are widened
 * as the service does). */
export function residentIdKey(text) {
  let number = normalizeNumber(text);
  if (/^\d{15}$/.test(number)) {
    number = `${number.slice(0, 6)}19${number.slice(6)}`;
    number += checkChar(number);
  }
  if (!/^[1-6]\d{16}[\dX]$/.test(number) || checkChar(number.slice(0, 17)) !== number[17]) {
    return null;
  }
  return `cn_resident_id::${number}`;
}

function checkChar(body) {
  let total = 0;
  for (let i = 0; i < 17; i += 1) total += Number(body[i]) * MOD11_WEIGHTS[i];
  return MOD11_CHARS[total % 11];
}

function fromBase64url(text) {
  const plain = text.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(plain + "=".repeat((4 - (plain.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

/** The document's look-up index for the manifest's venue-day (hex), as gate/lookup.py. */
export async function gateIndex(kdf, documentKey) {
  if (!kdf || kdf.algorithm !== "argon2id" || kdf.version !== 19) {
    throw new Error("unknown look-up index parameters");
  }
  return argon2id({
    password: new TextEncoder().encode(INDEX_CONTEXT + documentKey),
    salt: fromBase64url(kdf.salt), parallelism: kdf.parallelism, iterations: kdf.time_cost,
    memorySize: kdf.memory_kib, hashLength: kdf.length, outputType: "hex",
  });
}

const FINGERPRINT_CONTEXT = "fairgate/fp/v1\u0000"; // gate/passes.py FINGERPRINT_CONTEXT

/** gate.passes.document_fingerprint(serial, documentKey) in hex: the card shown with a
 * pass, compared by the rules with the fingerprint the pass carries. */
export async function documentFingerprint(serial, documentKey, bytes) {
  const material = new TextEncoder().encode(`${FINGERPRINT_CONTEXT}${serial}\u0000${documentKey}`);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", material));
  return Array.from(digest.slice(0, bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}
