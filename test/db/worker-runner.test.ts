import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../db/client';
import type { JobProgressDto } from '../../src-shared/dto/app';
import { openApp } from '../../src-main/app-context';
import { resolveWorkerEntry, workerJobRunner } from '../../src-main/jobs/worker-runner';
import { AppFailure } from '../../src-main/ledger/errors';
import { ensureOperator } from '../../src-main/services/operators';
import { tempDir } from '../helpers/ledger';

const NOW = new Date('2026-11-22T09:00:00Z');

describe('worker job runner', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  function freshLedger(): { ledger: Ledger; file: string; operatorId: number } {
    const tmp = tempDir('paydesk-worker-');
    const file = join(tmp.dir, 'ledger.sqlite');
    const ledger = openLedger(file, 'db/migrations');
    cleanups.push(tmp.cleanup, () => ledger.close());
    return { ledger, file, operatorId: ensureOperator(ledger.sqlite, 'tester', NOW).id };
  }

  it('runs from TypeScript source through tsx when not bundled', () => {
    const entry = resolveWorkerEntry();
    expect(entry.path).toMatch(/src-main[\\/]jobs[\\/]worker\.ts$/);
    expect(entry.execArgv?.[0]).toBe('--require');
  });

  it('runs the demo job in a worker thread on the ledger file, reports progress, and maps a conflict to AppFailure', async () => {
    const { ledger, file, operatorId } = freshLedger();
    const runner = workerJobRunner(file);
    const progress: JobProgressDto[] = [];
    // The inline runner finishes inside run(), before any timer can fire; a worker leaves this thread free.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const started = performance.now();
    let out;
    try {
      out = await runner.run(
        'demo',
        { accounts: 300, seed: 7 },
        { now: NOW, operatorId, onProgress: (p) => progress.push(p) },
      );
    } finally {
      clearInterval(timer);
    }
    const elapsedMs = performance.now() - started;
    expect(out.accounts).toBe(300);
    expect(out.seed).toBe(7);
    expect(ticks).toBeGreaterThan(0);
    // The worker wrote through its own connection; the main connection sees the rows.
    const count = ledger.sqlite.prepare('SELECT count(*) AS n FROM accounts WHERE is_suspense = 0').get() as {
      n: number;
    };
    expect(count.n).toBe(300);
    expect(progress.length).toBeGreaterThan(0);
    const last = progress.at(-1)!;
    expect(last.kind).toBe('demo');
    expect(last.done).toBe(last.total);
    expect(new Set(progress.map((p) => p.jobId)).size).toBe(1);
    console.info(
      `demo(300) in a tsx worker: ${Math.round(elapsedMs)} ms, ${progress.length} progress events`,
    );

    const second = runner.run('demo', { accounts: 300, seed: 7 }, { now: NOW, operatorId });
    await expect(second).rejects.toBeInstanceOf(AppFailure);
    await second.catch((err: AppFailure) => {
      expect(err.error.code).toBe('conflict');
      expect(err.error).toMatchObject({ rule: 'demo-empty-ledger' });
    });
  });

  it('turns an unexpected worker error into a plain Error (mapped to internal by dispatch)', async () => {
    const tmp = tempDir('paydesk-worker-');
    cleanups.push(tmp.cleanup);
    const runner = workerJobRunner(join(tmp.dir, 'missing.sqlite'));
    const run = runner.run('demo', { accounts: 1, seed: 1 }, { now: NOW, operatorId: 1 });
    await expect(run).rejects.toThrow();
    await run.catch((err: unknown) => {
      expect(err).toBeInstanceOf(Error);
      expect(err).not.toBeInstanceOf(AppFailure);
    });
  });

  it('serves demo:load through dispatch with the worker runner: result, events, then a conflict Result', async () => {
    const tmp = tempDir('paydesk-worker-');
    const app = openApp({
      file: join(tmp.dir, 'ledger.sqlite'),
      login: 'tester',
      clock: () => NOW,
      migrationsFolder: 'db/migrations',
      jobs: (c) => workerJobRunner(c.ledger.file),
    });
    cleanups.push(tmp.cleanup, () => app.close());
    const events: string[] = [];
    app.subscribe((event) => events.push(event));

    const first = await app.dispatch('demo:load', { accounts: 50, seed: 3 });
    expect(first).toMatchObject({ ok: true, value: { accounts: 50, seed: 3 } });
    expect(events).toContain('job:progress');
    expect(events).toContain('ledger:changed');

    const second = await app.dispatch('demo:load', { accounts: 50, seed: 3 });
    expect(second).toMatchObject({ ok: false, error: { code: 'conflict' } });
  });
});
