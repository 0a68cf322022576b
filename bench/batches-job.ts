/**
 * One phase of the batch benchmark, run in its own child process (forked by bench/batches.ts with
 * `--import tsx`), so each phase's peak RSS is its own. The phase and its arguments arrive as JSON in argv[2];
 * the result goes back over the IPC channel as one message (`JobResult`). Not a product entry point.
 */
import { createReadStream } from 'node:fs';
import Database from 'better-sqlite3';
import Papa from 'papaparse';
import { openApp, type App } from '../src-main/app-context';
import { mulberry32 } from '../src-main/domain/prng';
import type { Result } from '../src-shared/api/result';
import { LOCKBOX_TEMPLATE } from './batches-data';
import { setBasedFloor } from './batches-floor';

/** A phase to run and what it needs. */
export type JobSpec =
  | { phase: 'demo'; ledger: string; accounts: number; seed: number }
  | { phase: 'import'; ledger: string; file: string }
  | { phase: 'grid'; ledger: string; batchId: number; rows: number }
  | { phase: 'validate'; ledger: string; batchId: number }
  | { phase: 'submit'; ledger: string; batchId: number }
  | { phase: 'check'; ledger: string }
  | { phase: 'floor-js'; file: string; target: string }
  | { phase: 'floor-sql'; ledger: string; batchId: number };

/** What a phase reports: its own wall time, the child's peak RSS (KB) and phase-specific figures. */
export type JobResult =
  | {
      ok: true;
      ms: number;
      /** CPU time (user + system) of the child while the phase ran, opening the ledger included. */
      cpuMs: number;
      maxRssKb: number;
      baseRssKb: number;
      facts: Record<string, number | string>;
    }
  | { ok: false; error: string };

function must<T>(r: Result<unknown>, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

const open = (ledger: string): App =>
  openApp({ file: ledger, login: 'bench', migrationsFolder: 'db/migrations' });

/** Runs one phase; the clock runs around the command(s) only, not around opening the ledger. */
async function run(spec: JobSpec): Promise<{ ms: number; facts: Record<string, number | string> }> {
  switch (spec.phase) {
    case 'demo': {
      const app = open(spec.ledger);
      let ms: number;
      try {
        const t = performance.now();
        must(await app.dispatch('demo:load', { accounts: spec.accounts, seed: spec.seed }), 'demo:load');
        ms = performance.now() - t;
        // A lockbox day: the same account pays several times, unknown payers go to suspense, and bill-level
        // automatic allocation (no manual step) decides every entry.
        app.ctx.ledger.sqlite
          .prepare(
            `INSERT OR REPLACE INTO settings (key, value) VALUES ('ALLOWACCOUNTDUP', 'true'), ('NoManualAllocation', 'true'), ('PaymentSuspense', 'true')`,
          )
          .run();
      } finally {
        app.close();
      }
      // A self-contained file (no WAL beside it), so the bench can copy it as the start of every size.
      const db = new Database(spec.ledger);
      try {
        db.pragma('journal_mode = DELETE');
      } finally {
        db.close();
      }
      return { ms, facts: {} };
    }
    case 'import': {
      const app = open(spec.ledger);
      try {
        const t = performance.now();
        const r = must<{ batch: { id: number }; rows: number; invalid: number }>(
          await app.dispatch('batches:import-file', {
            file: spec.file,
            template: LOCKBOX_TEMPLATE,
            payType: 10012,
            currency: 'USD',
          }),
          'batches:import-file',
        );
        return {
          ms: performance.now() - t,
          facts: { batchId: r.batch.id, rows: r.rows, invalid: r.invalid },
        };
      } finally {
        app.close();
      }
    }
    case 'grid': {
      const app = open(spec.ledger);
      try {
        const rand = mulberry32(11);
        const page = async (startRow: number, totals: boolean): Promise<number> => {
          const s = performance.now();
          must(
            await app.dispatch('batches:entries', {
              batchId: spec.batchId,
              startRow,
              endRow: startRow + 200,
              totals,
            }),
            'batches:entries',
          );
          return performance.now() - s;
        };
        const first = await page(0, true);
        const samples: number[] = [];
        for (let i = 0; i < 200; i++)
          samples.push(await page(Math.floor(rand() * Math.max(1, spec.rows - 200)), false));
        samples.sort((a, b) => a - b);
        const p95 = samples[Math.floor(samples.length * 0.95)] ?? NaN;
        return { ms: p95, facts: { p50: samples[100] ?? NaN, p95, firstWithTotals: first } };
      } finally {
        app.close();
      }
    }
    case 'validate': {
      const app = open(spec.ledger);
      try {
        const t = performance.now();
        must(await app.dispatch('batches:validate', { batchId: spec.batchId }), 'batches:validate');
        const ms = performance.now() - t;
        return { ms, facts: statusCounts(app, spec.batchId) };
      } finally {
        app.close();
      }
    }
    case 'submit': {
      const app = open(spec.ledger);
      try {
        const t = performance.now();
        // Over the confirmation limit a submit is prepared, then confirmed with exactly that preview (the CLI's --yes).
        const prepared = must<{ id: number }>(
          await app.dispatch('confirmations:prepare', {
            operation: 'batches:submit',
            input: { batchId: spec.batchId },
          }),
          'confirmations:prepare',
        );
        const prepareMs = performance.now() - t;
        must(
          await app.dispatch('batches:submit', { batchId: spec.batchId, confirmationId: prepared.id }),
          'batches:submit',
        );
        const ms = performance.now() - t;
        return { ms, facts: { prepareMs, ...postedCounts(app.ctx.ledger.sqlite, spec.batchId) } };
      } finally {
        app.close();
      }
    }
    case 'check': {
      const app = open(spec.ledger);
      try {
        const t = performance.now();
        const r = must<{ ok: boolean; violations: unknown[] }>(
          await app.dispatch('ledger:check', {}),
          'ledger:check',
        );
        return { ms: performance.now() - t, facts: { violations: r.ok ? 0 : r.violations.length } };
      } finally {
        app.close();
      }
    }
    case 'floor-js':
      return jsFloor(spec.file, spec.target);
    case 'floor-sql': {
      const db = new Database(spec.ledger);
      try {
        return setBasedFloor(db, spec.batchId);
      } finally {
        db.close();
      }
    }
  }
}

/** Entries per status after validation (read straight from the table, whatever the service's DTO says). */
function statusCounts(app: App, batchId: number): Record<string, number> {
  const rows = app.ctx.ledger.sqlite
    .prepare('SELECT status, count(*) AS n FROM batch_entries WHERE batch_id = ? GROUP BY status')
    .all(batchId) as { status: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Payments, suspended payments and allocation rows a batch's submit wrote. */
function postedCounts(db: Database.Database, batchId: number): Record<string, number> {
  const p = db
    .prepare(
      `SELECT count(*) FILTER (WHERE kind = 'original') AS payments, count(*) FILTER (WHERE kind = 'suspended') AS suspended
       FROM payments WHERE batch_id = ?`,
    )
    .get(batchId) as { payments: number; suspended: number };
  const a = db
    .prepare(
      `SELECT count(*) AS n, count(DISTINCT item_id) AS items, count(DISTINCT bill_id) AS bills FROM allocations
       WHERE payment_id IN (SELECT id FROM payments WHERE batch_id = ?)`,
    )
    .get(batchId) as { n: number; items: number; bills: number };
  return { ...p, allocations: a.n, allocatedItems: a.items, allocatedBills: a.bills };
}

/** Rows per multi-row INSERT of the JS floor (6 columns, 600 parameters). */
const FLOOR_ROWS_PER_INSERT = 100;

/** The JS floor: papaparse streaming parse + one prepared multi-row INSERT per 100 rows into a bare table. */
async function jsFloor(file: string, target: string): Promise<{ ms: number; facts: Record<string, number> }> {
  const db = new Database(target);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(
      'CREATE TABLE staged (account_no TEXT, bill_no TEXT, amount TEXT, date TEXT, check_no TEXT, payer TEXT)',
    );
    const sql = (n: number): string =>
      `INSERT INTO staged VALUES ${Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;
    const full = db.prepare(sql(FLOOR_ROWS_PER_INSERT));
    let args: unknown[] = [];
    let rowsInStatement = 0;
    let rows = 0;
    let header = true;
    const flushStatement = (): void => {
      if (rowsInStatement === 0) return;
      (rowsInStatement === FLOOR_ROWS_PER_INSERT ? full : db.prepare(sql(rowsInStatement))).run(args);
      args = [];
      rowsInStatement = 0;
    };
    const started = performance.now();
    db.exec('BEGIN');
    await new Promise<void>((resolve, reject) => {
      Papa.parse(createReadStream(file), {
        skipEmptyLines: true,
        step: (row: Papa.ParseStepResult<string[]>) => {
          if (header) {
            header = false;
            return;
          }
          const d = row.data;
          args.push(d[0], d[1], d[2], d[3], d[4], d[5]);
          rowsInStatement++;
          rows++;
          if (rowsInStatement === FLOOR_ROWS_PER_INSERT) flushStatement();
          // One transaction per 50,000 rows, as a chunked import would commit.
          if (rows % 50_000 === 0) {
            db.exec('COMMIT');
            db.exec('BEGIN');
          }
        },
        complete: () => resolve(),
        error: reject,
      });
    });
    flushStatement();
    db.exec('COMMIT');
    return { ms: performance.now() - started, facts: { rows } };
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as JobSpec;
  const baseRssKb = process.resourceUsage().maxRSS;
  let result: JobResult;
  const cpu = process.cpuUsage();
  try {
    const { ms, facts } = await run(spec);
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    result = { ok: true, ms, cpuMs, maxRssKb: process.resourceUsage().maxRSS, baseRssKb, facts };
  } catch (err) {
    result = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  if (process.send) process.send(result, () => process.exit(0));
  else {
    console.log(JSON.stringify(result));
    process.exit(0);
  }
}

void main();
