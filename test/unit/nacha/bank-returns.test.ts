import { describe, expect, it } from 'vitest';
import { writeNachaBankAnswer } from '../../../src-main/bankfiles/nacha/bank-returns';
import { checkNacha, nachaReturns } from '../../../src-main/bankfiles/nacha/read';
import { writeNacha } from '../../../src-main/bankfiles/nacha/write';

const sent = writeNacha({
  immediateDestination: '231380104',
  immediateDestinationName: 'RECEIVING BANK',
  immediateOrigin: '1234567890',
  immediateOriginName: 'PAYDESK',
  createdAt: '2026-12-01T08:00:00Z',
  fileIdModifier: 'A',
  batches: [
    {
      secCode: 'PPD',
      companyName: 'PAYDESK UTILITY',
      companyId: '1234567890',
      entryDescription: 'BILL PAY',
      effectiveDate: '2026-12-02',
      odfiRouting: '121042882',
      entries: [
        {
          transactionCode: 27,
          routingNo: '011000015',
          accountNo: '1001',
          amountMinor: 12345,
          individualId: 'ACC-1',
          name: 'ADA LOVELACE',
        },
        {
          transactionCode: 37,
          routingNo: '231380104',
          accountNo: '1002',
          amountMinor: 500,
          individualId: 'ACC-2',
          name: 'ALAN TURING',
        },
        {
          transactionCode: 27,
          routingNo: '231380104',
          accountNo: '1003',
          amountMinor: 777,
          individualId: 'ACC-3',
          name: 'GRACE HOPPER',
        },
      ],
    },
  ],
});
const [t1, t2, t3] = sent.traceNumbers[0]!;

describe('writeNachaBankAnswer (the bank side of returns)', () => {
  it('writes a valid return file whose returns name the original traces and amounts', () => {
    const text = writeNachaBankAnswer(
      sent.text,
      [
        { traceNumber: t1!, code: 'R01' },
        { traceNumber: t3!, code: 'R02', info: 'CLOSED 2026-11' },
      ],
      { createdAt: '2026-12-04T06:30:00Z' },
    );
    const c = checkNacha(text);
    expect(c.problems).toEqual([]);
    expect(c.totals).toMatchObject({ debitMinor: 12345 + 777, creditMinor: 0 });
    const r = nachaReturns(text);
    expect(r.problems).toEqual([]);
    expect(
      r.items.map((i) => [i.ref.traceNumber, i.code, i.amountMinor, i.currency, i.kind, i.date, i.text]),
    ).toEqual([
      [t1, 'R01', 12345, 'USD', 'return', '2026-12-04', 'Insufficient Funds'],
      [t3, 'R02', 777, 'USD', 'return', '2026-12-04', 'Account Closed'],
    ]);
    expect(text.split('\n')[2]!.slice(1, 3)).toBe('26');
  });

  it('writes notifications of change in a COR batch with zero amounts', () => {
    const text = writeNachaBankAnswer(sent.text, [{ traceNumber: t2!, code: 'C01', info: '99887766' }], {
      createdAt: '2026-12-04T06:30:00Z',
    });
    expect(checkNacha(text).problems).toEqual([]);
    const r = nachaReturns(text);
    expect(r.items).toEqual([]);
    expect(r.changes).toMatchObject([
      { code: 'C01', ref: { traceNumber: t2 }, corrected: { accountNo: '99887766' } },
    ]);
    expect(text.split('\n')[1]!.slice(50, 53)).toBe('COR');
  });

  it('refuses a trace number that is not in the original file and unknown codes', () => {
    expect(() =>
      writeNachaBankAnswer(sent.text, [{ traceNumber: '999999990000001', code: 'R01' }], {
        createdAt: '2026-12-04T00:00:00Z',
      }),
    ).toThrow(/not in the original file/);
    expect(() =>
      writeNachaBankAnswer(sent.text, [{ traceNumber: t1!, code: 'R00' }], {
        createdAt: '2026-12-04T00:00:00Z',
      }),
    ).toThrow(/unknown return code/);
  });
});
