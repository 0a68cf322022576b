import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../db/client';
import type { Storage } from '../../db/storage/port';
import { sqliteStorage } from '../../db/storage/sqlite';
import { measureCommand, measureCommandIn } from '../../src-main/services/approvals/measure';
import {
  confirmOperation,
  consumeConfirmation,
  getConfirmation,
  prepareConfirmation,
  previewOperation,
} from '../../src-main/services/confirmations/confirmations';
import { postPayment } from '../../src-main/ledger/payments';
import { generateDemoLedger } from '../../src-main/services/demo';
import type { CommandName } from '../../src-shared/api/contract';
import type { ConfirmableOperation, ConfirmationDto } from '../../src-shared/dto/confirmations';
import { alikeOn, answer, failure, type OnDatabase } from '../helpers/alike';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { racing } from '../helpers/racing';
import { addOperators, freshPostgres, STORAGES } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: confirmations (issue #11) and the measurements behind them and behind approvals run through the storage
// port. On a demo ledger copied to PostgreSQL, preparing, showing and confirming answer alike and write the same
// confirmation and audit rows; a batch's preview hashes the same entry text on both (and as the driver does, which
// the submit job still uses); a confirmation is used once when confirms race; the runs whose selection still reads
// through the driver (collection, direct debit) are refused on PostgreSQL.

const START = new Date('2026-11-22T09:00:00Z');
const OPERATORS = { lead: ['clerk', 'admin'], kim: ['clerk', 'supervisor'] } as const;
type Login = keyof typeof OPERATORS;

type Db = OnDatabase & { driver?: Ledger['sqlite'] };

let now = START;

/** What confirmations may write: the confirmations and the audit trail. */
function written(storage: Storage): Promise<Record<string, unknown[]>> {
  return storage.transaction(
    async (tx) => ({
      confirmations: await tx.all(
        sql`SELECT id, operation, input_json, hash, summary_json, required, status, created_by, created_at, expires_at,
                   decided_by, decided_at, outcome FROM confirmations ORDER BY id`,
      ),
      audit: await tx.all(
        sql`SELECT id, at, operator_id, action, entity, entity_id, before, after FROM audit_log
            WHERE entity = 'confirmation' ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** A processor, two authorizations waiting for deposit and a batch whose text needs escaping, on the SQLite ledger. */
function seed(db: Ledger['sqlite'], lead: number): { batchId: number } {
  const at = START.toISOString();
  const processorId = Number(
    db
      .prepare(
        `INSERT INTO processors (name, kind, url, merchants_json, is_default, created_at, updated_at)
         VALUES ('sim', 'simulator', 'http://127.0.0.1:9', ?, 1, ?, ?)`,
      )
      .run(JSON.stringify({ USD: { merchant: 'ispname', mid: '050505' } }), at, at).lastInsertRowid,
  );
  const accounts = db
    .prepare(
      `SELECT id, account_no AS accountNo FROM accounts WHERE is_suspense = 0 AND currency = 'USD' AND status = 'active' ORDER BY id LIMIT 2`,
    )
    .all() as { id: number; accountNo: string }[];
  // Two payments for the suspense moves' measures.
  for (const [i, a] of accounts.entries())
    db.transaction(() =>
      postPayment(
        db,
        {
          accountNo: a.accountNo,
          amountMinor: 4200 + i,
          currency: 'USD',
          effectiveDate: '2026-11-21',
          payType: 10012,
          sourceKey: `pg-pay-${i}`,
        },
        at,
        lead,
      ),
    )();
  for (const [i, a] of accounts.entries())
    db.prepare(
      `INSERT INTO processor_txns (idem_key, processor_id, command, account_id, token, merchant, amount_minor, currency,
                                   pay_type, result, created_at)
       VALUES (?, ?, 'auth', ?, ?, 'ispname', ?, 'USD', 10003, 0, ?)`,
    ).run(`auth-${i}`, processorId, a.id, `tok-${i}`, 1250 + i, '2026-11-20T10:00:00Z');
  const batchId = Number(
    db
      .prepare(
        `INSERT INTO batches (batch_no, batch_type, pay_type, currency, allocation_level, status, batch_date, created_at,
                              updated_at, created_by)
         VALUES ('PG-1', 'payment', 10012, 'USD', 'bill', 'validated', '2026-11-22', ?, ?, ?)`,
      )
      .run(at, at, lead).lastInsertRowid,
  );
  // Quotes, a backslash, a newline, a tab, a control character and text beyond ASCII: the entry text each database
  // makes must be the same JSON for the hashes to agree.
  const texts = ['A-1', 'say "hi"', 'back\\slash', 'line\nbreak\ttab\u0001', 'Zoë 東京 €', null];
  const insert = db.prepare(
    `INSERT INTO batch_entries (batch_id, seq, entry_key, account_no, bill_no, amount_minor, status, payment_ref, reason_code)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const [i, text] of texts.entries())
    insert.run(
      batchId,
      i + 1,
      `pg-1-${i}`,
      text,
      i % 2 ? `B${i}` : null,
      i === 5 ? null : 1_000_000_00 + i,
      i === 4 ? 'posted' : 'valid',
      i === 3 ? 7 : null,
      i === 2 ? 2007 : null,
    );
  return { batchId };
}

describe.runIf(STORAGES[1]!.available)('confirmations on both databases', () => {
  const dbs: Db[] = [];
  const disposers: (() => Promise<void>)[] = [];
  const alike = alikeOn(dbs, written);
  let ids: Record<Login, number>;
  let batchId: number;
  /** The same call on each database: the same answer (or refusal) and the same rows written. */
  const same = async (fn: (db: Db) => Promise<unknown>): Promise<unknown> => {
    const out = await alike.same((db) => answer(fn(db)));
    const rows = await Promise.all(dbs.map((db) => written(db.storage)));
    for (const [i, r] of rows.entries()) expect(r, dbs[i]!.dialect).toEqual(rows[0]);
    return out;
  };
  const value = <T>(a: unknown): T => {
    expect(a).toHaveProperty('value');
    return (a as { value: T }).value;
  };
  const prepare = (
    db: Db,
    operation: ConfirmableOperation,
    input: Record<string, unknown>,
    as: Login = 'lead',
  ) => prepareConfirmation(db.storage, operation, input, now, ids[as]);
  const confirm = (
    db: Db,
    operation: ConfirmableOperation,
    input: Record<string, unknown>,
    as: Login = 'lead',
    storage = db.storage,
  ) => confirmOperation(storage, operation, input, now, ids[as]);
  const onBoth = (statement: string) =>
    Promise.all(
      dbs.map((db) => db.storage.transaction(async (tx) => void (await tx.run(sql.raw(statement))))),
    );

  beforeAll(async () => {
    const { dir, cleanup } = tempDir('paydesk-confirm-both-');
    const ledger = openLedger(`${dir}/ledger.sqlite`, 'db/migrations');
    const storage = sqliteStorage(ledger.sqlite);
    ids = await addOperators(storage, OPERATORS, START);
    generateDemoLedger(ledger, { accounts: 30, seed: 7 }, START, ids.lead, () => {});
    ({ batchId } = seed(ledger.sqlite, ids.lead));
    const pg = await freshPostgres();
    await copyToPostgres(ledger.sqlite, pg.storage);
    disposers.push(async () => {
      await pg.dispose();
      ledger.sqlite.close();
      cleanup();
    });
    dbs.push(
      { dialect: 'sqlite', storage, driver: ledger.sqlite },
      { dialect: 'postgres', storage: pg.storage },
    );
  }, 120_000);
  afterAll(async () => {
    for (const d of disposers) await d();
  });

  it('previews a batch, deposits and refunds alike, with the hash the driver computes; shows alike', async () => {
    now = START;
    const batch = value<ConfirmationDto>(await same((db) => prepare(db, 'batches:submit', { batchId })));
    expect(batch).toMatchObject({
      operation: 'batches:submit',
      status: 'pending',
      count: 5,
      totals: [{ currency: 'USD', count: 5, amountMinor: 4_000_000_06 }],
      createdBy: 'lead',
    });
    expect(batch.groups.map((g) => [g.label, g.count])).toEqual([['valid', 5]]);
    const deposit = value<ConfirmationDto>(await same((db) => prepare(db, 'collect:deposit', {})));
    expect(deposit).toMatchObject({
      count: 2,
      processor: 'sim',
      window: { start: '2026-10-23', end: '2026-11-21' },
    });
    const refund = value<ConfirmationDto>(
      await same((db) => prepare(db, 'collect:refund', { processor: 'sim' })),
    );
    // The driver, which the submit job and the run guards still use, hashes the same selection.
    const driver = dbs[0]!.driver!;
    expect(previewOperation(driver, 'batches:submit', { batchId }, now).hash).toBe(batch.hash);
    expect(previewOperation(driver, 'collect:deposit', {}, now).hash).toBe(deposit.hash);
    expect(previewOperation(driver, 'collect:refund', { processor: 'sim' }, now).hash).toBe(refund.hash);
    expect(value<ConfirmationDto>(await same((db) => getConfirmation(db.storage, batch.id)))).toEqual(batch);
    expect(await alike.refused((db) => getConfirmation(db.storage, 999))).toMatchObject({
      code: 'not_found',
    });
    expect(await alike.refused((db) => prepare(db, 'batches:submit', { batchId: 999 }))).toMatchObject({
      code: 'not_found',
    });
    expect(await alike.refused((db) => prepare(db, 'collect:deposit', { processor: 'nope' }))).toMatchObject({
      code: 'not_found',
    });
  });

  it('refuses alike: another operation or input, another operator, used, expired, changed; records as the driver did', async () => {
    now = START;
    const c = value<ConfirmationDto>(await same((db) => prepare(db, 'collect:deposit', {})));
    const input = { confirmationId: c.id };
    expect(value(await same((db) => failure(confirm(db, 'collect:refund', { ...input }))))).toMatchObject({
      code: 'conflict',
      rule: 'confirmation-mismatch',
    });
    expect(
      value(await same((db) => failure(confirm(db, 'collect:deposit', { ...input, start: '2026-11-01' })))),
    ).toMatchObject({ code: 'conflict', rule: 'confirmation-mismatch' });
    expect(value(await same((db) => failure(confirm(db, 'collect:deposit', input, 'kim'))))).toMatchObject({
      code: 'forbidden',
    });
    const ref = value<{ id: number; count: number }>(
      await same((db) => confirm(db, 'collect:deposit', input)),
    );
    expect(ref).toMatchObject({ id: c.id, count: 2 });
    expect(value(await same((db) => failure(confirm(db, 'collect:deposit', input))))).toMatchObject({
      code: 'conflict',
      rule: 'confirmation-used',
    });
    // Expired.
    const late = value<ConfirmationDto>(await same((db) => prepare(db, 'batches:submit', { batchId })));
    now = new Date(START.getTime() + 24 * 3_600_000);
    expect(
      value(await same((db) => failure(confirm(db, 'batches:submit', { batchId, confirmationId: late.id })))),
    ).toMatchObject({ code: 'conflict', rule: 'confirmation-expired' });
    now = START;
    // Changed: an entry's amount moves after the preview.
    const changed = value<ConfirmationDto>(await same((db) => prepare(db, 'batches:submit', { batchId })));
    await onBoth(`UPDATE batch_entries SET amount_minor = amount_minor + 1 WHERE entry_key = 'pg-1-0'`);
    const refusal = value<{ rule: string; message: string }>(
      await same((db) => failure(confirm(db, 'batches:submit', { batchId, confirmationId: changed.id }))),
    );
    expect(refusal).toMatchObject({ rule: 'confirmation-changed' });
    expect(refusal.message).toContain('then 5: 4000000.06 USD; now 5: 4000000.07 USD');
    const shown = value<ConfirmationDto>(await same((db) => getConfirmation(db.storage, changed.id)));
    expect(shown).toMatchObject({ status: 'refused' });
    // The driver's confirm step (the submit job) writes what the port's does.
    const again = value<ConfirmationDto>(await same((db) => prepare(db, 'batches:submit', { batchId })));
    const driver = dbs[0]!.driver!;
    const preview = previewOperation(driver, 'batches:submit', { batchId }, now);
    const before = await written(dbs[0]!.storage);
    const viaDriver = consumeConfirmation(
      driver,
      'batches:submit',
      { batchId, confirmationId: again.id },
      preview,
      now,
      ids.lead,
    );
    const viaDriverRows = await written(dbs[0]!.storage);
    expect(viaDriverRows).not.toEqual(before);
    const viaPort = await confirm(dbs[1]!, 'batches:submit', { batchId, confirmationId: again.id });
    expect(viaPort).toEqual(viaDriver);
    expect(await written(dbs[1]!.storage)).toEqual(viaDriverRows);
  });

  it('four confirms of one confirmation at once: used once, the others told it is used, on both', async () => {
    now = START;
    for (const op of ['collect:deposit', 'batches:submit'] as const) {
      const input = op === 'batches:submit' ? { batchId } : {};
      const c = value<ConfirmationDto>(await same((db) => prepare(db, op, input)));
      for (const db of dbs) {
        // Held at the claim: each has read the confirmation pending before any claims it.
        const r = racing(db.storage, 4, { holdAt: op === 'batches:submit' ? 7 : 4 });
        const results = await Promise.allSettled(
          [0, 1, 2, 3].map(() => confirm(db, op, { ...input, confirmationId: c.id }, 'lead', r.storage)),
        );
        const won = results.filter((x) => x.status === 'fulfilled');
        expect(won, `${db.dialect} ${op}`).toHaveLength(1);
        for (const x of results)
          if (x.status === 'rejected')
            expect(x.reason, db.dialect).toMatchObject({
              error: { code: 'conflict', rule: 'confirmation-used' },
            });
        const audit = ((await written(db.storage)).audit as { action: string; entity_id: string }[])
          .filter((a) => a.entity_id === String(c.id))
          .map((a) => a.action);
        expect(audit, db.dialect).toEqual([
          'confirmation.prepare',
          'confirmation.confirm',
          'confirmation.refuse',
          'confirmation.refuse',
          'confirmation.refuse',
        ]);
        if (db.dialect === 'postgres') expect(r.attempts(), db.dialect).toBeGreaterThan(4);
        else expect(r.attempts(), db.dialect).toBe(4);
      }
    }
    const rows = await Promise.all(dbs.map((db) => written(db.storage)));
    expect(rows[1]!.confirmations).toEqual(rows[0]!.confirmations);
  });

  it('measures batches, payments, refunds and runs alike on both, as the driver guard does', async () => {
    now = START;
    const driver = dbs[0]!.driver!;
    const suspended = driver.prepare(`SELECT id FROM payments ORDER BY id DESC LIMIT 2`).all() as {
      id: number;
    }[];
    const txn = (driver.prepare(`SELECT id FROM processor_txns ORDER BY id LIMIT 1`).get() as { id: number })
      .id;
    const deposit = await prepare(dbs[0]!, 'collect:deposit', {});
    await Promise.all(dbs.slice(1).map((db) => prepare(db, 'collect:deposit', {})));
    const cases: [CommandName, Record<string, unknown>][] = [
      ['batches:submit', { batchId, overrideReasonCode: 2007, confirmationId: 1 }],
      ['suspense:recycle', { paymentIds: suspended.map((s) => s.id) }],
      ['pay:refund', { txnId: txn, amount: '5.00' }],
      ['collect:deposit', { confirmationId: deposit.id }],
      ['admin:import-config', { config: { settings: { 'confirm.expiryMinutes': 99 } } }],
    ];
    for (const [command, input] of cases) {
      const measured = value<unknown>(
        await alike.same((db) =>
          answer(
            db.storage.transaction((tx) => measureCommandIn(tx, command, input, now), {
              readOnly: true,
            }),
          ),
        ),
      );
      expect(measured, command).not.toBeNull();
      expect(measureCommand(driver, command, input, now), command).toEqual(measured);
    }
  });

  // Last: the SQLite-only preview parts the two databases' rows.
  it('direct-debit runs, debit and credit, are previewed alike on both', async () => {
    now = START;
    // A collection run's selection is on the port (test/db/collect-runs-both.test.ts): both prepare it.
    for (const db of dbs)
      expect(await prepare(db, 'collect:run', {})).toMatchObject({
        operation: 'collect:run',
        processor: 'sim',
      });
    // A direct-debit run's selection is on the port too (test/db/dd-run-both.test.ts): the same preview on both.
    const dd = { scheme: 'sepa', collectionDate: '2026-12-10' };
    const previews = [];
    for (const db of dbs) {
      const p = await prepare(db, 'dd:run', dd);
      previews.push({
        hash: p.hash,
        count: p.count,
        totals: p.totals,
        skipped: p.skipped,
        description: p.description,
      });
    }
    for (const p of previews) expect(p).toEqual(previews[0]);
    // A credit run (refunds out) is selected on the port as well: the same preview on both.
    const credits = [];
    for (const db of dbs) {
      const p = await prepare(db, 'dd:run', { ...dd, kind: 'credit' });
      credits.push({ hash: p.hash, count: p.count, totals: p.totals, skipped: p.skipped });
    }
    for (const p of credits) expect(p).toEqual(credits[0]);
  });
});
