import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src-main/app-context';
import { giveTestPassword } from '../helpers/passwords';
import { mulberry32 } from '../../src-main/domain/prng';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import type { BatchDto, BatchSubmitDto } from '../../src-shared/dto/batches';
import { tempDir } from '../helpers/temp';
import { dispatchConfirmed } from '../helpers/confirm';

const CLI = 'out/main/cli.js';
const KILL_POINTS = 8;

function newestSource(dirs: string[]): number {
  let newest = 0;
  for (const dir of dirs)
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
      if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  return newest;
}

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

let dir: string;
let cleanup: () => void;
let base: string;
let batchId: number;
let crashPoints: number;
const ENTRIES = 40;

beforeAll(async () => {
  if (!existsSync(CLI) || newestSource(['src-main', 'src-shared', 'db']) > statSync(CLI).mtimeMs) {
    execFileSync(
      'flock',
      [
        join(tmpdir(), 'paydesk-build.lock'),
        process.execPath,
        'node_modules/electron-vite/bin/electron-vite.js',
        'build',
      ],
      {
        stdio: 'pipe',
      },
    );
  }
  ({ dir, cleanup } = tempDir('paydesk-crash-acct-'));
  base = join(dir, 'base.sqlite');
  const app = openApp({ file: base, login: 'crash', migrationsFolder: 'db/migrations' });
  // The crashing CLI child signs in as this operator with the test password.
  giveTestPassword(app.ctx.ledger.sqlite, 'crash');
  await value(app.dispatch('demo:load', { accounts: 120, seed: 12 }));
  const db = app.ctx.ledger.sqlite;
  db.prepare(
    `INSERT INTO settings (key, value) VALUES ('PaymentSuspense', 'true'), ('ALLOWACCOUNTDUP', 'true'),
       ('NoManualAllocation', 'true'), ('payment.batchLock', '"account"')`,
  ).run();
  const accounts = (
    db
      .prepare(`SELECT account_no AS no FROM accounts WHERE currency = 'USD' AND status = 'active'`)
      .all() as {
      no: string;
    }[]
  ).map((r) => r.no);
  const batch = await value<BatchDto>(
    app.dispatch('batches:create', { batchType: 'payment', payType: 10012, currency: 'USD' }),
  );
  batchId = batch.id;
  const rand = mulberry32(8);
  await value(
    app.dispatch('batches:save-entries', {
      batchId,
      entries: Array.from({ length: ENTRIES }, (_, i) => ({
        accountNo: i % 10 === 0 ? `GHOST-${i}` : accounts[Math.floor(rand() * accounts.length)]!,
        amount: (1 + Math.floor(rand() * 20_000) / 100).toFixed(2),
      })),
    }),
  );
  await value(app.dispatch('batches:validate', { batchId }));
  db.pragma('wal_checkpoint(TRUNCATE)');
  app.close();
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
  const out = JSON.parse(run.stdout) as BatchSubmitDto;
  expect(out).toMatchObject({ mode: 'account', failed: [] });
  crashPoints = Number(/paydesk-crash-points: (\d+)/.exec(run.stderr)?.[1] ?? 0);
}, 120_000);
afterAll(() => cleanup?.());

// A child process per kill point, each starting Node and opening the ledger: minutes when the machine is busy (CI
// runs the PostgreSQL rows of the other suites beside it).
const KILL_RUN_MS = 360_000;
describe('lock-per-account submit survives being killed', () => {
  it(
    `kills it at ${KILL_POINTS} points: every entry is posted whole or not at all, and a resubmit completes`,
    async () => {
      expect(crashPoints).toBeGreaterThan(KILL_POINTS);
      const rand = mulberry32(5);
      const points = new Set<number>([1, crashPoints]);
      while (points.size < KILL_POINTS) points.add(1 + Math.floor(rand() * crashPoints));
      const partial: number[] = [];
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
          // Each entry is committed on its own: marked posted exactly when its payment exists, with one journal.
          const mismatched = db
            .prepare(
              `SELECT e.id FROM batch_entries e LEFT JOIN payments p ON p.source_key = e.entry_key
             WHERE e.batch_id = ? AND (e.status IN ('posted', 'posted_suspense')) <> (p.id IS NOT NULL)`,
            )
            .all(batchId);
          expect(mismatched, `kill point ${point}`).toEqual([]);
          const posted = (
            db
              .prepare(
                `SELECT count(*) AS n FROM batch_entries WHERE batch_id = ? AND status IN ('posted', 'posted_suspense')`,
              )
              .get(batchId) as {
              n: number;
            }
          ).n;
          partial.push(posted);
          expect((await value<LedgerCheckDto>(app.dispatch('ledger:check', {}))).violations).toEqual([]);
          const status = (
            db.prepare('SELECT status FROM batches WHERE id = ?').get(batchId) as { status: string }
          ).status;
          const out = await value<BatchSubmitDto>(dispatchConfirmed(app, 'batches:submit', { batchId }));
          expect(out.failed).toEqual([]);
          if (status !== 'submitted') expect(out.posted + out.suspended).toBe(ENTRIES - posted);
          expect(
            (
              db.prepare('SELECT count(*) AS n FROM payments WHERE batch_id = ?').get(batchId) as {
                n: number;
              }
            ).n,
          ).toBe(ENTRIES);
          expect(
            (db.prepare('SELECT status FROM batches WHERE id = ?').get(batchId) as { status: string }).status,
          ).toBe('submitted');
          expect((await value<LedgerCheckDto>(app.dispatch('ledger:check', {}))).violations).toEqual([]);
        } finally {
          app.close();
        }
      }
      // Kill points inside the run leave some entries posted and some not (unlike the all-or-nothing batch mode).
      expect(partial.some((n) => n > 0 && n < ENTRIES)).toBe(true);
    },
    KILL_RUN_MS,
  );
});
