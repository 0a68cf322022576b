import { describe, expect, it } from 'vitest';
import type { AllocBillDto, AllocPaymentDto, AllocationRowDto } from '../../src-shared/dto/allocation';
import type { EntryAllocationViewDto } from '../../src-shared/dto/batches';
import {
  billLevelEntries,
  billNumberHint,
  entriesFromManual,
  entrySaveLines,
  fieldOrder,
  itemModeBills,
  remainderHint,
  stateChip,
} from '../../src-renderer/src/features/allocation/allocate-logic';
import { checkEntries, planFill } from '../../src-renderer/src/features/allocation/allocation-fill';
import { netByItem } from '../../src-renderer/src/features/allocation/undo-lines';
import { recordPaymentSchema } from '../../src-renderer/src/features/allocation/RecordPaymentDialog';
import { undoSchema } from '../../src-renderer/src/features/allocation/UndoAllocationDialog';

const item = (itemNo: string, openMinor: number, itemId = Number(itemNo.replace(/\D/g, ''))) => ({
  itemId,
  itemNo,
  type: 'usage',
  amountMinor: openMinor,
  openMinor,
});

const bill = (
  billNo: string,
  dueDate: string,
  items: ReturnType<typeof item>[],
  payable = true,
): AllocBillDto => {
  const due = items.reduce((s, i) => s + i.openMinor, 0);
  return {
    billId: Number(billNo.replace(/\D/g, '')),
    billNo,
    billUnitNo: 'BU1',
    billDate: dueDate,
    dueDate,
    totalMinor: due,
    amountDueMinor: due,
    payable,
    items,
  };
};

const BILLS = [
  bill('B1', '2026-09-01', [item('I1', 1000), item('I2', 500)]),
  bill('B2', '2026-10-01', [item('I3', 2000), item('I4', 300)]),
  bill('B3', '2026-11-01', [item('I5', 700)], false),
];

const money = (m: number, c: string, withCode = false) => `${(m / 100).toFixed(2)}${withCode ? ` ${c}` : ''}`;

const payment = (unallocatedMinor: number, extra: Partial<AllocPaymentDto> = {}): AllocPaymentDto => ({
  paymentId: 7,
  effectiveDate: '2026-11-20',
  amountMinor: unallocatedMinor,
  currency: 'USD',
  accountAmountMinor: unallocatedMinor,
  allocatedMinor: 0,
  unallocatedMinor,
  externalRef: null,
  reversed: false,
  ...extra,
});

describe('the Allocate payment dialog’s pure logic', () => {
  it('orders the Apply fields bill by bill, items under an expanded bill, never a nonpaying bill', () => {
    expect(fieldOrder(BILLS, new Set())).toEqual(['bill:B1', 'bill:B2']);
    expect(fieldOrder(BILLS, new Set(['B2', 'B3']))).toEqual(['bill:B1', 'bill:B2', 'item:I3', 'item:I4']);
  });

  it('turns an entry’s stored manual lines into fields: bill lines as bill amounts, item lines under their bill', () => {
    const ev = {
      amountMinor: 1800,
      allocationLevel: 'item',
      manual: [
        { billNo: 'B1', itemNo: null, amountMinor: 1500 },
        { billNo: null, itemNo: 'I4', amountMinor: 300 },
        { billNo: null, itemNo: 'I3', amountMinor: 5 },
        { billNo: null, itemNo: 'NOPE', amountMinor: 9 },
      ],
      view: { exponent: 2, bills: BILLS },
    } as unknown as EntryAllocationViewDto;
    const entries = entriesFromManual(ev);
    expect(entries).toEqual({
      B1: { mode: 'bill', billText: '15.00', itemTexts: {} },
      B2: { mode: 'items', billText: '', itemTexts: { I4: '3.00', I3: '0.05' } },
    });
    expect(itemModeBills(entries)).toEqual(['B2']);
  });

  it('saves an entry as its batch level takes it: bill lines, or bill amounts spread over the items', () => {
    const entries = {
      B1: { mode: 'bill' as const, billText: '12.00', itemTexts: {} },
      B2: { mode: 'items' as const, billText: '', itemTexts: { I4: '1.00' } },
    };
    const check = checkEntries(BILLS, entries, 5000, 2);
    expect(entrySaveLines('bill', check, BILLS, 2)).toEqual({ bills: [{ billNo: 'B1', amount: '12.00' }] });
    expect(entrySaveLines('item', check, BILLS, 2)).toEqual({
      items: [
        { itemNo: 'I4', amount: '1.00' },
        { itemNo: 'I1', amount: '10.00' },
        { itemNo: 'I2', amount: '2.00' },
      ],
    });
  });

  it('collapses a fill that picks single items into bill amounts for a bill-level batch', () => {
    const plan = planFill(2300, BILLS, 'largest')!;
    expect(plan).toEqual(
      new Map([
        ['I3', 2000],
        ['I1', 300],
      ]),
    );
    const entries = billLevelEntries(
      {
        B2: { mode: 'items', billText: '', itemTexts: { I3: '20.00' } },
        B1: { mode: 'items', billText: '', itemTexts: { I1: '3.00' } },
      },
      BILLS,
      plan,
      2,
    );
    expect(entries).toEqual({
      B2: { mode: 'bill', billText: '20.00', itemTexts: {} },
      B1: { mode: 'bill', billText: '3.00', itemTexts: {} },
    });
  });

  it('fills by bill number from the reference when it names a payable bill, else from the focused field', () => {
    expect(billNumberHint(payment(100, { externalRef: ' b2 ' }), BILLS, 'B1', false)).toEqual({
      hint: 'B2',
      why: 'named in the payment reference',
    });
    expect(billNumberHint(payment(100, { externalRef: 'B2' }), BILLS, null, true).why).toBe(
      'the bill number of the entry',
    );
    // A nonpaying bill is never the target, even when the reference names it.
    expect(billNumberHint(payment(100, { externalRef: 'B3' }), BILLS, 'B1', false)).toEqual({
      hint: 'B1',
      why: 'the bill in focus',
    });
  });

  it('names the state: credit, a suggested fill, fully allocated; an entry’s required / suggested status', () => {
    const none = checkEntries(BILLS, {}, 1500, 2);
    const full = checkEntries(BILLS, { B1: { mode: 'bill', billText: '15', itemTexts: {} } }, 1500, 2);
    expect(stateChip(payment(1500), null, none, null, money, 'USD')).toEqual({
      label: 'Unallocated credit 15.00 USD',
      color: 'warning',
    });
    expect(stateChip(payment(1500), null, full, 'fifo', money, 'USD').label).toBe(
      'Allocation suggested · FIFO',
    );
    expect(stateChip(payment(0), null, none, null, money, 'USD').label).toBe('Fully allocated');
    expect(stateChip(payment(0, { reversed: true }), null, none, null, money, 'USD').label).toBe('Reversed');
    expect(stateChip(payment(1500), 'allocation_required', none, null, money, 'USD').color).toBe('error');
    expect(stateChip(payment(1500), 'allocation_required', full, null, money, 'USD').label).toBe(
      'Fully allocated by hand',
    );
    expect(stateChip(payment(1500), 'allocation_suggested', none, null, money, 'USD').label).toBe(
      'Allocation suggested',
    );
    expect(stateChip(payment(1500), 'valid', none, null, money, 'USD').label).toBe(
      'Allocated by policy on submit',
    );
  });

  it('says what happens to the remainder', () => {
    expect(remainderHint(-250, 1, money, 'USD')).toBe('Over-allocated by 2.50 USD: lower the Apply amounts.');
    expect(remainderHint(0, 2, money, 'USD')).toBe('The payment will be fully allocated.');
    expect(remainderHint(0, 0, money, 'USD')).toBe('');
    expect(remainderHint(100, 1, money, 'USD')).toBe('1.00 USD stays on the account as unallocated credit.');
    expect(remainderHint(100, 0, money, 'USD')).toBe(
      'Type amounts in the Apply column, or fill them by a policy.',
    );
  });
});

describe('undo and record forms', () => {
  it('nets allocation rows per bill and item; undo rows cancel what they reversed', () => {
    const row = (id: number, billNo: string, itemNo: string, amountMinor: number): AllocationRowDto =>
      ({
        allocationId: id,
        paymentId: 1,
        billNo,
        itemNo,
        amountMinor,
        reversal: amountMinor < 0,
        createdAt: '',
      }) as AllocationRowDto;
    expect(
      netByItem([
        row(1, 'B1', 'I1', 500),
        row(2, 'B1', 'I1', -500),
        row(3, 'B1', 'I2', 300),
        row(4, 'B1', 'I2', 200),
      ]),
    ).toEqual([{ billNo: 'B1', itemNo: 'I2', amountMinor: 500 }]);
  });

  it('takes a reason code as the command does: required, a whole number in range', () => {
    expect(undoSchema.safeParse({ reasonCode: '4001' })).toMatchObject({
      success: true,
      data: { reasonCode: 4001 },
    });
    expect(undoSchema.safeParse({ reasonCode: '' }).success).toBe(false);
    expect(undoSchema.safeParse({ reasonCode: '12a' }).success).toBe(false);
    expect(undoSchema.safeParse({ reasonCode: '2147483648' }).success).toBe(false);
  });

  it('records only a positive amount, sent as the contract decimal; an empty bill number is no bill number', () => {
    const schema = recordPaymentSchema(2);
    const base = { payType: 10012, externalRef: ' CHK-1 ', billNo: '', allocate: true };
    expect(schema.parse({ ...base, amount: '1,234.5' })).toEqual({
      ...base,
      externalRef: 'CHK-1',
      amount: '1234.50',
    });
    for (const bad of ['', '0', '0.00', '-5', '1.234'])
      expect(schema.safeParse({ ...base, amount: bad }).success, bad).toBe(false);
    expect(schema.safeParse({ ...base, amount: '5', billNo: 'x'.repeat(65) }).success).toBe(false);
    expect(schema.safeParse({ ...base, amount: '5', externalRef: 'x'.repeat(121) }).success).toBe(false);
  });
});
