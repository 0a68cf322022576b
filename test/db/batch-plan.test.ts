import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import { plannedVerdicts, type PlanStats } from '../../src-main/services/batches/planned';
import { computeVerdicts } from '../../src-main/services/batches/validate';
import { freshApp } from '../helpers/ledger';

type TestApp = ReturnType<typeof freshApp>;
let app: TestApp;

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

function setSetting(key: string, v: unknown): void {
  app.ctx.ledger.sqlite
    .prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)')
    .run(key, JSON.stringify(v));
}

/** Active USD accounts that have at least `bills` open bills, in id order. */
function usdAccounts(n: number, bills = 1): { no: string; id: number }[] {
  return app.ctx.ledger.sqlite
    .prepare(
      `SELECT a.account_no AS no, a.id FROM accounts a
       WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
         AND (SELECT count(*) FROM bills b WHERE b.account_id = a.id AND b.status = 'open') >= ?
       ORDER BY a.id LIMIT ?`,
    )
    .all(bills, n) as { no: string; id: number }[];
}

async function newBatch(): Promise<BatchDto> {
  return value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
  );
}

async function keyed(batchId: number, entries: Record<string, unknown>[]): Promise<void> {
  await value(app.dispatch('batches:save-entries', { batchId, entries }));
}

async function clean(): Promise<void> {
  const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
  expect(check.violations).toEqual([]);
}

/** The allocations posted for a batch: payment's entry key, bill and amount. */
function allocations(batchId: number): { key: string; billId: number; amountMinor: number }[] {
  return app.ctx.ledger.sqlite
    .prepare(
      `SELECT p.source_key AS key, al.bill_id AS billId, sum(al.amount_minor) AS amountMinor
       FROM allocations al JOIN payments p ON p.id = al.payment_id WHERE p.batch_id = ?
       GROUP BY p.source_key, al.bill_id ORDER BY p.source_key, al.bill_id`,
    )
    .all(batchId) as { key: string; billId: number; amountMinor: number }[];
}

beforeEach(async () => {
  app = freshApp();
  await value(app.dispatch('demo:load', { accounts: 80, seed: 7 }));
  setSetting('PaymentSuspense', true);
  setSetting('ALLOWACCOUNTDUP', true);
});
afterEach(() => app.dispose());

describe('validate once, submit from the plan', () => {
  it('after an unrelated ledger change, submit re-plans nothing and posts the lines validation planned', async () => {
    const db = app.ctx.ledger.sqlite;
    const [a1, a2, other] = usdAccounts(3, 2);
    const batch = await newBatch();
    await keyed(batch.id, [
      { accountNo: a1!.no, amount: '10.00' },
      { accountNo: a2!.no, amount: '2.00' },
      { accountNo: 'NOBODY-1', amount: '3.00' },
    ]);
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    // Another batch pays another account after validation (its items move; it is in no entry's plan).
    const unrelated = await newBatch();
    await keyed(unrelated.id, [{ accountNo: other!.no, amount: '5.00' }]);
    await value(app.dispatch('batches:validate', { batchId: unrelated.id }));
    await value(app.dispatch('batches:submit', { batchId: unrelated.id }));
    const stats = {} as PlanStats;
    const planned = plannedVerdicts(db, batch.id, stats);
    expect(stats).toEqual({ full: false, reason: null, replannedAccounts: 0, replannedEntries: 0 });
    // The stored plan is what a fresh validation would say.
    expect(planned).toEqual(
      computeVerdicts(db, batch.id).map((v) => ({ ...v, duplicateOf: v.duplicateOf ?? null })),
    );
    // Submit posts the stored lines: steer a1's planned line to its other open bill, and that is what posts.
    const row = db
      .prepare('SELECT plan FROM batch_plans WHERE batch_id = ? AND account_id = ?')
      .get(batch.id, a1!.id) as { plan: string };
    const plan = JSON.parse(row.plan) as { e: number[]; p: number[][] };
    const line = plan.p[0]!;
    expect(line.length).toBe(6);
    const otherBill = db
      .prepare(
        `SELECT id FROM bills WHERE account_id = ? AND status = 'open' AND id <> ? AND amount_due_minor >= 1000 ORDER BY id LIMIT 1`,
      )
      .get(a1!.id, line[4]) as { id: number } | undefined;
    expect(otherBill).toBeDefined();
    line[3] = otherBill!.id;
    line[4] = otherBill!.id;
    db.prepare('UPDATE batch_plans SET plan = ? WHERE batch_id = ? AND account_id = ?').run(
      JSON.stringify(plan),
      batch.id,
      a1!.id,
    );
    const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
    expect(out).toMatchObject({ posted: 2, suspended: 1 });
    const posted = allocations(batch.id);
    expect(posted.find((a) => a.amountMinor === 1000)?.billId).toBe(otherBill!.id);
    await clean();
  });

  it("a change to one account's bills re-plans that account only; a changed verdict still refuses the submit", async () => {
    const db = app.ctx.ledger.sqlite;
    const [a1, a2, a3] = usdAccounts(3, 1);
    const batch = await newBatch();
    await keyed(batch.id, [
      { accountNo: a1!.no, amount: '10.00' },
      { accountNo: a2!.no, amount: '2.00' },
      { accountNo: a3!.no, amount: '4.00' },
    ]);
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    // Another batch pays a1 after validation: a1's open items move.
    const first = await newBatch();
    await keyed(first.id, [{ accountNo: a1!.no, amount: '7.00' }]);
    await value(app.dispatch('batches:validate', { batchId: first.id }));
    await value(app.dispatch('batches:submit', { batchId: first.id }));
    const stats = {} as PlanStats;
    const planned = plannedVerdicts(db, batch.id, stats);
    expect(stats).toEqual({ full: false, reason: null, replannedAccounts: 1, replannedEntries: 1 });
    // Re-planned against the ledger as it is now: the same as validating afresh.
    expect(planned).toEqual(
      computeVerdicts(db, batch.id).map((v) => ({ ...v, duplicateOf: v.duplicateOf ?? null })),
    );
    const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
    expect(out).toMatchObject({ posted: 3 });
    await clean();

    // A change that turns a verdict: the account is closed after validation; submit refuses and says why.
    const again = await newBatch();
    await keyed(again.id, [
      { accountNo: a2!.no, amount: '1.00' },
      { accountNo: a3!.no, amount: '1.50' },
    ]);
    await value(app.dispatch('batches:validate', { batchId: again.id }));
    db.prepare(`UPDATE accounts SET status = 'closed' WHERE id = ?`).run(a2!.id);
    const s2 = {} as PlanStats;
    expect(plannedVerdicts(db, again.id, s2).map((v) => v.status)).toEqual(['to_be_suspended', 'valid']);
    expect(s2).toMatchObject({ full: false, replannedAccounts: 1, replannedEntries: 1 });
    const refused = await app.dispatch('batches:submit', { batchId: again.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'revalidate' } });
    expect(
      (db.prepare('SELECT count(*) AS n FROM payments WHERE batch_id = ?').get(again.id) as { n: number }).n,
    ).toBe(0);
  });

  it('settings or a new bill after validation re-plan the whole batch', async () => {
    const db = app.ctx.ledger.sqlite;
    const [a1] = usdAccounts(1, 1);
    const batch = await newBatch();
    await keyed(batch.id, [{ accountNo: a1!.no, amount: '10.00' }]);
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    const stats = {} as PlanStats;
    plannedVerdicts(db, batch.id, stats);
    expect(stats.full).toBe(false);
    setSetting('allocation.overpayment', 'suspend');
    plannedVerdicts(db, batch.id, stats);
    expect(stats).toMatchObject({ full: true, reason: 'settings or rates changed' });
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    plannedVerdicts(db, batch.id, stats);
    expect(stats.full).toBe(false);
    await value(app.dispatch('batches:update-header', { batchId: batch.id, lockboxNo: 'LB-9' }));
    plannedVerdicts(db, batch.id, stats);
    expect(stats).toMatchObject({ full: true, reason: 'batch changed since validation' });
    await value(app.dispatch('batches:validate', { batchId: batch.id }));
    db.prepare(
      `INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor, status)
       SELECT 'NEW-BILL-1', bill_unit_id, account_id, bill_date, due_date, currency, 0, 0, 'closed' FROM bills WHERE account_id = ? LIMIT 1`,
    ).run(a1!.id);
    plannedVerdicts(db, batch.id, stats);
    expect(stats).toMatchObject({ full: true, reason: 'account or bill numbers changed' });
  });
});

describe('statuses by exception', () => {
  it('validation writes only entries whose verdict changed; counts stay exact through edit, exception batch and submit', async () => {
    const db = app.ctx.ledger.sqlite;
    const accts = usdAccounts(4, 1);
    db.exec(
      `CREATE TEMP TABLE status_writes (id INTEGER); CREATE TEMP TRIGGER count_status_writes AFTER UPDATE OF status ON batch_entries
       BEGIN INSERT INTO status_writes VALUES (new.id); END`,
    );
    const writes = (): number => {
      const n = (db.prepare('SELECT count(*) AS n FROM status_writes').get() as { n: number }).n;
      db.exec('DELETE FROM status_writes');
      return n;
    };
    const exact = (batchId: number, dto: BatchDto, validated = true): void => {
      const groups = db
        .prepare(
          `SELECT status, count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM batch_entries WHERE batch_id = ? GROUP BY status`,
        )
        .all(batchId) as { status: string; n: number; s: number }[];
      expect(dto.countsByStatus).toEqual(Object.fromEntries(groups.map((g) => [g.status, g.n])));
      expect(dto.totalsByStatus).toEqual(Object.fromEntries(groups.map((g) => [g.status, g.s])));
      // What is stored is what the rules say now (once validated).
      if (!validated) return;
      const stored = new Map(
        (
          db.prepare('SELECT id, status FROM batch_entries WHERE batch_id = ?').all(batchId) as {
            id: number;
            status: string;
          }[]
        ).map((r) => [r.id, r.status]),
      );
      for (const v of computeVerdicts(db, batchId)) expect(stored.get(v.id)).toBe(v.status);
    };
    const batch = await newBatch();
    await keyed(batch.id, [
      { accountNo: accts[0]!.no, amount: '10.00' },
      { accountNo: accts[1]!.no, amount: '2.00' },
      { accountNo: 'NOBODY-7', amount: '3.00' },
      { accountNo: accts[2]!.no, amount: '-1.00' },
      { accountNo: accts[3]!.no, amount: '4.00' },
    ]);
    writes();
    let v = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: batch.id }));
    expect(writes()).toBe(5);
    exact(batch.id, v.batch);
    expect(v.batch.countsByStatus).toEqual({ valid: 3, to_be_suspended: 1, invalid: 1 });
    // Validated again with nothing changed: nothing is written.
    v = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: batch.id }));
    expect(writes()).toBe(0);
    exact(batch.id, v.batch);
    // One entry edited: it goes back to new, and the next validation writes it alone.
    const ids = (
      db.prepare('SELECT id FROM batch_entries WHERE batch_id = ? ORDER BY seq').all(batch.id) as {
        id: number;
      }[]
    ).map((r) => r.id);
    await keyed(batch.id, [{ id: ids[1], amount: '2.50' }]);
    exact(batch.id, await value<BatchDto>(app.dispatch('batches:get', { batchId: batch.id })), false);
    writes();
    v = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: batch.id }));
    expect(writes()).toBe(1);
    exact(batch.id, v.batch);
    const moved = await value<{ exception: BatchDto; moved: number }>(
      app.dispatch('batches:exception', { batchId: batch.id }),
    );
    expect(moved.moved).toBe(1);
    exact(moved.exception.id, moved.exception, false);
    v = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: batch.id }));
    exact(batch.id, v.batch);
    expect(v.batch.countsByStatus).toEqual({ valid: 3, to_be_suspended: 1 });
    const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
    expect(out.batch.countsByStatus).toEqual({ posted: 3, posted_suspense: 1 });
    expect(out.batch.totalsByStatus).toEqual({ posted: 1650, posted_suspense: 300 });
    expect(out.batch.zeroProof.accountedCount).toBe(5);
    await clean();
  });
});
