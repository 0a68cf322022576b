import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Storage } from '../../db/storage/port';
import type Database from 'better-sqlite3';
import type { ParsedReturns } from '../../src-main/bankfiles/types';
import { recordPayment } from '../../src-main/ledger/record-payment';
import {
  createBatchVia,
  saveEntriesVia,
  type CreateBatchInput,
  type EntryFields,
} from '../../src-main/services/batches/batch-store';
import { submitBatch, submitBatchVia } from '../../src-main/services/batches/submit';
import { validateBatchVia } from '../../src-main/services/batches/validate';
import { importReturns } from '../../src-main/services/returns/import';
import type { BatchSubmitDto } from '../../src-shared/dto/batches';
import { alikeOn, answer, type Answer } from '../helpers/alike';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { collectByFile, type CollectedDebit } from '../helpers/direct-debit';
import { freshApp } from '../helpers/ledger';
import { racing } from '../helpers/racing';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { value } from '../helpers/suspense';

// Issue #17: refund batches and return batches on the storage port. A demo ledger built on SQLite and copied to
// PostgreSQL validates a refund batch to the same verdicts and submits it to the same refunds, refund bills,
// allocations, journals and audit rows (the driver's submit on SQLite, the port's on PostgreSQL); refusals are alike
// and write nothing; a return batch from a returns file reverses its payments and applies its bank returns alike;
// and the races of a team (two submits of one refund batch, two refund batches spending one account's last credit)
// end as one after the other would.

const NOW = new Date('2026-11-23T09:00:00Z');

type Db = { dialect: Dialect; storage: Storage; driver?: Database.Database };

/** What a refund or return batch's validation and submit write, read the same way on both databases. */
function written(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      batches: await tx.all(
        sql`SELECT id, status, submitted_at AS "submittedAt", updated_at AS "updatedAt" FROM batches ORDER BY id`,
      ),
      entries: await tx.all(
        sql`SELECT id, batch_id AS "batchId", status, problem, problem_column AS "problemColumn",
              reason_code AS "reasonCode", posted_payment_id AS "paymentId" FROM batch_entries ORDER BY id`,
      ),
      refunds: await tx.all(sql`SELECT * FROM refunds ORDER BY id`),
      refundLines: await tx.all(sql`SELECT * FROM refund_item_lines ORDER BY refund_id, item_id`),
      journals: await tx.all(
        sql`SELECT id, kind, idem_key AS "idemKey", audit_id AS "auditId", reason_code AS "reasonCode",
              effective_date AS "effectiveDate" FROM journals ORDER BY id`,
      ),
      lines: await tx.all(
        sql`SELECT journal_id AS "journalId", gl_account AS gl, account_id AS "accountId", amount_minor AS "amountMinor",
              currency FROM journal_lines ORDER BY id`,
      ),
      allocations: await tx.all(
        sql`SELECT payment_id AS "paymentId", account_id AS "accountId", bill_id AS "billId", item_id AS "itemId",
              amount_minor AS "amountMinor", rate_ppm AS "ratePpm", created_at AS "createdAt", operator_id AS "operatorId"
            FROM allocations ORDER BY id`,
      ),
      bills: await tx.all(sql`SELECT * FROM bills ORDER BY id`),
      items: await tx.all(sql`SELECT * FROM bill_items ORDER BY id`),
      balances: await tx.all(
        sql`SELECT id, balance_minor AS "balanceMinor", default_pay_type AS "payType" FROM accounts ORDER BY id`,
      ),
      units: await tx.all(sql`SELECT id, pay_type AS "payType" FROM bill_units ORDER BY id`),
      reversals: await tx.all(sql`SELECT * FROM reversals ORDER BY payment_id`),
      returns: await tx.all(sql`SELECT * FROM bank_returns ORDER BY id`),
      fileItems: await tx.all(sql`SELECT * FROM bank_file_items ORDER BY id`),
      states: await tx.all(sql`SELECT * FROM collection_states ORDER BY account_id`),
      workflow: await tx.all(sql`SELECT * FROM workflow_items ORDER BY id`),
      mandates: await tx.all(sql`SELECT * FROM mandates ORDER BY id`),
      audit: await tx.all(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", before, after
            FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** A camt.054 the bank sends back: the given debits returned with their codes. */
const returnsFile = (returned: readonly { debit: CollectedDebit; code: string }[]): ParsedReturns => ({
  format: 'camt.054',
  items: returned.map(({ debit, code }) => ({
    ref: { endToEndId: debit.endToEndId },
    amountMinor: debit.amountMinor,
    currency: 'EUR',
    kind: 'return',
    code,
  })),
  changes: [],
  accepted: 0,
  problems: [],
  warnings: [],
});

/** A submit's answer without its timing. */
const outcome = ({ elapsedMs: _ms, ...rest }: BatchSubmitDto): Omit<BatchSubmitDto, 'elapsedMs'> => rest;

/** What a raced submit ended as: what it refunded, or the rule it was refused by. */
const ended = (a: Answer): string =>
  'error' in a
    ? ((a.error as { rule?: string }).rule ?? a.error.code)
    : `refunded ${(a.value as BatchSubmitDto).refunded}`;

describe('refund and return batches on both databases', () => {
  const dbs: Db[] = [];
  let app: ReturnType<typeof freshApp>;
  let disposePg: (() => Promise<void>) | undefined;
  let clerk: number;
  let usd: string[];
  let debits: CollectedDebit[];

  beforeAll(async () => {
    app = freshApp(new Date('2026-11-22T09:00:00Z'));
    await value(app.dispatch('demo:load', { accounts: 60, seed: 29 }));
    clerk = app.ctx.operator.id;
    const db = app.ctx.ledger.sqlite;
    const accounts = db
      .prepare(
        `SELECT a.account_no AS accountNo, min(u.bill_unit_no) AS billUnitNo FROM accounts a JOIN bill_units u ON u.account_id = a.id
         WHERE a.currency = 'USD' AND a.status = 'active' AND a.is_suspense = 0
           AND (SELECT count(*) FROM bill_units x WHERE x.account_id = a.id) = 1
         GROUP BY a.id ORDER BY a.id LIMIT 6`,
      )
      .all() as { accountNo: string; billUnitNo: string }[];
    expect(accounts).toHaveLength(6);
    usd = accounts.map((a) => a.accountNo);
    // Unallocated credit on accounts 0, 2, 3 and 4; an open refund item (set aside by billing) on account 1.
    for (const [i, amount] of [
      [0, '50.00'],
      [2, '20.00'],
      [3, '10.00'],
      [4, '5.00'],
    ] as const)
      await recordPayment(
        app.ctx.storage,
        {
          accountNo: usd[i]!,
          amount,
          payType: 10012,
          channelId: 0,
          allocate: 'none',
          sourceKey: `rr-${i}`,
        },
        NOW,
        clerk,
      );
    const bills = join(app.dir, 'rr-bills.csv');
    const items = join(app.dir, 'rr-items.csv');
    writeFileSync(
      bills,
      `bill_no,bill_unit_no,bill_date,due_date,currency,total\nRR-1,${accounts[1]!.billUnitNo},2026-11-01,2026-11-30,USD,-30.00\n`,
    );
    writeFileSync(
      items,
      'item_no,bill_no,type,amount,open_amount,gl_id\nRR-1-I,RR-1,refund,-30.00,-30.00,0\n',
    );
    await value(app.dispatch('ar:import', { billsFile: bills, itemsFile: items }));
    debits = collectByFile(db, { scheme: 'sepa', count: 3, messageId: 'MSG-RR' }, NOW);
    db.prepare(
      `INSERT OR REPLACE INTO settings (key, value) VALUES ('collect.failedPaymentFeeMinor', '250')`,
    ).run();
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
        batchType: 'refund',
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
  const validate = (storage: Storage, batchId: number) =>
    validateBatchVia(storage, batchId, NOW, clerk).then((r) => r.batch);
  /** The driver's submit on SQLite (what the desktop runs), the port's on PostgreSQL. */
  const submitAsDeployed = async (db: Db, batchId: number) =>
    outcome(
      db.driver
        ? submitBatch(db.driver, { batchId }, NOW, clerk)
        : await submitBatchVia(db.storage, { batchId }, NOW, clerk),
    );
  const submit = (storage: Storage, batchId: number) =>
    submitBatchVia(storage, { batchId }, NOW, clerk).then(outcome);

  it('a refund batch validates and submits alike: refund items first, then credit on a refund bill of its own', async () => {
    const out = await same(async (db) => {
      const batchId = await batchOf(db.storage, { controlCount: 2, controlTotal: '70.00' }, [
        { accountNo: usd[0]!, amount: '40.00', checkNo: 'R1' },
        { accountNo: usd[1]!, amount: '30.00', checkNo: 'R2', custom: { reasonCode: '4202' } },
      ]);
      const validated = await validate(db.storage, batchId);
      return {
        validated,
        submitted: await submitAsDeployed(db, batchId),
        again: await submitAsDeployed(db, batchId),
      };
    });
    expect(out.validated.countsByStatus).toEqual({ valid: 2 });
    expect(out.submitted).toMatchObject({ refunded: 2, refundedMinor: 7000, mode: 'batch' });
    expect(out.again).toMatchObject({ refunded: 0, alreadyPosted: 2 });
    const rows = await written(dbs[0]!.storage);
    expect(
      (rows.refunds as { items_closed_minor: number; credit_used_minor: number; reason_code: number }[])
        .slice(-2)
        .map((r) => [r.items_closed_minor, r.credit_used_minor, r.reason_code]),
    ).toEqual([
      [0, 4000, 4201],
      [3000, 0, 4202],
    ]);
  });

  it('refuses alike and writes nothing: more than the account holds, an unknown account, an unknown payment', async () => {
    const ids: Record<string, { refund: number; reversal: number }> = {};
    const verdicts = await same(async (db) => {
      const refund = await batchOf(db.storage, {}, [
        { accountNo: usd[4]!, amount: '5.01' },
        { accountNo: 'NO-SUCH-ACCOUNT', amount: '1.00' },
      ]);
      const reversal = await batchOf(db.storage, { batchType: 'reversal', payType: 10012 }, [
        { paymentRef: 999_999_999, amount: '1.00' },
      ]);
      ids[db.dialect] = { refund, reversal };
      await validate(db.storage, refund);
      await validate(db.storage, reversal);
      return db.storage.transaction(
        (tx) =>
          tx.all(
            sql`SELECT status, problem, problem_column AS "problemColumn" FROM batch_entries
                WHERE batch_id IN (${refund}, ${reversal}) ORDER BY id`,
          ),
        { readOnly: true },
      );
    });
    expect(verdicts).toEqual([
      expect.objectContaining({ status: 'invalid', problemColumn: 'amount' }),
      expect.objectContaining({ status: 'invalid', problemColumn: 'accountNo' }),
      expect.objectContaining({ status: 'invalid' }),
    ]);
    for (const kind of ['refund', 'reversal'] as const)
      expect(await refused((db) => submit(db.storage, ids[db.dialect]![kind]))).toMatchObject({
        code: 'conflict',
        rule: 'blocking-entries',
      });
  });

  it('a return batch from a returns file reverses its payments and applies its bank returns alike', async () => {
    const parsed = returnsFile([
      { debit: debits[0]!, code: 'AM04' },
      { debit: debits[1]!, code: 'MD01' },
    ]);
    const out = await same(async (db) => {
      const imported = await importReturns(
        db.storage,
        parsed,
        { format: 'camt.054', sha256: 'rr-returns', fileName: 'returns.xml' },
        NOW,
        clerk,
      );
      const batchId = imported.batch!.id;
      return {
        validated: (await validate(db.storage, batchId)).countsByStatus,
        submitted: await submitAsDeployed(db, batchId),
      };
    });
    expect(out.validated).toEqual({ valid: 2 });
    expect(out.submitted).toMatchObject({ reversed: 2 });
    const rows = await written(dbs[0]!.storage);
    const returns = rows.returns as { payment_id: number; status: string }[];
    expect(
      returns
        .filter((r) => [debits[0]!.paymentId, debits[1]!.paymentId].includes(r.payment_id))
        .map((r) => r.status),
    ).toEqual(['applied', 'applied']);
    expect((rows.workflow as { kind: string }[]).length).toBeGreaterThan(0);
  });

  it('lock per account: a return batch posts entry by entry, each reversal with its bank return, alike', async () => {
    await same((db) =>
      db.storage.transaction((tx) =>
        tx
          .run(sql`UPDATE settings SET value = '"account"' WHERE key = 'payment.batchLock'`)
          .then(async (r) => {
            if (r.changes === 0)
              await tx.run(sql`INSERT INTO settings (key, value) VALUES ('payment.batchLock', '"account"')`);
          }),
      ),
    );
    try {
      const out = await same(async (db) => {
        const imported = await importReturns(
          db.storage,
          returnsFile([{ debit: debits[2]!, code: 'AM04' }]),
          { format: 'camt.054', sha256: 'rr-returns-2', fileName: 'returns-2.xml' },
          NOW,
          clerk,
        );
        await validate(db.storage, imported.batch!.id);
        return submitAsDeployed(db, imported.batch!.id);
      });
      expect(out).toMatchObject({ reversed: 1, mode: 'account', failed: [] });
    } finally {
      await same((db) =>
        db.storage.transaction((tx) => tx.run(sql`DELETE FROM settings WHERE key = 'payment.batchLock'`)),
      );
    }
  });

  // Last: a transaction retried on PostgreSQL has used sequence numbers, so later ids would differ between the two.
  it('two submits of one refund batch at once refund it once; the other answers as a resubmit', async () => {
    for (const db of dbs) {
      const batchId = await batchOf(db.storage, {}, [{ accountNo: usd[3]!, amount: '10.00' }]);
      await validate(db.storage, batchId);
      const r = racing(db.storage, 2, { holdAt: 3 });
      const answers = await Promise.all([
        answer(submit(r.storage, batchId)),
        answer(submit(r.storage, batchId)),
      ]);
      expect(answers.map(ended).sort(), db.dialect).toEqual(['refunded 0', 'refunded 1']);
      const refunds = await db.storage.transaction(
        (tx) => tx.all(sql`SELECT id FROM refunds WHERE batch_id = ${batchId}`),
        { readOnly: true },
      );
      expect(refunds, db.dialect).toHaveLength(1);
    }
  });

  it('two refund batches spending one account’s last credit at once: one refunds, the other is refused', async () => {
    for (const db of dbs) {
      const first = await batchOf(db.storage, {}, [{ accountNo: usd[2]!, amount: '20.00' }]);
      const second = await batchOf(db.storage, {}, [{ accountNo: usd[2]!, amount: '15.00' }]);
      // Each is valid alone: the account holds 20.00 of credit when both are validated.
      expect((await validate(db.storage, first)).countsByStatus).toEqual({ valid: 1 });
      expect((await validate(db.storage, second)).countsByStatus).toEqual({ valid: 1 });
      const r = racing(db.storage, 2, { holdAt: 3 });
      const answers = await Promise.all([
        answer(submit(r.storage, first)),
        answer(submit(r.storage, second)),
      ]);
      expect(answers.map(ended).sort(), db.dialect).toEqual(['refunded 1', 'revalidate']);
      const left = await db.storage.transaction(
        (tx) =>
          tx.all<{ refunded: number }>(
            sql`SELECT coalesce(sum(r.account_amount_minor), 0) AS refunded FROM refunds r
                JOIN accounts a ON a.id = r.account_id WHERE a.account_no = ${usd[2]!}`,
          ),
        { readOnly: true },
      );
      expect(left[0]!.refunded, db.dialect).toBeLessThanOrEqual(2000);
    }
  });
});
