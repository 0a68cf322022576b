import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger, type Ledger } from '../../db/client';
import { workerJobRunner } from '../../src-main/jobs/worker-runner';
import { openApp } from '../../src-main/app-context';
import { AppFailure } from '../../src-main/ledger/errors';
import { ensureOperator } from '../../src-main/services/operators';
import type { JobRunDto } from '../../src-shared/dto/app';
import { tempDir } from '../helpers/ledger';

const NOW = new Date('2026-11-22T09:00:00Z');

describe('cancelling a job in a worker thread', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanups.splice(0).reverse()) c();
  });

  function freshLedger(): { ledger: Ledger; file: string; operatorId: number } {
    const tmp = tempDir('paydesk-worker-cancel-');
    const file = join(tmp.dir, 'ledger.sqlite');
    const ledger = openLedger(file, 'db/migrations');
    cleanups.push(tmp.cleanup, () => ledger.close());
    return { ledger, file, operatorId: ensureOperator(ledger.sqlite, 'tester', NOW).id };
  }

  it('reaches a synchronous job through the shared flag: the demo stops at its next chunk and rolls back', async () => {
    const { ledger, file, operatorId } = freshLedger();
    const controller = new AbortController();
    let cancelledAt = 0;
    // A long grace time: the job must stop by itself, through the flag, not be terminated.
    const run = workerJobRunner(file, undefined, { graceMs: () => 30_000 }).run(
      'demo',
      { accounts: 40_000, seed: 1 },
      {
        now: NOW,
        operatorId,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase !== 'accounts' || controller.signal.aborted) return;
          cancelledAt = performance.now();
          controller.abort();
        },
      },
    );
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    const stoppedMs = performance.now() - cancelledAt;
    expect(err).toBeInstanceOf(AppFailure);
    expect((err as AppFailure).error).toMatchObject({ code: 'cancelled', kind: 'demo' });
    // At its next chunk of 5,000 accounts (well under a second on a quiet machine; this one is shared).
    expect(stoppedMs).toBeLessThan(5000);
    const n = ledger.sqlite.prepare('SELECT count(*) AS n FROM accounts WHERE is_suspense = 0').get();
    expect(n).toEqual({ n: 0 });
    console.info(`demo cancelled in a worker: stopped ${Math.round(stoppedMs)} ms after the cancel`);
  }, 60_000);

  it('terminates a job that does not stop within the grace time; its open transaction is discarded', async () => {
    const { ledger, file, operatorId } = freshLedger();
    const controller = new AbortController();
    const entry = { path: resolve('test/fixtures/stuck-job-worker.cjs') };
    const run = workerJobRunner(file, entry, { graceMs: () => 300 }).run(
      'batch-validate',
      { batchId: 1 },
      { now: NOW, operatorId, signal: controller.signal, onProgress: () => controller.abort() },
    );
    const started = performance.now();
    await expect(run).rejects.toMatchObject({ error: { code: 'cancelled', kind: 'batch-validate' } });
    expect(performance.now() - started).toBeLessThan(2000);
    // The worker's write lock is gone and its row was never committed: this thread writes at once.
    ledger.sqlite.pragma('busy_timeout = 200');
    await new Promise((r) => setTimeout(r, 100));
    ledger.sqlite.prepare(`INSERT INTO settings (key, value) VALUES ('cancel.after', '1')`).run();
    expect(ledger.sqlite.prepare(`SELECT key FROM settings WHERE key LIKE 'cancel.%'`).all()).toEqual([
      { key: 'cancel.after' },
    ]);
    // A fresh connection (as after a restart) agrees.
    const again = openLedger(file, 'db/migrations');
    try {
      expect(
        again.sqlite.prepare(`SELECT count(*) AS n FROM settings WHERE key = 'cancel.probe'`).get(),
      ).toEqual({
        n: 0,
      });
    } finally {
      again.close();
    }
  }, 30_000);

  it('ends the record of a job whose worker had to be terminated (its own end was never written)', async () => {
    const tmp = tempDir('paydesk-worker-record-');
    cleanups.push(tmp.cleanup);
    const file = join(tmp.dir, 'ledger.sqlite');
    const entry = { path: resolve('test/fixtures/stuck-job-worker.cjs') };
    let jobId = '';
    const app = openApp({
      file,
      login: 'tester',
      clock: () => NOW,
      migrationsFolder: 'db/migrations',
      jobs: () => workerJobRunner(file, entry, { graceMs: () => 300 }),
    });
    cleanups.push(() => app.close());
    const off = app.subscribe((event, payload) => {
      const p = payload as { jobId?: string; phase?: string };
      if (event === 'job:progress' && p.phase === 'stuck' && p.jobId) {
        jobId = p.jobId;
        void app.dispatch('jobs:cancel', { jobId });
      }
    });
    cleanups.push(off);
    const r = await app.dispatch('batches:validate', { batchId: 1 });
    expect(r.ok || r.error.code).toBe('cancelled');
    const jobs = await app.dispatch('jobs:list', {});
    if (!jobs.ok) throw new Error(jobs.error.message);
    expect((jobs.value as JobRunDto[]).map((j) => [j.jobId, j.status, j.subject])).toEqual([
      [jobId, 'cancelled', 'stuck'],
    ]);
  }, 30_000);

  it('waits for the write lock held by other work longer than a command would, then runs', async () => {
    const { ledger, file, operatorId } = freshLedger();
    const phases: string[] = [];
    let release: NodeJS.Timeout | undefined;
    // Another job holds the ledger's write lock, from before this job asks for it until well past the 5 s an
    // interactive command waits.
    ledger.sqlite.exec('BEGIN IMMEDIATE');
    try {
      const out = await workerJobRunner(file).run(
        'demo',
        { accounts: 20, seed: 1 },
        {
          now: NOW,
          operatorId,
          onProgress: (p) => {
            phases.push(p.phase);
            if (p.phase === 'waiting for the ledger')
              release = setTimeout(() => ledger.sqlite.exec('COMMIT'), 5_600);
          },
        },
      );
      expect(out).toMatchObject({ accounts: 20 });
    } finally {
      clearTimeout(release);
      if (ledger.sqlite.inTransaction) ledger.sqlite.exec('COMMIT');
    }
    expect(phases[0]).toBe('waiting for the ledger');
    const n = ledger.sqlite.prepare('SELECT count(*) AS n FROM accounts WHERE is_suspense = 0').get();
    expect(n).toEqual({ n: 20 });
  }, 30_000);

  it('lists a job waiting for the write lock as queued, then as finished', async () => {
    const tmp = tempDir('paydesk-worker-queued-');
    cleanups.push(tmp.cleanup);
    const file = join(tmp.dir, 'ledger.sqlite');
    const app = openApp({
      file,
      login: 'tester',
      clock: () => NOW,
      migrationsFolder: 'db/migrations',
      jobs: () => workerJobRunner(file),
    });
    cleanups.push(() => app.close());
    const holder = openLedger(file, 'db/migrations');
    cleanups.push(() => holder.close());
    const waiting = new Promise<void>((resolve) => {
      cleanups.push(
        app.subscribe((event, payload) => {
          if (event === 'job:progress' && (payload as { phase?: string }).phase === 'waiting for the ledger')
            resolve();
        }),
      );
    });
    holder.sqlite.exec('BEGIN IMMEDIATE');
    const load = app.dispatch('demo:load', { accounts: 20, seed: 1 });
    await waiting;
    const list = async (): Promise<unknown[][]> => {
      const r = await app.dispatch('jobs:list', {});
      if (!r.ok) throw new Error(r.error.message);
      return (r.value as JobRunDto[]).map((j) => [j.kind, j.subject, j.status, j.startedBy.login]);
    };
    // The list reads past the held lock; the job is not recorded yet, so it shows as queued.
    expect(await list()).toEqual([['demo', '20 accounts', 'queued', 'tester']]);
    holder.sqlite.exec('COMMIT');
    const done = await load;
    expect(done.ok).toBe(true);
    expect(await list()).toEqual([['demo', '20 accounts', 'finished', 'tester']]);
  }, 30_000);
});
