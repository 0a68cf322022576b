import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { writePriorityFor } from '../../db/write-priority';
import { AppFailure } from '../ledger/errors';
import { inMemorySecretKey } from '../processors/secrets';
import type { JobKind } from './registry';
import { jobCancelled, type JobRunner } from './runner';
import type { ParentMessage, WorkerJobData, WorkerMessage } from './worker';

/** Which script a job worker runs and with which Node flags. */
export type WorkerEntry = { path: string; execArgv?: string[] };

/**
 * Finds the worker script: the built out/main/worker.js next to this bundle, or, when running from TypeScript
 * source (tsx, vitest), worker.ts loaded through tsx's CommonJS hook.
 */
export function resolveWorkerEntry(): WorkerEntry {
  if (__filename.endsWith('.ts')) {
    // `--import tsx` does not work for a worker entry on Node 20 (the .ts entry is resolved before the hooks
    // are active: ERR_UNKNOWN_FILE_EXTENSION); the synchronous require hook does, and the package is CommonJS.
    const tsxCjs = createRequire(__filename).resolve('tsx/cjs');
    return { path: join(__dirname, 'worker.ts'), execArgv: ['--require', tsxCjs] };
  }
  const built = join(__dirname, 'worker.js');
  if (!existsSync(built)) throw new Error(`Paydesk job worker not found at ${built}; run the build first`);
  return { path: built };
}

/**
 * What a job worker is started with. The desktop app's processor-secret key and an encrypted ledger's key travel
 * here (in memory, cloned into the worker), never through process.env, which child processes would inherit.
 */
export function workerJobData(
  file: string,
  kind: JobKind,
  input: unknown,
  opts: { now: Date; operatorId: number; jobId?: string },
  ledgerKey?: string,
): WorkerJobData {
  const key = inMemorySecretKey();
  return {
    file,
    jobId: opts.jobId ?? randomUUID(),
    kind,
    input,
    now: opts.now.toISOString(),
    operatorId: opts.operatorId,
    ...(key ? { secretKey: key } : {}),
    ...(ledgerKey !== undefined ? { key: ledgerKey } : {}),
    cancelFlag: new SharedArrayBuffer(4),
    writePriority: writePriorityFor(file),
  };
}

/**
 * How long a cancelled job may take to stop on its own before its worker is terminated. Processor runs get
 * longer: they stop after the requests in flight are answered and recorded (a terminate there leaves them as
 * open checkpoints for recovery instead).
 */
export function cancelGraceMs(kind: JobKind): number {
  return kind === 'collect' || kind === 'deposit' || kind === 'refund' ? 10_000 : 1_000;
}

/** Runs every job in its own worker thread on the ledger file, so the calling thread stays responsive. */
export function workerJobRunner(
  file: string,
  entry: WorkerEntry = resolveWorkerEntry(),
  runnerOpts: { key?: string; graceMs?: (kind: JobKind) => number } = {},
): JobRunner {
  return {
    run(kind, input, opts) {
      const data = workerJobData(file, kind, input, opts, runnerOpts.key);
      return new Promise((resolve, reject) => {
        let settled = false;
        let grace: NodeJS.Timeout | undefined;
        const settle = (fn: () => void): void => {
          if (settled) return;
          settled = true;
          if (grace) clearTimeout(grace);
          opts.signal?.removeEventListener('abort', onAbort);
          fn();
        };
        const worker = new Worker(entry.path, {
          workerData: data,
          ...(entry.execArgv ? { execArgv: entry.execArgv } : {}),
        });
        // Cancel: the shared flag stops a synchronous job at its next progress call, the message aborts an
        // async one; a job that has not stopped within the grace time is terminated. Its open SQLite
        // transaction was never committed, so the ledger is left as it was (test/db/job-cancel.test.ts).
        const onAbort = (): void => {
          if (data.cancelFlag) Atomics.store(new Int32Array(data.cancelFlag), 0, 1);
          worker.postMessage({ type: 'cancel' } satisfies ParentMessage);
          grace = setTimeout(
            () => {
              settle(() => reject(jobCancelled(data.jobId, kind)));
              void worker.terminate();
            },
            (runnerOpts.graceMs ?? cancelGraceMs)(kind),
          );
        };
        if (opts.signal?.aborted) onAbort();
        else opts.signal?.addEventListener('abort', onAbort, { once: true });
        worker.on('message', (message: WorkerMessage) => {
          switch (message.type) {
            case 'progress':
              opts.onProgress?.(message.progress);
              break;
            case 'done':
              settle(() => resolve(message.output as never));
              break;
            case 'error':
              if (message.known) settle(() => reject(new AppFailure(message.error)));
              else {
                const err = new Error(message.error.message);
                err.name = message.error.name;
                if (message.error.stack) err.stack = message.error.stack;
                settle(() => reject(err));
              }
              break;
          }
        });
        // A worker that fails to load or crashes outside runWorkerJob never posts; surface that too.
        worker.on('error', (err) => settle(() => reject(err)));
        worker.on('exit', (code) =>
          settle(() => reject(new Error(`job worker for ${kind} exited with code ${code} before finishing`))),
        );
      });
    },
  };
}
