import iconv from 'iconv-lite';
import { decodeEbcdic037 } from './ebcdic-037';
import type { FileProblem } from './types';

/** Encodings a bank-file template may declare. */
export const ENCODINGS = ['auto', 'utf-8', 'utf-16le', 'utf-16be', 'windows-1252', 'ebcdic'] as const;
/** One of ENCODINGS. */
export type Encoding = (typeof ENCODINGS)[number];
/** The encoding a file was actually read with. */
export type ResolvedEncoding = Exclude<Encoding, 'auto'>;

/** The outcome of decoding: text, or one file-level problem. */
export type DecodeResult =
  { ok: true; text: string; encoding: ResolvedEncoding; bom: boolean } | { ok: false; problem: FileProblem };

type Bom = 'utf-8' | 'utf-16le' | 'utf-16be';

// Bytes windows-1252 leaves undefined; iconv-lite turns them into U+FFFD silently.
const UNDEFINED_1252 = new Uint8Array(256);
for (const b of [0x81, 0x8d, 0x8f, 0x90, 0x9d]) UNDEFINED_1252[b] = 1;

/** Names the byte-order mark the bytes start with, if any. */
export function sniffBom(bytes: Uint8Array): Bom | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

/**
 * Offset of the first byte that does not belong to a well-formed UTF-8 sequence, or -1 when all are valid.
 * Follows the WHATWG/Unicode rules: no overlongs, no surrogates, nothing above U+10FFFF.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined) return i;
      const min = k === 1 ? lo : 0x80;
      const max = k === 1 ? hi : 0xbf;
      if (c < min || c > max) return i;
    }
    i += need + 1;
  }
  return -1;
}

/** 1-based line of a byte offset, counting LF bytes (exact for ASCII-compatible encodings). */
function lineOfByte(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < bytes.length; i++) if (bytes[i] === 0x0a) line++;
  return line;
}

function hex(b: number | undefined): string {
  return '0x' + (b ?? 0).toString(16).toUpperCase().padStart(2, '0');
}

function fail(line: number, reason: string): DecodeResult {
  return { ok: false, problem: { line, reason } };
}

const ENCODING_HINT = "set the template's encoding (windows-1252, utf-16le, utf-16be or ebcdic)";

function decodeUtf8(bytes: Uint8Array, hadBom: boolean, hint: string): DecodeResult {
  const body = hadBom ? bytes.subarray(3) : bytes;
  const bad = firstInvalidUtf8(body);
  if (bad >= 0) {
    const at = bad + (hadBom ? 3 : 0);
    return fail(
      lineOfByte(bytes, at),
      `not valid UTF-8 at byte ${at} (${hex(bytes[at])})${hint}; ${ENCODING_HINT}`,
    );
  }
  return {
    ok: true,
    text: new TextDecoder('utf-8', { ignoreBOM: true }).decode(body),
    encoding: 'utf-8',
    bom: hadBom,
  };
}

function decodeUtf16(bytes: Uint8Array, order: 'utf-16le' | 'utf-16be', hadBom: boolean): DecodeResult {
  const name = order === 'utf-16le' ? 'UTF-16LE' : 'UTF-16BE';
  const body = hadBom ? bytes.subarray(2) : bytes;
  if (body.length % 2 !== 0) {
    return fail(0, `not valid ${name}: the file has an odd number of bytes (${bytes.length})`);
  }
  // Work on little-endian code units; big-endian input is byte-swapped first (no ICU dependency).
  let le = body;
  if (order === 'utf-16be') {
    le = new Uint8Array(body.length);
    for (let i = 0; i < body.length; i += 2) {
      le[i] = body[i + 1] ?? 0;
      le[i + 1] = body[i] ?? 0;
    }
  }
  let line = 1;
  for (let i = 0; i < le.length; i += 2) {
    const unit = (le[i] ?? 0) | ((le[i + 1] ?? 0) << 8);
    if (unit === 0x0a) line++;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = (le[i + 2] ?? 0) | ((le[i + 3] ?? 0) << 8);
      if (i + 2 >= le.length || next < 0xdc00 || next > 0xdfff) {
        return fail(line, `not valid ${name} at byte ${i + (hadBom ? 2 : 0)} (unpaired surrogate)`);
      }
      i += 2;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) {
      return fail(line, `not valid ${name} at byte ${i + (hadBom ? 2 : 0)} (unpaired surrogate)`);
    }
  }
  return {
    ok: true,
    text: new TextDecoder('utf-16le', { ignoreBOM: true }).decode(le),
    encoding: order,
    bom: hadBom,
  };
}

function decodeWindows1252(bytes: Uint8Array): DecodeResult {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (UNDEFINED_1252[b] === 1) {
      return fail(lineOfByte(bytes, i), `not valid windows-1252 at byte ${i} (${hex(b)} is undefined)`);
    }
  }
  // Node 20's TextDecoder('windows-1252') maps 0x80-0x9F to C1 controls (nodejs/node#60888); iconv-lite is right.
  return {
    ok: true,
    text: iconv.decode(Buffer.from(bytes), 'win1252'),
    encoding: 'windows-1252',
    bom: false,
  };
}

/** Decodes file bytes into text for a declared encoding; a wrong or unreadable encoding is one file-level problem. */
export function decodeBytes(bytes: Uint8Array, encoding: Encoding): DecodeResult {
  const bom = sniffBom(bytes);
  switch (encoding) {
    case 'auto':
      if (bom === 'utf-8') return decodeUtf8(bytes, true, '');
      if (bom === 'utf-16le' || bom === 'utf-16be') return decodeUtf16(bytes, bom, true);
      return decodeUtf8(bytes, false, ' and has no byte-order mark');
    case 'utf-8':
      if (bom === 'utf-16le' || bom === 'utf-16be') {
        return fail(
          0,
          `the file starts with a ${bom.toUpperCase()} byte-order mark but the template says utf-8`,
        );
      }
      return decodeUtf8(bytes, bom === 'utf-8', '');
    case 'utf-16le':
    case 'utf-16be':
      if (bom === 'utf-8')
        return fail(0, `the file starts with a UTF-8 byte-order mark but the template says ${encoding}`);
      if (bom && bom !== encoding) {
        return fail(0, `the file's byte-order mark says ${bom} but the template says ${encoding}`);
      }
      return decodeUtf16(bytes, encoding, bom === encoding);
    case 'windows-1252':
      if (bom)
        return fail(
          0,
          `the file starts with a ${bom.toUpperCase()} byte-order mark but the template says windows-1252`,
        );
      return decodeWindows1252(bytes);
    case 'ebcdic':
      if (bom)
        return fail(
          0,
          `the file starts with a ${bom.toUpperCase()} byte-order mark but the template says ebcdic`,
        );
      return { ok: true, text: decodeEbcdic037(bytes), encoding: 'ebcdic', bom: false };
  }
}
