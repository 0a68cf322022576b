import { createHash } from 'node:crypto';

/** SHA-256 of file bytes as lowercase hex: the key that tells an already-imported file. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const CR = 0x0d;
const LF = 0x0a;
const isBlank = (b: number | undefined): boolean => b === 0x20 || b === 0x09 || b === CR || b === LF;

/**
 * The bytes of a text file as they identify it: a UTF-8 byte-order mark dropped, CRLF and lone CR read as LF,
 * and blank lines and white space at the end ignored. A copy saved by another editor or mail client is the
 * same file. Byte-wise, so it holds for every ASCII-compatible encoding (UTF-8, Windows-1252); UTF-16 and EBCDIC
 * files are hashed as they are.
 */
export function normaliseFileBytes(bytes: Uint8Array): Uint8Array {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let end = bytes.length;
  while (end > start && isBlank(bytes[end - 1])) end--;
  const out = new Uint8Array(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b === CR) {
      out[n++] = LF;
      if (bytes[i + 1] === LF) i++;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

/** SHA-256 of the normalised bytes (normaliseFileBytes): the key that tells an already-imported file. */
export function normalisedSha256Hex(bytes: Uint8Array): string {
  return sha256Hex(normaliseFileBytes(bytes));
}
