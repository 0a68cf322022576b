import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { jobQueue, type QueuedJobRow } from '../../db/repos/job-queue';
import { jobRuns } from '../../db/repos/job-runs';
import type { Storage } from '../../db/storage/port';
import type { AppError } from '../../src-shared/api/result';
import type { JobProgressDto } from '../../src-shared/dto/app';
import { AppFailure, isCancelled, ledgerBusy } from '../ledger/errors';
import type { JobEnv, JobKind, JobRunner, JobTypes } from '../services/job-port';
import { journaled } from './journal';
import { jobFunctions } from './registry';
import { jobCancelled, progressReporter, type ProgressTap } from './runner';

/** A job function as the queue calls it (the registry's, or a test's). */
export type QueueJobFunction = (env: JobEnv, input: never) => unknown;

/** The registry's job functions, looked up by the kind a queue row names. */
const registry: Partial<Record<string, QueueJobFunction>> = jobFunctions;

/** How a queue runner runs. */
export type QueueRunnerOptions = {
  /** The database the queue lives in; the jobs run on it too (`env.storage`). */
  storage: Storage;
  /** How many jobs this runner runs at once (default 2). */
  workers?: number;
  /** How often an idle worker looks for jobs queued by other runners, and a caller for its job's news (ms). */
  pollMs?: number;
  /** How often the runner stamps the heartbeat of the jobs it runs and reads their cancels (ms). */
  heartbeatMs?: number;
  /** A running job whose heartbeat is older than this has lost its runner (ms). */
  staleMs?: number;
  /** The job functions by kind (default the registry's). */
  functions?: Partial<Record<string, QueueJobFunction>>;
  /** The wall clock of claims and heartbeats (a job runs at the clock its caller gave it). */
  clock?: () => Date;
  /** Sees every progress call of the jobs this runner runs, unthrottled, before its cancel check. */
  tap?: ProgressTap;
} & Pick<JobEnv, 'ledger'>;

/** A job runner over the durable queue: `run` queues, `start` begins claiming, `stop` ends claiming. */
export type QueueRunner = JobRunner & {
  /** This runner's name in the queue's claimed_by (host, process, instance). */
  readonly id: string;
  /** Marks jobs left running by a runner that stopped heartbeating interrupted, then starts the workers. */
  start(): Promise<void>;
  /** Stops claiming, waits for the jobs this runner runs; callers still waiting for a queued job are refused. */
  stop(): Promise<void>;
};

/** How a job's failure is stored, for a caller waiting on another runner (as a worker thread posts it). */
type StoredError =
  | { known: true; error: AppError }
  | { known: false; error: { name: string; message: string; stack?: string | undefined } };

function storedError(err: unknown): string {
  const busy = ledgerBusy(err);
  const e = err instanceof Error ? err : new Error(String(err));
  const stored: StoredError =
    err instanceof AppFailure
      ? { known: true, error: err.error }
      : busy
        ? { known: true, error: busy }
        : { known: false, error: { name: e.name, message: e.message, stack: e.stack } };
  return JSON.stringify(stored);
}

function errorOf(text: string | null): Error {
  if (text === null) return new Error('the job ended without an outcome');
  const stored = JSON.parse(text) as StoredError;
  if (stored.known) return new AppFailure(stored.error);
  const err = new Error(stored.error.message);
  err.name = stored.error.name;
  if (stored.error.stack) err.stack = stored.error.stack;
  return err;
}

/** A caller of this runner waiting for its job. */
type Waiter = {
  kind: string;
  resolve: (out: unknown) => void;
  reject: (err: Error) => void;
  onProgress: ((p: JobProgressDto) => void) | undefined;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  /** The last progress relayed from the queue row (a job another runner runs). */
  seen: string | null;
  /** Whether its queue row has been committed (before that, the row's absence means nothing). */
  queued: boolean;
  /** Whether this runner claimed it (its news then comes straight from the job, not from the row). */
  here: boolean;
};

/** A job this runner runs. */
type Running = { controller: AbortController; progress: string | null; beaten: string | null };

/**
 * Runs jobs through the `job_queue` table (issue #17: the team server's durable queue). `run` queues the job in
 * its own transaction and answers when some runner on the database has run it, with the answer or failure the
 * inline runner gives; workers claim the oldest queued job (PostgreSQL: FOR UPDATE SKIP LOCKED, so runners on
 * several servers never take one job twice) and run it journaled in job_runs as every job is.
 */
export function queueJobRunner(opts: QueueRunnerOptions): QueueRunner {
  const {
    storage,
    workers = 2,
    pollMs = 250,
    heartbeatMs = 5_000,
    staleMs = 60_000,
    functions = registry,
    clock = () => new Date(),
    tap,
    ...ledgerPart
  } = opts;
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const waiters = new Map<string, Waiter>();
  const running = new Map<string, Running>();
  let started = false;
  let stopping = false;
  let loops: Promise<void>[] = [];
  let wake: (() => void) | undefined;
  let wakeup = new Promise<void>((r) => (wake = r));
  let beatTimer: NodeJS.Timeout | undefined;
  let pollTimer: NodeJS.Timeout | undefined;
  let lastSweep = 0;
  const iso = (): string => clock().toISOString();

  const notify = (): void => {
    const w = wake;
    wakeup = new Promise<void>((r) => (wake = r));
    w?.();
  };

  const settle = (jobId: string, fn: (w: Waiter) => void): void => {
    const w = waiters.get(jobId);
    if (!w) return;
    waiters.delete(jobId);
    w.signal?.removeEventListener('abort', w.onAbort);
    fn(w);
  };

  /**
   * Jobs left running by a runner that stopped heartbeating: never run again (a lock-per-account submit may have
   * posted part of its batch), marked interrupted here and in their job record. Only reads unless there are some.
   */
  const sweep = async (): Promise<void> => {
    lastSweep = Date.now();
    const now = clock();
    const before = new Date(now.getTime() - staleMs).toISOString();
    const stale = await storage.transaction((tx) => jobQueue.stale(tx, before, id), { readOnly: true });
    if (stale.length === 0) return;
    await storage.transaction(async (tx) => {
      for (const s of stale) {
        const message = `the job runner that claimed it (${s.claimedBy}) stopped before the job ended; it was not run again`;
        const stored = JSON.stringify({
          known: false,
          error: { name: 'Error', message },
        } satisfies StoredError);
        if (await jobQueue.interrupt(tx, s.id, before, stored, now.toISOString()))
          await jobRuns.finish(tx, s.id, 'interrupted', message, now.toISOString());
      }
    });
  };

  /** Stamps the heartbeat of this runner's jobs and stops those cancelled by a caller on another runner. */
  const beat = async (): Promise<void> => {
    if (running.size === 0) return;
    const changed = new Map<string, string>();
    for (const [jobId, r] of running)
      if (r.progress !== null && r.progress !== r.beaten) changed.set(jobId, r.progress);
    const cancels = await storage.transaction((tx) => jobQueue.beat(tx, id, iso(), changed));
    for (const [jobId, p] of changed) {
      const r = running.get(jobId);
      if (r) r.beaten = p;
    }
    for (const jobId of cancels) running.get(jobId)?.controller.abort();
  };

  const scheduleBeat = (): void => {
    if (beatTimer || running.size === 0) return;
    beatTimer = setTimeout(() => {
      beatTimer = undefined;
      void beat()
        .catch(() => undefined)
        .finally(scheduleBeat);
    }, heartbeatMs);
  };

  /** Relays news of this runner's callers' jobs that other runners run: progress, then the outcome. */
  const poll = async (): Promise<void> => {
    const ids = [...waiters].filter(([, w]) => w.queued && !w.here).map(([j]) => j);
    if (ids.length === 0) return;
    const rows = await storage.transaction(
      async (tx) => {
        const out: [string, QueuedJobRow | undefined][] = [];
        for (const j of ids) out.push([j, await jobQueue.get(tx, j)]);
        return out;
      },
      { readOnly: true },
    );
    const ended: string[] = [];
    for (const [jobId, row] of rows) {
      const w = waiters.get(jobId);
      if (!w || w.here) continue;
      if (!row) {
        settle(jobId, (x) => x.reject(new Error(`job ${jobId} is no longer in the queue`)));
        continue;
      }
      if (row.progress !== null && row.progress !== w.seen) {
        w.seen = row.progress;
        w.onProgress?.(JSON.parse(row.progress) as JobProgressDto);
      }
      if (row.state === 'done') {
        ended.push(jobId);
        settle(jobId, (x) => x.resolve(row.result === null ? undefined : JSON.parse(row.result)));
      } else if (row.state === 'failed' || row.state === 'cancelled' || row.state === 'interrupted') {
        ended.push(jobId);
        settle(jobId, (x) => x.reject(errorOf(row.error)));
      }
    }
    if (ended.length > 0)
      await storage.transaction(async (tx) => {
        for (const jobId of ended) await jobQueue.remove(tx, jobId);
      });
  };

  const schedulePoll = (): void => {
    if (pollTimer || waiters.size === 0) return;
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      void poll()
        .catch(() => undefined)
        .finally(schedulePoll);
    }, pollMs);
  };

  /** A caller's cancel: a queued job leaves the queue; a running one is stopped where it runs. */
  const cancel = async (jobId: string, kind: string): Promise<void> => {
    const here = running.get(jobId);
    if (here) return here.controller.abort();
    const withdrawn = await storage.transaction(async (tx) => {
      if (await jobQueue.withdraw(tx, jobId)) return true;
      await jobQueue.requestCancel(tx, jobId);
      return false;
    });
    if (withdrawn) settle(jobId, (w) => w.reject(jobCancelled(jobId, kind)));
    // Claimed by this runner meanwhile: the flag reaches it at its next heartbeat; stop it now instead.
    else running.get(jobId)?.controller.abort();
  };

  const runClaimed = async (row: QueuedJobRow): Promise<void> => {
    const r: Running = { controller: new AbortController(), progress: null, beaten: null };
    running.set(row.id, r);
    scheduleBeat();
    const waiter = waiters.get(row.id);
    if (waiter) waiter.here = true;
    if (waiter?.signal?.aborted) r.controller.abort();
    const signal = r.controller.signal;
    const report = progressReporter(
      row.id,
      row.kind,
      (p) => {
        r.progress = JSON.stringify(p);
        waiters.get(row.id)?.onProgress?.(p);
      },
      () => signal.aborted,
    );
    const progress = tap
      ? (phase: string, done: number, total: number): void => {
          tap(row.id, phase, done, total);
          report(phase, done, total);
        }
      : report;
    const now = new Date(row.queuedAt);
    let outcome: { ok: true; out: unknown } | { ok: false; err: unknown };
    try {
      const input = JSON.parse(row.input) as never;
      const fn = functions[row.kind];
      const env: JobEnv = { ...ledgerPart, storage, now, operatorId: row.operatorId, progress, signal };
      const entry = { jobId: row.id, kind: row.kind, operatorId: row.operatorId, now, input };
      outcome = {
        ok: true,
        out: await journaled(storage, entry, () => {
          if (!fn) throw new Error(`unknown job kind ${row.kind}`);
          return fn(env, input);
        }),
      };
    } catch (err) {
      outcome = { ok: false, err };
    } finally {
      running.delete(row.id);
    }
    const local = waiters.has(row.id);
    const state = outcome.ok ? 'done' : isCancelled(outcome.err) ? 'cancelled' : 'failed';
    // The caller hears the outcome even if it cannot be stored (a caller here does not need the row).
    await storage
      .transaction(async (tx) => {
        const ended = await jobQueue.finish(
          tx,
          row.id,
          id,
          state,
          outcome.ok
            ? { result: JSON.stringify(outcome.out ?? null), error: null }
            : { result: null, error: storedError(outcome.err) },
          iso(),
        );
        if (ended && local) await jobQueue.remove(tx, row.id);
      })
      .catch(() => undefined);
    settle(row.id, (w) => {
      if (outcome.ok) w.resolve(outcome.out);
      else w.reject(outcome.err instanceof Error ? outcome.err : new Error(String(outcome.err)));
    });
  };

  const loop = async (): Promise<void> => {
    while (!stopping) {
      let row: QueuedJobRow | undefined;
      let waiting = false;
      try {
        if (Date.now() - lastSweep >= heartbeatMs) await sweep();
        waiting = await storage.transaction((tx) => jobQueue.anyQueued(tx), { readOnly: true });
        row = waiting ? await storage.transaction((tx) => jobQueue.claim(tx, id, iso())) : undefined;
      } catch {
        // The database is unreachable or refused: try again after a poll interval, never in a tight loop.
        row = undefined;
        waiting = false;
      }
      if (row) await runClaimed(row);
      // Jobs wait but another runner took the one picked: look again at once.
      if (row || waiting) continue;
      const idle = wakeup;
      await Promise.race([idle, new Promise((r) => setTimeout(r, pollMs).unref())]);
    }
  };

  return {
    id,
    run<K extends JobKind>(
      kind: K,
      input: JobTypes[K]['input'],
      runOpts: Parameters<JobRunner['run']>[2],
    ): Promise<JobTypes[K]['output']> {
      const jobId = runOpts.jobId ?? randomUUID();
      if (runOpts.signal?.aborted) return Promise.reject(jobCancelled(jobId, kind));
      if (stopping) return Promise.reject(new Error('the job runner has stopped'));
      return new Promise<JobTypes[K]['output']>((resolve, reject) => {
        const w: Waiter = {
          kind,
          resolve: (out) => resolve(out as JobTypes[K]['output']),
          reject,
          onProgress: runOpts.onProgress,
          signal: runOpts.signal,
          onAbort: () => void cancel(jobId, kind).catch(() => undefined),
          seen: null,
          queued: false,
          here: false,
        };
        waiters.set(jobId, w);
        storage
          .transaction((tx) =>
            jobQueue.enqueue(tx, {
              id: jobId,
              kind,
              input: JSON.stringify(input),
              operatorId: runOpts.operatorId,
              queuedAt: runOpts.now.toISOString(),
            }),
          )
          .then(
            () => {
              w.queued = true;
              runOpts.signal?.addEventListener('abort', w.onAbort, { once: true });
              if (runOpts.signal?.aborted) w.onAbort();
              notify();
              schedulePoll();
            },
            (err: unknown) =>
              settle(jobId, (x) => x.reject(err instanceof Error ? err : new Error(String(err)))),
          );
      });
    },
    async start() {
      if (started) return;
      started = true;
      await sweep();
      loops = Array.from({ length: workers }, () => loop());
    },
    async stop() {
      stopping = true;
      notify();
      await Promise.all(loops);
      if (beatTimer) clearTimeout(beatTimer);
      if (pollTimer) clearTimeout(pollTimer);
      beatTimer = pollTimer = undefined;
      for (const jobId of [...waiters.keys()])
        settle(jobId, (w) =>
          w.reject(new Error(`the job runner stopped; job ${jobId} (${w.kind}) stays in the queue`)),
        );
    },
  };
}
