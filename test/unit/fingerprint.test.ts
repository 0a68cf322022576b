import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonicalPayment,
  murmur3x86x128,
  normaliseIdentifier,
  paymentFingerprint,
  type FingerprintInput,
} from '../../src-main/domain/fingerprint';

/** SMHasher's verification value of MurmurHash3_x86_128: hashes of 0..255-byte keys, hashed again. */
function smhasherVerification(): number {
  const all = new Uint8Array(256 * 16);
  const view = new DataView(all.buffer);
  for (let i = 0; i < 256; i++) {
    const key = Uint8Array.from({ length: i }, (_, j) => j);
    murmur3x86x128(key, 256 - i).forEach((w, k) => view.setUint32(i * 16 + k * 4, w, true));
  }
  return murmur3x86x128(all, 0)[0];
}

const identifier = fc.stringMatching(/^[A-Za-z0-9]{1,12}$/);
const payment: fc.Arbitrary<FingerprintInput> = fc.record({
  accountNo: fc.option(identifier, { nil: null }),
  billNo: fc.option(identifier, { nil: null }),
  checkNo: fc.option(fc.stringMatching(/^[0-9]{1,8}$/), { nil: null }),
  reference: fc.option(identifier, { nil: null }),
  amountMinor: fc.option(fc.integer({ min: -5, max: Number.MAX_SAFE_INTEGER }), { nil: null }),
  currency: fc.constantFrom('USD', 'EUR', 'JPY'),
  paymentDate: fc.option(
    fc
      .date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
    { nil: null },
  ),
  lockboxNo: fc.option(fc.stringMatching(/^[0-9]{1,6}$/), { nil: null }),
});
/** The same payment as another file or clerk might write it: padded, lower case, leading zeros. */
const restyle = (v: string | null, style: number): string | null => {
  if (v === null) return null;
  const cased = style & 1 ? v.toLowerCase() : v.toUpperCase();
  const padded = style & 2 && /^\d+$/.test(cased) ? `00${cased}` : cased;
  return style & 4 ? `  ${padded} ` : padded;
};

describe('payment fingerprints', () => {
  it('the hash is MurmurHash3_x86_128 (SMHasher verification value)', () => {
    expect(smhasherVerification()).toBe(0xb3ece62a);
    expect(murmur3x86x128(new Uint8Array(0), 0)).toEqual([0, 0, 0, 0]);
  });

  it('normalises identifiers: white space, case, leading zeros of numbers only', () => {
    expect(normaliseIdentifier(' 000123 ')).toBe('123');
    expect(normaliseIdentifier('000')).toBe('0');
    expect(normaliseIdentifier('a0000042')).toBe('A0000042');
    expect(normaliseIdentifier('ab 12')).toBe('AB12');
    expect(normaliseIdentifier(null)).toBe('');
  });

  it('is stable: the same payment always has the same 32-hex-digit fingerprint', () => {
    fc.assert(
      fc.property(payment, (p) => {
        const f = paymentFingerprint(p);
        expect(paymentFingerprint({ ...p })).toBe(f);
        if (f !== null) expect(f).toMatch(/^[0-9a-f]{32}$/);
      }),
    );
  });

  it('has none without a positive amount or without an account and a bill number', () => {
    fc.assert(
      fc.property(payment, (p) => {
        const payable = p.amountMinor !== null && p.amountMinor > 0 && Boolean(p.accountNo || p.billNo);
        expect(paymentFingerprint(p) !== null).toBe(payable);
      }),
    );
  });

  it('ignores how an identifier is written (case, padding, leading zeros of numbers)', () => {
    fc.assert(
      fc.property(payment, fc.integer({ min: 0, max: 7 }), (p, style) => {
        const copy: FingerprintInput = {
          ...p,
          accountNo: restyle(p.accountNo, style),
          billNo: restyle(p.billNo, style),
          checkNo: restyle(p.checkNo, style),
          reference: restyle(p.reference, style),
          lockboxNo: restyle(p.lockboxNo, style),
          currency: style & 1 ? p.currency.toLowerCase() : p.currency,
        };
        expect(paymentFingerprint(copy)).toBe(paymentFingerprint(p));
      }),
    );
  });

  it('differs when any part of the payment differs (amount, date, document, payer, lockbox, currency)', () => {
    const base = payment.filter((p) => paymentFingerprint(p) !== null);
    fc.assert(
      fc.property(base, fc.integer({ min: 0, max: 5 }), (p, field) => {
        const changed: FingerprintInput = { ...p };
        if (field === 0)
          changed.amountMinor = (p.amountMinor as number) === 1 ? 2 : (p.amountMinor as number) - 1;
        if (field === 1) changed.paymentDate = p.paymentDate === '1999-12-31' ? '1999-12-30' : '1999-12-31';
        if (field === 2) {
          changed.checkNo = `${normaliseIdentifier(p.checkNo) || normaliseIdentifier(p.reference) || '0'}9`;
        }
        if (field === 3) {
          if (p.accountNo) changed.accountNo = `${p.accountNo}X`;
          else changed.billNo = `${p.billNo}X`;
        }
        if (field === 4) changed.lockboxNo = `${normaliseIdentifier(p.lockboxNo)}1`;
        if (field === 5) changed.currency = p.currency === 'USD' ? 'EUR' : 'USD';
        expect(canonicalPayment(changed)).not.toBe(canonicalPayment(p));
        expect(paymentFingerprint(changed)).not.toBe(paymentFingerprint(p));
      }),
    );
  });

  it('an account number and a bill number with the same text are different payers', () => {
    const p: FingerprintInput = {
      accountNo: 'X1',
      billNo: null,
      checkNo: '1',
      reference: null,
      amountMinor: 100,
      currency: 'USD',
      paymentDate: '2026-11-19',
      lockboxNo: null,
    };
    expect(paymentFingerprint({ ...p, accountNo: null, billNo: 'X1' })).not.toBe(paymentFingerprint(p));
  });
});
