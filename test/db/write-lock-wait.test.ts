import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterEach, describe, expect, it } from 'vitest';
import { openApp, type App } from '../../src-main/app-context';
import { writePriorityFor } from '../../db/write-priority';
import { searchAccounts } from '../../src-main/services/accounts';
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

  it('answers storage port reads (an account search) while a port write waits for the lock', async () => {
    const { app, other } = setUp();
    const storage = app.ctx.storage;
    other.exec('BEGIN IMMEDIATE');
    const released = setTimeout(() => other.exec('COMMIT'), 1_500);
    cleanups.push(() => clearTimeout(released));
    const t0 = performance.now();
    const write = storage.transaction(async (tx) => {
      await tx.run(sql`INSERT INTO settings (key, value) VALUES ('read-ahead-test', '1')`);
      return performance.now() - t0;
    });
    // Reads at once and a moment later, several at a time: none waits for the write queued before them.
    await new Promise((r) => setTimeout(r, 50));
    const reads = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const search = await searchAccounts(storage, { query: 'SUSP', mode: 'contains', limit: 5 });
        const count = await storage.transaction(
          (tx) =>
            tx.get<{ n: number }>(sql`SELECT count(*) AS n FROM settings WHERE key = 'read-ahead-test'`),
          { readOnly: true },
        );
        return { search: search.rows.length, n: count?.n, ms: performance.now() - t0 };
      }),
    );
    for (const r of reads) {
      expect(r.ms).toBeLessThan(1_000);
      expect(r.n).toBe(0);
    }
    expect(await write).toBeGreaterThanOrEqual(1_400);
    // A read asked together with writes goes ahead of them on the last commit; the writes then run in order.
    const after = await Promise.all([
      storage.transaction(async (tx) => {
        await tx.run(sql`UPDATE settings SET value = '2' WHERE key = 'read-ahead-test'`);
        return 'written';
      }),
      storage.transaction((tx) => tx.get(sql`SELECT value FROM settings WHERE key = 'read-ahead-test'`), {
        readOnly: true,
      }),
      storage.transaction(async (tx) => {
        await tx.run(sql`UPDATE settings SET value = '3' WHERE key = 'read-ahead-test'`);
        return 'written';
      }),
    ]);
    expect(after[0]).toBe('written');
    expect(after[1]).toEqual({ value: '1' });
    expect(after[2]).toBe('written');
  });
});

/**
 * Found with the soak at full size (8 x 125,000): clerks' jobs, queued one behind another, took the write lock
 * back-to-back, and an interactive write (a confirmation, an analyst's move) that polls for the lock lost every
 * time the lock changed hands: 19 of 44 confirmations and 16 of 113 moves answered ledger-busy after 30 s, and one
 * clerk never got to submit. Jobs of the process now let a waiting interactive writer go first.
 */
describe('jobs writing back-to-back in worker threads', () => {
  it('let a waiting interactive write go first', async () => {
    const tmp = tempDir('paydesk-write-turn-');
    const file = join(tmp.dir, 'ledger.sqlite');
    const app = openApp({ file, login: 'chief', migrationsFolder: 'db/migrations', writerWaitMs: 1_500 });
    // Five jobs queued for the lock, each holding it 200 ms per transaction, as the clerks' jobs did.
    const hogs = Array.from(
      { length: 5 },
      () =>
        new Worker(join(__dirname, '../helpers/hog-writer.ts'), {
          workerData: { file, holdMs: 200, priority: writePriorityFor(file) },
          execArgv: ['--require', createRequire(__filename).resolve('tsx/cjs')],
        }),
    );
    try {
      // Writing once one of them holds the lock (the others are waiting for it).
      await Promise.race(
        hogs.map(
          (hog) =>
            new Promise<void>((resolve, reject) => {
              hog.once('message', () => resolve());
              hog.once('error', reject);
            }),
        ),
      );
      // Before, a write won the lock only if its poll came first after a handover, which the waiting jobs' own
      // retries nearly always did: all six were refused after their 1.5 s.
      const answers: { answer: string; ms: number }[] = [];
      for (let k = 0; k < 6; k++) {
        const started = performance.now();
        const saved = await app.dispatch('admin:save-term', {
          code: `N7${k}`,
          description: 'Net 70',
          days: 70,
        });
        answers.push({
          answer: saved.ok ? 'ok' : saved.error.code,
          ms: Math.round(performance.now() - started),
        });
      }
      // Each at most the rest of the transaction in hand (200 ms) and a poll after it, with room for a busy machine.
      expect(answers.map((a) => a.answer)).toEqual(Array(6).fill('ok'));
      expect(Math.max(...answers.map((a) => a.ms)), JSON.stringify(answers)).toBeLessThan(1_200);
    } finally {
      const done = await Promise.all(
        hogs.map((hog) => {
          const ended = new Promise<{ done?: number }>((resolve) =>
            hog.on('message', (m: { done?: number }) => {
              if (m.done !== undefined) resolve(m);
            }),
          );
          hog.postMessage('stop');
          return ended;
        }),
      );
      // The jobs went on meanwhile.
      expect(done.reduce((n, d) => n + (d.done ?? 0), 0)).toBeGreaterThan(6);
      await Promise.all(hogs.map((hog) => hog.terminate()));
      app.close();
      tmp.cleanup();
    }
  });
});
