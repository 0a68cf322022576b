import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../../src-main/app-context';
import { REASON_DOMAIN } from '../../src-main/ledger/codes';
import type { BatchDto, BatchEntriesPageDto, BatchImportDto } from '../../src-shared/dto/batches';
import type { SuspenseMoveDto } from '../../src-shared/dto/suspense';
import { dispatchConfirmed } from './confirm';
import { collectByFile } from './direct-debit';
import { buildReportScenario, type ReportScenario } from './reports-scenario';
import { value } from './suspense';

const TEMPLATE = {
  name: 'Lockbox CSV',
  format: 'delimited',
  delimiter: ',',
  headerLines: 0,
  footerLines: 0,
  hasColumnHeader: true,
  dateFormat: 'MM/dd/yyyy',
  columns: [
    { field: 'accountNo', index: 0 },
    { field: 'amount', index: 1 },
    { field: 'paymentDate', index: 2 },
  ],
};

function one<T>(app: App, query: string, ...args: unknown[]): T {
  return app.ctx.ledger.sqlite
    .prepare(query)
    .pluck()
    .get(...args) as T;
}

function firstCode(app: App, domain: number): number {
  return one(
    app,
    `SELECT id FROM reason_codes WHERE domain_id = ? AND active = 1 ORDER BY id LIMIT 1`,
    domain,
  );
}

/** A direct-debit file whose first item bounces and is reversed by the return batch; the file is confirmed sent. */
async function bouncedDebit(app: App, operatorId: number): Promise<void> {
  const [debit] = collectByFile(
    app.ctx.ledger.sqlite,
    { scheme: 'sepa', count: 2, messageId: 'TL-PG' },
    new Date('2026-11-22T08:00:00Z'),
  );
  app.ctx.ledger.sqlite
    .prepare(
      `UPDATE bank_files_out SET sent_at = '2026-11-22T08:30:00.000Z', sent_by = ? WHERE message_id = 'TL-PG'`,
    )
    .run(operatorId);
  const bounce = await value<{ batch: { id: number } }>(
    app.dispatch('returns:bounce', { paymentId: debit!.paymentId, code: 'R10', text: 'not authorised' }),
  );
  await value(app.dispatch('batches:validate', { batchId: bounce.batch.id }));
  await value(dispatchConfirmed(app, 'batches:submit', { batchId: bounce.batch.id }));
}

/** A lockbox file imported and submitted, its line with a bad date split off, corrected and submitted too. */
async function importedFile(app: App, scenario: ReportScenario): Promise<void> {
  const [, a2, a3] = scenario.usd;
  const file = join(scenario.dir, 'lockbox-1122.csv');
  writeFileSync(
    file,
    `Account,Amount,Date\n${a2!.accountNo},4.00,11/21/2026\n${a3!.accountNo},3.00,13/45/2026\n`,
  );
  const imported = await value<BatchImportDto>(
    app.dispatch('batches:import-file', { file, template: TEMPLATE, payType: 10012, currency: 'USD' }),
  );
  const batchId = imported.batch.id;
  await value(app.dispatch('batches:validate', { batchId }));
  const ex = (await value<{ exception: BatchDto }>(app.dispatch('batches:exception', { batchId }))).exception;
  await value(app.dispatch('batches:validate', { batchId }));
  await value(dispatchConfirmed(app, 'batches:submit', { batchId }));
  const bad = (await value<BatchEntriesPageDto>(app.dispatch('batches:entries', { batchId: ex.id })))
    .rows[0]!;
  await value(
    app.dispatch('batches:save-entries', {
      batchId: ex.id,
      entries: [{ id: bad.id, accountNo: a3!.accountNo, amount: '3.00', paymentDate: '2026-11-21' }],
    }),
  );
  await value(app.dispatch('batches:validate', { batchId: ex.id }));
  await value(dispatchConfirmed(app, 'batches:submit', { batchId: ex.id }));
}

/**
 * The EUR payment the scenario suspended: distributed in part, that part recycled, noted, assigned and removed;
 * the rest's reason changed (which replaces it).
 */
async function suspenseCase(app: App, scenario: ReportScenario): Promise<void> {
  const suspended = one<number>(
    app,
    `SELECT posted_payment_id FROM batch_entries WHERE batch_id = ? AND seq = 2`,
    scenario.b2,
  );
  const dist = await value<SuspenseMoveDto>(
    app.dispatch('suspense:distribute', {
      paymentId: suspended,
      targets: [{ accountNo: scenario.eur[0]!.accountNo, amount: '3.00' }],
    }),
  );
  const recycled = await value<SuspenseMoveDto>(
    app.dispatch('suspense:recycle', { paymentIds: [dist.posted[0]!.paymentId], reasonCode: 4002 }),
  );
  const rid = recycled.suspended[0]!.paymentId;
  await value(app.dispatch('suspense:note', { paymentId: rid, text: 'called the payer' }));
  const owner = firstCode(app, REASON_DOMAIN.actionOwner);
  await value(app.dispatch('suspense:assign', { paymentIds: [rid], owner }));
  await value(app.dispatch('suspense:remove', { paymentId: rid, reasonCode: 4999 }));
  const rest = dist.suspended[0]!.paymentId;
  const otherReason = one<number>(
    app,
    `SELECT id FROM reason_codes WHERE domain_id = ? AND active = 1
       AND id <> (SELECT reason_code FROM payments WHERE id = ?) ORDER BY id LIMIT 1`,
    REASON_DOMAIN.suspense,
    rest,
  );
  await value(app.dispatch('suspense:change-reason', { paymentIds: [rest], reasonCode: otherReason }));
}

/**
 * Processor records of a payment as a collect run and the night's recovery leave them (fixture rows on the
 * scenario's records): the payment's own authorization answered, a refund of it, and a recovery decision that
 * names it with a record of another payment.
 */
function processorRecords(app: App, paymentId: number, operatorId: number): void {
  const db = app.ctx.ledger.sqlite;
  db.prepare(
    `UPDATE processor_txns SET payment_id = ?, settled_at = '2026-11-21T02:01:05.000Z', auth_code = 'A1B2',
       processor_ref = 'SIM-1' WHERE idem_key = 'k1'`,
  ).run(paymentId);
  const k1 = db
    .prepare(
      `SELECT id, processor_id AS processorId, account_id AS accountId FROM processor_txns WHERE idem_key = 'k1'`,
    )
    .get() as { id: number; processorId: number; accountId: number };
  db.prepare(
    `INSERT INTO processor_txns (idem_key, processor_id, command, account_id, merchant, amount_minor, currency,
       pay_type, result, related_txn_id, operator_id, created_at, settled_at)
     VALUES ('k5', ?, 'refund', ?, 'm', 200, 'USD', 10003, 1000, ?, ?, '2026-11-22T11:01:00.000Z',
       '2026-11-22T11:01:02.000Z')`,
  ).run(k1.processorId, k1.accountId, k1.id, operatorId);
  const k4 = one<number>(app, `SELECT id FROM processor_txns WHERE idem_key = 'k4'`);
  db.prepare(
    `INSERT INTO audit_log (at, operator_id, action, entity, entity_id)
     VALUES ('2026-11-22T11:02:00.000Z', ?, 'recovery.resolve', 'processor_txn', ?)`,
  ).run(operatorId, `${k4},${k1.id}`);
}

/** Two exports to billing (as the export service records them): everything so far by watermark, then a re-export. */
function exports(app: App, operatorId: number): void {
  const maxId = (table: string): number => one(app, `SELECT coalesce(max(id), 0) FROM ${table}`);
  const run = app.ctx.ledger.sqlite.prepare(
    `INSERT INTO export_runs (kind, mode, from_journal_id, to_journal_id, from_allocation_id, to_allocation_id,
       from_date, to_date, records, files_json, at, operator_id)
     VALUES ('posted', ?, 0, ?, 0, ?, ?, ?, 1, '[]', ?, ?)`,
  );
  run.run(
    'watermark',
    maxId('journals'),
    maxId('allocations'),
    null,
    null,
    '2026-11-22T11:05:00.000Z',
    operatorId,
  );
  run.run('range', 0, 0, '2026-11-20', '2026-11-21', '2026-11-22T11:06:00.000Z', null);
}

/**
 * The report scenario (buildReportScenario) and, a day later, what it leaves out so every source of the payment
 * timeline has rows: a direct-debit file (one item bounced and reversed), a lockbox file with a line split off
 * to an exception batch, a suspense case followed through distribute, recycle, note, owner, remove and a reason
 * change, an allocation undone, processor records of a payment (its reply, a refund, a recovery decision) and
 * two exports to billing. Each step is a session of its own at its own time, as the services wrote it on SQLite.
 */
export async function buildTimelineScenario(): Promise<ReportScenario> {
  const scenario = await buildReportScenario();
  const session = async (at: string, work: (app: App) => Promise<void> | void): Promise<void> => {
    const app = scenario.open(at);
    try {
      await work(app);
    } finally {
      app.close();
    }
  };
  const tester = (app: App): number => one(app, `SELECT id FROM operators WHERE login = 'tester'`);
  await session('2026-11-22T08:00:00Z', (app) => bouncedDebit(app, tester(app)));
  await session('2026-11-22T09:00:00Z', (app) => importedFile(app, scenario));
  await session('2026-11-22T10:00:00Z', async (app) => {
    await suspenseCase(app, scenario);
    const reasonCode = firstCode(app, REASON_DOMAIN.suspenseReversal);
    await value(app.dispatch('allocation:undo', { paymentId: scenario.onTimeId, reasonCode }));
  });
  await session('2026-11-22T11:00:00Z', (app) => {
    processorRecords(app, scenario.onTimeId, tester(app));
    exports(app, tester(app));
  });
  return scenario;
}
