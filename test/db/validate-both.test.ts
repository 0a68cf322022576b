import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import { BATCH_PAY_TYPES } from '../../src-main/domain/batch-rules';
import { cancelled } from '../../src-main/ledger/errors';
import { recordPayment } from '../../src-main/ledger/record-payment';
import {
  createBatchVia,
  saveEntriesVia,
  type CreateBatchInput,
  type EntryFields,
} from '../../src-main/services/batches/batch-store';
import { allocateEntry, entryAllocationView } from '../../src-main/services/batches/entry-allocation';
import { validateBatchVia } from '../../src-main/services/batches/validate';
import { alikeOn, answer } from '../helpers/alike';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { freshApp } from '../helpers/ledger';
import { racing } from '../helpers/racing';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { value } from '../helpers/suspense';

// Issue #17: batch validation (the 'batch-validate' job of `batches:validate`) and a batch entry's allocation
// dialog run through the storage port. A demo ledger built on SQLite and copied to PostgreSQL validates the same
// entries to the same verdicts, statuses, totals, stored plan and audit rows on both; a cancelled validation writes
// nothing. A validation racing a save into its batch gives verdicts of one moment (the new entry is validated, or
// the batch is left open to validate again); two validations at once store one plan; two clerks setting one entry's
// allocation at once end as one after the other.

const NOW = new Date('2026-11-23T09:00:00Z');

type Db = { dialect: Dialect; storage: Storage; driver?: Database.Database };

/** What validation and the entry dialog write, every row read the same way on both databases. */
function written(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      batches: await tx.all(
        sql`SELECT id, batch_no AS "batchNo", status, validated_at AS "validatedAt", updated_at AS "updatedAt"
            FROM batches ORDER BY id`,
      ),
      entries: await tx.all<{ id: number; batchId: number; status: string }>(
        sql`SELECT id, batch_id AS "batchId", seq, status, reason_code AS "reasonCode", problem,
              problem_column AS "problemColumn", problems_json AS "problemsJson", account_id AS "accountId",
              fingerprint, duplicate_of_entry_id AS "dupEntry", duplicate_of_payment_id AS "dupPayment",
              allocation_json AS "allocationJson"
            FROM batch_entries ORDER BY id`,
      ),
      plans: await tx.all<{ batchId: number; accountId: number; plan: string }>(
        sql`SELECT batch_id AS "batchId", account_id AS "accountId", rev, plan FROM batch_plans
            ORDER BY batch_id, account_id`,
      ),
      audit: await tx.all(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

describe('batch validation and the entry allocation dialog on both databases', () => {
  const dbs: Db[] = [];
  let app: ReturnType<typeof freshApp>;
  let disposePg: (() => Promise<void>) | undefined;
  let clerk: number;
  /** USD accounts with two open bills of paying bill units, each test its own. */
  let accounts: { accountNo: string; bills: { billNo: string; due: number }[] }[];
  let closedAccount: string;
  let reversible: { id: number; payType: number }[];

  beforeAll(async () => {
    app = freshApp(new Date('2026-11-22T09:00:00Z'));
    await value(app.dispatch('demo:load', { accounts: 60, seed: 23 }));
    clerk = app.ctx.operator.id;
    const db = app.ctx.ledger.sqlite;
    const nos = db
      .prepare(
        `SELECT a.account_no FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
           AND (SELECT count(*) FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
                WHERE b.account_id = a.id AND b.status = 'open' AND u.paying = 1 AND b.amount_due_minor >= 2000) >= 2
         ORDER BY a.id LIMIT 9`,
      )
      .pluck()
      .all() as string[];
    expect(nos).toHaveLength(9);
    accounts = nos.map((accountNo) => ({
      accountNo,
      bills: db
        .prepare(
          `SELECT b.bill_no AS billNo, b.amount_due_minor AS due FROM bills b JOIN accounts a ON a.id = b.account_id
           JOIN bill_units u ON u.id = b.bill_unit_id
           WHERE a.account_no = ? AND b.status = 'open' AND u.paying = 1 AND b.amount_due_minor >= 2000 ORDER BY b.id`,
        )
        .all(accountNo) as { billNo: string; due: number }[],
    }));
    closedAccount = accounts.pop()!.accountNo;
    db.prepare(`UPDATE accounts SET status = 'closed' WHERE account_no = ?`).run(closedAccount);
    const payType = BATCH_PAY_TYPES.reversal[0]!;
    reversible = [];
    for (const [i, acct] of [accounts[6]!, accounts[7]!].entries())
      reversible.push({
        id: (
          await recordPayment(
            app.ctx.storage,
            {
              accountNo: acct.accountNo,
              amount: '30.00',
              payType,
              channelId: 0,
              allocate: 'none',
              sourceKey: `vb-${i}`,
            },
            NOW,
            clerk,
          )
        ).paymentId,
        payType,
      });
    expect(reversible).toHaveLength(2);
    dbs.push({ dialect: 'sqlite', storage: app.ctx.storage, driver: db });
    if (STORAGES[1]!.available) {
      const pg = await freshPostgres();
      disposePg = pg.dispose;
      await copyToPostgres(db, pg.storage);
      dbs.push({ dialect: 'postgres', storage: pg.storage });
    }
  }, 180_000);
  afterAll(async () => {
    await disposePg?.();
    app?.dispose();
  });

  const { same, refused } = alikeOn(dbs, written);

  const batchOf = async (
    storage: Storage,
    input: Partial<CreateBatchInput>,
    entries: EntryFields[],
  ): Promise<number> => {
    const b = await createBatchVia(
      storage,
      {
        batchType: 'payment',
        payType: 10012,
        currency: 'USD',
        channelId: 0,
        allocationLevel: 'bill',
        ...input,
      },
      NOW,
      clerk,
    );
    await saveEntriesVia(storage, { batchId: b.id, entries }, NOW, clerk);
    return b.id;
  };
  const validate = (
    db: Db,
    batchId: number,
    progress?: (phase: string, done: number, total: number) => void,
  ) => validateBatchVia(db.storage, batchId, NOW, clerk, progress).then((r) => r.batch);
  const money = (minor: number) => (minor / 100).toFixed(2);
  const rowsOf = async (storage: Storage, batchId: number) => {
    const w = await written(storage);
    return {
      batch: w.batches.find((b) => (b as { id: number }).id === batchId),
      entries: w.entries.filter((e) => e.batchId === batchId),
      plans: w.plans.filter((p) => p.batchId === batchId),
    };
  };

  it('validates good, unknown, closed, bill-only, duplicate and bad entries alike, then reversal entries', async () => {
    const [a, b] = accounts;
    const payment: EntryFields[] = [
      { accountNo: a!.accountNo, amount: money(a!.bills[0]!.due), paymentDate: '2026-11-20', checkNo: '101' },
      { accountNo: 'NO-SUCH-ACCOUNT', amount: '12.00', paymentDate: '2026-11-20' },
      { accountNo: closedAccount, amount: '15.00', paymentDate: '2026-11-20' },
      { billNo: b!.bills[1]!.billNo, amount: money(b!.bills[1]!.due + 500), paymentDate: '2026-11-20' },
      { accountNo: a!.accountNo, amount: money(a!.bills[0]!.due), paymentDate: '2026-11-20', checkNo: '101' },
      { accountNo: b!.accountNo, amount: 'twelve', paymentDate: '2026-11-20' },
      { accountNo: b!.accountNo.toLowerCase(), amount: '3.00', paymentDate: '2026-11-20' },
    ];
    const out = await same(async (db) => {
      const batchId = await batchOf(db.storage, {}, payment);
      const first = await validate(db, batchId);
      const again = await validate(db, batchId);
      // The same payment keyed into another batch is suspected a duplicate of the first batch's entry.
      const copy = await batchOf(db.storage, {}, [payment[0]!]);
      return {
        first,
        again,
        copy: await validate(db, copy),
        rows: await rowsOf(db.storage, batchId),
        copyRows: await rowsOf(db.storage, copy),
      };
    });
    const statuses = out.rows.entries.map((e) => e.status);
    expect(statuses).toEqual(['valid', 'invalid', 'invalid', 'valid', 'invalid', 'invalid', 'invalid']);
    expect(out.copyRows.entries.map((e) => e.status)).toEqual(['duplicate_suspected']);
    expect(statuses.filter((s) => s === 'new')).toEqual([]);
    expect(out.first.status).toBe('validated');
    expect(out.again).toEqual(out.first);
    // One plan row per account validation resolved entries to, and the batch-wide row 0.
    expect(out.rows.plans.map((p) => p.accountId)[0]).toBe(0);
    expect(out.rows.plans.length).toBeGreaterThan(2);

    const reversal = await same(async (db) => {
      const payType = reversible[0]!.payType;
      const batchId = await batchOf(db.storage, { batchType: 'reversal', payType }, [
        { paymentRef: reversible[0]!.id },
        { paymentRef: 999_999_999 },
        { paymentRef: reversible[0]!.id },
        { paymentRef: reversible[1]!.id, custom: { reasonCode: '99999' } },
      ]);
      return { batch: await validate(db, batchId), rows: await rowsOf(db.storage, batchId) };
    });
    expect(reversal.rows.entries.map((e) => e.status)).toEqual(['valid', 'invalid', 'invalid', 'invalid']);
  });

  it('a cancelled validation rolls back: the batch, its entries, plan and audit as before', async () => {
    const c = accounts[2]!;
    const ids: Record<string, number> = {};
    await same(async (db) => {
      ids[db.dialect] = await batchOf(db.storage, {}, [
        { accountNo: c.accountNo, amount: '20.00', paymentDate: '2026-11-20' },
        { billNo: c.bills[0]!.billNo, amount: '21.00', paymentDate: '2026-11-20' },
      ]);
      return ids[db.dialect];
    });
    const error = await refused((db) =>
      validate(db, ids[db.dialect]!, (_phase, done) => {
        if (done > 0) throw cancelled('validation cancelled');
      }),
    );
    expect(error).toMatchObject({ code: 'cancelled' });
  });

  it('a validation racing a save into its batch: the new entry is validated, or the batch is left open', async () => {
    const d = accounts[3]!;
    for (const db of dbs) {
      const batchId = await batchOf(db.storage, {}, [
        { accountNo: d.accountNo, amount: '10.00', paymentDate: '2026-11-20' },
        { billNo: d.bills[0]!.billNo, amount: '11.00', paymentDate: '2026-11-20' },
      ]);
      // The validation is held after it read the batch (the save, with fewer queries, never gets there: it goes on
      // and commits while the validation waits), so its verdicts would be of the moment before the save.
      const r = racing(db.storage, 2, { holdAt: 24 });
      const [v, s] = await Promise.all([
        answer(validateBatchVia(r.storage, batchId, NOW, clerk)),
        answer(
          saveEntriesVia(
            r.storage,
            { batchId, entries: [{ accountNo: d.accountNo, amount: '12.00', paymentDate: '2026-11-20' }] },
            NOW,
            clerk,
          ),
        ),
      ]);
      expect('value' in v && 'value' in s, db.dialect).toBe(true);
      const rows = await rowsOf(db.storage, batchId);
      expect(rows.entries, db.dialect).toHaveLength(3);
      const status = (rows.batch as { status: string }).status;
      const fresh = rows.entries.filter((e) => e.status === 'new');
      if (status === 'validated') {
        expect(fresh, db.dialect).toEqual([]);
        const planned = rows.plans.flatMap((p) =>
          p.accountId === 0 ? [] : (JSON.parse(p.plan) as { e: number[] }).e,
        );
        expect(planned.sort(), db.dialect).toEqual(rows.entries.map((e) => e.id).sort());
      } else {
        expect(status, db.dialect).toBe('open');
        expect(fresh.length, db.dialect).toBeGreaterThan(0);
      }
    }
  });

  it('two validations at once answer alike and store one plan, as one after the other would', async () => {
    const e = accounts[4]!;
    const out = await same(async (db) => {
      const batchId = await batchOf(db.storage, {}, [
        { accountNo: e.accountNo, amount: money(e.bills[0]!.due), paymentDate: '2026-11-20' },
        { billNo: e.bills[1]!.billNo, amount: '5.00', paymentDate: '2026-11-20' },
        { accountNo: 'NOT-THERE', amount: '5.00', paymentDate: '2026-11-20' },
      ]);
      const r = racing(db.storage, 2, { holdAt: 2 });
      const both = await Promise.all([0, 1].map(() => validateBatchVia(r.storage, batchId, NOW, clerk)));
      const raced = await rowsOf(db.storage, batchId);
      await validate(db, batchId);
      const after = await rowsOf(db.storage, batchId);
      expect(raced.plans, db.dialect).toEqual(after.plans);
      expect(raced.entries, db.dialect).toEqual(after.entries);
      return { answers: both.map((x) => x.batch), plans: raced.plans.length };
    });
    expect(out.answers[0]).toEqual(out.answers[1]);
    expect(out.plans).toBe(2);
  });

  it('two clerks setting one entry’s allocation at once: one after the other, the lines within the entry and the bills', async () => {
    const f = accounts[5]!;
    const [b1, b2] = f.bills;
    const amount = b1!.due + b2!.due;
    const one = [{ billNo: b1!.billNo, amount: money(b1!.due) }];
    const two = [...one, { billNo: b2!.billNo, amount: money(b2!.due) }];
    const entries: Record<string, { batchId: number; entryId: number }> = {};
    const seen = await same(async (db) => {
      const batchId = await batchOf(db.storage, {}, [
        { accountNo: f.accountNo, amount: money(amount), paymentDate: '2026-11-20' },
      ]);
      const entryId = (await rowsOf(db.storage, batchId)).entries[0]!.id;
      entries[db.dialect] = { batchId, entryId };
      return {
        view: await entryAllocationView(db.storage, { batchId, entryId }),
        set: await allocateEntry(db.storage, { batchId, entryId, bills: one }, NOW, clerk),
        over: await answer(
          allocateEntry(
            db.storage,
            { batchId, entryId, bills: [{ billNo: b1!.billNo, amount: money(b1!.due + 1) }] },
            NOW,
            clerk,
          ),
        ),
      };
    });
    expect(seen.view.amountMinor).toBe(amount);
    expect(seen.set.manual).toEqual([{ billNo: b1!.billNo, amountMinor: b1!.due }]);
    expect(seen.over).toMatchObject({ error: { code: 'conflict' } });
    for (const db of dbs) {
      const { batchId, entryId } = entries[db.dialect]!;
      const r = racing(db.storage, 2, { holdAt: 2 });
      const raced = await Promise.all(
        [[], two].map((bills) => answer(allocateEntry(r.storage, { batchId, entryId, bills }, NOW, clerk))),
      );
      expect(
        raced.map((x) => 'value' in x),
        db.dialect,
      ).toEqual([true, true]);
      const after = await entryAllocationView(db.storage, { batchId, entryId });
      const audit = (await written(db.storage)).audit.filter(
        (a) => (a as { entityId: string }).entityId === String(entryId),
      ) as { action: string; after: string }[];
      // The entry keeps what the last clerk to go set, as the audit tells it.
      const last = JSON.parse(audit[audit.length - 1]!.after) as { lines: { amountMinor: number }[] };
      expect(
        after.manual.map((l) => l.amountMinor),
        db.dialect,
      ).toEqual(last.lines.map((l) => l.amountMinor));
      expect([0, amount], db.dialect).toContain(after.manual.reduce((s, l) => s + l.amountMinor, 0));
      expect(
        audit
          .slice(-2)
          .map((a) => a.action)
          .sort(),
        db.dialect,
      ).toEqual(['batch.entry.allocate', 'batch.entry.allocate.clear']);
    }
  });
});
