import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import { plannedVerdicts, type PlanStats } from '../../src-main/services/batches/planned';
import { computeVerdicts, computeVerdictsIn } from '../../src-main/services/batches/validate';
import { APPS, type TestApp } from '../helpers/apps';
import { expectClean, setSettingVia, value } from '../helpers/suspense';

let app: TestApp;

const setSetting = (key: string, v: unknown): Promise<void> => setSettingVia(app, key, v);

/** Active USD accounts that have at least `bills` open bills, in id order. */
function usdAccounts(n: number, bills = 1): Promise<{ no: string; id: number }[]> {
  return app.all<{ no: string; id: number }>(
    sql`SELECT a.account_no AS no, a.id FROM accounts a
        WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
          AND (SELECT count(*) FROM bills b WHERE b.account_id = a.id AND b.status = 'open') >= ${bills}
        ORDER BY a.id LIMIT ${n}`,
  );
}

/**
 * The SQLite connection, for what only SQLite's driver submit does: it posts from the plan validation stored
 * (plannedVerdicts), while PostgreSQL's submit checks every verdict afresh and reads no plan.
 */
function driver(): Database.Database {
  const db = app.ctx.ledger.sqlite;
  if (!db) throw new Error('the stored plan is read on SQLite only');
  return db;
}

async function newBatch(): Promise<BatchDto> {
  return value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
  );
}

async function keyed(batchId: number, entries: Record<string, unknown>[]): Promise<void> {
  await value(app.dispatch('batches:save-entries', { batchId, entries }));
}

const clean = (): Promise<void> => expectClean(app);

/** A fresh validation's verdicts (no writes but the keys copy, so not a read-only transaction on PostgreSQL). */
function freshVerdicts(batchId: number): ReturnType<typeof computeVerdictsIn> {
  return app.ctx.storage.transaction((tx) => computeVerdictsIn(tx, batchId));
}

async function write(query: ReturnType<typeof sql>): Promise<void> {
  await app.ctx.storage.transaction(async (tx) => {
    await tx.run(query);
  });
}

/** The allocations posted for a batch: payment's entry key, bill and amount. */
function allocations(batchId: number): Promise<{ key: string; billId: number; amountMinor: number }[]> {
  return app.all<{ key: string; billId: number; amountMinor: number }>(
    sql`SELECT p.source_key AS key, al.bill_id AS "billId", sum(al.amount_minor) AS "amountMinor"
        FROM allocations al JOIN payments p ON p.id = al.payment_id WHERE p.batch_id = ${batchId}
        GROUP BY p.source_key, al.bill_id ORDER BY p.source_key, al.bill_id`,
  );
}

/** The stored plan of one account of a batch. */
async function storedPlan(batchId: number, accountId: number): Promise<{ e: number[]; p: number[][] }> {
  const row = await app.get<{ plan: string }>(
    sql`SELECT plan FROM batch_plans WHERE batch_id = ${batchId} AND account_id = ${accountId}`,
  );
  return JSON.parse(row!.plan) as { e: number[]; p: number[][] };
}

describe.each(APPS.filter((r) => r.available))('batch plans ($dialect)', ({ dialect, open }) => {
  beforeEach(async () => {
    app = await open({ login: 'tester', clock: () => new Date('2026-11-22T09:00:00Z') });
    await value(app.dispatch('demo:load', { accounts: 80, seed: 7 }));
    await setSetting('PaymentSuspense', true);
    await setSetting('ALLOWACCOUNTDUP', true);
  });
  afterEach(() => app.dispose());

  describe('validate once, submit from the plan', () => {
    it('after an unrelated ledger change, submit re-plans nothing and posts the lines validation planned', async () => {
      const [a1, a2, other] = await usdAccounts(3, 2);
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
      const plan = await storedPlan(batch.id, a1!.id);
      const line = plan.p[0]!;
      expect(line.length).toBe(6);
      let billId = line[4];
      // Only SQLite's driver submit posts from the stored plan (PostgreSQL's checks every verdict afresh): there the
      // plan is steered to show it is what posts; on PostgreSQL the line validation planned is the one that posts.
      if (dialect === 'sqlite') {
        const db = driver();
        const stats = {} as PlanStats;
        const planned = plannedVerdicts(db, batch.id, stats);
        expect(stats).toEqual({ full: false, reason: null, replannedAccounts: 0, replannedEntries: 0 });
        // The stored plan is what a fresh validation would say.
        expect(planned).toEqual(
          computeVerdicts(db, batch.id).map((v) => ({ ...v, duplicateOf: v.duplicateOf ?? null })),
        );
        // Submit posts the stored lines: steer a1's planned line to its other open bill, and that is what posts.
        const otherBill = await app.get<{ id: number }>(
          sql`SELECT id FROM bills WHERE account_id = ${a1!.id} AND status = 'open' AND id <> ${line[4]!}
              AND amount_due_minor >= 1000 ORDER BY id LIMIT 1`,
        );
        expect(otherBill).toBeDefined();
        line[3] = otherBill!.id;
        line[4] = otherBill!.id;
        billId = otherBill!.id;
        await write(
          sql`UPDATE batch_plans SET plan = ${JSON.stringify(plan)} WHERE batch_id = ${batch.id} AND account_id = ${a1!.id}`,
        );
      }
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(out).toMatchObject({ posted: 2, suspended: 1 });
      const posted = await allocations(batch.id);
      expect(posted.find((a) => a.amountMinor === 1000)?.billId).toBe(billId);
      await clean();
    });

    it("a change to one account's bills re-plans that account only; a changed verdict still refuses the submit", async () => {
      const [a1, a2, a3] = await usdAccounts(3, 1);
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
      // How much is re-planned is SQLite's driver submit's (PostgreSQL's reads no stored plan).
      if (dialect === 'sqlite') {
        const db = driver();
        const stats = {} as PlanStats;
        const planned = plannedVerdicts(db, batch.id, stats);
        expect(stats).toEqual({ full: false, reason: null, replannedAccounts: 1, replannedEntries: 1 });
        // Re-planned against the ledger as it is now: the same as validating afresh.
        expect(planned).toEqual(
          computeVerdicts(db, batch.id).map((v) => ({ ...v, duplicateOf: v.duplicateOf ?? null })),
        );
      }
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
      await write(sql`UPDATE accounts SET status = 'closed' WHERE id = ${a2!.id}`);
      expect((await freshVerdicts(again.id)).map((v) => v.status)).toEqual(['to_be_suspended', 'valid']);
      if (dialect === 'sqlite') {
        const s2 = {} as PlanStats;
        expect(plannedVerdicts(driver(), again.id, s2).map((v) => v.status)).toEqual([
          'to_be_suspended',
          'valid',
        ]);
        expect(s2).toMatchObject({ full: false, replannedAccounts: 1, replannedEntries: 1 });
      }
      const refused = await app.dispatch('batches:submit', { batchId: again.id });
      expect(refused).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'revalidate' } });
      expect(await app.get(sql`SELECT count(*) AS n FROM payments WHERE batch_id = ${again.id}`)).toEqual({
        n: 0,
      });
    });

    // When the stored plan goes stale is asked by SQLite's driver submit only: PostgreSQL's submit reads no plan.
    it.runIf(dialect === 'sqlite')(
      'settings or a new bill after validation re-plan the whole batch',
      async () => {
        const db = driver();
        const [a1] = await usdAccounts(1, 1);
        const batch = await newBatch();
        await keyed(batch.id, [{ accountNo: a1!.no, amount: '10.00' }]);
        await value(app.dispatch('batches:validate', { batchId: batch.id }));
        const stats = {} as PlanStats;
        plannedVerdicts(db, batch.id, stats);
        expect(stats.full).toBe(false);
        await setSetting('allocation.overpayment', 'suspend');
        plannedVerdicts(db, batch.id, stats);
        expect(stats).toMatchObject({ full: true, reason: 'settings or rates changed' });
        await value(app.dispatch('batches:validate', { batchId: batch.id }));
        plannedVerdicts(db, batch.id, stats);
        expect(stats.full).toBe(false);
        await value(app.dispatch('batches:update-header', { batchId: batch.id, lockboxNo: 'LB-9' }));
        plannedVerdicts(db, batch.id, stats);
        expect(stats).toMatchObject({ full: true, reason: 'batch changed since validation' });
        await value(app.dispatch('batches:validate', { batchId: batch.id }));
        await write(
          sql`INSERT INTO bills (bill_no, bill_unit_id, account_id, bill_date, due_date, currency, total_minor, amount_due_minor, status)
            SELECT 'NEW-BILL-1', bill_unit_id, account_id, bill_date, due_date, currency, 0, 0, 'closed' FROM bills WHERE account_id = ${a1!.id} LIMIT 1`,
        );
        plannedVerdicts(db, batch.id, stats);
        expect(stats).toMatchObject({ full: true, reason: 'account or bill numbers changed' });
      },
    );
  });

  describe('statuses by exception', () => {
    it('validation writes only entries whose verdict changed; counts stay exact through edit, exception batch and submit', async () => {
      const accts = await usdAccounts(4, 1);
      // Every write of an entry's status is counted, whether or not it changes the value.
      if (dialect === 'sqlite')
        driver().exec(
          `CREATE TEMP TABLE status_writes (id INTEGER); CREATE TEMP TRIGGER count_status_writes AFTER UPDATE OF status ON batch_entries
           BEGIN INSERT INTO status_writes VALUES (new.id); END`,
        );
      else
        // PostgreSQL has no temporary trigger, and the validation writes from another pooled session: a table of
        // this test's own database.
        await app.ctx.storage.transaction(async (tx) => {
          await tx.run(sql`CREATE TABLE status_writes (id bigint)`);
          await tx.run(
            sql.raw(`CREATE FUNCTION count_status_write() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN INSERT INTO status_writes VALUES (new.id); RETURN NULL; END $$`),
          );
          await tx.run(
            sql`CREATE TRIGGER count_status_writes AFTER UPDATE OF status ON batch_entries
                FOR EACH ROW EXECUTE FUNCTION count_status_write()`,
          );
        });
      const writes = (): Promise<number> =>
        app.ctx.storage.transaction(async (tx) => {
          const n = (await tx.get<{ n: number }>(sql`SELECT count(*) AS n FROM status_writes`))!.n;
          await tx.run(sql`DELETE FROM status_writes`);
          return n;
        });
      const exact = async (batchId: number, dto: BatchDto, validated = true): Promise<void> => {
        const groups = await app.all<{ status: string; n: number; s: number }>(
          sql`SELECT status, count(*) AS n, coalesce(sum(amount_minor), 0) AS s FROM batch_entries
              WHERE batch_id = ${batchId} GROUP BY status`,
        );
        expect(dto.countsByStatus).toEqual(Object.fromEntries(groups.map((g) => [g.status, g.n])));
        expect(dto.totalsByStatus).toEqual(Object.fromEntries(groups.map((g) => [g.status, g.s])));
        // What is stored is what the rules say now (once validated).
        if (!validated) return;
        const stored = new Map(
          (
            await app.all<{ id: number; status: string }>(
              sql`SELECT id, status FROM batch_entries WHERE batch_id = ${batchId}`,
            )
          ).map((r) => [r.id, r.status]),
        );
        for (const v of await freshVerdicts(batchId)) expect(stored.get(v.id)).toBe(v.status);
      };
      const batch = await newBatch();
      await keyed(batch.id, [
        { accountNo: accts[0]!.no, amount: '10.00' },
        { accountNo: accts[1]!.no, amount: '2.00' },
        { accountNo: 'NOBODY-7', amount: '3.00' },
        { accountNo: accts[2]!.no, amount: '-1.00' },
        { accountNo: accts[3]!.no, amount: '4.00' },
      ]);
      await writes();
      let v = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: batch.id }));
      expect(await writes()).toBe(5);
      await exact(batch.id, v.batch);
      expect(v.batch.countsByStatus).toEqual({ valid: 3, to_be_suspended: 1, invalid: 1 });
      // Validated again with nothing changed: nothing is written.
      v = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: batch.id }));
      expect(await writes()).toBe(0);
      await exact(batch.id, v.batch);
      // One entry edited: it goes back to new, and the next validation writes it alone.
      const ids = (
        await app.all<{ id: number }>(
          sql`SELECT id FROM batch_entries WHERE batch_id = ${batch.id} ORDER BY seq`,
        )
      ).map((r) => r.id);
      await keyed(batch.id, [{ id: ids[1], amount: '2.50' }]);
      await exact(batch.id, await value<BatchDto>(app.dispatch('batches:get', { batchId: batch.id })), false);
      await writes();
      v = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: batch.id }));
      expect(await writes()).toBe(1);
      await exact(batch.id, v.batch);
      const moved = await value<{ exception: BatchDto; moved: number }>(
        app.dispatch('batches:exception', { batchId: batch.id }),
      );
      expect(moved.moved).toBe(1);
      await exact(moved.exception.id, moved.exception, false);
      v = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId: batch.id }));
      await exact(batch.id, v.batch);
      expect(v.batch.countsByStatus).toEqual({ valid: 3, to_be_suspended: 1 });
      const out = await value<BatchSubmitDto>(app.dispatch('batches:submit', { batchId: batch.id }));
      expect(out.batch.countsByStatus).toEqual({ posted: 3, posted_suspense: 1 });
      expect(out.batch.totalsByStatus).toEqual({ posted: 1650, posted_suspense: 300 });
      expect(out.batch.zeroProof.accountedCount).toBe(5);
      await clean();
    });
  });
});
