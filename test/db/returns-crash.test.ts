import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src-main/app-context';
import type { Result } from '../../src-shared/api/result';
import type { LedgerCheckDto } from '../../src-shared/dto/app';
import { importReturns } from '../../src-main/services/returns/import';
import { validateBatch } from '../../src-main/services/batches/validate';
import { collectByFile } from '../helpers/direct-debit';
import { giveTestPassword } from '../helpers/passwords';
import { tempDir } from '../helpers/temp';

const ENTRIES = 4;

let dir: string;
let cleanup: () => void;
let base: string;
let batchId: number;
let crashPoints = 0;

/** The CLI as the nightly job runs it (the bundle when current, else from source). */
function submitCli(file: string, env: Record<string, string>) {
  return spawnSync(
    process.execPath,
    ['bin/paydesk.cjs', '--db', file, '--json', 'batch', 'submit', String(batchId), '--yes'],
    {
      env: { ...process.env, PAYDESK_OPERATOR: 'crash', PAYDESK_QUIET: '1', ...env },
      encoding: 'utf8',
    },
  );
}

async function value<T>(p: Promise<Result<unknown>>): Promise<T> {
  const r = await p;
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value as T;
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('paydesk-returns-crash-'));
  base = join(dir, 'base.sqlite');
  const app = openApp({ file: base, login: 'crash', migrationsFolder: 'db/migrations' });
  giveTestPassword(app.ctx.ledger.sqlite, 'crash');
  await value(app.dispatch('demo:load', { accounts: 40, seed: 3 }));
  const db = app.ctx.ledger.sqlite;
  db.prepare(`INSERT INTO settings (key, value) VALUES ('collect.failedPaymentFeeMinor', '250')`).run();
  const now = new Date('2026-11-22T09:00:00Z');
  const debits = collectByFile(db, { scheme: 'sepa', count: ENTRIES, messageId: 'CRASH' }, now);
  const r = await importReturns(
    app.ctx.storage,
    {
      format: 'pain.002',
      items: debits.map((d, i) => ({
        ref: { endToEndId: d.endToEndId },
        amountMinor: null,
        currency: null,
        kind: 'reject' as const,
        code: i % 2 === 0 ? 'AM04' : 'AC04',
      })),
      changes: [],
      accepted: 0,
      problems: [],
      warnings: [],
    },
    { format: 'pain.002', sha256: 'crash', fileName: 'crash.xml' },
    now,
    app.ctx.operator.id,
  );
  batchId = r.batch!.id;
  validateBatch(db, batchId, now, app.ctx.operator.id);
  db.pragma('wal_checkpoint(TRUNCATE)');
  app.close();
  const probe = join(dir, 'probe.sqlite');
  copyFileSync(base, probe);
  const run = submitCli(probe, { PAYDESK_CRASH_REPORT: '1' });
  expect(run.status, run.stderr + run.stdout).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ reversed: ENTRIES });
  crashPoints = Number(/paydesk-crash-points: (\d+)/.exec(run.stderr)?.[1] ?? 0);
}, 120_000);
afterAll(() => cleanup?.());

describe('a return batch submit killed mid-way', () => {
  it('posts all or nothing (reversals, returned items, retries, fallbacks, fees) and a resubmit completes once', async () => {
    expect(crashPoints).toBeGreaterThan(3);
    // The first point, two inside the posting and the last (after commit).
    const points = [
      ...new Set([1, Math.ceil(crashPoints / 3), Math.ceil((2 * crashPoints) / 3), crashPoints]),
    ];
    const seen = new Set<number>();
    for (const point of points) {
      const file = join(dir, `run-${point}.sqlite`);
      copyFileSync(base, file);
      const child = submitCli(file, { PAYDESK_CRASH_AFTER: String(point) });
      expect(child.signal, `kill point ${point}: ${child.stderr}`).toBe('SIGKILL');
      const app = openApp({ file, login: 'crash', migrationsFolder: 'db/migrations' });
      try {
        const db = app.ctx.ledger.sqlite;
        const n = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
        const reversed = n('SELECT count(*) AS n FROM reversals');
        expect([0, ENTRIES], `kill point ${point}`).toContain(reversed);
        seen.add(reversed);
        expect(n(`SELECT count(*) AS n FROM bank_file_items WHERE status = 'returned'`)).toBe(reversed);
        expect(n(`SELECT count(*) AS n FROM bank_returns WHERE status = 'applied'`)).toBe(reversed);
        expect(n(`SELECT count(*) AS n FROM workflow_items`)).toBe(reversed);
        expect(n(`SELECT count(*) AS n FROM bills WHERE bill_no LIKE 'FEE-R%'`)).toBe(reversed);
        const check = await value<LedgerCheckDto>(app.dispatch('ledger:check', {}));
        expect(check.violations, `kill point ${point}`).toEqual([]);
      } finally {
        app.close();
      }
      const again = submitCli(file, {});
      expect(again.status, again.stderr).toBe(0);
      const app2 = openApp({ file, login: 'crash', migrationsFolder: 'db/migrations' });
      try {
        const n = (sql: string): number => (app2.ctx.ledger.sqlite.prepare(sql).get() as { n: number }).n;
        expect(n('SELECT count(*) AS n FROM reversals')).toBe(ENTRIES);
        expect(n(`SELECT count(*) AS n FROM bank_returns WHERE status = 'applied'`)).toBe(ENTRIES);
        expect(n(`SELECT count(*) AS n FROM bills WHERE bill_no LIKE 'FEE-R%'`)).toBe(ENTRIES);
      } finally {
        app2.close();
      }
    }
    // Killed inside the transaction (nothing) and after its commit (everything).
    expect([...seen].sort()).toEqual([0, ENTRIES]);
  }, 180_000);
});
