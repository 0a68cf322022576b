import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../db/client';
import type { Dialect, Storage, Tx } from '../../db/storage/port';
import { sqliteStorage } from '../../db/storage/sqlite';
import { jobFunctions } from '../../src-main/jobs/registry';
import { ledgerCheck } from '../../src-main/ledger/ledger-check';
import { cancelled } from '../../src-main/ledger/errors';
import {
  createBatchVia,
  saveEntriesVia,
  type EntryFields,
} from '../../src-main/services/batches/batch-store';
import { submitBatchVia } from '../../src-main/services/batches/submit';
import { undoBatch, type UndoInput } from '../../src-main/services/batches/undo';
import { validateBatchVia } from '../../src-main/services/batches/validate';
import type { ServiceContext } from '../../src-main/services/context';
import { generateDemoLedgerVia } from '../../src-main/services/demo';
import type { BatchSubmitDto } from '../../src-shared/dto/batches';
import type { BatchUndoDto } from '../../src-shared/dto/desk-ops';
import { alikeOn, answer } from '../helpers/alike';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { freshApp, tempDir } from '../helpers/ledger';
import { racing } from '../helpers/racing';
import { addOperators, freshPostgres, STORAGES } from '../helpers/storages';
import { usdAccounts, value } from '../helpers/suspense';

// Issue #17: a batch undo and the demo loader through the storage port. A demo ledger built on SQLite with
// submitted batches, copied to PostgreSQL, undoes alike (the reversal batch, its entries, the reversals, journals
// and audit rows); refusals write nothing; two undos of one batch at once build one reversal batch. The demo loads
// the same ledger on both (the driver's on SQLite, the port's on PostgreSQL) and `ledger check` finds it clean.

const NOW = new Date('2026-11-23T09:00:00Z');

type Db = { dialect: Dialect; storage: Storage; driver?: Database.Database };

/** What an undo writes, read the same way on both databases. */
function written(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      batches: await tx.all(
        sql`SELECT id, batch_no AS "batchNo", batch_type AS "batchType", status, note, pay_type AS "payType",
              submitted_at AS "submittedAt", updated_at AS "updatedAt" FROM batches ORDER BY id`,
      ),
      entries: await tx.all(
        sql`SELECT id, batch_id AS "batchId", seq, status, problem, account_no AS "accountNo", amount_minor AS "amountMinor",
              payment_ref AS "paymentRef", reference, custom_json AS "customJson", posted_payment_id AS "paymentId"
            FROM batch_entries ORDER BY id`,
      ),
      payments: await tx.all(
        sql`SELECT id, kind, account_id AS "accountId", status, amount_minor AS "amountMinor", batch_id AS "batchId",
              journal_id AS "journalId" FROM payments ORDER BY id`,
      ),
      journals: await tx.all(
        sql`SELECT id, kind, idem_key AS "idemKey", audit_id AS "auditId" FROM journals ORDER BY id`,
      ),
      lines: await tx.all(
        sql`SELECT journal_id AS "journalId", gl_account AS gl, account_id AS "accountId", amount_minor AS "amountMinor",
              currency FROM journal_lines ORDER BY id`,
      ),
      reversals: await tx.all(
        sql`SELECT payment_id AS "paymentId", journal_id AS "journalId", reason_code AS "reasonCode" FROM reversals
            ORDER BY payment_id`,
      ),
      allocations: await tx.all(
        sql`SELECT payment_id AS "paymentId", item_id AS "itemId", amount_minor AS "amountMinor" FROM allocations
            ORDER BY id`,
      ),
      balances: await tx.all(sql`SELECT id, balance_minor AS "balanceMinor" FROM accounts ORDER BY id`),
      approvals: await tx.all(sql`SELECT id, status, command FROM approvals ORDER BY id`),
      audit: await tx.all(
        sql`SELECT id, at, operator_id AS "operatorId", action, entity, entity_id AS "entityId", reason_code AS "reasonCode",
              before, after FROM audit_log ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

/** A submit's answer without its timing. */
const timeless = (s: BatchSubmitDto | null): unknown => {
  if (!s) return s;
  const { elapsedMs: _ms, ...rest } = s;
  return rest;
};
const undoAnswer = (u: BatchUndoDto): unknown => ({ ...u, submit: timeless(u.submit) });

describe('batch undo on both databases', () => {
  const dbs: Db[] = [];
  let app: ReturnType<typeof freshApp>;
  let disposePg: (() => Promise<void>) | undefined;
  let clerk: number;
  const batches: Record<'undo' | 'race' | 'open', number> = { undo: 0, race: 0, open: 0 };

  const entriesOf = (accounts: { accountNo: string }[], amounts: string[]): EntryFields[] =>
    amounts.map((amount, i) => ({ accountNo: accounts[i]!.accountNo, amount, paymentDate: '2026-11-20' }));
  const batchOf = async (storage: Storage, entries: EntryFields[], submit: boolean) => {
    const b = await createBatchVia(
      storage,
      { batchType: 'payment', payType: 10012, currency: 'USD', channelId: 0, allocationLevel: 'bill' },
      NOW,
      clerk,
    );
    if (entries.length > 0) {
      await saveEntriesVia(storage, { batchId: b.id, entries }, NOW, clerk);
      await validateBatchVia(storage, b.id, NOW, clerk);
    }
    if (submit) await submitBatchVia(storage, { batchId: b.id }, NOW, clerk);
    return b.id;
  };

  beforeAll(async () => {
    app = freshApp(new Date('2026-11-22T09:00:00Z'));
    await value(app.dispatch('demo:load', { accounts: 60, seed: 4 }));
    clerk = app.ctx.operator.id;
    const db = app.ctx.ledger.sqlite;
    const accounts = usdAccounts(app, 6);
    expect(accounts).toHaveLength(6);
    batches.undo = await batchOf(app.ctx.storage, entriesOf(accounts, ['12.00', '7.50', '30.25']), true);
    batches.race = await batchOf(app.ctx.storage, entriesOf(accounts.slice(3), ['4.00', '5.00']), true);
    batches.open = await batchOf(app.ctx.storage, [], false);
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

  /** The app's context on this database (no SQLite connection on PostgreSQL), at NOW. */
  const ctxOf = (db: Db, storage = db.storage): ServiceContext => ({
    ...app.ctx,
    storage,
    ledger: db.driver ? app.ctx.ledger : { file: app.ctx.ledger.file },
    clock: () => NOW,
  });
  /** The submit the batches:submit handler runs, on this database's storage. */
  const submitOn =
    (db: Db, storage = db.storage) =>
    (parsed: { batchId: number }) =>
      submitBatchVia(storage, parsed, NOW, clerk);
  const undo = (db: Db, input: UndoInput, storage = db.storage) =>
    undoBatch(ctxOf(db, storage), input, submitOn(db, storage));

  it('undoes a submitted batch alike: the reversal batch, its entries, reversals, journals and audit', async () => {
    const out = await same(async (db) => {
      const before = await written(db.storage);
      const u = undoAnswer(await undo(db, { batchId: batches.undo, reason: 'file loaded twice' }));
      const after = await written(db.storage);
      return { u, after, added: { reversals: after.reversals.length - before.reversals.length } };
    });
    expect(out.u).toMatchObject({
      outcome: 'submitted',
      reversal: { batchType: 'reversal', status: 'submitted', batchNo: expect.stringMatching(/-U1$/) },
      submit: { reversed: 3 },
    });
    expect(out.added.reversals).toBe(3);
    expect(out.after.audit.filter((a) => (a as { action: string }).action === 'batch.undo')).toHaveLength(1);
    // A retry answers the reversal batch as it stands and writes nothing.
    const again = await same(async (db) => {
      const before = await written(db.storage);
      const u = undoAnswer(await undo(db, { batchId: batches.undo, reason: 'clicked twice' }));
      expect(await written(db.storage), db.dialect).toEqual(before);
      return u;
    });
    expect(again).toMatchObject({ outcome: 'already_undone', submit: null });
  });

  it('refuses alike and writes nothing: not submitted, a bad reason code, no such batch', async () => {
    expect(await refused((db) => undo(db, { batchId: batches.open, reason: 'r' }))).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('only a submitted batch'),
    });
    expect(
      await refused((db) => undo(db, { batchId: batches.race, reason: 'r', reasonCode: 4001 })),
    ).toMatchObject({ code: 'validation', message: expect.stringContaining('4001') });
    expect(await refused((db) => undo(db, { batchId: 987654, reason: 'r' }))).toMatchObject({
      code: 'not_found',
    });
  });

  // Last: a retried transaction on PostgreSQL has used identity numbers, so ids after it differ between the two.
  it('two undos of one batch at once build one reversal batch and post its reversals once', async () => {
    for (const db of dbs) {
      const before = await written(db.storage);
      const r = racing(db.storage, 2, { holdAt: 1, writesOnly: true });
      const answers = await Promise.all([
        answer(undo(db, { batchId: batches.race, reason: 'race' }, r.storage)),
        answer(undo(db, { batchId: batches.race, reason: 'race' }, r.storage)),
      ]);
      const undone = answers.map((a) => ('value' in a ? a.value : a.error)) as BatchUndoDto[];
      for (const u of undone)
        expect(['submitted', 'already_undone'], `${db.dialect}: ${JSON.stringify(u)}`).toContain(u.outcome);
      expect(undone[0]!.reversal.id, db.dialect).toBe(undone[1]!.reversal.id);
      const after = await written(db.storage);
      const added = <T>(k: keyof typeof after) => (after[k] as T[]).slice((before[k] as T[]).length);
      expect(
        added<{ batchType: string }>('batches').map((b) => b.batchType),
        db.dialect,
      ).toEqual(['reversal']);
      expect(added('entries'), db.dialect).toHaveLength(2);
      expect(added('reversals'), db.dialect).toHaveLength(2);
      expect(
        added<{ action: string }>('audit').filter((a) => a.action === 'batch.undo'),
        db.dialect,
      ).toHaveLength(1);
      expect(added<{ status: string }>('batches')[0]!.status, db.dialect).toBe('submitted');
    }
  });
});

/** Rows per demo table. */
async function counted(tx: Tx): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const t of DEMO_TABLES)
    counts[t] = (await tx.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.raw(t)}`))!.n;
  return counts;
}

/** The demo's rows by their business keys (the databases number rows each their own way). */
function book(storage: Storage) {
  return storage.transaction(
    async (tx) => ({
      counts: await counted(tx),
      accounts: await tx.all(
        sql`SELECT account_no AS no, name, status, currency, default_pay_type AS "payType", balance_minor AS balance,
              created_at AS "createdAt" FROM accounts WHERE is_suspense = 0 ORDER BY account_no`,
      ),
      units: await tx.all(
        sql`SELECT u.bill_unit_no AS no, a.account_no AS account, u.name, u.accounting_type AS "accountingType",
              u.pay_type AS "payType", u.payment_term AS term, u.paying, p.bill_unit_no AS parent,
              u.is_default AS "isDefault", u.bill_cycle_day AS "cycleDay", u.next_bill_date AS "nextBillDate"
            FROM bill_units u JOIN accounts a ON a.id = u.account_id LEFT JOIN bill_units p ON p.id = u.parent_bill_unit_id
            ORDER BY u.bill_unit_no`,
      ),
      bills: await tx.all(
        sql`SELECT b.bill_no AS no, u.bill_unit_no AS unit, a.account_no AS account, b.bill_date AS "billDate",
              b.due_date AS "dueDate", b.currency, b.total_minor AS total, b.amount_due_minor AS due, b.status
            FROM bills b JOIN bill_units u ON u.id = b.bill_unit_id JOIN accounts a ON a.id = b.account_id
            ORDER BY b.bill_no`,
      ),
      items: await tx.all(
        sql`SELECT i.item_no AS no, b.bill_no AS bill, a.account_no AS account, i.type, i.amount_minor AS amount,
              i.open_minor AS open, i.gl_id AS "glId", i.status
            FROM bill_items i JOIN bills b ON b.id = i.bill_id JOIN accounts a ON a.id = i.account_id
            ORDER BY i.item_no`,
      ),
      lines: await tx.all(
        sql`SELECT j.kind, j.idem_key AS "idemKey", j.at, j.effective_date AS "effectiveDate", l.gl_account AS gl,
              a.account_no AS account, l.amount_minor AS amount, l.currency
            FROM journal_lines l JOIN journals j ON j.id = l.journal_id LEFT JOIN accounts a ON a.id = l.account_id
            ORDER BY j.idem_key, l.gl_account, a.account_no, l.currency`,
      ),
      methods: await tx.all(
        sql`SELECT a.account_no AS account, m.type, m.token, m.mask, m.brand, m.expiry, m.routing_no AS "routingNo",
              m.is_default AS "isDefault", m.verification, m.created_at AS "createdAt"
            FROM payment_methods m JOIN accounts a ON a.id = m.account_id ORDER BY a.account_no`,
      ),
      mandates: await tx.all(
        sql`SELECT m.reference, a.account_no AS account, c.code AS creditor, m.scheme, m.type, m.status,
              m.signed_on AS "signedOn", m.debtor_name AS "debtorName", m.iban, m.bic, m.sort_code AS "sortCode",
              m.routing_no AS "routingNo", m.account_no AS "accountNo", m.account_type AS "accountType",
              m.sec_code AS "secCode", m.first_collected_on AS "first", m.last_collected_on AS "last", m.collections,
              m.cancelled_on AS "cancelledOn", m.cancel_reason AS "cancelReason", m.version, m.created_at AS "createdAt"
            FROM mandates m JOIN accounts a ON a.id = m.account_id JOIN creditors c ON c.id = m.creditor_id
            ORDER BY m.reference`,
      ),
      events: await tx.all(
        sql`SELECT m.reference, e.kind, e.after_json AS "after", e.source, x.count AS "extractCount", e.at
            FROM mandate_events e JOIN mandates m ON m.id = e.mandate_id
            LEFT JOIN auddis_extracts x ON x.id = e.auddis_extract_id ORDER BY m.reference, e.kind`,
      ),
      creditors: await tx.all(
        sql`SELECT code, scheme, name, identifier, currency, iban, bic, routing_no AS "routingNo",
              account_no AS "accountNo", pain_version AS "painVersion", is_default AS "isDefault", active
            FROM creditors ORDER BY code`,
      ),
      audit: await tx.all(
        sql`SELECT action, entity, after FROM audit_log WHERE action = 'demo.load' ORDER BY id`,
      ),
    }),
    { readOnly: true },
  );
}

const DEMO_TABLES = [
  'accounts',
  'bill_units',
  'bills',
  'bill_items',
  'journals',
  'journal_lines',
  'payment_methods',
  'creditors',
  'mandates',
  'mandate_events',
  'auddis_extracts',
  'audit_log',
];

describe('the demo load on both databases', () => {
  const dbs: (Db & { operatorId: number; dispose: () => Promise<void> })[] = [];
  const tmp = tempDir();

  beforeAll(async () => {
    for (const m of STORAGES.filter((s) => s.available)) {
      if (m.dialect === 'sqlite') {
        const ledger = openLedger(`${tmp.dir}/demo.sqlite`, 'db/migrations');
        const storage = sqliteStorage(ledger.sqlite, { closeDb: true });
        const { lead } = await addOperators(storage, { lead: ['admin'] });
        dbs.push({
          dialect: 'sqlite',
          storage,
          driver: ledger.sqlite,
          operatorId: lead,
          dispose: () => storage.close(),
        });
      } else {
        const pg = await freshPostgres();
        const { lead } = await addOperators(pg.storage, { lead: ['admin'] });
        dbs.push({ dialect: 'postgres', storage: pg.storage, operatorId: lead, dispose: pg.dispose });
      }
    }
  }, 120_000);
  afterAll(async () => {
    for (const db of dbs) await db.dispose();
    tmp.cleanup();
  });

  const { same, refused } = alikeOn(dbs, book);
  /** The 'demo' job as the app runs it: the driver's load on SQLite, the port's on PostgreSQL. */
  const demoJob = (
    db: (typeof dbs)[number],
    progress: (phase: string, done: number, total: number) => void = () => {},
  ) =>
    // Async, so the driver's synchronous refusal is a rejection like the port's.
    (async () =>
      jobFunctions.demo(
        {
          ledger: { file: `${tmp.dir}/demo.sqlite`, ...(db.driver ? { sqlite: db.driver } : {}) },
          storage: db.storage,
          now: NOW,
          operatorId: db.operatorId,
          progress,
          signal: new AbortController().signal,
        },
        { accounts: 240, seed: 11 },
      ))();

  it('a cancelled load leaves the ledger empty on both', async () => {
    expect(
      await refused((db) =>
        demoJob(db, (phase) => {
          if (phase === 'indexes') throw cancelled('demo cancelled');
        }),
      ),
    ).toMatchObject({ code: 'cancelled' });
  });

  it('loads the same book on both (driver on SQLite, port on PostgreSQL) and ledger check finds it clean', async () => {
    const loaded = await same(async (db) => {
      const { elapsedMs: _ms, ...summary } = await demoJob(db);
      const check = await ledgerCheck(db.storage, db.driver, 100);
      expect(check.violations, db.dialect).toEqual([]);
      return { summary, book: await book(db.storage), counts: check.counts };
    });
    expect(loaded.summary).toMatchObject({ accounts: 240, seed: 11 });
    expect(loaded.book.counts).toMatchObject({ accounts: 241, journals: 1, creditors: 3, audit_log: 1 });
    expect(loaded.book.mandates.length).toBeGreaterThan(10);
    expect(loaded.book.units.some((u) => (u as { parent: string | null }).parent !== null)).toBe(true);
  });

  it('refuses a second load alike and writes nothing', async () => {
    expect(await refused((db) => demoJob(db))).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('empty ledger'),
    });
  });

  it('two port loads at once into an empty ledger load one book; the other is refused demo-empty-ledger', async () => {
    for (const m of STORAGES.filter((s) => s.available)) {
      const fresh = await m.open();
      try {
        const { lead } = await addOperators(fresh.storage, { lead: ['admin'] });
        const r = racing(fresh.storage, 2, { holdAt: 2 });
        const load = () => generateDemoLedgerVia(r.storage, { accounts: 30, seed: 3 }, NOW, lead, () => {});
        const answers = await Promise.all([answer(load()), answer(load())]);
        const refusals = answers.filter((a) => 'error' in a).map((a) => ('error' in a ? a.error : null));
        expect(refusals, m.dialect).toMatchObject([
          { code: 'conflict', message: expect.stringContaining('empty ledger') },
        ]);
        const after = await book(fresh.storage);
        expect(after.counts, m.dialect).toMatchObject({ accounts: 31, journals: 1, audit_log: 1 });
      } finally {
        await fresh.dispose();
      }
    }
  });
});
