import { describe, expect, it } from 'vitest';
import {
  validateRefundEntries,
  type RefundAccountFacts,
  type RefundEntryInput,
  type RefundLookups,
} from '../../src-main/domain/refund-rules';

const account = (over: Partial<RefundAccountFacts> = {}): RefundAccountFacts => ({
  id: 1,
  accountNo: 'A1',
  currency: 'USD',
  exponent: 2,
  refundItemsMinor: 0,
  creditMinor: 0,
  hasBillUnit: true,
  ...over,
});

const entry = (id: number, over: Partial<RefundEntryInput> = {}): RefundEntryInput => ({
  id,
  accountNo: 'A1',
  billNo: null,
  amountMinor: 1000,
  rowProblem: null,
  reasonText: null,
  ...over,
});

function lookups(accounts: RefundAccountFacts[], bills: Record<string, number> = {}): RefundLookups {
  return {
    accountByNo: (no) => accounts.find((a) => a.accountNo === no.toUpperCase()),
    accountByBillNo: (no) => accounts.find((a) => a.id === bills[no.toUpperCase()]),
    convert: (amountMinor, to) => (to === 'USD' ? { amountMinor, ratePpm: 1_000_000 } : null),
    isRefundReason: (code) => code >= 4201 && code <= 4203,
  };
}

const settings = { allowAccountDup: true, defaultReason: 4201 };

describe('refund rules', () => {
  it('pays refunds from refund items, then credit, with later entries of an account seeing earlier ones', () => {
    const v = validateRefundEntries(
      [entry(1, { amountMinor: 700 }), entry(2, { amountMinor: 500 }), entry(3, { amountMinor: 400 })],
      lookups([account({ refundItemsMinor: 600, creditMinor: 600 })]),
      settings,
    );
    expect(v.map((x) => x.status)).toEqual(['valid', 'valid', 'invalid']);
    expect(v[2]!.problem).toBe(
      'account A1 holds only 0.00 USD to refund after the earlier entries of this batch (refund items 0.00 USD, unallocated credit 0.00 USD)',
    );
    expect(v[0]).toMatchObject({ accountId: 1, accountAmountMinor: 700, reasonCode: 4201 });
  });

  it('refuses an account with nothing to refund, and credit refunds without a bill unit to carry them', () => {
    const v = validateRefundEntries(
      [
        entry(1),
        entry(2, { accountNo: 'A2', amountMinor: 300 }),
        entry(3, { accountNo: 'A2', amountMinor: 200 }),
      ],
      lookups([
        account(),
        account({ id: 2, accountNo: 'A2', refundItemsMinor: 300, creditMinor: 500, hasBillUnit: false }),
      ]),
      settings,
    );
    expect(v[0]!.problem).toBe('account A1 holds no open refund item or credit to refund');
    // The first A2 refund closes refund items only; the second would need credit and a bill unit.
    expect(v[1]!.status).toBe('valid');
    expect(v[2]).toMatchObject({ status: 'invalid', problemColumn: 'accountNo' });
  });

  it('checks V1, the amount, the reason (domain 18), the bill/account pair, V4 and the rate', () => {
    const accounts = [
      account({ creditMinor: 10_000 }),
      account({ id: 2, accountNo: 'A2', currency: 'EUR', creditMinor: 10_000 }),
    ];
    const v = validateRefundEntries(
      [
        entry(1, { accountNo: null }),
        entry(2, { amountMinor: null }),
        entry(3, { amountMinor: 0 }),
        entry(4, { reasonText: 'abc' }),
        entry(5, { reasonText: '2001' }),
        entry(6, { billNo: 'B2' }),
        entry(7, { accountNo: null, billNo: 'B9' }),
        entry(8, { rowProblem: { column: 'amount', reason: 'bad' } }),
        entry(9, { reasonText: ' 4203 ' }),
        entry(10),
        entry(11, { accountNo: 'A2' }),
      ],
      lookups(accounts, { B2: 2 }),
      { allowAccountDup: false, defaultReason: 4201 },
    );
    expect(v.map((x) => [x.status, x.problemColumn])).toEqual([
      ['invalid', 'accountNo'],
      ['invalid', 'amount'],
      ['invalid', 'amount'],
      ['invalid', 'reasonCode'],
      ['invalid', 'reasonCode'],
      // A typed account that is not the bill's account is a problem on the account cell (issue #11, finding 2).
      ['invalid', 'accountNo'],
      ['invalid', 'billNo'],
      ['invalid', 'amount'],
      ['valid', null],
      ['invalid', 'accountNo'],
      ['invalid', 'amount'],
    ]);
    expect(v[8]!.reasonCode).toBe(4203);
    expect(v[9]!.problem).toContain('(V4)');
    expect(v[10]!.problem).toBe('no exchange rate into EUR');
  });
});
