import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src-main/app-context';
import { LOCKBOX_TEMPLATE, loadPool, writeLockbox } from '../../bench/batches-data';
import { setBasedFloor } from '../../bench/batches-floor';
import { freshApp } from '../helpers/ledger';

type Fresh = ReturnType<typeof freshApp>;
let app: Fresh | null = null;
afterEach(() => {
  app?.dispose();
  app = null;
});

function must<T>(r: { ok: boolean; value?: unknown; error?: { message: string } }): T {
  if (!r.ok) throw new Error(r.error?.message);
  return r.value as T;
}

/** A small lockbox day on a small demo ledger, imported and validated through the real commands. */
async function validatedDay(rows: number): Promise<{ a: Fresh; batchId: number; file: string }> {
  const a = (app = freshApp());
  must(await a.dispatch('demo:load', { accounts: 300, seed: 1 }));
  a.ctx.ledger.sqlite
    .prepare(
      `INSERT OR REPLACE INTO settings (key, value) VALUES ('ALLOWACCOUNTDUP', 'true'), ('NoManualAllocation', 'true'), ('PaymentSuspense', 'true')`,
    )
    .run();
  const file = join(a.dir, 'lockbox.csv');
  await writeLockbox(file, rows, loadPool(a.file), 1, 300);
  const imported = must<{ batch: { id: number }; rows: number }>(
    await a.dispatch('batches:import-file', {
      file,
      template: LOCKBOX_TEMPLATE,
      payType: 10012,
      currency: 'USD',
    }),
  );
  expect(imported.rows).toBe(rows);
  must(await a.dispatch('batches:validate', { batchId: imported.batch.id }));
  return { a, batchId: imported.batch.id, file };
}

const balances = (db: Database.Database): { id: number; balance: number }[] =>
  db.prepare('SELECT id, balance_minor AS balance FROM accounts ORDER BY id').all() as {
    id: number;
    balance: number;
  }[];

const kinds = (db: Database.Database, batchId: number): Record<string, number> =>
  Object.fromEntries(
    (
      db
        .prepare('SELECT kind, count(*) AS n FROM payments WHERE batch_id = ? GROUP BY kind')
        .all(batchId) as { kind: string; n: number }[]
    ).map((r) => [r.kind, r.n]),
  );

describe('batch benchmark data and set-based floor', () => {
  it('writes a lockbox day by account, by bill and both, with a suspense share, every row valid', async () => {
    const { a, batchId, file } = await validatedDay(2000);
    const lines = readFileSync(file, 'utf8').trim().split('\n').slice(1);
    const byAccountOnly = lines.filter((l) => /^A\d{7},,/.test(l)).length;
    const byBillOnly = lines.filter((l) => /^,B\d{7}-\d{2},/.test(l)).length;
    const both = lines.filter((l) => /^A\d{7},B\d{7}-\d{2},/.test(l)).length;
    expect(byAccountOnly + byBillOnly + both).toBe(2000);
    expect(Math.min(byAccountOnly, byBillOnly, both)).toBeGreaterThan(200);
    const statuses = Object.fromEntries(
      (
        a.ctx.ledger.sqlite
          .prepare('SELECT status, count(*) AS n FROM batch_entries WHERE batch_id = ? GROUP BY status')
          .all(batchId) as { status: string; n: number }[]
      ).map((r) => [r.status, r.n]),
    );
    // Nothing is invalid; roughly 0.9% goes to suspense (unknown accounts and bills, closed accounts).
    expect(statuses.invalid ?? 0).toBe(0);
    expect(statuses.to_be_suspended).toBeGreaterThanOrEqual(4);
    expect(statuses.to_be_suspended).toBeLessThanOrEqual(50);
  });

  it('posts the same payments and balances as submit, and leaves a ledger that ledger:check accepts', async () => {
    const { a, batchId } = await validatedDay(1500);
    const copy = join(a.dir, 'floor.sqlite');
    a.ctx.ledger.sqlite.prepare('VACUUM INTO ?').run(copy);
    const floorDb = new Database(copy);
    let floor: Record<string, number>;
    try {
      floor = setBasedFloor(floorDb, batchId).facts;
    } finally {
      floorDb.close();
    }

    const prepared = must<{ id: number }>(
      await a.dispatch('confirmations:prepare', { operation: 'batches:submit', input: { batchId } }),
    );
    must(await a.dispatch('batches:submit', { batchId, confirmationId: prepared.id }));

    const floorApp = openApp({ file: copy, login: 'tester', migrationsFolder: 'db/migrations' });
    try {
      const check = must<{ ok: boolean; violations: unknown[] }>(await floorApp.dispatch('ledger:check', {}));
      expect(check.violations).toEqual([]);
      const fdb = floorApp.ctx.ledger.sqlite;
      const db = a.ctx.ledger.sqlite;
      expect(kinds(fdb, batchId)).toEqual(kinds(db, batchId));
      expect(floor.payments! + floor.suspended!).toBe(1500);
      // Payments credit the same accounts by the same amounts, whatever bills they were allocated to.
      expect(balances(fdb)).toEqual(balances(db));
      const allocated = (d: Database.Database): number =>
        (d.prepare('SELECT count(*) AS n FROM allocations').get() as { n: number }).n;
      // FIFO without bill hints allocates about as many lines as submit.
      expect(Math.abs(allocated(fdb) - allocated(db))).toBeLessThan(allocated(db) * 0.1);
    } finally {
      floorApp.close();
    }
  });
});
