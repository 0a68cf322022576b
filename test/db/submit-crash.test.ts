import { spawnSync, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src-main/app-context';
import { giveTestPassword } from '../helpers/passwords';
import { mulberry32 } from '../../src-main/domain/prng';
import type { Result } from '../../src-shared/api/result';
import type { JobRunDto, LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto } from '../../src-shared/dto/batches';
import { tempDir } from '../helpers/temp';
import { dispatchConfirmed } from '../helpers/confirm';

const CLI = 'out/main/cli.js';

/** The newest modification time of any file below the given folders. */
function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs) {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
    }
  }
  return newest;
}
const KILL_POINTS = 50;

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

let dir: string;
let cleanup: () => void;
let base: string;
let batchId: number;
let expectedPayments: number;
let crashPoints: number;

beforeAll(async () => {
  // npm test builds first; when run alone after a source change, rebuild so the kills run today's code.
  if (!existsSync(CLI) || newestSource(['src-main', 'src-shared', 'db']) > statSync(CLI).mtimeMs) {
    execFileSync(process.execPath, ['node_modules/electron-vite/bin/electron-vite.js', 'build'], {
      stdio: 'pipe',
    });
  }
  ({ dir, cleanup } = tempDir('paydesk-crash-'));
  base = join(dir, 'base.sqlite');
  const app = openApp({ file: base, login: 'crash', migrationsFolder: 'db/migrations' });
  // The crashing CLI child signs in as this operator with the test password.
  giveTestPassword(app.ctx.ledger.sqlite, 'crash');
  await value(app.dispatch('demo:load', { accounts: 300, seed: 9 }));
  const db = app.ctx.ledger.sqlite;
  db.prepare(
    `INSERT INTO settings (key, value) VALUES ('PaymentSuspense', 'true'), ('ALLOWACCOUNTDUP', 'true'), ('NoManualAllocation', 'true')`,
  ).run();
  const accounts = (
    db
      .prepare(`SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND status = 'active'`)
      .all() as { no: string }[]
  ).map((r) => r.no);
  const batch = await value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
  );
  batchId = batch.id;
  const rand = mulberry32(4);
  const entries = Array.from({ length: 240 }, (_, i) => ({
    accountNo: i % 12 === 0 ? `GHOST-${i}` : accounts[Math.floor(rand() * accounts.length)]!,
    amount: (1 + Math.floor(rand() * 40_000) / 100).toFixed(2),
    checkNo: String(5000 + i),
  }));
  await value(app.dispatch('batches:save-entries', { batchId, entries }));
  const validated = await value<{ batch: BatchDto }>(app.dispatch('batches:validate', { batchId }));
  expectedPayments =
    (validated.batch.countsByStatus.valid ?? 0) +
    (validated.batch.countsByStatus.allocation_suggested ?? 0) +
    (validated.batch.countsByStatus.to_be_suspended ?? 0);
  expect(expectedPayments).toBe(240);
  app.ctx.ledger.sqlite.pragma('wal_checkpoint(TRUNCATE)');
  app.close();

  // Count the crash points of one full submit by the same CLI bundle the kills will run, on a scratch copy.
  const probe = join(dir, 'probe.sqlite');
  copyFileSync(base, probe);
  const run = spawnSync(
    process.execPath,
    [CLI, '--db', probe, '--json', 'batch', 'submit', String(batchId), '--yes'],
    {
      env: { ...process.env, PAYDESK_CRASH_REPORT: '1', PAYDESK_OPERATOR: 'crash', PAYDESK_QUIET: '1' },
      encoding: 'utf8',
    },
  );
  expect(run.status, run.stderr).toBe(0);
  crashPoints = Number(/paydesk-crash-points: (\d+)/.exec(run.stderr)?.[1] ?? 0);
}, 120_000);
afterAll(() => cleanup?.());

// A child process per kill point, each starting Node and opening the ledger: minutes when the machine is busy (CI
// runs the PostgreSQL rows of the other suites beside it).
const KILL_RUN_MS = 360_000;
describe('submit survives being killed at any point', () => {
  it(
    `kills the submitting process at ${KILL_POINTS} points: all or nothing, resubmit completes, ledger stays clean`,
    async () => {
      expect(crashPoints).toBeGreaterThan(KILL_POINTS);
      const rand = mulberry32(77);
      // Spread the kill points over the whole submit, always including the first and the post-commit one.
      const points = new Set<number>([1, crashPoints]);
      while (points.size < KILL_POINTS) points.add(1 + Math.floor(rand() * crashPoints));
      const outcomes = { nothing: 0, everything: 0 };
      for (const point of points) {
        const file = join(dir, `run-${point}.sqlite`);
        copyFileSync(base, file);
        const child = spawnSync(
          process.execPath,
          [CLI, '--db', file, '--json', 'batch', 'submit', String(batchId), '--yes'],
          {
            env: {
              ...process.env,
              PAYDESK_CRASH_AFTER: String(point),
              PAYDESK_OPERATOR: 'crash',
              PAYDESK_QUIET: '1',
            },
            encoding: 'utf8',
          },
        );

        expect(child.signal, `kill point ${point}: ${child.stderr}`).toBe('SIGKILL');
        const app = openApp({ file, login: 'crash', migrationsFolder: 'db/migrations' });
        try {
          const db = app.ctx.ledger.sqlite;
          const payments = (
            db.prepare('SELECT count(*) AS n FROM payments WHERE batch_id = ?').get(batchId) as { n: number }
          ).n;
          const status = (
            db.prepare('SELECT status FROM batches WHERE id = ?').get(batchId) as { status: string }
          ).status;
          if (status === 'submitted') {
            expect(payments).toBe(expectedPayments);
            outcomes.everything++;
          } else {
            expect(status).toBe('validated');
            expect(payments).toBe(0);
            expect(
              (
                db.prepare(`SELECT count(*) AS n FROM journals WHERE kind <> 'ar_opening'`).get() as {
                  n: number;
                }
              ).n,
            ).toBe(0);
            outcomes.nothing++;
          }
          // The killed submit stays on record, reported as interrupted once its process is gone (issue #17).
          const interrupted = await value<JobRunDto[]>(
            app.dispatch('jobs:list', { status: 'interrupted', all: true }),
          );
          expect(interrupted.map((j) => [j.kind, j.subject, j.pid])).toEqual([
            ['batch-submit', `batch ${batchId}`, child.pid],
          ]);
          await value(dispatchConfirmed(app, 'batches:submit', { batchId }));
          const jobs = await value<JobRunDto[]>(app.dispatch('jobs:list', { all: true }));
          // The resubmit finished (a first try without its confirmation is refused and recorded as failed).
          const submits = jobs.filter((j) => j.kind === 'batch-submit');
          expect(submits[0]!.status).toBe('finished');
          expect(submits.filter((j) => j.status === 'interrupted')).toHaveLength(1);
          expect(
            (
              db.prepare('SELECT count(*) AS n FROM payments WHERE batch_id = ?').get(batchId) as {
                n: number;
              }
            ).n,
          ).toBe(expectedPayments);
          const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
          expect(check.violations).toEqual([]);
        } finally {
          app.close();
        }
      }
      expect(outcomes.nothing + outcomes.everything).toBe(KILL_POINTS);
      expect(outcomes.everything).toBeGreaterThanOrEqual(1);
      expect(outcomes.nothing).toBeGreaterThanOrEqual(1);
    },
    KILL_RUN_MS,
  );
});
