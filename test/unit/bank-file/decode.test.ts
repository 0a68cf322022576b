import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeBytes, firstInvalidUtf8, sniffBom } from '../../../src-main/importers/bank-file/decode';
import { decodeEbcdic037, encodeEbcdic037 } from '../../../src-main/importers/bank-file/ebcdic-037';

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytes = (...b: number[]) => Uint8Array.from(b);

function text(result: ReturnType<typeof decodeBytes>): string {
  if (!result.ok) throw new Error(result.problem.reason);
  return result.text;
}

function reason(result: ReturnType<typeof decodeBytes>): string {
  if (result.ok) throw new Error('expected a decode problem');
  return result.problem.reason;
}

describe('decodeBytes', () => {
  it('reads UTF-8 with and without a BOM', () => {
    expect(text(decodeBytes(utf8('a,é'), 'utf-8'))).toBe('a,é');
    const withBom = decodeBytes(Uint8Array.from([0xef, 0xbb, 0xbf, ...utf8('a,é')]), 'utf-8');
    expect(text(withBom)).toBe('a,é');
    expect(withBom.ok && withBom.bom).toBe(true);
  });

  it('reports the byte offset and line of invalid UTF-8', () => {
    const r = decodeBytes(Uint8Array.from([...utf8('ok\nab'), 0xe9, 0x41]), 'utf-8');
    expect(reason(r)).toContain('not valid UTF-8 at byte 5');
    expect(!r.ok && r.problem.line).toBe(2);
  });

  it('finds overlongs, surrogates and truncated sequences', () => {
    expect(firstInvalidUtf8(bytes(0x41, 0xc0, 0x80))).toBe(1);
    expect(firstInvalidUtf8(bytes(0xed, 0xa0, 0x80))).toBe(0);
    expect(firstInvalidUtf8(bytes(0x41, 0x42, 0xe2, 0x82))).toBe(2);
    expect(firstInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).toBe(0);
    expect(firstInvalidUtf8(utf8('€ 𝄞 ü'))).toBe(-1);
  });

  it('reads UTF-16LE and UTF-16BE with a BOM, by declaration and by sniffing', () => {
    const le = Uint8Array.from([0xff, 0xfe, ...iconv.encode('Zoë,€\n', 'utf-16le')]);
    const be = Uint8Array.from([0xfe, 0xff, ...iconv.encode('Zoë,€\n', 'utf-16be')]);
    expect(text(decodeBytes(le, 'utf-16le'))).toBe('Zoë,€\n');
    expect(text(decodeBytes(le, 'auto'))).toBe('Zoë,€\n');
    expect(text(decodeBytes(be, 'utf-16be'))).toBe('Zoë,€\n');
    expect(text(decodeBytes(be, 'auto'))).toBe('Zoë,€\n');
    expect(sniffBom(le)).toBe('utf-16le');
  });

  it('refuses a BOM that contradicts the declared encoding', () => {
    const le = Uint8Array.from([0xff, 0xfe, ...iconv.encode('a', 'utf-16le')]);
    expect(reason(decodeBytes(le, 'utf-8'))).toMatch(/UTF-16LE byte-order mark.*utf-8/);
    expect(reason(decodeBytes(le, 'utf-16be'))).toMatch(/utf-16le.*utf-16be/);
    expect(reason(decodeBytes(Uint8Array.from([0xef, 0xbb, 0xbf, 0x41]), 'windows-1252'))).toMatch(/UTF-8/);
  });

  it('rejects odd-length UTF-16 and unpaired surrogates', () => {
    expect(reason(decodeBytes(bytes(0x41, 0x00, 0x42), 'utf-16le'))).toContain('odd number of bytes');
    expect(reason(decodeBytes(bytes(0x41, 0x00, 0x00, 0xd8, 0x41, 0x00), 'utf-16le'))).toContain(
      'unpaired surrogate',
    );
  });

  it('reads windows-1252 through iconv-lite, € and é included', () => {
    const raw = iconv.encode('Café,€12,“quoted”', 'win1252');
    expect(raw.includes(0x80)).toBe(true);
    expect(text(decodeBytes(raw, 'windows-1252'))).toBe('Café,€12,“quoted”');
  });

  it('rejects bytes windows-1252 leaves undefined', () => {
    expect(reason(decodeBytes(bytes(0x41, 0x81), 'windows-1252'))).toBe(
      'not valid windows-1252 at byte 1 (0x81 is undefined)',
    );
  });

  it('auto: no BOM and not UTF-8 is a clear error', () => {
    const raw = iconv.encode('Café', 'win1252');
    expect(reason(decodeBytes(raw, 'auto'))).toMatch(
      /not valid UTF-8 at byte 3 .*no byte-order mark.*encoding/,
    );
    expect(text(decodeBytes(utf8('plain'), 'auto'))).toBe('plain');
  });

  it('round-trips EBCDIC (IBM037), NL becoming a line feed', () => {
    const original = 'LOCKBOX 0022222,$1,234.56\nJosé Müller {ref} [x] |!¢¬\n';
    const encoded = encodeEbcdic037(original);
    expect(encoded[0]).toBe(0xd3); // 'L' in IBM037
    expect(encoded.includes(0x15)).toBe(true);
    expect(text(decodeBytes(encoded, 'ebcdic'))).toBe(original);
    expect(decodeEbcdic037(bytes(0xc1, 0xf1, 0x4b, 0x25))).toBe('A1.\n');
  });
});
