import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  normalisedSha256Hex,
  normaliseFileBytes,
  sha256Hex,
} from '../../../src-main/importers/bank-file/hash';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
/** Lines of a bank file: printable text without line breaks, not ending in white space. */
const line = fc.stringMatching(/^[ -~]{0,20}[!-~]$/);

describe('bank file hash', () => {
  it('reads CRLF, CR and LF alike, and ignores a BOM and blank lines or spaces at the end', () => {
    fc.assert(
      fc.property(
        fc.array(line, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.stringMatching(/^[ \t\r\n]{0,6}$/),
        fc.boolean(),
        (lines, eol, tail, bom) => {
          const plain = lines.join('\n');
          const copy = (bom ? '\uFEFF' : '') + lines.join(eol) + tail;
          expect(normalisedSha256Hex(bytes(copy))).toBe(normalisedSha256Hex(bytes(plain)));
          expect(new TextDecoder().decode(normaliseFileBytes(bytes(copy)))).toBe(plain);
        },
      ),
    );
  });

  it('a changed line is another file', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), fc.nat(), line, (lines, at, other) => {
        const i = at % lines.length;
        fc.pre(lines[i] !== other);
        const changed = lines.map((l, j) => (j === i ? other : l));
        expect(normalisedSha256Hex(bytes(changed.join('\n')))).not.toBe(
          normalisedSha256Hex(bytes(lines.join('\n'))),
        );
      }),
    );
  });

  it('keeps blank lines and white space inside the file', () => {
    expect(normalisedSha256Hex(bytes('a\n\nb'))).not.toBe(normalisedSha256Hex(bytes('a\nb')));
    expect(normalisedSha256Hex(bytes('a \nb'))).not.toBe(normalisedSha256Hex(bytes('a\nb')));
    expect(sha256Hex(normaliseFileBytes(bytes('x\r\n')))).toBe(sha256Hex(bytes('x')));
  });
});
