import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeNacha, type NachaFileInput } from '../../../src-main/bankfiles/nacha/write';

const ACH = resolve(process.cwd(), '../shared/standards/ach');

/** A sample file's records, each padded to 94 (ppd-debit.ach is right-trimmed) and 9-fill kept. */
function sampleRecords(rel: string): string[] {
  return readFileSync(join(ACH, rel), 'latin1')
    .split(/\r?\n/)
    .filter((l) => l !== '')
    .map((l) => l.padEnd(94, ' '));
}

const ppdDebit: NachaFileInput = {
  immediateDestination: '231380104',
  immediateDestinationName: 'Federal Reserve Bank',
  immediateOrigin: '0121042882', // moov writes a 9-digit origin zero-padded; Paydesk's own convention is ' ' + 9
  immediateOriginName: 'My Bank Name',
  createdAt: '2019-06-24T00:00:00Z',
  fileIdModifier: 'A',
  batches: [
    {
      secCode: 'PPD',
      companyName: 'Name on Account',
      companyId: '121042882',
      entryDescription: 'REG.SALARY',
      effectiveDate: '2019-06-25',
      odfiRouting: '121042882',
      entries: [
        {
          transactionCode: 27,
          routingNo: '231380104',
          accountNo: '12345678',
          amountMinor: 100000000,
          individualId: '',
          name: 'Receiver Account Name',
        },
      ],
    },
  ],
};

function clone(): NachaFileInput {
  return structuredClone(ppdDebit);
}

describe('writeNacha', () => {
  it("writes moov-io/ach's ppd-debit.ach byte for byte (lines padded to 94)", () => {
    const { text, traceNumbers } = writeNacha(ppdDebit);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1).split('\n')).toEqual(sampleRecords('valid/ppd-debit.ach'));
    expect(traceNumbers).toEqual([['121042880000001']]);
  });

  it("writes moov-io/ach's ppd-mixedDebitCredit.ach (service class 200, debit and credit totals)", () => {
    const input = clone();
    input.createdAt = '2019-07-18T10:55:00.000Z';
    const b = input.batches[0]!;
    b.effectiveDate = '2019-07-19';
    b.entries = [
      {
        transactionCode: 27,
        routingNo: '231380104',
        accountNo: '123456789',
        amountMinor: 200000000,
        individualId: '',
        name: 'Debit Account',
      },
      {
        transactionCode: 22,
        routingNo: '231380104',
        accountNo: '987654321',
        amountMinor: 100000000,
        individualId: '',
        name: 'Credit Account 1',
      },
      {
        transactionCode: 22,
        routingNo: '231380104',
        accountNo: '837098765',
        amountMinor: 100000000,
        individualId: '',
        name: 'Credit Account 2',
      },
    ];
    const { text, traceNumbers } = writeNacha(input);
    expect(text.slice(0, -1).split('\n')).toEqual(sampleRecords('valid/ppd-mixedDebitCredit.ach'));
    expect(traceNumbers[0]).toEqual(['121042880000001', '121042880000002', '121042880000003']);
  });

  it('is deterministic, pads to blocks of 10, numbers batches and keeps trace numbers unique across batches', () => {
    const input = clone();
    const second = structuredClone(input.batches[0]!);
    second.secCode = 'CCD';
    second.entries = Array.from({ length: 12 }, (_, i) => ({
      transactionCode: 22 as const,
      routingNo: '011000015',
      accountNo: `ACCT${i}`,
      amountMinor: 1000 + i,
      individualId: `INV${i}`,
      name: `Company ${i}`,
      addenda: i % 2 === 0 ? `Invoice ${i}` : undefined,
    }));
    input.batches.push(second);
    const a = writeNacha(input);
    const b = writeNacha(structuredClone(input));
    expect(a.text).toBe(b.text);
    const lines = a.text.slice(0, -1).split('\n');
    expect(lines.every((l) => l.length === 94)).toBe(true);
    expect(lines.length % 10).toBe(0);
    // header + (5 + 1 + 8) + (5 + 12 entries + 6 addenda + 8) + 9 = 25 records → 3 blocks, 5 fill records
    expect(lines.filter((l) => l === '9'.repeat(94))).toHaveLength(5);
    const all = a.traceNumbers.flat();
    expect(new Set(all).size).toBe(13);
    expect(a.traceNumbers[1]![0]).toBe('121042880000002');
    const batch2Header = lines.find((l) => l.startsWith('5') && l.slice(50, 53) === 'CCD')!;
    expect(batch2Header.slice(1, 4)).toBe('220');
    expect(batch2Header.slice(87, 94)).toBe('0000002');
    const control2 = lines.filter((l) => l.startsWith('8'))[1]!;
    expect(control2.slice(4, 10)).toBe('000018'); // 12 entries + 6 addenda
    expect(control2.slice(10, 20)).toBe(String(12 * 1100001).padStart(10, '0'));
    expect(Number(control2.slice(32, 44))).toBe(12 * 1000 + 66);
    const addenda = lines.find((l) => l.startsWith('705'))!;
    expect(addenda.slice(3, 83).trimEnd()).toBe('Invoice 0');
    expect(addenda.slice(83, 87)).toBe('0001');
    expect(addenda.slice(87, 94)).toBe('0000002');
    const fileControl = lines.find((l) => l.startsWith('9') && l !== '9'.repeat(94))!;
    expect(fileControl.slice(1, 7)).toBe('000002');
    expect(fileControl.slice(7, 13)).toBe('000003');
    expect(fileControl.slice(13, 21)).toBe('00000019');
  });

  it('writes no 9-fill when the records already fill whole blocks', () => {
    const input = clone();
    // header + 5 + 6 entries + 8 + 9 = 10
    input.batches[0]!.entries = Array.from({ length: 6 }, () => ({ ...ppdDebit.batches[0]!.entries[0]! }));
    const lines = writeNacha(input).text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(10);
    expect(lines[9]!.slice(7, 13)).toBe('000001');
  });

  it('keeps the entry hash to its rightmost 10 digits', () => {
    const input = clone();
    // 99,999,999 × 200 overflows 10 digits
    input.batches[0]!.entries = Array.from({ length: 200 }, () => ({
      ...ppdDebit.batches[0]!.entries[0]!,
      routingNo: '999999992',
      amountMinor: 1,
    }));
    const lines = writeNacha(input).text.split('\n');
    const control = lines.find((l) => l.startsWith('8'))!;
    expect(control.slice(10, 20)).toBe(String((99999999 * 200) % 1e10).padStart(10, '0'));
  });

  const bad: [string, (i: NachaFileInput) => void, RegExp][] = [
    [
      'RDFI check digit',
      (i) => (i.batches[0]!.entries[0]!.routingNo = '231380105'),
      /batch 1 entry 1: routingNo 231380105: routing number check digit is wrong/,
    ],
    ['ODFI check digit', (i) => (i.batches[0]!.odfiRouting = '121042883'), /batch 1: odfiRouting/],
    ['destination', (i) => (i.immediateDestination = '12345'), /file: immediateDestination/],
    [
      'name too long',
      (i) => (i.batches[0]!.entries[0]!.name = 'x'.repeat(23)),
      /batch 1 entry 1: name is longer than 22 characters/,
    ],
    [
      'company name too long',
      (i) => (i.batches[0]!.companyName = 'x'.repeat(17)),
      /batch 1: companyName is longer than 16/,
    ],
    [
      'account too long',
      (i) => (i.batches[0]!.entries[0]!.accountNo = '1'.repeat(18)),
      /accountNo is longer than 17/,
    ],
    [
      'non-ASCII',
      (i) => (i.batches[0]!.entries[0]!.name = 'Müller'),
      /batch 1 entry 1: name has a character that is not printable ASCII at position 2/,
    ],
    ['zero amount', (i) => (i.batches[0]!.entries[0]!.amountMinor = 0), /amountMinor must be more than 0/],
    [
      'negative amount',
      (i) => (i.batches[0]!.entries[0]!.amountMinor = -5),
      /amountMinor must be more than 0/,
    ],
    [
      'fractional amount',
      (i) => (i.batches[0]!.entries[0]!.amountMinor = 1.5),
      /amountMinor must be an integer/,
    ],
    [
      'amount too big',
      (i) => (i.batches[0]!.entries[0]!.amountMinor = 10_000_000_000),
      /at most 99,999,999.99/,
    ],
    [
      'prenote with amount',
      (i) => {
        i.batches[0]!.entries[0]!.transactionCode = 28;
      },
      /must be 0 for a prenote/,
    ],
    [
      'TEL credit',
      (i) => {
        i.batches[0]!.secCode = 'TEL';
        i.batches[0]!.entries[0]!.transactionCode = 22;
      },
      /batch 1 entry 1: transactionCode 22 is a credit; TEL batches carry debits only/,
    ],
    [
      'bad effective date',
      (i) => (i.batches[0]!.effectiveDate = '2019-02-30'),
      /effectiveDate is not a calendar date/,
    ],
    ['bad modifier', (i) => (i.fileIdModifier = 'a'), /fileIdModifier/],
    ['bad created at', (i) => (i.createdAt = 'yesterday'), /createdAt/],
    ['empty batch', (i) => (i.batches[0]!.entries = []), /batch 1: entries must hold at least one entry/],
    ['no batches', (i) => (i.batches = []), /file: batches/],
    [
      'WEB payment type',
      (i) => {
        i.batches[0]!.secCode = 'WEB';
        i.batches[0]!.entries[0]!.discretionary = 'X';
      },
      /discretionary must be the WEB payment type code/,
    ],
    [
      'addenda too long',
      (i) => (i.batches[0]!.entries[0]!.addenda = 'a'.repeat(81)),
      /addenda is longer than 80/,
    ],
    [
      'newline in text',
      (i) => (i.batches[0]!.entryDescription = 'A\nB'),
      /entryDescription has a character that is not printable ASCII/,
    ],
  ];
  it.each(bad)('refuses %s with a message naming where and which field', (_n, mutate, msg) => {
    const input = clone();
    mutate(input);
    expect(() => writeNacha(input)).toThrow(msg);
  });

  it("writes a 9-digit immediate origin as ' ' + routing", () => {
    const input = clone();
    input.immediateOrigin = '121042882';
    expect(writeNacha(input).text.slice(13, 23)).toBe(' 121042882');
  });

  it('accepts a zero-amount prenote and a WEB debit with payment type S', () => {
    const input = clone();
    input.batches[0]!.secCode = 'WEB';
    input.batches[0]!.entries.push({
      ...input.batches[0]!.entries[0]!,
      transactionCode: 28,
      amountMinor: 0,
      discretionary: 'S',
    });
    const lines = writeNacha(input).text.split('\n');
    const prenote = lines.filter((l) => l.startsWith('6'))[1]!;
    expect(prenote.slice(1, 3)).toBe('28');
    expect(prenote.slice(29, 39)).toBe('0000000000');
    expect(prenote.slice(76, 78)).toBe('S ');
  });
});
