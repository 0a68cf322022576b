import { afterEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import { writeAudit } from '../../src-main/ledger/audit';
import { postEntry, type EntryToPost } from '../../src-main/ledger/post-entry';
import { setPoster } from '../../src-main/ledger/set-posting';
import { submitBatch } from '../../src-main/services/batches/submit';
import { dispatchConfirmed } from '../helpers/confirm';
import { freshApp } from '../helpers/ledger';

type TestApp = ReturnType<typeof freshApp>;
const apps: TestApp[] = [];
afterEach(() => {
  for (const a of apps.splice(0)) a.dispose();
});

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

const dollars = (minor: number): string => (minor / 100).toFixed(2);

type Target = { accountNo: string; billNo: string; dueMinor: number };

/** USD accounts with one bill unit and an open bill of at least 2.00 with open items: account, bill, amount due. */
function targets(app: TestApp, n: number): Target[] {
  return app.ctx.ledger.sqlite
    .prepare(
      `SELECT a.account_no AS accountNo, min(b.bill_no) AS billNo, b.amount_due_minor AS dueMinor
       FROM accounts a JOIN bills b ON b.account_id = a.id AND b.status = 'open' AND b.amount_due_minor >= 200
       WHERE a.currency = 'USD' AND a.status = 'active' AND (SELECT count(*) FROM bill_units u WHERE u.account_id = a.id) = 1
         AND EXISTS (SELECT 1 FROM bill_items i WHERE i.bill_id = b.id AND i.status = 'open' AND i.open_minor > 0)
       GROUP BY a.id ORDER BY a.id LIMIT ?`,
    )
    .all(n) as Target[];
}

/** Creates, fills, validates and submits a batch; returns its id and the submit's counts. */
async function batch(
  app: TestApp,
  create: Record<string, unknown>,
  entries: Record<string, unknown>[],
): Promise<{ id: number; submitted: BatchSubmitDto }> {
  const b = await value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD', ...create }),
  );
  await value(app.dispatch('batches:save-entries', { batchId: b.id, entries }));
  const validated = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: b.id }));
  expect(validated.batch.status, JSON.stringify(validated.batch.countsByStatus)).toBe('validated');
  const submitted = await value<BatchSubmitDto>(dispatchConfirmed(app, 'batches:submit', { batchId: b.id }));
  return { id: b.id, submitted };
}

/**
 * The same mixed day on a fresh demo ledger, submitted in the given mode: a bill-level batch (bills paid in full,
 * under- and overpaid, account-only entries allocated oldest first, unknown accounts to suspense), an item-level
 * batch, a EUR batch paying USD accounts (FX), and a reversal batch; returns the ledger it leaves.
 */
async function mixedDay(mode: 'batch' | 'account'): Promise<Record<string, unknown>> {
  const app = freshApp();
  apps.push(app);
  await value(app.dispatch('demo:load', { accounts: 80, seed: 13 }));
  const db = app.ctx.ledger.sqlite;
  const set = db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
  for (const [k, v] of [
    ['ALLOWACCOUNTDUP', true],
    ['NoManualAllocation', true],
    ['PaymentSuspense', true],
    ['payment.batchLock', mode],
  ] as const)
    set.run(k, JSON.stringify(v));
  db.prepare(
    `INSERT OR REPLACE INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm) VALUES ('EUR', 'USD', '2000-01-01', 1083417)`,
  ).run();
  const t = targets(app, 24);
  expect(t.length).toBe(24);
  const pick = (from: number, to: number): Target[] => t.slice(from, to);

  // Bill level: in full, half (underpaid), over by 25.00 (credit left), account only (oldest first), unknown accounts.
  const billLevel = await batch(app, {}, [
    ...pick(0, 4).map((x) => ({ accountNo: x.accountNo, billNo: x.billNo, amount: dollars(x.dueMinor) })),
    ...pick(4, 8).map((x) => ({
      accountNo: x.accountNo,
      billNo: x.billNo,
      amount: dollars(Math.floor(x.dueMinor / 2)),
    })),
    ...pick(8, 11).map((x) => ({
      accountNo: x.accountNo,
      billNo: x.billNo,
      amount: dollars(x.dueMinor + 2500),
    })),
    ...pick(11, 14).map((x, i) => ({ accountNo: x.accountNo, amount: dollars(1234 + i * 9876) })),
    ...pick(0, 2).map((x) => ({ accountNo: x.accountNo, amount: '17.00' })),
    { accountNo: 'NOBODY-1', amount: '44.00' },
    { accountNo: 'NOBODY-2', amount: '5.55' },
  ]);
  expect(billLevel.submitted.suspended).toBe(2);
  // Item level.
  await batch(
    app,
    { allocationLevel: 'item' },
    pick(14, 18).map((x, i) => ({
      accountNo: x.accountNo,
      billNo: x.billNo,
      amount: dollars(i % 2 === 0 ? x.dueMinor : Math.ceil(x.dueMinor / 3)),
    })),
  );
  // FX: a EUR batch paying USD accounts (bill level and account only), and one unknown account.
  const fx = await batch(app, { currency: 'EUR' }, [
    ...pick(18, 21).map((x) => ({ accountNo: x.accountNo, billNo: x.billNo, amount: '12.34' })),
    ...pick(21, 24).map((x) => ({ accountNo: x.accountNo, amount: '99.99' })),
    { accountNo: 'NOBODY-3', amount: '3.21' },
  ]);
  expect(fx.submitted.posted).toBe(6);
  // Reversals of two payments of the bill-level batch (reopening what they closed).
  const reversed = (
    db
      .prepare(
        `SELECT posted_payment_id AS id FROM batch_entries WHERE batch_id = ? AND seq IN (1, 5) ORDER BY seq`,
      )
      .all(billLevel.id) as { id: number }[]
  ).map((r) => ({ paymentRef: r.id }));
  expect(reversed.length).toBe(2);
  const rev = await value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'reversal', payType: 10012, currency: 'USD' }),
  );
  await value(app.dispatch('batches:save-entries', { batchId: rev.id, entries: reversed }));
  await value(app.dispatch('batches:validate', { batchId: rev.id }));
  const done = await value<BatchSubmitDto>(dispatchConfirmed(app, 'batches:submit', { batchId: rev.id }));
  expect(done.reversed).toBe(2);

  const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
  expect(check.violations).toEqual([]);
  const all = (sql: string): unknown[] => db.prepare(sql).all();
  return {
    payments: all(
      `SELECT source_key, kind, account_id, pay_type, channel_id, status, reason_code, amount_minor, currency, account_amount_minor,
              rate_ppm, effective_date, external_ref, bill_no, account_hint, payer_name, batch_id, operator_id
       FROM payments ORDER BY source_key`,
    ),
    allocations: all(
      `SELECT p.source_key, al.account_id, al.bill_id, al.item_id, al.rate_ppm, al.reverses_allocation_id IS NOT NULL AS undo,
              sum(al.amount_minor) AS amount, count(*) AS n
       FROM allocations al JOIN payments p ON p.id = al.payment_id
       GROUP BY p.source_key, al.account_id, al.bill_id, al.item_id, al.rate_ppm, undo ORDER BY 1, 2, 3, 4, 5, 6`,
    ),
    items: all(`SELECT id, open_minor, status FROM bill_items ORDER BY id`),
    bills: all(`SELECT id, amount_due_minor, status FROM bills ORDER BY id`),
    balances: all(`SELECT id, balance_minor FROM accounts ORDER BY id`),
    journalTotals: all(
      `SELECT gl_account, account_id, currency, sum(amount_minor) AS total FROM journal_lines
       GROUP BY gl_account, account_id, currency ORDER BY 1, 2, 3`,
    ),
    entries: all(
      `SELECT e.entry_key, e.status, p.source_key FROM batch_entries e LEFT JOIN payments p ON p.id = e.posted_payment_id
       ORDER BY e.entry_key`,
    ),
    suspense: all(
      `SELECT p.source_key, q.state, q.amount_minor, q.currency FROM suspense_queue q JOIN payments p ON p.id = q.payment_id ORDER BY 1`,
    ),
  };
}

describe('set-based posting', () => {
  it('leaves exactly the ledger that posting one entry at a time leaves (mixed day: bill and item level, under- and overpaid, FX, suspense, reversals)', async () => {
    const setBased = await mixedDay('batch');
    const perEntry = await mixedDay('account');
    // The day really is mixed: allocations at item and bill level, FX, credit left, suspense and reversals.
    const p = setBased.payments as { kind: string; currency: string; rate_ppm: number }[];
    expect(p.filter((x) => x.kind === 'suspended').length).toBe(3);
    expect(p.filter((x) => x.currency === 'EUR' && x.rate_ppm !== 1_000_000).length).toBe(6);
    const a = setBased.allocations as { undo: number; amount: number }[];
    expect(a.filter((x) => x.undo === 1).length).toBeGreaterThan(0);
    expect(a.length).toBeGreaterThan(30);
    for (const key of Object.keys(perEntry)) expect(setBased[key], key).toEqual(perEntry[key]);
  }, 60_000);
});

/** A bill with at least three open items and its account: bill-level lines taken across chunks cross items. */
function multiItemBill(app: TestApp): {
  accountId: number;
  billId: number;
  items: { id: number; open: number }[];
} {
  const db = app.ctx.ledger.sqlite;
  const bill = db
    .prepare(
      `SELECT b.id AS billId, b.account_id AS accountId FROM bills b JOIN accounts a ON a.id = b.account_id
       WHERE a.currency = 'USD' AND a.status = 'active' AND b.status = 'open'
         AND (SELECT count(*) FROM bill_items i WHERE i.bill_id = b.id AND i.status = 'open' AND i.open_minor > 0) >= 3
       ORDER BY b.id LIMIT 1`,
    )
    .get() as { accountId: number; billId: number };
  const items = db
    .prepare(
      `SELECT id, open_minor AS open FROM bill_items WHERE bill_id = ? AND status = 'open' AND open_minor > 0 ORDER BY id`,
    )
    .all(bill.billId) as { id: number; open: number }[];
  return { ...bill, items };
}

function entry(
  key: string,
  accountId: number,
  amountMinor: number,
  level: 'bill' | 'item',
  lines: { targetId: number; billId: number; amountMinor: number }[],
): EntryToPost {
  return {
    to: 'account',
    level,
    lines,
    payment: {
      sourceKey: key,
      accountId,
      accountCurrency: 'USD',
      amountMinor,
      currency: 'USD',
      accountAmountMinor: amountMinor,
      ratePpm: 1_000_000,
      effectiveDate: '2026-11-22',
      payType: 10012,
      channelId: 0,
      externalRef: null,
      billNo: null,
      payerName: null,
      batchId: null,
    },
  };
}

/** Entries that take one bill item by item across chunks (bill level), pay an item directly, and go to suspense. */
function entriesFor(app: TestApp): EntryToPost[] {
  const { accountId, billId, items } = multiItemBill(app);
  const [i1, i2, i3] = items as [
    { id: number; open: number },
    { id: number; open: number },
    { id: number; open: number },
  ];
  const bill = (key: string, amount: number): EntryToPost =>
    entry(key, accountId, amount + 7, 'bill', [{ targetId: billId, billId, amountMinor: amount }]);
  // The first item in three parts, the rest of it with part of the second, then the third item directly.
  const third = Math.floor(i1.open / 3);
  return [
    bill('k-1', third),
    bill('k-2', third),
    {
      to: 'suspense',
      payment: {
        sourceKey: 'k-s',
        amountMinor: 321,
        currency: 'USD',
        effectiveDate: '2026-11-22',
        payType: 10012,
        channelId: 0,
        reasonCode: 2001,
        accountHint: 'NOBODY',
        billNo: null,
        externalRef: null,
        payerName: null,
        batchId: null,
      },
    },
    bill('k-3', i1.open - 2 * third + Math.floor(i2.open / 2)),
    entry('k-4', accountId, i3.open, 'item', [{ targetId: i3.id, billId, amountMinor: i3.open }]),
    bill('k-5', i2.open - Math.floor(i2.open / 2)),
  ];
}

function ledgerOf(app: TestApp): Record<string, unknown> {
  const all = (sql: string): unknown[] => app.ctx.ledger.sqlite.prepare(sql).all();
  return {
    payments: all(
      `SELECT source_key, kind, account_id, amount_minor, account_amount_minor, status FROM payments ORDER BY source_key`,
    ),
    allocations: all(
      `SELECT p.source_key, al.bill_id, al.item_id, sum(al.amount_minor) AS amount FROM allocations al JOIN payments p ON p.id = al.payment_id
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    ),
    items: all(`SELECT id, open_minor, status FROM bill_items ORDER BY id`),
    bills: all(`SELECT id, amount_due_minor, status FROM bills ORDER BY id`),
    balances: all(`SELECT id, balance_minor FROM accounts ORDER BY id`),
    journalTotals: all(
      `SELECT gl_account, account_id, currency, sum(amount_minor) AS total FROM journal_lines GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    ),
  };
}

describe('setPoster (kernel)', () => {
  it('posts chunk by chunk exactly as postEntry posts one entry at a time; a repeat posts nothing; an over-allocation is refused whole', async () => {
    const set = freshApp();
    const one = freshApp();
    apps.push(set, one);
    for (const app of [set, one]) await value(app.dispatch('demo:load', { accounts: 30, seed: 21 }));
    const posted = (app: TestApp, run: (auditId: number) => unknown): unknown =>
      app.ctx.ledger.sqlite.transaction(() =>
        run(
          writeAudit(app.ctx.ledger.sqlite, {
            at: 'now',
            operatorId: null,
            action: 'test.post',
            entity: 'batch',
          }),
        ),
      )();
    const entries = entriesFor(set);
    expect(entriesFor(one)).toEqual(entries);
    // Chunks of two: every bill-level entry after the first sees what an earlier chunk took.
    const counts = posted(set, (auditId) => {
      const poster = setPoster(
        set.ctx.ledger.sqlite,
        { idemKey: 'test:set', effectiveDate: '2026-11-22', auditId },
        'now',
        null,
      );
      const c = [0, 2, 4].map((from) => poster.post(entries.slice(from, from + 2)));
      poster.finish();
      return c;
    });
    expect(counts).toEqual([
      {
        posted: 2,
        postedMinor: entries[0]!.payment.amountMinor + entries[1]!.payment.amountMinor,
        suspended: 0,
        suspendedMinor: 0,
      },
      { posted: 1, postedMinor: entries[3]!.payment.amountMinor, suspended: 1, suspendedMinor: 321 },
      {
        posted: 2,
        postedMinor: entries[4]!.payment.amountMinor + entries[5]!.payment.amountMinor,
        suspended: 0,
        suspendedMinor: 0,
      },
    ]);
    for (const e of entries)
      posted(one, (auditId) =>
        postEntry(
          one.ctx.ledger.sqlite,
          e,
          { idemKey: `test:${e.payment.sourceKey}`, effectiveDate: '2026-11-22', auditId },
          'now',
          null,
        ),
      );
    expect(ledgerOf(set)).toEqual(ledgerOf(one));
    for (const app of [set, one])
      expect((await value<LedgerCheckDto>(app.dispatch('ledger:check', {}))).violations).toEqual([]);

    // The same entries again: nothing posts, no journal opens.
    const before = ledgerOf(set);
    const again = posted(set, (auditId) => {
      const poster = setPoster(
        set.ctx.ledger.sqlite,
        { idemKey: 'test:again', effectiveDate: '2026-11-22', auditId },
        'now',
        null,
      );
      const c = poster.post(entries);
      poster.finish();
      return c;
    });
    expect(again).toEqual({ posted: 0, postedMinor: 0, suspended: 0, suspendedMinor: 0 });
    expect(ledgerOf(set)).toEqual(before);
    expect(
      set.ctx.ledger.sqlite
        .prepare(`SELECT count(*) AS n FROM journals WHERE idem_key LIKE 'test:again%'`)
        .get(),
    ).toEqual({ n: 0 });

    // An item paid past its open amount refuses the chunk: nothing of it stays.
    const { accountId, billId, items } = multiItemBill(set);
    const item = items[0]!;
    expect(() =>
      posted(set, (auditId) => {
        const poster = setPoster(
          set.ctx.ledger.sqlite,
          { idemKey: 'test:over', effectiveDate: '2026-11-22', auditId },
          'now',
          null,
        );
        poster.post([
          entry('o-1', accountId, item.open, 'item', [{ targetId: item.id, billId, amountMinor: item.open }]),
          entry('o-2', accountId, 5, 'item', [{ targetId: item.id, billId, amountMinor: 5 }]),
        ]);
        poster.finish();
      }),
    ).toThrow(/over-pay item/);
    expect(() =>
      posted(set, (auditId) => {
        const poster = setPoster(
          set.ctx.ledger.sqlite,
          { idemKey: 'test:short', effectiveDate: '2026-11-22', auditId },
          'now',
          null,
        );
        poster.post([
          entry('o-3', accountId, 10 ** 9, 'bill', [{ targetId: billId, billId, amountMinor: 10 ** 9 }]),
        ]);
      }),
    ).toThrow(/less open/);
    expect(() =>
      posted(set, (auditId) => {
        const poster = setPoster(
          set.ctx.ledger.sqlite,
          { idemKey: 'test:overpaid', effectiveDate: '2026-11-22', auditId },
          'now',
          null,
        );
        poster.post([entry('o-4', accountId, 1, 'item', [{ targetId: item.id, billId, amountMinor: 2 }])]);
      }),
    ).toThrow(/would allocate 2, more than its 1/);
    expect(ledgerOf(set)).toEqual(before);
  }, 60_000);
});

describe('setPoster after a rollback', () => {
  it('posts on a connection whose first posting was refused and rolled back (its temp tables with it)', async () => {
    const app = freshApp();
    apps.push(app);
    await value(app.dispatch('demo:load', { accounts: 20, seed: 3 }));
    const db = app.ctx.ledger.sqlite;
    const { accountId, billId } = multiItemBill(app);
    const run = (key: string, amountMinor: number): unknown =>
      db.transaction(() => {
        const auditId = writeAudit(db, { at: 'now', operatorId: null, action: 'test.post', entity: 'batch' });
        const poster = setPoster(
          db,
          { idemKey: `test:${key}`, effectiveDate: '2026-11-22', auditId },
          'now',
          null,
        );
        const c = poster.post([
          entry(key, accountId, amountMinor, 'bill', [{ targetId: billId, billId, amountMinor }]),
        ]);
        poster.finish();
        return c;
      })();
    expect(() => run('r-1', 10 ** 9)).toThrow(/less open/);
    expect(run('r-2', 100)).toEqual({ posted: 1, postedMinor: 100, suspended: 0, suspendedMinor: 0 });
  });
});

describe('set-based submit cancelled', () => {
  it('a progress report that throws after a chunk posted rolls the whole submit back; a resubmit then posts it all once', async () => {
    const app = freshApp();
    apps.push(app);
    await value(app.dispatch('demo:load', { accounts: 30, seed: 8 }));
    const db = app.ctx.ledger.sqlite;
    db.prepare(
      `INSERT OR REPLACE INTO settings (key, value) VALUES ('ALLOWACCOUNTDUP', 'true'), ('PaymentSuspense', 'true')`,
    ).run();
    const t = targets(app, 5);
    const b = await value<BatchDto>(
      app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
    );
    await value(
      app.dispatch('batches:save-entries', {
        batchId: b.id,
        entries: [
          ...t.map((x) => ({ accountNo: x.accountNo, billNo: x.billNo, amount: dollars(x.dueMinor) })),
          { accountNo: 'NOBODY', amount: '1.00' },
        ],
      }),
    );
    await value(app.dispatch('batches:validate', { batchId: b.id }));
    const before = ledgerOf(app);
    const journals = db.prepare('SELECT count(*) AS n FROM journals').pluck();
    const n = journals.get();
    const cancel = (phase: string, done: number): void => {
      if (phase === 'posting' && done > 0) throw new Error('cancelled');
    };
    expect(() => submitBatch(db, { batchId: b.id }, new Date('2026-11-22T10:00:00Z'), null, cancel)).toThrow(
      'cancelled',
    );
    expect(ledgerOf(app)).toEqual(before);
    expect(journals.get()).toBe(n);
    const done = submitBatch(db, { batchId: b.id }, new Date('2026-11-22T10:00:00Z'), null);
    expect(done).toMatchObject({ posted: 5, suspended: 1 });
    expect(submitBatch(db, { batchId: b.id }, new Date('2026-11-22T10:00:00Z'), null)).toMatchObject({
      posted: 0,
      alreadyPosted: 6,
    });
    expect((await value<LedgerCheckDto>(app.dispatch('ledger:check', {}))).violations).toEqual([]);
  });
});
