import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  convertMinor,
  planAllocation,
  type AllocTarget,
  type AllocationRequest,
  type AutoPolicy,
} from '../../src-main/domain/allocation';

const bill = (
  id: number,
  billNo: string,
  dueDate: string,
  openMinor: number,
  payable = true,
): AllocTarget => ({
  id,
  billId: id,
  billNo,
  billDate: dueDate,
  dueDate,
  openMinor,
  billDueMinor: openMinor,
  payable,
});

const BILLS = [
  bill(1, 'B-3', '2026-09-01', 3000),
  bill(2, 'B-1', '2026-07-01', 1000),
  bill(3, 'B-2', '2026-08-01', 2000),
];

const req = (over: Partial<AllocationRequest>): AllocationRequest => ({
  amountMinor: 1000,
  targets: BILLS,
  policy: 'standard',
  searchBillAmount: false,
  overpayment: 'credit',
  underpayment: 'partial',
  ...over,
});

describe('planAllocation', () => {
  it('standard: bill number first', () => {
    const p = planAllocation(req({ amountMinor: 3000, billNoHint: 'b-3' }));
    expect(p).toMatchObject({
      matchedBy: 'bill-number',
      outcome: 'allocated',
      lines: [{ targetId: 1, amountMinor: 3000 }],
    });
  });
  it('standard: then bill amount when SearchBillAmount is on', () => {
    const on = planAllocation(req({ amountMinor: 2000, searchBillAmount: true }));
    expect(on).toMatchObject({
      matchedBy: 'bill-amount',
      outcome: 'allocated',
      lines: [{ targetId: 3, amountMinor: 2000 }],
    });
    const off = planAllocation(req({ amountMinor: 2000, searchBillAmount: false }));
    expect(off.matchedBy).toBe('fifo');
    expect(off.lines).toEqual([
      { targetId: 2, billId: 2, amountMinor: 1000 },
      { targetId: 3, billId: 3, amountMinor: 1000 },
    ]);
  });
  it('standard: unknown bill number falls through to oldest first', () => {
    const p = planAllocation(req({ amountMinor: 1500, billNoHint: 'NOPE' }));
    expect(p.matchedBy).toBe('fifo');
    expect(p.lines.map((l) => l.targetId)).toEqual([2, 3]);
  });
  it('bill-number policy with an unknown bill requires manual allocation', () => {
    const p = planAllocation(req({ policy: 'bill-number', billNoHint: 'NOPE' }));
    expect(p).toMatchObject({ outcome: 'required', lines: [], remainderMinor: 1000 });
  });
  it('largest first and proportional', () => {
    expect(planAllocation(req({ policy: 'largest', amountMinor: 3500 })).lines).toEqual([
      { targetId: 1, billId: 1, amountMinor: 3000 },
      { targetId: 3, billId: 3, amountMinor: 500 },
    ]);
    const prop = planAllocation(req({ policy: 'proportional', amountMinor: 3000 }));
    expect(prop.lines).toEqual([
      { targetId: 2, billId: 2, amountMinor: 500 },
      { targetId: 3, billId: 3, amountMinor: 1000 },
      { targetId: 1, billId: 1, amountMinor: 1500 },
    ]);
  });
  it('overpayment: credit, suspend or refuse', () => {
    expect(planAllocation(req({ amountMinor: 7000 }))).toMatchObject({
      outcome: 'credit',
      allocatedMinor: 6000,
      remainderMinor: 1000,
    });
    expect(planAllocation(req({ amountMinor: 7000, overpayment: 'suspend' }))).toMatchObject({
      outcome: 'suspend',
      remainderMinor: 1000,
    });
    expect(planAllocation(req({ amountMinor: 7000, overpayment: 'refuse' }))).toMatchObject({
      outcome: 'refused',
      lines: [],
      allocatedMinor: 0,
    });
  });
  it('underpayment: partial to the oldest, or manual allocation required', () => {
    expect(planAllocation(req({ amountMinor: 1500 }))).toMatchObject({
      outcome: 'partial',
      allocatedMinor: 1500,
    });
    expect(planAllocation(req({ amountMinor: 1500, underpayment: 'manual' }))).toMatchObject({
      outcome: 'required',
    });
  });
  it('never allocates to a nonpaying bill unit (V7) or a closed target', () => {
    const targets = [
      bill(1, 'B-1', '2026-01-01', 500, false),
      bill(2, 'B-2', '2026-02-01', 0),
      bill(3, 'B-3', '2026-03-01', 800),
    ];
    const p = planAllocation(req({ targets, amountMinor: 800, billNoHint: 'B-1' }));
    expect(p.lines).toEqual([{ targetId: 3, billId: 3, amountMinor: 800 }]);
  });
  it('refuses a non-positive or fractional amount', () => {
    expect(() => planAllocation(req({ amountMinor: 0 }))).toThrow(RangeError);
    expect(() => planAllocation(req({ amountMinor: 1.5 }))).toThrow(RangeError);
  });

  const targetArb = fc.record({
    openMinor: fc.integer({ min: 0, max: 100_000 }),
    due: fc.integer({ min: 1, max: 28 }),
    payable: fc.boolean(),
  });
  it('property: lines stay within the payment and each open amount, and money is conserved', () => {
    fc.assert(
      fc.property(
        fc.array(targetArb, { maxLength: 30 }),
        fc.integer({ min: 1, max: 2_000_000 }),
        fc.constantFrom<AutoPolicy>('standard', 'bill-number', 'fifo', 'proportional', 'largest'),
        fc.constantFrom('credit', 'suspend', 'refuse' as const),
        fc.constantFrom('partial', 'manual' as const),
        fc.boolean(),
        (ts, amountMinor, policy, overpayment, underpayment, searchBillAmount) => {
          const targets = ts.map((t, i) => ({
            ...bill(i + 1, `B-${i % 7}`, `2026-01-${String(t.due).padStart(2, '0')}`, t.openMinor, t.payable),
          }));
          const p = planAllocation({
            amountMinor,
            targets,
            policy,
            overpayment,
            underpayment,
            searchBillAmount,
            billNoHint: 'B-3',
          });
          expect(p.allocatedMinor + p.remainderMinor).toBe(amountMinor);
          expect(p.lines.reduce((s, l) => s + l.amountMinor, 0)).toBe(p.allocatedMinor);
          const byId = new Map(targets.map((t) => [t.id, t]));
          const seen = new Set<number>();
          for (const l of p.lines) {
            const t = byId.get(l.targetId)!;
            expect(t.payable).toBe(true);
            expect(l.amountMinor).toBeGreaterThan(0);
            expect(l.amountMinor).toBeLessThanOrEqual(t.openMinor);
            expect(Number.isSafeInteger(l.amountMinor)).toBe(true);
            expect(seen.has(l.targetId)).toBe(false);
            seen.add(l.targetId);
          }
          if (p.outcome === 'refused') expect(p.lines).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('convertMinor', () => {
  it('converts with an integer ppm rate and exponents, rounding half to even', () => {
    expect(convertMinor(10000, { ratePpm: 1_100_000, fromExponent: 2, toExponent: 2 })).toBe(11000);
    expect(convertMinor(100, { ratePpm: 150_000_000, fromExponent: 2, toExponent: 0 })).toBe(150);
    expect(convertMinor(1, { ratePpm: 500_000, fromExponent: 2, toExponent: 2 })).toBe(0);
    expect(convertMinor(3, { ratePpm: 500_000, fromExponent: 2, toExponent: 2 })).toBe(2);
    expect(convertMinor(-3, { ratePpm: 500_000, fromExponent: 2, toExponent: 2 })).toBe(-2);
    expect(convertMinor(1234, { ratePpm: 1_000_000, fromExponent: 2, toExponent: 3 })).toBe(12340);
  });
  it('refuses bad rates', () => {
    expect(() => convertMinor(1, { ratePpm: 0, fromExponent: 2, toExponent: 2 })).toThrow(RangeError);
  });
});
