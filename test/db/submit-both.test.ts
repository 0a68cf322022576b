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
import { jobFunctions } from '../../src-main/jobs/registry';
import { submitBatch, submitBatchVia } from '../../src-main/services/batches/submit';
import { validateBatchVia } from '../../src-main/services/batches/validate';
import { releaseDuplicate } from '../../src-main/services/batches/duplicates';
import { allocateEntry } from '../../src-main/services/batches/entry-allocation';
import { alikeOn, answer, failure } from '../helpers/alike';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { freshApp } from '../helpers/ledger';
import { racing } from '../helpers/racing';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { value } from '../helpers/suspense';

// Issue #17: batch submit through the storage port (the 'batch-submit' job on PostgreSQL). A demo ledger built on
// SQLite and copied to PostgreSQL submits the same batches to the same payments, journals, allocations, entry
// statuses and audit rows on both; a submit refused in the middle posts nothing; two submits at once post once.

const NOW = new Date('2026-11-23T09:00:00Z');

type Db = { dialect: Dialect; storage: Storage; driver?: Database.Database };

/** What a submit writes, read the same way on both databases. */
function written(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      batches: await tx.all(
        sql`SELECT id, status, submitted_at AS "submittedAt", updated_at AS "updatedAt" FROM batches ORDER BY id`,
      ),
      entries: await tx.all<{ id: number; batchId: number; status: string }>(
        sql`SELECT id, batch_id AS "batchId", status, problem, posted_payment_id AS "paymentId"
            FROM batch_entries ORDER BY id`,
      ),
      payments: await tx.all(
        sql`SELECT id, kind, account_id AS "accountId", status, amount_minor AS "amountMinor", currency,
              account_amount_minor AS "accountAmountMinor", rate_ppm AS "ratePpm", reason_code AS "reasonCode",
              effective_date AS "effectiveDate", external_ref AS "externalRef", account_hint AS "accountHint",
              batch_id AS "batchId", source_key AS "sourceKey", journal_id AS "journalId" FROM payments ORDER BY id`,
      ),
      journals: await tx.all(
        sql`SELECT id, kind, idem_key AS "idemKey", effective_date AS "effectiveDate", audit_id AS "auditId"
            FROM journals ORDER BY id`,
      ),
      lines: await tx.all<{ journalId: number; gl: string; amountMinor: number; currency: string }>(
        sql`SELECT journal_id AS "journalId", gl_account AS gl, account_id AS "accountId", amount_minor AS "amountMinor",
              currency FROM journal_lines ORDER BY id`,
      ),
      allocations: await tx.all(
        sql`SELECT payment_id AS "paymentId", account_id AS "accountId", bill_id AS "billId", item_id AS "itemId",
              amount_minor AS "amountMinor", rate_ppm AS "ratePpm" FROM allocations ORDER BY id`,
      ),
      items: await tx.all(sql`SELECT id, open_minor AS "openMinor", status FROM bill_items ORDER BY id`),
      bills: await tx.all(sql`SELECT id, amount_due_minor AS "dueMinor", status FROM bills ORDER BY id`),
      suspense: await tx.all(
        sql`SELECT payment_id AS "paymentId", root_id AS "rootId", state, failed, currency, amount_minor AS "amountMinor",
              effective_date AS "effectiveDate", reason_code AS "reasonCode", account_hint AS "accountHint",
              batch_id AS "batchId" FROM suspense_queue ORDER BY payment_id`,
      ),
      tally: await tx.all(
        sql`SELECT state, currency, owner, reason_code AS "reasonCode", entered_on AS "enteredOn", count,
              amount_minor AS "amountMinor" FROM suspense_tally
            ORDER BY state, currency, owner, reason_code, entered_on`,
      ),
      balances: await tx.all(sql`SELECT id, balance_minor AS "balanceMinor" FROM accounts ORDER BY id`),
      reversals: await tx.all(
        sql`SELECT payment_id AS "paymentId", journal_id AS "journalId" FROM reversals`,
      ),
      audit: await tx.all(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** A submit's answer without its timing. */
const outcome = <T extends { elapsedMs: number }>({ elapsedMs: _ms, ...rest }: T): Omit<T, 'elapsedMs'> =>
  rest;

describe('batch submit on both databases', () => {
  const dbs: Db[] = [];
  let app: ReturnType<typeof freshApp>;
  let disposePg: (() => Promise<void>) | undefined;
  let clerk: number;
  let accounts: { accountNo: string; bills: { billNo: string; due: number }[] }[];
  let reversible: { id: number; payType: number }[];
  /** The account paid up to the money ceiling by the mixed batch. */
  let atCeiling = '';

  beforeAll(async () => {
    app = freshApp(new Date('2026-11-22T09:00:00Z'));
    await value(app.dispatch('demo:load', { accounts: 60, seed: 29 }));
    clerk = app.ctx.operator.id;
    const db = app.ctx.ledger.sqlite;
    const nos = db
      .prepare(
        `SELECT a.account_no FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
           AND (SELECT count(*) FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
                WHERE b.account_id = a.id AND b.status = 'open' AND u.paying = 1 AND b.amount_due_minor >= 2000) >= 2
         ORDER BY a.id LIMIT 8`,
      )
      .pluck()
      .all() as string[];
    expect(nos).toHaveLength(8);
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
              sourceKey: `sb-${i}`,
            },
            NOW,
            clerk,
          )
        ).paymentId,
        payType,
      });
    db.prepare(`INSERT OR REPLACE INTO settings (key, value) VALUES ('PaymentSuspense', 'true')`).run();
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

  const batchOf = async (storage: Storage, input: Partial<CreateBatchInput>, entries: EntryFields[]) => {
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
    await validateBatchVia(storage, b.id, NOW, clerk);
    return b.id;
  };
  const submit = (db: Db, batchId: number, storage = db.storage) =>
    submitBatchVia(storage, { batchId }, NOW, clerk).then(outcome);
  // A payment batch's submit as each database runs it for real: the driver's set-based submit on SQLite (the
  // 'batch-submit' job there), the port's on PostgreSQL.
  const submitAlike = async (db: Db, batchId: number) =>
    db.dialect === 'sqlite' ? outcome(submitBatch(db.driver!, { batchId }, NOW, clerk)) : submit(db, batchId);
  const money = (minor: number) => (minor / 100).toFixed(2);
  const balanced = (lines: { journalId: number; amountMinor: number; currency: string }[]) => {
    const sums = new Map<string, number>();
    for (const l of lines)
      sums.set(
        `${l.journalId}:${l.currency}`,
        (sums.get(`${l.journalId}:${l.currency}`) ?? 0) + l.amountMinor,
      );
    return [...sums.values()].every((s) => s === 0);
  };
  const setLock = (storage: Storage, lock: 'batch' | 'account') =>
    storage.transaction(async (tx) => {
      await tx.run(sql`DELETE FROM settings WHERE key = 'payment.batchLock'`);
      await tx.run(
        sql`INSERT INTO settings (key, value) VALUES ('payment.batchLock', ${JSON.stringify(lock)})`,
      );
    });

  it('a payment batch (account, bill only, suspense) posts alike, once; a resubmit answers as submitted', async () => {
    const [a, b] = accounts;
    const first = {
      accountNo: a!.accountNo,
      amount: money(a!.bills[0]!.due),
      paymentDate: '2026-11-20',
      checkNo: '101',
    };
    const out = await same(async (db) => {
      const batchId = await batchOf(db.storage, {}, [
        first,
        { billNo: b!.bills[1]!.billNo, amount: money(b!.bills[1]!.due + 500), paymentDate: '2026-11-20' },
        { accountNo: 'NO-SUCH-ACCOUNT', amount: '12.00', paymentDate: '2026-11-20' },
      ]);
      const submitted = await submitAlike(db, batchId);
      const again = await submitAlike(db, batchId);
      // The same payment keyed into another batch is suspected a duplicate: it never posts, its batch stays open.
      const copy = await batchOf(db.storage, {}, [first]);
      return { submitted, again, copy: await submitAlike(db, copy), rows: await written(db.storage) };
    });
    expect(out.submitted).toMatchObject({ posted: 2, suspended: 1, suspendedMinor: 1200, duplicates: 0 });
    expect(out.submitted.batch.status).toBe('submitted');
    expect(out.again).toMatchObject({ posted: 0, alreadyPosted: 3 });
    expect(out.copy).toMatchObject({ posted: 0, duplicates: 1 });
    expect(out.copy.batch.status).toBe('open');
    // Set-based on both: one journal per destination for the batch.
    expect(out.rows.journals.slice(-2).map((j) => (j as { idemKey: string }).idemKey)).toEqual([
      expect.stringMatching(/^batch:\d+:payments$/),
      expect.stringMatching(/^batch:\d+:suspense$/),
    ]);
    expect(balanced(out.rows.lines)).toBe(true);
  });

  it('a reversal batch posts alike', async () => {
    const out = await same(async (db) => {
      const payType = reversible[0]!.payType;
      const batchId = await batchOf(db.storage, { batchType: 'reversal', payType }, [
        { paymentRef: reversible[0]!.id },
        { paymentRef: reversible[1]!.id },
      ]);
      return { out: await submit(db, batchId), rows: await written(db.storage) };
    });
    expect(out.out.reversed).toBe(2);
    expect(out.rows.reversals).toHaveLength(2);
    expect(balanced(out.rows.lines)).toBe(true);
  });

  it('an entry whose account closed after validation refuses the submit: nothing posts, the verdicts say why', async () => {
    const d = accounts[3]!;
    const error = await same(async (db) => {
      const batchId = await batchOf(db.storage, {}, [
        { accountNo: accounts[4]!.accountNo, amount: '6.00', paymentDate: '2026-11-20' },
        { accountNo: d.accountNo, amount: '7.00', paymentDate: '2026-11-20' },
      ]);
      await db.storage.transaction((tx) =>
        tx.run(sql`UPDATE accounts SET status = 'closed' WHERE account_no = ${d.accountNo}`),
      );
      const before = await written(db.storage);
      const e = await failure(submit(db, batchId));
      const after = await written(db.storage);
      expect(after.payments, db.dialect).toEqual(before.payments);
      expect(after.journals, db.dialect).toEqual(before.journals);
      await db.storage.transaction((tx) =>
        tx.run(sql`UPDATE accounts SET status = 'active' WHERE account_no = ${d.accountNo}`),
      );
      return { e, entries: after.entries.filter((x) => x.batchId === batchId) };
    });
    expect(error.e).toMatchObject({ code: 'conflict', rule: 'revalidate' });
    expect(error.entries.map((x) => x.status)).toEqual(['valid', 'to_be_suspended']);
  });

  it('lock per account posts entry by entry alike', async () => {
    const out = await same(async (db) => {
      await setLock(db.storage, 'account');
      try {
        const batchId = await batchOf(db.storage, {}, [
          { accountNo: accounts[1]!.accountNo, amount: '1.25', paymentDate: '2026-11-20' },
          { billNo: accounts[4]!.bills[0]!.billNo, amount: '1.50', paymentDate: '2026-11-20' },
        ]);
        return { out: await submit(db, batchId), rows: await written(db.storage) };
      } finally {
        await setLock(db.storage, 'batch');
      }
    });
    expect(out.out.mode).toBe('account');
    expect(out.out.posted).toBe(2);
    expect(balanced(out.rows.lines)).toBe(true);
  });

  it('lock per account: an entry whose account closed after validation fails alone, the rest post', async () => {
    const closing = accounts[3]!.accountNo;
    const out = await same(async (db) => {
      await setLock(db.storage, 'account');
      try {
        const batchId = await batchOf(db.storage, {}, [
          { accountNo: accounts[0]!.accountNo, amount: '1.30', paymentDate: '2026-11-20' },
          { accountNo: closing, amount: '1.40', paymentDate: '2026-11-20' },
        ]);
        await db.storage.transaction((tx) =>
          tx.run(sql`UPDATE accounts SET status = 'closed' WHERE account_no = ${closing}`),
        );
        const r = await submit(db, batchId);
        await db.storage.transaction((tx) =>
          tx.run(sql`UPDATE accounts SET status = 'active' WHERE account_no = ${closing}`),
        );
        return { r, rows: await written(db.storage) };
      } finally {
        await setLock(db.storage, 'batch');
      }
    });
    expect(out.r).toMatchObject({ posted: 1, mode: 'account' });
    expect(out.r.failed).toHaveLength(1);
    expect(out.r.batch.status).toBe('open');
  });

  it('the driver (SQLite) and the port (PostgreSQL) post a batch to the same payments, allocations and balances', async () => {
    const c = accounts[2]!;
    const entries: EntryFields[] = [
      { accountNo: c.accountNo, amount: money(c.bills[0]!.due), paymentDate: '2026-11-20' },
      {
        billNo: accounts[6]!.bills[0]!.billNo,
        amount: money(accounts[6]!.bills[0]!.due),
        paymentDate: '2026-11-20',
      },
      { accountNo: 'NO-SUCH-ACCOUNT', amount: '9.00', paymentDate: '2026-11-20' },
    ];
    // Set-based on both (the driver's temp tables on SQLite, setPosterIn on PostgreSQL): every row alike.
    const out = await same(async (db) => {
      const batchId = await batchOf(db.storage, {}, entries);
      return { r: await submitAlike(db, batchId), rows: await written(db.storage) };
    });
    expect(out.r).toMatchObject({ posted: 2, suspended: 1 });
  });

  it('a mixed payment batch (auto and manual allocation, suspense, FX, a held duplicate, the ceiling) posts alike, once', async () => {
    const db0 = dbs[0]!.driver!;
    const taken = accounts.map((a) => a.accountNo);
    const more = (
      db0
        .prepare(
          `SELECT a.account_no FROM accounts a WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
             AND a.balance_minor >= 0
             AND (SELECT count(*) FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id
                  WHERE b.account_id = a.id AND b.status = 'open' AND u.paying = 1 AND b.amount_due_minor >= 5000) >= 2
           ORDER BY a.id`,
        )
        .pluck()
        .all() as string[]
    )
      .filter((no) => !taken.includes(no))
      .slice(0, 4)
      .map((accountNo) => ({
        accountNo,
        bills: db0
          .prepare(
            `SELECT b.bill_no AS billNo, b.amount_due_minor AS due FROM bills b JOIN accounts a ON a.id = b.account_id
             JOIN bill_units u ON u.id = b.bill_unit_id
             WHERE a.account_no = ? AND b.status = 'open' AND u.paying = 1 AND b.amount_due_minor >= 5000 ORDER BY b.id`,
          )
          .all(accountNo) as { billNo: string; due: number }[],
      }));
    expect(more).toHaveLength(4);
    const eur = db0
      .prepare(
        `SELECT account_no FROM accounts WHERE currency = 'EUR' AND status = 'active' AND is_suspense = 0
         ORDER BY id LIMIT 1`,
      )
      .pluck()
      .get() as string;
    expect(eur).toBeTruthy();
    const [m0, m1, m2, m3] = more as [(typeof more)[0], (typeof more)[0], (typeof more)[0], (typeof more)[0]];
    const day = '2026-11-21';
    const once = { accountNo: m3.accountNo, amount: '3.21', paymentDate: day, checkNo: '777' };
    const allowAccountDup = (storage: Storage, on: boolean) =>
      storage.transaction(async (tx) => {
        await tx.run(sql`DELETE FROM settings WHERE key = 'ALLOWACCOUNTDUP'`);
        await tx.run(
          sql`INSERT INTO settings (key, value) VALUES ('ALLOWACCOUNTDUP', ${JSON.stringify(on)})`,
        );
      });
    const out = await same(async (db) => {
      await db.storage.transaction((tx) =>
        tx.run(
          sql`INSERT INTO exchange_rates (from_currency, to_currency, valid_from, rate_ppm) VALUES ('USD', 'EUR', '2026-01-01', 915000)`,
        ),
      );
      // Two payments to one account in the batch: the second allocates what the first left open.
      await allowAccountDup(db.storage, true);
      // A payment posted before: the same one keyed again below is held as a suspected duplicate.
      const earlier = await batchOf(db.storage, {}, [once]);
      await submitAlike(db, earlier);
      const batchId = await batchOf(db.storage, {}, [
        // Auto allocation over two bills (the second partly), then a second payment to the same account.
        { accountNo: m0.accountNo, amount: money(m0.bills[0]!.due + 1000), paymentDate: day },
        { accountNo: m0.accountNo, amount: '5.00', paymentDate: day, checkNo: '12' },
        // Bill number only.
        { billNo: m1.bills[1]!.billNo, amount: money(m1.bills[1]!.due), paymentDate: day },
        // Allocated by hand below: the later bill first.
        { accountNo: m2.accountNo, amount: '50.00', paymentDate: day, reference: 'manual' },
        { accountNo: 'NO-SUCH-ACCOUNT-2', amount: '7.77', paymentDate: day, payerName: 'Unknown Payer' },
        // A USD payment to a EUR account (FX lines, the account's amount at the day's rate).
        { accountNo: eur, amount: '12.34', paymentDate: day },
        once,
      ]);
      const manual = (await written(db.storage)).entries.filter((e) => e.batchId === batchId)[3]!;
      await allocateEntry(
        db.storage,
        {
          batchId,
          entryId: manual.id,
          bills: [
            { billNo: m2.bills[1]!.billNo, amount: '20.00' },
            { billNo: m2.bills[0]!.billNo, amount: '10.00' },
          ],
        },
        NOW,
        clerk,
      );
      await validateBatchVia(db.storage, batchId, NOW, clerk);
      const submitted = await submitAlike(db, batchId);
      // Released, validated again and submitted: only the held entry posts, under the round's own journal.
      const held = (await written(db.storage)).entries.find(
        (e) => e.batchId === batchId && e.status === 'duplicate_suspected',
      )!;
      await releaseDuplicate(db.storage, { batchId, entryId: held.id, reasonCode: 4401 }, NOW, clerk);
      await validateBatchVia(db.storage, batchId, NOW, clerk);
      const round = await submitAlike(db, batchId);
      const again = await submitAlike(db, batchId);
      // A batch of exactly the ceiling (2^53 - 1 minor units) to one account: the batch's CASH line, the
      // account's AR line and its balance at the limit, accepted.
      // An entry may be at most 9,999,999,999,999.99: nine of those and the rest make 2^53 - 1 exactly.
      const edge = await batchOf(db.storage, {}, [
        ...Array.from({ length: 9 }, (_, i) => ({
          accountNo: m3.accountNo,
          amount: '9999999999999.99',
          paymentDate: day,
          checkNo: `9${i}`,
        })),
        { accountNo: m3.accountNo, amount: '71992547410.00', paymentDate: day, checkNo: '99' },
      ]);
      const atEdge = await submitAlike(db, edge);
      await allowAccountDup(db.storage, false);
      atCeiling = m3.accountNo;
      return { submitted, round, again, atEdge, batchId, rows: await written(db.storage) };
    });
    expect(out.submitted).toMatchObject({ posted: 5, suspended: 1, suspendedMinor: 777, duplicates: 1 });
    expect(out.submitted.batch.status).toBe('open');
    expect(out.round).toMatchObject({ posted: 1, suspended: 0, duplicates: 0 });
    expect(out.round.batch.status).toBe('submitted');
    expect(out.again).toMatchObject({ posted: 0, alreadyPosted: 7 });
    expect(out.atEdge).toMatchObject({ posted: 10, postedMinor: Number.MAX_SAFE_INTEGER });
    const journals = out.rows.journals as { id: number; idemKey: string }[];
    const keys = journals.map((j) => j.idemKey);
    expect(keys).toContain(`batch:${out.batchId}:payments`);
    expect(keys).toContain(`batch:${out.batchId}:suspense`);
    expect(keys.some((k) => new RegExp(`^batch:${out.batchId}:\\d+:payments$`).test(k))).toBe(true);
    const mine = new Set(
      journals.filter((j) => j.idemKey.startsWith(`batch:${out.batchId}:`)).map((j) => j.id),
    );
    const lines = out.rows.lines.filter((l) => mine.has(l.journalId));
    expect(lines.filter((l) => l.gl === 'FX').map((l) => l.currency)).toEqual(['USD', 'EUR']);
    expect(balanced(out.rows.lines)).toBe(true);
    expect(out.rows.entries.filter((e) => e.batchId === out.batchId).map((e) => e.status)).toEqual([
      'posted',
      'posted',
      'posted',
      'posted',
      'posted_suspense',
      'posted',
      'posted',
    ]);
  });

  it("the 'batch-submit' job: over the confirmation limit refused alike, then posted (PostgreSQL on the port)", async () => {
    const envOf = (db: Db) => ({
      ledger: app.ctx.ledger,
      storage: db.storage,
      now: NOW,
      operatorId: clerk,
      progress: () => {},
      signal: new AbortController().signal,
    });
    const ids: Record<string, number> = {};
    const setLimit = (storage: Storage, amount: string) =>
      storage.transaction(async (tx) => {
        await tx.run(sql`DELETE FROM settings WHERE key = 'confirm.submitAboveAmount'`);
        await tx.run(
          sql`INSERT INTO settings (key, value) VALUES ('confirm.submitAboveAmount', ${JSON.stringify(amount)})`,
        );
      });
    const error = await same(async (db) => {
      ids[db.dialect] = await batchOf(db.storage, {}, [
        { accountNo: accounts[5]!.accountNo, amount: '3.30', paymentDate: '2026-11-20' },
      ]);
      await setLimit(db.storage, '1.00');
      try {
        return await failure(
          (async () => jobFunctions['batch-submit'](envOf(db), { batchId: ids[db.dialect]! }))(),
        );
      } finally {
        await setLimit(db.storage, '10000.00');
      }
    });
    expect(error).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('over the confirmation limit'),
    });
    const out = await same(async (db) =>
      outcome(await jobFunctions['batch-submit'](envOf(db), { batchId: ids[db.dialect]! })),
    );
    expect(out).toMatchObject({ posted: 1, mode: 'batch' });
  });

  // A cancel rolls back on both, but PostgreSQL's sequences do not: ids after it would differ, so it comes late.
  it('a submit that fails after posting every entry (cancelled) posts nothing on either database', async () => {
    const ids: Record<string, number> = {};
    await same(async (db) => {
      ids[db.dialect] = await batchOf(db.storage, {}, [
        { accountNo: accounts[1]!.accountNo, amount: '1.10', paymentDate: '2026-11-20' },
        { accountNo: 'NO-SUCH-ACCOUNT', amount: '1.20', paymentDate: '2026-11-20' },
      ]);
      return 'seeded';
    });
    const error = await refused((db) =>
      submitBatchVia(db.storage, { batchId: ids[db.dialect]! }, NOW, clerk, (phase, done, total) => {
        if (phase === 'posting' && total > 0 && done === total) throw cancelled('submit cancelled');
      }),
    );
    expect(error).toMatchObject({ code: 'cancelled' });
  });

  it('a ceiling refusal after every row is written posts nothing: the batch is refused alike, whole', async () => {
    const ids: Record<string, number> = {};
    await same(async (db) => {
      const { b } = (await db.storage.transaction((tx) =>
        tx.get<{ b: number }>(sql`SELECT balance_minor AS b FROM accounts WHERE account_no = ${atCeiling}`),
      ))!;
      // Its credit is at the limit less what it owed: one unit more than that takes it past.
      ids[db.dialect] = await batchOf(db.storage, {}, [
        { accountNo: accounts[1]!.accountNo, amount: '1.15', paymentDate: '2026-11-20' },
        { accountNo: 'NO-SUCH-ACCOUNT', amount: '1.25', paymentDate: '2026-11-20' },
        { accountNo: atCeiling, amount: money(b + Number.MAX_SAFE_INTEGER + 1), paymentDate: '2026-11-20' },
      ]);
      return b;
    });
    const error = await refused((db) =>
      db.dialect === 'sqlite'
        ? Promise.resolve().then(() => submitBatch(db.driver!, { batchId: ids[db.dialect]! }, NOW, clerk))
        : submitBatchVia(db.storage, { batchId: ids[db.dialect]! }, NOW, clerk),
    );
    expect(error).toMatchObject({ code: 'conflict', rule: 'amount-ceiling' });
  });

  // Last: a transaction retried on PostgreSQL has used sequence numbers, so later ids would differ between the two.
  it('two submits of one batch at once post it once; the other answers as a resubmit', async () => {
    const e = accounts[5]!;
    for (const db of dbs) {
      const batchId = await batchOf(db.storage, {}, [
        { accountNo: e.accountNo, amount: '2.00', paymentDate: '2026-11-20' },
        { accountNo: accounts[0]!.accountNo, amount: '2.50', paymentDate: '2026-11-20' },
      ]);
      const before = await written(db.storage);
      const r = racing(db.storage, 2, { holdAt: 3 });
      const [x, y] = await Promise.all([
        answer(submit(db, batchId, r.storage)),
        answer(submit(db, batchId, r.storage)),
      ]);
      const answers = [x, y].map((a) => ('value' in a ? a.value : a.error)) as {
        posted?: number;
        alreadyPosted?: number;
      }[];
      expect(answers.map((a) => a.posted).sort(), db.dialect).toEqual([0, 2]);
      expect(answers.map((a) => a.alreadyPosted).sort(), db.dialect).toEqual([0, 2]);
      const after = await written(db.storage);
      expect(after.payments.length - before.payments.length, db.dialect).toBe(2);
    }
  });
});
