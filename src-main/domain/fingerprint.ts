/**
 * Payment fingerprints: what makes two entries "the same money" (issue #11, finding 5). Pure: the service
 * stores the fingerprint on every batch entry (indexed), so a duplicate across batches, files and hand-over
 * loads is one index lookup.
 */

/** The fields of an entry that identify a payment. */
export type FingerprintInput = {
  accountNo: string | null;
  billNo: string | null;
  /** Check number (check batches) or, when there is none, the payer's reference (wires, orders). */
  checkNo: string | null;
  reference: string | null;
  amountMinor: number | null;
  currency: string;
  paymentDate: string | null;
  lockboxNo: string | null;
};

/**
 * Normalises one identifier: surrounding and inner white space dropped, case folded, and leading zeros of an
 * all-digit value stripped ("000123" is check 123; "A0000042" keeps its zeros, they are part of the number).
 */
export function normaliseIdentifier(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const compact = value.replace(/\s+/g, '').toUpperCase();
  return /^\d+$/.test(compact) ? compact.replace(/^0+(?=\d)/, '') : compact;
}

/**
 * The canonical text of a payment, or null when the entry cannot be a payment yet (no positive amount, or
 * neither account nor bill number). The payer is the account number, else the bill number (tagged, so an
 * account and a bill with the same text differ); the document number is the check number, else the reference.
 */
export function canonicalPayment(e: FingerprintInput): string | null {
  if (e.amountMinor === null || !Number.isSafeInteger(e.amountMinor) || e.amountMinor <= 0) return null;
  const account = normaliseIdentifier(e.accountNo);
  const bill = normaliseIdentifier(e.billNo);
  if (!account && !bill) return null;
  const payer = account ? `A:${account}` : `B:${bill}`;
  const document = normaliseIdentifier(e.checkNo) || normaliseIdentifier(e.reference);
  const date = (e.paymentDate ?? '').trim();
  // JSON of a fixed-order array: no separator inside a field can make two different payments read alike.
  return JSON.stringify([
    payer,
    document,
    e.amountMinor,
    e.currency.trim().toUpperCase(),
    date,
    normaliseIdentifier(e.lockboxNo),
  ]);
}

/** The fingerprint of a payment (32 hex digits), or null when it has none (see canonicalPayment). */
export function paymentFingerprint(e: FingerprintInput): string | null {
  const canonical = canonicalPayment(e);
  return canonical === null ? null : murmur3Hex(utf8(canonical));
}

const encoder = new TextEncoder();
const ascii = new Uint8Array(512);

/** UTF-8 bytes of the text; plain ASCII (nearly every payment) is copied into a reused buffer, not allocated. */
function utf8(text: string): Uint8Array {
  if (text.length > ascii.length) return encoder.encode(text);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return encoder.encode(text);
    ascii[i] = c;
  }
  return ascii.subarray(0, text.length);
}

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex = (h: number): string =>
  (HEX[h >>> 24] as string) +
  (HEX[(h >>> 16) & 0xff] as string) +
  (HEX[(h >>> 8) & 0xff] as string) +
  (HEX[h & 0xff] as string);

/**
 * MurmurHash3 x86 128-bit (seed 0) as 32 hex digits. A fingerprint needs a well-spread, stable hash rather than
 * a secret one: a collision can only make two different payments look alike (a false suspicion a supervisor
 * releases), never hide a real duplicate, and the domain stays free of node:crypto.
 */
export function murmur3Hex(bytes: Uint8Array): string {
  const [h1, h2, h3, h4] = murmur3x86x128(bytes, 0);
  return hex(h1) + hex(h2) + hex(h3) + hex(h4);
}

/** MurmurHash3_x86_128 (Austin Appleby's SMHasher reference) as its four 32-bit words h1..h4. */
export function murmur3x86x128(bytes: Uint8Array, seed: number): [number, number, number, number] {
  const c1 = 0x239b961b;
  const c2 = 0xab0e9789;
  const c3 = 0x38b34ae5;
  const c4 = 0xa1e38b93;
  let h1 = seed | 0;
  let h2 = seed | 0;
  let h3 = seed | 0;
  let h4 = seed | 0;
  const len = bytes.length;
  const blocks = len - (len % 16);
  // Block reads stay inside the array (i + 3 < blocks), so the bytes are numbers.
  const word = (i: number): number =>
    (bytes[i] as number) |
    ((bytes[i + 1] as number) << 8) |
    ((bytes[i + 2] as number) << 16) |
    ((bytes[i + 3] as number) << 24);
  for (let i = 0; i < blocks; i += 16) {
    let k1 = word(i);
    let k2 = word(i + 4);
    let k3 = word(i + 8);
    let k4 = word(i + 12);
    k1 = Math.imul(rotl(Math.imul(k1, c1), 15), c2);
    h1 ^= k1;
    h1 = (rotl(h1, 19) + h2) | 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, c2), 16), c3);
    h2 ^= k2;
    h2 = (rotl(h2, 17) + h3) | 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, c3), 17), c4);
    h3 ^= k3;
    h3 = (rotl(h3, 15) + h4) | 0;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, c4), 18), c1);
    h4 ^= k4;
    h4 = (rotl(h4, 13) + h1) | 0;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }
  // The last 1..15 bytes, little-endian into four words; each word is mixed only if a byte reached it.
  const rem = len & 15;
  const k = [0, 0, 0, 0];
  for (let j = 0; j < rem; j++)
    k[j >> 2] = (k[j >> 2] as number) ^ (((bytes[blocks + j] as number) & 0xff) << ((j & 3) * 8));
  const [t1, t2, t3, t4] = k as [number, number, number, number];
  if (rem > 12) h4 ^= Math.imul(rotl(Math.imul(t4, c4), 18), c1);
  if (rem > 8) h3 ^= Math.imul(rotl(Math.imul(t3, c3), 17), c4);
  if (rem > 4) h2 ^= Math.imul(rotl(Math.imul(t2, c2), 16), c3);
  if (rem > 0) h1 ^= Math.imul(rotl(Math.imul(t1, c1), 15), c2);
  h1 ^= len;
  h2 ^= len;
  h3 ^= len;
  h4 ^= len;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
