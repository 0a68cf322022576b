import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../db/client';
import { sqliteStorage } from '../../db/storage/sqlite';
import { jobRuns, type JobRunRow } from '../../db/repos/job-runs';
import type { Storage } from '../../db/storage/port';
import { jobSubject, journaled, listJobRuns } from '../../src-main/jobs/journal';
import { cancelled } from '../../src-main/ledger/errors';
import { tempDir } from '../helpers/ledger';
import { STORAGES } from '../helpers/storages';

// Issue #17: every job is recorded where it runs, kept after it ends, and a job whose process died is reported
// as interrupted. Written once, run on SQLite and PostgreSQL (the storage matrix).

const T0 = new Date('2026-12-04T09:00:00Z');

function started(
  id: string,
  over: Partial<JobRunRow> = {},
): Omit<JobRunRow, 'status' | 'message' | 'finishedAt'> {
  return {
    id,
    kind: 'batch-submit',
    subject: 'batch 1',
    startedBy: 7,
    host: 'desk-1',
    pid: 1000,
    startedAt: T0.toISOString(),
    ...over,
  };
}

describe.each(STORAGES)('job records on $dialect', (row) => {
  let storage: Storage;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    if (!row.available) return;
    ({ storage, dispose } = await row.open());
  }, 60_000);
  afterAll(async () => {
    await dispose?.();
  });

  it.runIf(row.available)('records a job running, then how it ended, once', async () => {
    await storage.transaction((tx) => jobRuns.start(tx, started('a')));
    const running = await storage.transaction((tx) => jobRuns.get(tx, 'a'));
    expect(running).toMatchObject({ id: 'a', status: 'running', startedBy: 7, pid: 1000, finishedAt: null });
    const at = '2026-12-04T09:00:05.000Z';
    expect(await storage.transaction((tx) => jobRuns.finish(tx, 'a', 'failed', 'no', at))).toBe(true);
    // The first end counts: a late second answer does not rewrite it.
    expect(await storage.transaction((tx) => jobRuns.finish(tx, 'a', 'finished', null, at))).toBe(false);
    expect(await storage.transaction((tx) => jobRuns.get(tx, 'a'))).toMatchObject({
      status: 'failed',
      message: 'no',
      finishedAt: at,
    });
  });

  it.runIf(row.available)(
    'marks interrupted only the running jobs of this host whose process is gone',
    async () => {
      await storage.transaction(async (tx) => {
        await jobRuns.start(tx, started('dead', { pid: 2001, startedAt: '2026-12-04T09:01:00.000Z' }));
        await jobRuns.start(tx, started('alive', { pid: 2002, startedAt: '2026-12-04T09:02:00.000Z' }));
        await jobRuns.start(
          tx,
          started('elsewhere', { pid: 2001, host: 'desk-2', startedAt: '2026-12-04T09:03:00.000Z' }),
        );
      });
      const at = '2026-12-04T10:00:00.000Z';
      const marked = await storage.transaction((tx) =>
        jobRuns.interruptDead(tx, 'desk-1', (pid) => pid === 2002, at),
      );
      expect(marked).toEqual(['dead']);
      const byId = new Map(
        (await storage.transaction((tx) => jobRuns.list(tx, { limit: 10 }))).map((r) => [r.id, r]),
      );
      expect(byId.get('dead')).toMatchObject({ status: 'interrupted', finishedAt: at });
      expect(byId.get('dead')!.message).toContain('pid 2001');
      expect(byId.get('alive')!.status).toBe('running');
      expect(byId.get('elsewhere')!.status).toBe('running');
      // The process that ran it answering late does not turn an interrupted job into a finished one.
      expect(await storage.transaction((tx) => jobRuns.finish(tx, 'dead', 'finished', null, at))).toBe(false);
    },
  );

  it.runIf(row.available)('lists the most recent first, by operator, status and limit', async () => {
    await storage.transaction(async (tx) => {
      await jobRuns.start(tx, started('ben-1', { startedBy: 8, startedAt: '2026-12-04T11:00:00.000Z' }));
      await jobRuns.start(tx, started('ben-2', { startedBy: 8, startedAt: '2026-12-04T11:05:00.000Z' }));
    });
    const ben = await storage.transaction((tx) => jobRuns.list(tx, { startedBy: 8, limit: 10 }));
    expect(ben.map((r) => r.id)).toEqual(['ben-2', 'ben-1']);
    const one = await storage.transaction((tx) => jobRuns.list(tx, { limit: 1 }));
    expect(one.map((r) => r.id)).toEqual(['ben-2']);
    const failed = await storage.transaction((tx) => jobRuns.list(tx, { status: 'failed', limit: 10 }));
    expect(failed.map((r) => r.id)).toEqual(['a']);
  });

  it.runIf(row.available)('journals a job: finished, failed with its message, cancelled', async () => {
    const entry = (jobId: string) => ({
      jobId,
      kind: 'batch-validate',
      operatorId: 9,
      now: T0,
      input: { batchId: 4 },
    });
    await expect(journaled(storage, entry('ok'), () => 42)).resolves.toBe(42);
    await expect(
      journaled(storage, entry('bad'), () => {
        throw new Error('batch 4 is not open');
      }),
    ).rejects.toThrow('batch 4 is not open');
    await expect(
      journaled(storage, entry('stop'), () => Promise.reject(cancelled('validation cancelled'))),
    ).rejects.toThrow('validation cancelled');
    const mine = await listJobRuns(storage, { startedBy: 9, limit: 10 }, T0);
    expect(
      Object.fromEntries(mine.map((r) => [r.id, [r.status, r.subject, r.message, r.pid === process.pid]])),
    ).toEqual({
      ok: ['finished', 'batch 4', null, true],
      bad: ['failed', 'batch 4', 'batch 4 is not open', true],
      stop: ['cancelled', 'batch 4', 'validation cancelled', true],
    });
    // Its end is on the job's own clock: started at T0, ended a moment later.
    expect(mine.every((r) => r.finishedAt !== null && r.finishedAt >= r.startedAt)).toBe(true);
  });
});

describe('job subject', () => {
  it('names what a job works on from its input', () => {
    expect(jobSubject({ batchId: 12 })).toBe('batch 12');
    expect(jobSubject({ file: '/in/lockbox-0412.txt', batchType: 'payment' })).toBe('lockbox-0412.txt');
    expect(jobSubject({ uploaded: { name: 'camt.053.xml' } })).toBe('camt.053.xml');
    expect(jobSubject({ processor: 'sim' })).toBe('processor sim');
    expect(jobSubject({ accounts: 1000, seed: 1 })).toBe('1000 accounts');
    expect(jobSubject({})).toBeNull();
    expect(jobSubject(undefined)).toBeNull();
  });
});

describe('the job list on a busy ledger file', () => {
  it('answers while another connection holds the write lock (a long submit in a worker)', async () => {
    const { dir, cleanup } = tempDir('paydesk-jobs-busy-');
    const file = join(dir, 'ledger.sqlite');
    const mine = openLedger(file, 'db/migrations');
    const worker = openLedger(file, 'db/migrations');
    try {
      const storage = sqliteStorage(mine.sqlite);
      await journaled(storage, { jobId: 'done', kind: 'demo', operatorId: 1, now: T0, input: {} }, () => 1);
      worker.sqlite.exec('BEGIN IMMEDIATE');
      worker.sqlite.prepare(`INSERT INTO settings (key, value) VALUES ('busy', '1')`).run();
      const t = performance.now();
      const jobs = await listJobRuns(storage, { limit: 10 }, T0);
      expect(jobs.map((j) => [j.id, j.status])).toEqual([['done', 'finished']]);
      // The connection would wait up to its busy timeout (5 s) for a write lock; a read waits for nothing.
      expect(performance.now() - t).toBeLessThan(1000);
      worker.sqlite.exec('ROLLBACK');
    } finally {
      worker.close();
      mine.close();
      cleanup();
    }
  });
});
