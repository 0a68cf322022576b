import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../db/client';
import { appendAudit } from '../../db/repos/audit';
import { jobQueue } from '../../db/repos/job-queue';
import { jobRuns } from '../../db/repos/job-runs';
import type { Dialect, Storage } from '../../db/storage/port';
import { sqliteStorage } from '../../db/storage/sqlite';
import {
  queueJobRunner,
  type QueueJobFunction,
  type QueueRunnerOptions,
} from '../../src-main/jobs/queue-runner';
import { inlineJobRunner } from '../../src-main/jobs/runner';
import { conflict } from '../../src-main/ledger/errors';
import { createBatchVia, saveEntriesVia } from '../../src-main/services/batches/batch-store';
import type { LedgerPlace } from '../../src-main/services/context';
import type { JobProgressDto } from '../../src-shared/dto/app';
import { alikeOn, answer } from '../helpers/alike';
import { racing } from '../helpers/racing';
import { addOperators, freshPostgres, STORAGES } from '../helpers/storages';
import { tempDir } from '../helpers/temp';

// Issue #17: the team server's durable job queue (job_queue). A job is queued in its own transaction and claimed
// by one of N workers of any runner on the database (PostgreSQL: FOR UPDATE SKIP LOCKED), run journaled in
// job_runs, and its answer handed to the caller, wherever it ran. Cancel takes a queued job off the queue and stops
// a running one at its next progress call; a claim left by a runner that stopped heartbeating is marked
// interrupted, never run again, while the jobs still queued run.

const NOW = new Date('2026-12-05T09:00:00Z');

type Db = { dialect: Dialect; storage: Storage; ledger: LedgerPlace; dispose: () => Promise<void> };

async function openDb(dialect: Dialect): Promise<Db> {
  if (dialect === 'postgres') {
    const pg = await freshPostgres();
    return { dialect, storage: pg.storage, ledger: { file: 'postgres' }, dispose: pg.dispose };
  }
  const { dir, cleanup } = tempDir();
  const ledger = openLedger(join(dir, 'ledger.sqlite'), 'db/migrations');
  return {
    dialect,
    storage: sqliteStorage(ledger.sqlite),
    ledger,
    dispose: () => {
      ledger.close();
      cleanup();
      return Promise.resolve();
    },
  };
}

/** The input of the test's job: a tag to count its runs by, steps that each write an audit row. */
type FakeInput = { tag: string; steps?: number; pauseMs?: number; fail?: string };

/** How many times each tagged job ran (the side effect two runners must not double). */
const calls = new Map<string, number>();

const fake: QueueJobFunction = async (env, raw) => {
  const input = raw as FakeInput;
  calls.set(input.tag, (calls.get(input.tag) ?? 0) + 1);
  const steps = input.steps ?? 1;
  for (let i = 0; i < steps; i++) {
    // The progress call is the cancel point, inside the step's transaction: a cancelled step writes nothing.
    await env.storage.transaction(async (tx) => {
      await appendAudit(tx, {
        at: env.now.toISOString(),
        operatorId: null,
        action: 'queue.step',
        entity: 'job',
        entityId: input.tag,
      });
      env.progress('stepping', i + 1, steps);
    });
    if (input.pauseMs) await new Promise((r) => setTimeout(r, input.pauseMs));
  }
  if (input.fail) throw conflict('test-rule', input.fail);
  return { tag: input.tag, now: env.now.toISOString(), operatorId: env.operatorId, steps };
};

/** The test jobs run as kind 'demo' (a kind the runner's callers can name) with the fake function. */
const FAKES = { demo: fake };

const stepsOf = (storage: Storage, tag: string) =>
  storage.transaction(
    async (tx) =>
      (await tx.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM audit_log WHERE action = 'queue.step' AND entity_id = ${tag}`,
      ))!.n,
    { readOnly: true },
  );

const queueRows = (storage: Storage) =>
  storage.transaction(
    (tx) => tx.all<{ id: string; state: string }>(sql`SELECT id, state FROM job_queue ORDER BY seq`),
    { readOnly: true },
  );

/** Waits (up to 5 s) until a condition holds. */
async function until(cond: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 250 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 20));
  expect(await cond()).toBe(true);
}

const record = (storage: Storage, id: string) =>
  storage.transaction((tx) => jobRuns.get(tx, id), { readOnly: true });

describe('the durable job queue on both databases', () => {
  const dbs: Db[] = [];
  const clerks = new Map<Dialect, number>();
  const runners: { stop: () => Promise<void> }[] = [];

  beforeAll(async () => {
    for (const row of STORAGES) {
      if (!row.available) continue;
      const db = await openDb(row.dialect);
      dbs.push(db);
      clerks.set(db.dialect, (await addOperators(db.storage, { clerk: ['clerk'] })).clerk);
    }
  }, 60_000);
  afterAll(async () => {
    for (const r of runners) await r.stop();
    for (const db of dbs) await db.dispose();
  });

  const { same } = alikeOn(dbs, () => Promise.resolve(null));

  /** A runner the suite stops at the end; fast heartbeats and polls so a test does not wait for them. */
  const runner = (db: Db, over: Partial<QueueRunnerOptions> = {}) => {
    const r = queueJobRunner({
      storage: db.storage,
      ledger: db.ledger,
      workers: 2,
      pollMs: 20,
      heartbeatMs: 50,
      ...over,
    });
    runners.push(r);
    return r;
  };

  const opts = (db: Db, more: Record<string, unknown> = {}) => ({
    now: NOW,
    operatorId: clerks.get(db.dialect)!,
    ...more,
  });

  it('runs a queued job and answers as the inline runner does: a real validation, a fake job, a refusal', async () => {
    const out = await same(async (db) => {
      const clerk = clerks.get(db.dialect)!;
      const batch = async () => {
        const b = await createBatchVia(
          db.storage,
          { batchType: 'payment', payType: 10012, currency: 'USD', channelId: 0, allocationLevel: 'bill' },
          NOW,
          clerk,
        );
        await saveEntriesVia(
          db.storage,
          {
            batchId: b.id,
            entries: [
              { accountNo: 'NO-SUCH-ACCOUNT', amount: '12.00', paymentDate: '2026-12-01' },
              { accountNo: 'NO-SUCH-ACCOUNT', amount: 'twelve', paymentDate: '2026-12-01' },
            ],
          },
          NOW,
          clerk,
        );
        return b.id;
      };
      const [queued, inline] = [await batch(), await batch()];
      const q = runner(db);
      await q.start();
      const viaQueue = await q.run(
        'batch-validate',
        { batchId: queued },
        opts(db, { jobId: `v-${db.dialect}` }),
      );
      const viaInline = await inlineJobRunner(db.ledger, undefined, db.storage).run(
        'batch-validate',
        { batchId: inline },
        opts(db),
      );
      const shape = (r: typeof viaQueue) => ({ ...r.batch, id: 0, batchNo: '', elapsedMs: 0 });
      expect(shape(viaQueue)).toEqual(shape(viaInline));
      // Every runner on a database serves the whole queue: the registry's runner stops before the fakes' starts.
      await q.stop();
      const fakes = runner(db, { functions: FAKES });
      await fakes.start();
      const ok = await answer(fakes.run('demo', { tag: `ok-${db.dialect}` } as never, opts(db)));
      const refused = await answer(
        fakes.run('demo', { tag: `no-${db.dialect}`, fail: 'not today' } as never, opts(db)),
      );
      await fakes.stop();
      return {
        batch: shape(viaQueue),
        status: viaQueue.batch.status,
        record: await record(db.storage, `v-${db.dialect}`).then((r) => ({
          kind: r?.kind,
          status: r?.status,
          startedAt: r?.startedAt,
          subject: r?.subject === `batch ${queued}`,
        })),
        ok: { ...(ok as { value: Record<string, unknown> }).value, tag: 'ok', operatorId: clerk },
        refused,
        queue: await queueRows(db.storage),
      };
    });
    expect(out.status).toBe('validated');
    expect(out.record).toEqual({
      kind: 'batch-validate',
      status: 'finished',
      startedAt: NOW.toISOString(),
      subject: true,
    });
    expect(out.ok).toMatchObject({ tag: 'ok', now: NOW.toISOString(), steps: 1 });
    expect(out.refused).toEqual({ error: { code: 'conflict', rule: 'test-rule', message: 'not today' } });
    // A caller that heard its answer leaves nothing in the queue; the record is job_runs'.
    expect(out.queue).toEqual([]);
  });

  it('sends progress events to the caller, from its own runner and from another', async () => {
    await same(async (db) => {
      const here = runner(db, { functions: FAKES });
      await here.start();
      const events: JobProgressDto[] = [];
      await here.run(
        'demo',
        { tag: `p-${db.dialect}`, steps: 3, pauseMs: 120 } as never,
        opts(db, { jobId: `p-${db.dialect}`, onProgress: (p: JobProgressDto) => events.push(p) }),
      );
      await here.stop();
      // The caller's runner does not run jobs; the one that does stores its progress with each heartbeat.
      const caller = runner(db, { functions: FAKES });
      const worker = runner(db, { functions: FAKES });
      await worker.start();
      const relayed: JobProgressDto[] = [];
      await caller.run(
        'demo',
        { tag: `r-${db.dialect}`, steps: 3, pauseMs: 150 } as never,
        opts(db, { onProgress: (p: JobProgressDto) => relayed.push(p) }),
      );
      await worker.stop();
      expect(events.map((e) => [e.jobId, e.kind, e.phase, e.done, e.total])).toEqual([
        [`p-${db.dialect}`, 'demo', 'stepping', 1, 3],
        [`p-${db.dialect}`, 'demo', 'stepping', 2, 3],
        [`p-${db.dialect}`, 'demo', 'stepping', 3, 3],
      ]);
      expect(relayed.length).toBeGreaterThan(0);
      expect(relayed.every((e) => e.phase === 'stepping' && e.total === 3)).toBe(true);
      return events.length;
    });
  });

  it('cancels a queued job by taking it off the queue: it never runs', async () => {
    const out = await same(async (db) => {
      const q = runner(db, { functions: FAKES });
      const stop = new AbortController();
      const tag = `cq-${db.dialect}`;
      const pending = answer(q.run('demo', { tag } as never, opts(db, { jobId: tag, signal: stop.signal })));
      await new Promise((r) => setTimeout(r, 50));
      expect(await queueRows(db.storage)).toEqual([{ id: tag, state: 'queued' }]);
      stop.abort();
      const refused = (await pending) as { error: { jobId?: string } };
      expect(refused.error.jobId).toBe(tag);
      await q.start();
      await new Promise((r) => setTimeout(r, 100));
      await q.stop();
      return {
        refused: { error: { ...refused.error, jobId: 'the job' } },
        queue: await queueRows(db.storage),
        ran: calls.get(tag) ?? 0,
        record: (await record(db.storage, tag)) ?? null,
      };
    });
    expect(out).toEqual({
      refused: {
        error: {
          code: 'cancelled',
          message: 'demo load cancelled: nothing was changed',
          jobId: 'the job',
          kind: 'demo',
        },
      },
      queue: [],
      ran: 0,
      record: null,
    });
  });

  it('cancels a running job at its next progress call, from its own runner and from another', async () => {
    const out = await same(async (db) => {
      const ended: Record<string, unknown> = {};
      for (const where of ['here', 'elsewhere'] as const) {
        const tag = `cr-${where}-${db.dialect}`;
        const worker = runner(db, { functions: FAKES });
        const caller = where === 'here' ? worker : runner(db, { functions: FAKES });
        await worker.start();
        const stop = new AbortController();
        const pending = answer(
          caller.run(
            'demo',
            { tag, steps: 200, pauseMs: 10 } as never,
            opts(db, {
              jobId: tag,
              signal: stop.signal,
              onProgress: (p: JobProgressDto) => p.done >= 3 && stop.abort(),
            }),
          ),
        );
        const refused = (await pending) as { error: { code: string; jobId: string } };
        await worker.stop();
        const steps = await stepsOf(db.storage, tag);
        ended[where] = {
          code: refused.error.code,
          jobId: refused.error.jobId === tag,
          stoppedEarly: steps >= 3 && steps < 200,
          ranOnce: calls.get(tag),
          record: (await record(db.storage, tag))?.status,
          queue: (await queueRows(db.storage)).filter((r) => r.id === tag),
        };
      }
      return ended;
    });
    const stopped = {
      code: 'cancelled',
      jobId: true,
      stoppedEarly: true,
      ranOnce: 1,
      record: 'cancelled',
      queue: [],
    };
    expect(out).toEqual({ here: stopped, elsewhere: stopped });
  });

  it('runs each of 20 jobs once with two runners of two workers claiming at once', async () => {
    const out = await same(async (db) => {
      const caller = runner(db, { functions: FAKES });
      const tags = Array.from({ length: 20 }, (_, i) => `two-${db.dialect}-${i}`);
      const answers = tags.map((tag) => caller.run('demo', { tag } as never, opts(db, { jobId: tag })));
      await until(async () => (await queueRows(db.storage)).length === 20);
      // Every worker's first claim picks its job before any claims it: the moment two servers meet.
      const race = racing(db.storage, 4, { holdAt: 2, writesOnly: true });
      const a = runner(db, { storage: race.storage, functions: FAKES });
      const b = runner(db, { storage: race.storage, functions: FAKES });
      await Promise.all([a.start(), b.start()]);
      const results = (await Promise.all(answers)) as unknown as { tag: string }[];
      await Promise.all([a.stop(), b.stop()]);
      const records = await Promise.all(tags.map((t) => record(db.storage, t)));
      return {
        results: results.map((r, i) => r.tag === tags[i]),
        runs: tags.map((t) => calls.get(t)),
        steps: await Promise.all(tags.map((t) => stepsOf(db.storage, t))),
        records: records.map((r) => r?.status),
        queue: await queueRows(db.storage),
      };
    });
    expect(out).toEqual({
      results: Array(20).fill(true),
      runs: Array(20).fill(1),
      steps: Array(20).fill(1),
      records: Array(20).fill('finished'),
      queue: [],
    });
  });

  it('marks a dead runner’s claim interrupted on start, never runs it again, and runs the queued rest', async () => {
    const out = await same(async (db) => {
      const dead = `dead-${db.dialect}`;
      const old = new Date(Date.now() - 10 * 60_000).toISOString();
      // What a runner killed mid-job leaves: its claim with a heartbeat that stopped, its job's record running.
      await db.storage.transaction(async (tx) => {
        await jobQueue.enqueue(tx, {
          id: dead,
          kind: 'demo',
          input: JSON.stringify({ tag: dead }),
          operatorId: clerks.get(db.dialect)!,
          queuedAt: NOW.toISOString(),
        });
        await tx.run(
          sql`UPDATE job_queue SET state = 'running', claimed_by = 'gone-host:1:dead', claimed_at = ${old},
                heartbeat = ${old}, attempts = 1 WHERE id = ${dead}`,
        );
        await jobRuns.start(tx, {
          id: dead,
          kind: 'demo',
          subject: null,
          startedBy: clerks.get(db.dialect)!,
          host: 'gone-host',
          pid: 1,
          startedAt: NOW.toISOString(),
        });
      });
      const caller = runner(db, { functions: FAKES });
      const rest = [1, 2, 3].map((i) => `rest-${db.dialect}-${i}`);
      const answers = rest.map((tag) => caller.run('demo', { tag } as never, opts(db, { jobId: tag })));
      const next = runner(db, { functions: FAKES, staleMs: 60_000 });
      await next.start();
      await Promise.all(answers);
      await next.stop();
      const row = await db.storage.transaction((tx) => jobQueue.get(tx, dead), { readOnly: true });
      const rec = await record(db.storage, dead);
      return {
        dead: { state: row?.state, attempts: row?.attempts, ran: calls.get(dead) ?? 0, record: rec?.status },
        message: rec?.message,
        rest: rest.map((t) => calls.get(t)),
        queue: (await queueRows(db.storage))
          .filter((r) => r.id === dead || rest.includes(r.id))
          .map((r) => [r.id === dead, r.state]),
      };
    });
    expect(out.dead).toEqual({ state: 'interrupted', attempts: 1, ran: 0, record: 'interrupted' });
    expect(out.message).toContain('gone-host:1:dead');
    expect(out.rest).toEqual([1, 1, 1]);
    expect(out.queue).toEqual([[true, 'interrupted']]);
  });
});
