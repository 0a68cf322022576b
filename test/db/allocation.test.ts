import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type {
  AllocationResultDto,
  AllocationViewDto,
  RecordedPaymentDto,
} from '../../src-shared/dto/allocation';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import { APPS, type TestApp } from '../helpers/apps';

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

/** A digest of every mutable table, to prove a refused command changed nothing. */
async function digest(app: TestApp): Promise<string> {
  const h = createHash('sha256');
  for (const t of [
    'accounts',
    'bills',
    'bill_items',
    'payments',
    'allocations',
    'journals',
    'journal_lines',
    'audit_log',
  ]) {
    h.update(JSON.stringify(await app.all(sql.raw(`SELECT * FROM ${t} ORDER BY id`))));
  }
  return h.digest('hex');
}

async function clean(app: TestApp): Promise<void> {
  const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
  expect(check.violations).toEqual([]);
}

const OPTS = { login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') };

describe.each(APPS.filter((r) => r.available))('allocation service ($dialect)', ({ open }) => {
  let app: TestApp;
  beforeAll(async () => {
    app = await open(OPTS);
    await value(app.dispatch('demo:load', { accounts: 120, seed: 11 }));
  }, 60_000);
  afterAll(async () => {
    await app?.dispose();
  });

  /** An account with at least two open bills and only one paying bill unit. */
  async function accountWithOpenBills(min = 2): Promise<string> {
    const row = await app.get<{ no: string }>(
      sql`SELECT a.account_no AS "no" FROM accounts a JOIN bills b ON b.account_id = a.id AND b.status = 'open'
        WHERE a.currency = 'USD' AND a.status = 'active' GROUP BY a.id, a.account_no HAVING count(*) >= ${min}
        ORDER BY a.id LIMIT 1`,
    );
    return row!.no;
  }

  it('records a payment, allocates it FIFO, shows where it went and what paid the bill', async () => {
    const accountNo = await accountWithOpenBills();
    const view = await value<AllocationViewDto>(app.dispatch('allocation:view', { accountNo }));
    const oldest = view.bills[0]!;
    const rec = await value<RecordedPaymentDto>(
      app.dispatch('payments:record', {
        accountNo,
        amount: (oldest.amountDueMinor / 100).toFixed(2),
        allocate: 'none',
      }),
    );
    const res = await value<AllocationResultDto>(
      app.dispatch('allocation:apply', { paymentId: rec.paymentId, policy: 'fifo' }),
    );
    expect(res).toMatchObject({
      allocatedMinor: oldest.amountDueMinor,
      unallocatedMinor: 0,
      closedBills: 1,
      matchedBy: 'fifo',
    });
    const went = await value<{ billNo: string }[]>(
      app.dispatch('payments:allocations', { paymentId: rec.paymentId }),
    );
    expect(new Set(went.map((w) => w.billNo))).toEqual(new Set([oldest.billNo]));
    const paid = await value<{ paymentId: number }[]>(
      app.dispatch('bills:payments', { billNo: oldest.billNo }),
    );
    expect(paid.every((p) => p.paymentId === rec.paymentId)).toBe(true);
    await clean(app);
  });

  it('undo returns the amount to unallocated and reopens items and the bill', async () => {
    const accountNo = await accountWithOpenBills();
    const view = await value<AllocationViewDto>(app.dispatch('allocation:view', { accountNo }));
    const bill = view.bills[0]!;
    const rec = await value<RecordedPaymentDto>(
      app.dispatch('payments:record', {
        accountNo,
        amount: (bill.amountDueMinor / 100).toFixed(2),
        billNo: bill.billNo,
      }),
    );
    expect(rec.allocation).toMatchObject({ matchedBy: 'bill-number', closedBills: 1 });
    const undone = await value<AllocationResultDto>(
      app.dispatch('allocation:undo', { paymentId: rec.paymentId, reasonCode: 4001 }),
    );
    expect(undone.unallocatedMinor).toBe(bill.amountDueMinor);
    const after = await value<AllocationViewDto>(app.dispatch('allocation:view', { accountNo }));
    expect(after.bills.find((b) => b.billNo === bill.billNo)?.amountDueMinor).toBe(bill.amountDueMinor);
    expect(after.unallocatedMinor).toBeGreaterThanOrEqual(bill.amountDueMinor);
    const audit = await app.get(
      sql`SELECT reason_code AS "r" FROM audit_log WHERE action = 'allocation.undo' ORDER BY id DESC LIMIT 1`,
    );
    expect(audit).toEqual({ r: 4001 });
    await clean(app);
  });

  it('manual allocation over bills and items, with a live token', async () => {
    const accountNo = await accountWithOpenBills();
    const view = await value<AllocationViewDto>(app.dispatch('allocation:view', { accountNo }));
    const [b1, b2] = view.bills;
    const item = b2!.items[0]!;
    const rec = await value<RecordedPaymentDto>(
      app.dispatch('payments:record', { accountNo, amount: '5.00', allocate: 'none' }),
    );
    const res = await value<AllocationResultDto>(
      app.dispatch('allocation:apply', {
        paymentId: rec.paymentId,
        bills: [{ billNo: b1!.billNo, amount: '3.00' }],
        items: [{ itemNo: item.itemNo, amount: '1.50' }],
        token: view.token,
      }),
    );
    expect(res).toMatchObject({ allocatedMinor: 450, unallocatedMinor: 50 });
    await clean(app);
  });

  describe('refuses bad manual allocations with a clear error and changes nothing', () => {
    const cases: [
      string,
      (ctx: {
        accountNo: string;
        paymentId: number;
        view: AllocationViewDto;
        other: AllocationViewDto;
      }) => unknown,
      string,
      RegExp,
    ][] = [
      [
        'a negative amount',
        ({ paymentId, view }) => ({ paymentId, bills: [{ billNo: view.bills[0]!.billNo, amount: '-1.00' }] }),
        'validation',
        /positive/,
      ],
      [
        'more decimals than the currency has',
        ({ paymentId, view }) => ({ paymentId, bills: [{ billNo: view.bills[0]!.billNo, amount: '1.001' }] }),
        'validation',
        /decimals/,
      ],
      [
        'an item of another account',
        ({ paymentId, other }) => ({
          paymentId,
          items: [{ itemNo: other.bills[0]!.items[0]!.itemNo, amount: '1.00' }],
        }),
        'conflict',
        /another account/,
      ],
      [
        'more than the bill has open',
        ({ paymentId, view }) => ({
          paymentId,
          bills: [
            { billNo: view.bills[0]!.billNo, amount: ((view.bills[0]!.amountDueMinor + 1) / 100).toFixed(2) },
          ],
        }),
        'conflict',
        /more than/,
      ],
      [
        'more than the payment holds',
        ({ paymentId, view }) => ({
          paymentId,
          bills: view.bills
            .slice(0, 2)
            .map((b) => ({ billNo: b.billNo, amount: (b.amountDueMinor / 100).toFixed(2) })),
        }),
        'conflict',
        /unallocated/,
      ],
      [
        'a stale token',
        ({ paymentId, view }) => ({
          paymentId,
          bills: [{ billNo: view.bills[0]!.billNo, amount: '1.00' }],
          token: 'stale',
        }),
        'conflict',
        /someone else/,
      ],
      [
        'an unknown bill',
        ({ paymentId }) => ({ paymentId, bills: [{ billNo: 'NO-SUCH', amount: '1.00' }] }),
        'not_found',
        /NO-SUCH/,
      ],
    ];
    for (const [name, build, code, message] of cases) {
      it(name, async () => {
        const accountNo = await accountWithOpenBills();
        const view = await value<AllocationViewDto>(app.dispatch('allocation:view', { accountNo }));
        const rec = await value<RecordedPaymentDto>(
          app.dispatch('payments:record', { accountNo, amount: '2.00', allocate: 'none' }),
        );
        const otherNo = await app.get<{ no: string }>(
          sql`SELECT a.account_no AS "no" FROM accounts a JOIN bill_items i ON i.account_id = a.id AND i.status = 'open'
              WHERE a.account_no <> ${accountNo} ORDER BY i.id LIMIT 1`,
        );
        const other = await value<AllocationViewDto>(
          app.dispatch('allocation:view', { accountNo: otherNo!.no }),
        );
        const before = await digest(app);
        const r = await app.dispatch(
          'allocation:apply',
          build({ accountNo, paymentId: rec.paymentId, view, other }),
        );
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error.code).toBe(code);
          expect(r.error.message).toMatch(message);
        }
        expect(await digest(app)).toBe(before);
      });
    }
    it('a closed item', async () => {
      const closed = (await app.get<{ itemNo: string; accountNo: string }>(
        sql`SELECT i.item_no AS "itemNo", a.account_no AS "accountNo" FROM bill_items i JOIN accounts a ON a.id = i.account_id
            WHERE i.status = 'closed' AND a.status = 'active' ORDER BY i.id LIMIT 1`,
      ))!;
      const rec = await value<RecordedPaymentDto>(
        app.dispatch('payments:record', { accountNo: closed.accountNo, amount: '1.00', allocate: 'none' }),
      );
      const before = await digest(app);
      const r = await app.dispatch('allocation:apply', {
        paymentId: rec.paymentId,
        items: [{ itemNo: closed.itemNo, amount: '1.00' }],
      });
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'conflict', message: expect.stringMatching(/closed/) },
      });
      expect(await digest(app)).toBe(before);
    });
  });

  it('converts a payment in another currency with the dated rate and stores the rate', async () => {
    await app.ctx.storage.transaction(async (tx) => {
      await tx.run(
        sql`INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm)
            VALUES ('EUR', 'USD', '2026-01-01', 1100000), ('EUR', 'USD', '2026-12-01', 1200000)`,
      );
    });
    const accountNo = await accountWithOpenBills(1);
    const rec = await value<RecordedPaymentDto>(
      app.dispatch('payments:record', {
        accountNo,
        amount: '10.00',
        currency: 'EUR',
        effectiveDate: '2026-11-20',
        allocate: 'none',
      }),
    );
    const p = await app.get(
      sql`SELECT amount_minor AS "a", account_amount_minor AS "b", rate_ppm AS "r" FROM payments WHERE id = ${rec.paymentId}`,
    );
    expect(p).toEqual({ a: 1000, b: 1100, r: 1100000 });
    const noRate = await app.dispatch('payments:record', {
      accountNo,
      amount: '10.00',
      currency: 'GBP',
      allocate: 'none',
    });
    expect(noRate).toMatchObject({
      ok: false,
      error: { code: 'conflict', message: expect.stringMatching(/exchange rate/) },
    });
    await clean(app);
  });

  it('a repeated source key never posts twice', async () => {
    const accountNo = await accountWithOpenBills(1);
    const a = await value<RecordedPaymentDto>(
      app.dispatch('payments:record', { accountNo, amount: '3.00', sourceKey: 'lockbox-1:row-9' }),
    );
    const b = await value<RecordedPaymentDto>(
      app.dispatch('payments:record', { accountNo, amount: '3.00', sourceKey: 'lockbox-1:row-9' }),
    );
    expect(b).toEqual({ paymentId: a.paymentId, duplicate: true, allocation: null });
  });

  it('property: random sequences of record, allocate, undo and account credit keep the ledger consistent', async () => {
    const prop = await open(OPTS);
    try {
      await value(prop.dispatch('demo:load', { accounts: 40, seed: 5 }));
      const accounts = (
        await prop.all<{ no: string }>(
          sql`SELECT account_no AS "no" FROM accounts WHERE is_suspense = 0 AND status <> 'closed' ORDER BY id`,
        )
      ).map((r) => r.no);
      const op = fc.oneof(
        fc.record({
          kind: fc.constant('record' as const),
          acct: fc.nat(),
          cents: fc.integer({ min: 1, max: 200_000 }),
          auto: fc.boolean(),
        }),
        fc.record({
          kind: fc.constant('apply' as const),
          pick: fc.nat(),
          policy: fc.constantFrom('standard', 'fifo', 'proportional', 'largest', 'bill-number'),
        }),
        fc.record({ kind: fc.constant('undo' as const), pick: fc.nat() }),
        fc.record({ kind: fc.constant('credit' as const), acct: fc.nat() }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
          const cash = sql`SELECT coalesce(sum(amount_minor), 0) AS "s" FROM journal_lines`;
          const cashBefore = (await prop.get<{ s: number }>(cash))!;
          for (const o of ops) {
            const payments = (await prop.all<{ id: number }>(sql`SELECT id FROM payments ORDER BY id`)).map(
              (r) => r.id,
            );
            let r: Result<unknown>;
            if (o.kind === 'record') {
              const accountNo = accounts[o.acct % accounts.length]!;
              const cur = (await prop.get<{ currency: string }>(
                sql`SELECT currency FROM accounts WHERE account_no = ${accountNo}`,
              ))!.currency;
              const amount = cur === 'JPY' ? String(o.cents) : (o.cents / 100).toFixed(2);
              r = await prop.dispatch('payments:record', {
                accountNo,
                amount,
                allocate: o.auto ? 'auto' : 'none',
              });
            } else if (o.kind === 'apply' && payments.length) {
              r = await prop.dispatch('allocation:apply', {
                paymentId: payments[o.pick % payments.length]!,
                policy: o.policy,
              });
            } else if (o.kind === 'undo' && payments.length) {
              r = await prop.dispatch('allocation:undo', {
                paymentId: payments[o.pick % payments.length]!,
                reasonCode: 4001,
              });
            } else if (o.kind === 'credit') {
              r = await prop.dispatch('allocation:account-credit', {
                accountNo: accounts[o.acct % accounts.length]!,
              });
            } else {
              continue;
            }
            if (!r.ok) expect(['conflict', 'not_found']).toContain(r.error.code);
          }
          const check = await value<LedgerCheckDto>(prop.dispatch('ledger:check', {}));
          expect(check.violations).toEqual([]);
          const cashAfter = (await prop.get<{ s: number }>(cash))!;
          expect(cashAfter.s).toBe(cashBefore.s);
        }),
        { numRuns: 25 },
      );
    } finally {
      await prop.dispose();
    }
  }, 120_000);
});
