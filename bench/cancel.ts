/**
 * Cancel latency: starts each long job in the job worker (as the desktop app does), cancels it through
 * jobs:cancel once it is well under way, and prints how long it took to stop and whether the ledger is as before.
 * Run: nice -n 5 npx tsx bench/cancel.ts [--accounts N] [--entries N] [--after MS]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApp, type App } from '../src-main/app-context';
import { workerJobRunner } from '../src-main/jobs/worker-runner';
import type { Result } from '../src-shared/api/result';
import type { JobProgressDto } from '../src-shared/dto/app';
import type { BatchImportDto } from '../src-shared/dto/batches';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ACCOUNTS = arg('--accounts', 20_000);
const ENTRIES = arg('--entries', 100_000);
/** How long after the job's first real progress event the cancel is sent. */
const AFTER_MS = arg('--after', 1500);

function must<T>(r: Result<unknown>): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

const TABLES = [
  'accounts',
  'batches',
  'batch_entries',
  'payments',
  'allocations',
  'journals',
  'journal_lines',
];

function state(app: App): string {
  const db = app.ctx.ledger.sqlite;
  const counts = TABLES.map((t) => (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n);
  const statuses = db.prepare('SELECT status, count(*) AS n FROM batch_entries GROUP BY status').all();
  const batches = db.prepare('SELECT status FROM batches').all();
  return JSON.stringify({ counts, statuses, batches });
}

/** Runs one command, cancels its job AFTER_MS after its first progress with work done; prints the figures. */
async function cancelOne(app: App, label: string, command: string, input: unknown): Promise<void> {
  const before = state(app);
  let last: JobProgressDto | undefined;
  let timer: NodeJS.Timeout | undefined;
  let cancelAt = 0;
  let atCancel: JobProgressDto | undefined;
  const off = app.subscribe((event, payload) => {
    if (event !== 'job:progress') return;
    last = payload as JobProgressDto;
    if (timer || last.phase === 'starting') return;
    const jobId = last.jobId;
    timer = setTimeout(() => {
      cancelAt = performance.now();
      atCancel = last;
      void app.dispatch('jobs:cancel', { jobId });
    }, AFTER_MS);
  });
  const started = performance.now();
  const r = await app.dispatch(command, input);
  const ended = performance.now();
  off();
  clearTimeout(timer);
  const unchanged = state(app) === before;
  const where = atCancel
    ? `${atCancel.phase} ${atCancel.done.toLocaleString('en-US')}/${atCancel.total.toLocaleString('en-US')}`
    : '-';
  console.log(
    r.ok
      ? `${label}: finished before the cancel (${((ended - started) / 1000).toFixed(1)} s)`
      : r.error.code !== 'cancelled'
        ? `${label}: failed: ${r.error.code} ${r.error.message}`
        : `${label}: ${r.error.code} ${Math.round(ended - cancelAt)} ms after the cancel (sent at ${where}, ${((cancelAt - started) / 1000).toFixed(1)} s into the job); ledger unchanged: ${unchanged}`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'paydesk-bench-cancel-'));
  const app = openApp({
    file: join(dir, 'ledger.sqlite'),
    login: 'bench',
    migrationsFolder: 'db/migrations',
    jobs: (c) => workerJobRunner(c.ledger.file),
  });
  try {
    console.log(
      `Cancel latency — ${ACCOUNTS.toLocaleString('en-US')} accounts, ${ENTRIES.toLocaleString('en-US')} entries, cancel ${AFTER_MS} ms into each job`,
    );
    await cancelOne(app, `demo load (${(ACCOUNTS * 5).toLocaleString('en-US')} accounts)`, 'demo:load', {
      accounts: ACCOUNTS * 5,
      seed: 1,
    });
    must(await app.dispatch('demo:load', { accounts: ACCOUNTS, seed: 1 }));
    const db = app.ctx.ledger.sqlite;
    db.prepare(
      `INSERT INTO settings (key, value) VALUES ('ALLOWACCOUNTDUP', 'true'), ('NoManualAllocation', 'true'), ('PaymentSuspense', 'true')`,
    ).run();
    const usd = (
      db
        .prepare(`SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND status = 'active'`)
        .all() as { no: string }[]
    ).map((r) => r.no);
    const lines = ['Account Number,Payment Amount,Check Number'];
    for (let i = 0; i < ENTRIES; i++)
      lines.push(`${usd[(i * 7919) % usd.length]},${(1 + (i % 300)).toFixed(2)},${100000 + i}`);
    const file = join(dir, 'lockbox.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const template = {
      name: 'bench',
      format: 'delimited',
      delimiter: ',',
      hasColumnHeader: true,
      dateFormat: 'MM/dd/yyyy',
      columns: [
        { field: 'accountNo', index: 0 },
        { field: 'amount', index: 1 },
        { field: 'checkNo', index: 2 },
      ],
    };
    const importInput = { file, template, payType: 10012, currency: 'USD' };
    await cancelOne(app, 'import', 'batches:import-file', importInput);
    const batchId = must<BatchImportDto>(await app.dispatch('batches:import-file', importInput)).batch.id;
    await cancelOne(app, 'validate', 'batches:validate', { batchId });
    must(await app.dispatch('batches:validate', { batchId }));
    // Over the confirmation limit a submit runs under its prepared confirmation, as an operator's does.
    const confirmed = async (): Promise<{ batchId: number; confirmationId: number }> => ({
      batchId,
      confirmationId: must<{ id: number }>(
        await app.dispatch('confirmations:prepare', { operation: 'batches:submit', input: { batchId } }),
      ).id,
    });
    await cancelOne(app, 'submit (all or nothing)', 'batches:submit', await confirmed());
    db.prepare(
      `INSERT OR REPLACE INTO settings (key, value) VALUES ('payment.batchLock', '"account"')`,
    ).run();
    const before = (db.prepare('SELECT count(*) AS n FROM payments').get() as { n: number }).n;
    await cancelOne(app, 'submit (lock per account)', 'batches:submit', await confirmed());
    const posted = (db.prepare('SELECT count(*) AS n FROM payments').get() as { n: number }).n - before;
    console.log(
      `  lock per account: ${posted.toLocaleString('en-US')} entries posted before the cancel stay posted`,
    );
  } finally {
    app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
