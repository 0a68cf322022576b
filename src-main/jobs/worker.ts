import { parentPort, workerData } from 'node:worker_threads';
import { attachLedger, type Ledger } from '../../db/client';
import { sqliteStorage } from '../../db/storage/sqlite';
import type { AppError } from '../../src-shared/api/result';
import type { JobProgressDto } from '../../src-shared/dto/app';
import { AppFailure, ledgerBusy } from '../ledger/errors';
import { setInMemorySecretKey } from '../processors/secrets';
import { jobFunctions, type JobEnv, type JobKind } from './registry';
import { journaled, WAITING_PHASE } from './journal';
import { yieldToInteractiveWriters } from '../../db/write-priority';
import { progressReporter } from './runner';

/**
 * How long a job in a worker waits for the ledger's write lock held by other work (another job) before it fails
 * with `ledger-busy`. Waiting blocks only the job's own thread; a cancel meanwhile terminates it after the grace.
 */
export const JOB_LOCK_WAIT_MS = 30 * 60_000;

/** True once the parent set the shared cancel flag. */
export function flagSet(flag: SharedArrayBuffer | undefined): boolean {
  return flag !== undefined && Atomics.load(new Int32Array(flag), 0) === 1;
}

/** What the main thread hands a job worker (plain, structured-clone safe data only). */
export type WorkerJobData = {
  file: string;
  jobId: string;
  kind: JobKind;
  input: unknown;
  /** ISO timestamp: the job's clock is frozen at the moment the caller started it. */
  now: string;
  operatorId: number;
  /** The desktop app's processor-secret key (unsealed from the keychain), if it has one. */
  secretKey?: string;
  /** The passphrase of an encrypted ledger, handed over in memory (never through a child's environment). */
  key?: string;
  /**
   * One Int32 the parent sets to 1 to cancel. A synchronous job never yields to the worker's event loop, so
   * a cancel message would wait for the job to end; the shared flag is read at every progress call instead.
   */
  cancelFlag?: SharedArrayBuffer;
  /** The process's count of interactive writers waiting for the ledger (db/write-priority.ts): they go first. */
  writePriority?: SharedArrayBuffer;
};

/** Messages the parent posts to a job worker. */
export type ParentMessage = { type: 'cancel' };

/** Messages a job worker posts back; `known` errors are AppFailures whose AppError crosses unchanged. */
export type WorkerMessage =
  | { type: 'progress'; progress: JobProgressDto }
  | { type: 'done'; output: unknown }
  | { type: 'error'; known: true; error: AppError }
  | {
      type: 'error';
      known: false;
      error: { code: 'internal'; message: string; name: string; stack?: string };
    };

/** Runs one job against the ledger file in this thread and reports progress, result or error to the parent. */
export async function runWorkerJob(
  data: WorkerJobData,
  post: (message: WorkerMessage) => void,
  controller: AbortController = new AbortController(),
): Promise<void> {
  let ledger: Ledger | undefined;
  // The shared flag reaches a synchronous job; the signal (aborted by the cancel message) reaches an async one.
  const isCancelled = (): boolean => {
    if (flagSet(data.cancelFlag) && !controller.signal.aborted) controller.abort();
    return controller.signal.aborted;
  };
  try {
    if (data.secretKey) setInMemorySecretKey(data.secretKey);
    ledger = attachLedger(data.file, data.key === undefined ? {} : { key: data.key });
    // A job waits its turn for the ledger's one write lock instead of failing after the 5 s an interactive
    // command waits: on a team server one clerk's submit may hold it for minutes while others are queued behind.
    ledger.sqlite.pragma(`busy_timeout = ${JOB_LOCK_WAIT_MS}`);
    const turn = data.writePriority
      ? yieldToInteractiveWriters(ledger.sqlite, data.writePriority)
      : undefined;
    const storage = sqliteStorage(ledger.sqlite, turn ? { beforeWrite: turn } : {});
    const progress = progressReporter(
      data.jobId,
      data.kind,
      (p) => post({ type: 'progress', progress: p }),
      isCancelled,
    );
    progress(WAITING_PHASE, 0, 0);
    const env: JobEnv = {
      ledger,
      storage,
      now: new Date(data.now),
      operatorId: data.operatorId,
      progress,
      signal: controller.signal,
    };
    // The registry is keyed by kind; the input was typed by the caller of JobRunner.run on the main side.
    const fn = jobFunctions[data.kind] as (e: JobEnv, input: unknown) => unknown;
    const entry = {
      jobId: data.jobId,
      kind: data.kind,
      operatorId: data.operatorId,
      now: env.now,
      input: data.input,
    };
    post({
      type: 'done',
      output: await journaled(storage, entry, () => fn(env, data.input)),
    });
  } catch (err) {
    const busy = ledgerBusy(err);
    if (err instanceof AppFailure) post({ type: 'error', known: true, error: err.error });
    else if (busy) post({ type: 'error', known: true, error: busy });
    else {
      const e = err instanceof Error ? err : new Error(String(err));
      post({
        type: 'error',
        known: false,
        error: { code: 'internal', message: e.message, name: e.name, stack: e.stack },
      });
    }
  } finally {
    ledger?.close();
  }
}

function isJobData(data: unknown): data is WorkerJobData {
  const d = data as Partial<WorkerJobData> | null | undefined;
  return typeof d?.jobId === 'string' && typeof d.kind === 'string' && typeof d.file === 'string';
}

// Act only when started as a job worker: importing this module anywhere else (tests in a thread pool,
// type checks) must not run a job.
if (parentPort && isJobData(workerData)) {
  const port = parentPort;
  const controller = new AbortController();
  const onMessage = (message: ParentMessage): void => {
    if (message.type === 'cancel') controller.abort();
  };
  port.on('message', onMessage);
  void runWorkerJob(workerData, (message) => port.postMessage(message), controller).finally(() => {
    // The cancel listener must not keep the worker alive once the job is over.
    port.off('message', onMessage);
    port.unref();
  });
}
