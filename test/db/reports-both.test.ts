import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Storage } from '../../db/storage/port';
import type { App } from '../../src-main/app-context';
import { AppFailure } from '../../src-main/ledger/errors';
import { glLines, glSummary } from '../../src-main/services/reports/gl';
import { reportExponents, REPORT_BUILDERS } from '../../src-main/services/reports/registry';
import type { ReportDto, ReportFiltersDto, ReportName } from '../../src-shared/dto/reports';
import { copyToPostgres } from '../helpers/copy-to-postgres';
import { buildReportScenario, type ReportScenario } from '../helpers/reports-scenario';
import { freshPostgres, STORAGES } from '../helpers/storages';
import { value } from '../helpers/suspense';

// Issue #17: every report reads through the storage port and gives the same answer on SQLite and on PostgreSQL,
// for a worked ledger built by the services on SQLite and copied row for row. PostgreSQL runs twice: the
// throwaway cluster's own database, and one whose default collation is ICU en-US (it sorts 'a' before 'B' and
// '_' before digits), so a text ORDER BY that relied on the database's collation would show here.

const NOW = new Date('2026-11-22T09:00:00Z');
/** Every report runs at both clocks: the approval prepared on 11-21 is still pending at the second. */
const CLOCKS = [NOW, new Date('2026-11-21T16:00:00Z')];

type Db = { storage: Storage; dispose: () => Promise<void> };

/**
 * What the scenario lacks for the collections report, as fixture rows (no processor, no bank): a card run whose
 * soft decline on a bill is recovered by a later run's retry (with its workflow item), a hard decline, and a
 * direct-debit file with items sent and returned, plus bank returns in every shape (on a file item, on a bounced
 * check's payment, on neither; bank codes that sort differently by code point and by en-US collation).
 */
function collectionFixtures(db: Database.Database, s: ReportScenario): void {
  const one = <T>(q: string, ...args: unknown[]): T => db.prepare(q).get(...args) as T;
  const id = (q: string, ...args: unknown[]): number => Number(db.prepare(q).run(...args).lastInsertRowid);
  const proc = one<{ id: number }>(`SELECT id FROM processors WHERE name = 'sim'`).id;
  const tester = one<{ id: number }>(`SELECT id FROM operators WHERE login = 'tester'`).id;
  const bill = (billNo: string): { id: number; accountId: number } =>
    one(`SELECT id, account_id AS accountId FROM bills WHERE bill_no = ?`, billNo);
  const run = (startedAt: string): number =>
    id(
      `INSERT INTO collect_runs (kind, processor_id, options_json, status, selected, started_at, finished_at, operator_id)
       VALUES ('collect', ?, '{}', 'done', 2, ?, ?, ?)`,
      proc,
      startedAt,
      startedAt,
      tester,
    );
  const txn = (
    key: string,
    runId: number,
    b: { id: number; accountId: number },
    amount: number,
    result: number,
    at: string,
  ): number =>
    id(
      `INSERT INTO processor_txns (idem_key, processor_id, command, run_id, account_id, bill_id, merchant, amount_minor,
         currency, pay_type, result, created_at) VALUES (?, ?, 'auth', ?, ?, ?, 'm', ?, 'USD', 10003, ?, ?)`,
      key,
      proc,
      runId,
      b.accountId,
      b.id,
      amount,
      result,
      at,
    );
  const soft = bill(s.usd[1]!.billNo);
  const hard = bill(s.usd[2]!.billNo);
  const first = run('2026-11-21T06:00:00.000Z');
  const declined = txn('f1', first, soft, 2500, 7, '2026-11-21T06:01:00.000Z');
  txn('f2', first, hard, 1700, 8, '2026-11-21T06:02:00.000Z');
  db.prepare(
    `INSERT INTO workflow_items (account_id, kind, txn_id, message, created_at) VALUES (?, 'soft-decline', ?, 'retry', ?)`,
  ).run(soft.accountId, declined, '2026-11-21T06:01:00.000Z');
  const second = run('2026-11-22T06:00:00.000Z');
  txn('f3', second, soft, 2500, 0, '2026-11-22T06:01:00.000Z');

  const eur = bill(s.eur[0]!.billNo);
  const at = '2026-11-21T08:00:00.000Z';
  const creditor = id(
    `INSERT INTO creditors (code, scheme, name, identifier, currency, iban, created_at, updated_at)
     VALUES ('EU-T', 'sepa', 'Paydesk', 'DE98ZZZ09999999999', 'EUR', 'DE89370400440532013000', ?, ?)`,
    at,
    at,
  );
  const file = id(
    `INSERT INTO bank_files_out (kind, scheme, format, creditor_id, collection_date, currency, message_id, count,
       total_minor, sha256, status, created_at, created_by, run_key)
     VALUES ('debit', 'sepa', 'pain.008.001.08', ?, '2026-11-24', 'EUR', 'MSG-T', 3, 6000, 'x', 'sent', ?, ?, 'rk')`,
    creditor,
    at,
    tester,
  );
  const item = (seq: number, amount: number, status: string, code: string | null): number =>
    id(
      `INSERT INTO bank_file_items (file_id, seq, account_id, amount_minor, currency, end_to_end_id, status, return_code)
       VALUES (?, ?, ?, ?, 'EUR', ?, ?, ?)`,
      file,
      seq,
      eur.accountId,
      amount,
      `E2E-T-${seq}`,
      status,
      code,
    );
  item(1, 1000, 'sent', null);
  const rejected = item(2, 2000, 'returned', 'AM04');
  const returned = item(3, 3000, 'returned', 'MD01');
  const ret = (
    key: string,
    kind: string,
    bankCode: string,
    rejectionCode: string | null,
    link: { fileItemId?: number; paymentId?: number },
  ): void => {
    db.prepare(
      `INSERT INTO bank_returns (return_key, batch_id, entry_seq, file_item_id, payment_id, kind, bank_code, bank_text,
         rejection_code, source_format, status, created_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, 'camt.054', 'applied', ?)`,
    ).run(
      key,
      s.b2,
      link.fileItemId ?? null,
      link.paymentId ?? null,
      kind,
      bankCode,
      `text ${key}`,
      rejectionCode,
      '2026-11-22T07:00:00.000Z',
    );
  };
  ret('r1', 'reject', 'AM04', 'AM04', { fileItemId: rejected });
  ret('r2', 'return', 'R01', 'MD01', { fileItemId: returned });
  ret('r3', 'return', 'R_1', 'MD01', { fileItemId: returned });
  ret('r4', 'return', 'R01', null, { fileItemId: returned });
  ret('r5', 'bounced', 'b1', null, { paymentId: s.onTimeId });
  ret('r6', 'bounced', 'B2', null, {});
}

/** The filter combinations each report runs with (an empty period among them). */
function filterSets(s: ReportScenario): Record<ReportName, ReportFiltersDto[]> {
  const a1 = s.usd[0]!.accountNo;
  const empty = { from: '2025-01-01', to: '2025-01-31' };
  const november = { from: '2026-11-01', to: '2026-11-30' };
  return {
    deposit: [
      {},
      november,
      { currency: 'EUR' },
      { channelId: 2 },
      { batchId: s.b1 },
      { operator: 'clerk2' },
      { payType: 10012, from: '2026-11-20', to: '2026-11-20' },
      empty,
    ],
    daily: [
      {},
      { to: '2026-11-20' },
      { to: '2026-11-21' },
      { to: '2026-11-21', currency: 'USD' },
      { to: '2026-11-21', currency: 'EUR', operator: 'clerk2' },
      { to: '2026-11-21', channelId: 3 },
      { to: '2026-11-21', payType: 10003 },
      { to: '2025-01-01' },
    ],
    history: [
      {},
      november,
      { currency: 'EUR' },
      { accountNo: a1.toLowerCase() },
      { channelId: 3 },
      { payType: 10012 },
      { batchId: s.b1 },
      { operator: 'clerk2' },
      empty,
    ],
    gl: [
      {},
      { currency: 'USD' },
      november,
      { batchId: s.b1 },
      { operator: 'clerk2' },
      { payType: 10012 },
      { channelId: 2 },
      empty,
    ],
    'suspense-aging': [
      {},
      { from: '2026-08-01', to: '2026-11-30' },
      { currency: 'USD' },
      { operator: 'clerk2' },
      { accountNo: a1.toLowerCase() },
      { batchId: s.b2 },
      { channelId: 2 },
      empty,
    ],
    collections: [
      {},
      november,
      { currency: 'USD' },
      { currency: 'EUR' },
      { accountNo: s.usd[1]!.accountNo },
      { operator: 'tester' },
      { batchId: s.b2 },
      { from: '2026-11-22', to: '2026-11-22' },
      empty,
    ],
  };
}

const rowsOf = (r: ReportDto): number => r.tables.reduce((n, t) => n + t.rows.length, 0);

/** A report's failure as its error object (a validation error names its fields), for comparing across databases. */
async function outcome<T>(read: Promise<T>): Promise<T | { failed: unknown }> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof AppFailure) return { failed: err.error };
    throw err;
  }
}

describe.runIf(STORAGES[1]!.available)('reports on a worked ledger copied to PostgreSQL', () => {
  let scenario: ReportScenario;
  let app: App;
  let pgs: Db[] = [];

  beforeAll(async () => {
    scenario = await buildReportScenario();
    app = scenario.open(NOW.toISOString());
    // A posted payment recycled into suspense: a stay with the account's number as the payer's hint.
    await value(app.dispatch('suspense:recycle', { paymentIds: [scenario.lateId], reasonCode: 4002 }));
    collectionFixtures(app.ctx.ledger.sqlite, scenario);
    pgs = [await freshPostgres(), await freshPostgres({ icu: true })];
    for (const p of pgs) await copyToPostgres(app.ctx.ledger.sqlite, p.storage);
  }, 180_000);
  afterAll(async () => {
    for (const p of pgs) await p.dispose();
    app?.close();
    scenario?.cleanup();
  });

  /** The answer on SQLite, having checked it is the same on each PostgreSQL database. */
  const same = async <T>(read: (s: Storage) => Promise<T>): Promise<T> => {
    const [here, ...there] = await Promise.all([app.ctx.storage, ...pgs.map((p) => p.storage)].map(read));
    for (const t of there) expect(t).toStrictEqual(here);
    return here!;
  };

  it('runs on a PostgreSQL database that collates unlike code points', async () => {
    const order = await pgs[1]!.storage.transaction(
      (tx) =>
        tx.all<{ v: string }>(sql`SELECT v FROM (VALUES ('R01'), ('R_1'), ('a'), ('B')) x(v) ORDER BY v`),
      { readOnly: true },
    );
    expect(order.map((r) => r.v)).not.toEqual(['B', 'R01', 'R_1', 'a']);
  });

  it.each(Object.keys(REPORT_BUILDERS) as ReportName[])(
    'gives the same %s report on both, with every filter',
    async (name) => {
      let rows = 0;
      let nonEmptyRuns = 0;
      for (const filters of filterSets(scenario)[name])
        for (const now of CLOCKS) {
          const report = await same((s) => REPORT_BUILDERS[name](s, filters, now));
          rows += rowsOf(report);
          if (rowsOf(report) > 0) nonEmptyRuns++;
          expect(await same((s) => reportExponents(s, report))).toBeDefined();
        }
      // Not a comparison of empty answers: most filter sets find something.
      expect(rows).toBeGreaterThan(10);
      expect(nonEmptyRuns).toBeGreaterThan(3);
    },
  );

  it('fills every table of each report in some run', async () => {
    for (const name of Object.keys(REPORT_BUILDERS) as ReportName[]) {
      const tables = new Set<string>();
      const filled = new Set<string>();
      for (const filters of filterSets(scenario)[name])
        for (const now of CLOCKS)
          for (const t of (await REPORT_BUILDERS[name](app.ctx.storage, filters, now)).tables) {
            tables.add(t.id);
            if (t.rows.length > 0) filled.add(t.id);
          }
      expect([...filled].sort(), name).toEqual([...tables].sort());
    }
  });

  it('refuses unknown filters alike', async () => {
    for (const name of Object.keys(REPORT_BUILDERS) as ReportName[]) {
      const refused = await same((s) =>
        outcome(REPORT_BUILDERS[name](s, { currency: 'XYZ', operator: 'ghost', accountNo: 'NOPE-1' }, NOW)),
      );
      if (name !== 'gl') expect(refused).toMatchObject({ failed: { code: 'validation' } });
    }
  });

  it('gives the same G/L summary and drill-down lines on both', async () => {
    let lines = 0;
    for (const period of [
      { from: '2026-11-01', to: '2026-11-30' },
      { from: '2026-11-21', to: '2026-11-21', currency: 'EUR' },
      { from: '2026-11-20', to: '2026-11-21', batchId: scenario.b1 },
    ]) {
      const summary = await same((s) => glSummary(s, period));
      expect(summary.tiesOut).toBe(true);
      for (const row of summary.rows) {
        const page = await same((s) =>
          glLines(s, { ...period, currency: row.currency, glId: row.glId, offset: 0, limit: 50 }),
        );
        expect(page.total).toBe(row.lines);
        lines += page.rows.length;
      }
    }
    expect(lines).toBeGreaterThan(20);
  });
});
