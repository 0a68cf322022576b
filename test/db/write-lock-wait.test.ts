import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { tempDir } from '../helpers/ledger';

/**
 * Issue #17, found with the team soak: while a job on another connection held SQLite's write lock, a changing
 * command on the main thread (a suspense move, an admin save) waited for it inside SQLite, which stops the whole
 * thread: every other operator's searches and screens stood still for up to 5 s per such command. A changing
 * command now waits for the lock without blocking the thread, as long as it would have waited before.
 */
describe('a changing command while another connection holds the write lock', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  function setUp(writerWaitMs?: number): { app: App; other: Database.Database } {
    const tmp = tempDir('paydesk-write-wait-');
    const file = join(tmp.dir, 'ledger.sqlite');
    const app = openApp({
      file,
      login: 'chief',
      migrationsFolder: 'db/migrations',
      ...(writerWaitMs === undefined ? {} : { writerWaitMs }),
    });
    const other = new Database(file);
    cleanups.push(
      tmp.cleanup,
      () => app.close(),
      () => other.close(),
    );
    return { app, other };
  }

  /** Largest gap between 10 ms ticks while `work` runs: how long the thread stood still. */
  async function longestStall<T>(work: () => Promise<T>): Promise<{ value: T; stallMs: number }> {
    let last = performance.now();
    let stallMs = 0;
    const tick = setInterval(() => {
      const now = performance.now();
      stallMs = Math.max(stallMs, now - last);
      last = now;
    }, 10);
    try {
      const value = await work();
      return { value, stallMs: Math.max(stallMs, performance.now() - last) };
    } finally {
      clearInterval(tick);
    }
  }

  it('waits off the thread, answers reads meanwhile, and runs once the lock is free', async () => {
    const { app, other } = setUp();
    other.exec('BEGIN IMMEDIATE');
    const released = setTimeout(() => other.exec('COMMIT'), 800);
    cleanups.push(() => clearTimeout(released));
    const started = performance.now();
    let readMs = 0;
    const { value, stallMs } = await longestStall(async () => {
      const save = app.dispatch('admin:save-term', { code: 'N45', description: 'Net 45', days: 45 });
      // Another operator's read, sent while the save waits, is answered at once.
      const t = performance.now();
      const read = await app.dispatch('admin:terms', {});
      readMs = performance.now() - t;
      expect(read.ok).toBe(true);
      return save;
    });
    expect(value).toMatchObject({ ok: true, value: { code: 'N45', days: 45 } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(700);
    expect(readMs).toBeLessThan(300);
    expect(stallMs).toBeLessThan(300);
  });

  it('answers ledger-busy after its wait, having changed nothing, without stalling', async () => {
    const { app, other } = setUp(600);
    other.exec('BEGIN IMMEDIATE');
    const released = setTimeout(() => other.exec('ROLLBACK'), 1_500);
    cleanups.push(() => clearTimeout(released));
    const started = performance.now();
    const { value, stallMs } = await longestStall(() =>
      app.dispatch('admin:save-term', { code: 'N60', description: 'Net 60', days: 60 }),
    );
    const tookMs = performance.now() - started;
    expect(value).toMatchObject({ ok: false, error: { code: 'conflict', rule: 'ledger-busy' } });
    expect(tookMs).toBeGreaterThanOrEqual(550);
    expect(tookMs).toBeLessThan(1_400);
    expect(stallMs).toBeLessThan(300);
    const terms = await app.dispatch('admin:terms', {});
    expect(JSON.stringify(terms)).not.toContain('N60');
  });

  it('a storage port write waits off the thread too, and gives up with the same busy answer', async () => {
    const { app, other } = setUp();
    other.exec('BEGIN IMMEDIATE');
    const released = setTimeout(() => other.exec('COMMIT'), 500);
    cleanups.push(() => clearTimeout(released));
    const { value, stallMs } = await longestStall(() =>
      app.ctx.storage.transaction(async (tx) => {
        await tx.run(sql`INSERT INTO settings (key, value) VALUES ('write-wait-test', '1')`);
        return 'written';
      }),
    );
    expect(value).toBe('written');
    expect(stallMs).toBeLessThan(300);

    app.ctx.ledger.sqlite.pragma('busy_timeout = 300');
    other.exec('BEGIN IMMEDIATE');
    const failed = await longestStall(() =>
      app.ctx.storage
        .transaction((tx) => tx.run(sql`DELETE FROM settings WHERE key = 'write-wait-test'`))
        .then(
          () => 'written',
          (err: unknown) => (err as { code?: string }).code,
        ),
    );
    other.exec('ROLLBACK');
    expect(failed.value).toBe('SQLITE_BUSY');
    expect(failed.stallMs).toBeLessThan(300);
  });
});
