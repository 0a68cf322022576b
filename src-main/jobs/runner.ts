import { randomUUID } from 'node:crypto';
import type { JobProgressDto } from '../../src-shared/dto/app';
import { cancelled } from '../ledger/errors';
import type { JobRunner, JobTypes } from '../services/job-port';
import { sqliteDriver, type LedgerPlace } from '../services/context';
import type { Storage } from '../../db/storage/port';
import { sqliteStorage } from '../../db/storage/sqlite';
import { journaled } from './journal';
import { jobFunctions } from './registry';

export type { JobRunOptions, JobRunner } from '../services/job-port';

/** What each job kind is called in a cancelled message. */
const JOB_LABELS: Record<string, string> = {
  demo: 'demo load',
  'batch-import': 'import',
  'batch-validate': 'validation',
  'batch-submit': 'submit',
  collect: 'collection run',
  deposit: 'deposit run',
  refund: 'refund run',
  'dd-run': 'direct-debit run',
};

/** The human name of a job kind ("import", "collection run"). */
export function jobLabel(kind: string): string {
  return JOB_LABELS[kind] ?? kind;
}

/** The failure a job throws at its first progress call after a cancel: the ledger is left as before the job. */
export function jobCancelled(jobId: string, kind: string): Error {
  return cancelled(`${jobLabel(kind)} cancelled: nothing was changed`, { jobId, kind });
}

/**
 * Builds a progress reporter that throttles to about ten events a second and computes a rate. Every call first
 * checks whether the job was cancelled (never throttled) and throws the `cancelled` failure if so.
 */
export function progressReporter(
  jobId: string,
  kind: string,
  sink: ((p: JobProgressDto) => void) | undefined,
  isCancelled: () => boolean = () => false,
): (phase: string, done: number, total: number) => void {
  const started = Date.now();
  let last = 0;
  return (phase, done, total) => {
    if (isCancelled()) throw jobCancelled(jobId, kind);
    if (!sink) return;
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const secs = Math.max((now - started) / 1000, 0.001);
    sink({ jobId, kind, phase, done, total, ratePerSec: Math.round(done / secs) });
  };
}

/** Sees every progress call of a job, unthrottled, before its cancel check (tests cancel at exact points). */
export type ProgressTap = (jobId: string, phase: string, done: number, total: number) => void;

/**
 * Runs jobs on the caller's thread against the caller's ledger (CLI and tests; a team server on PostgreSQL, whose
 * jobs wait for the database off the thread). `storage` is the ledger's port when it is not the SQLite connection.
 */
export function inlineJobRunner(ledger: LedgerPlace, tap?: ProgressTap, storage?: Storage): JobRunner {
  const jobStorage = storage ?? sqliteStorage(sqliteDriver(ledger, 'a job'));
  return {
    run(kind, input, opts) {
      const jobId = opts.jobId ?? randomUUID();
      const signal = opts.signal ?? new AbortController().signal;
      const report = progressReporter(jobId, kind, opts.onProgress, () => signal.aborted);
      const progress = tap
        ? (phase: string, done: number, total: number): void => {
            tap(jobId, phase, done, total);
            report(phase, done, total);
          }
        : report;
      const fn = jobFunctions[kind] as (
        env: Parameters<(typeof jobFunctions)['demo']>[0],
        i: unknown,
      ) => unknown;
      return journaled(jobStorage, { jobId, kind, operatorId: opts.operatorId, now: opts.now, input }, () =>
        fn(
          { ledger, storage: jobStorage, now: opts.now, operatorId: opts.operatorId, progress, signal },
          input,
        ),
      ).then(
        (out) => out as JobTypes[typeof kind]['output'],
        (err: unknown) => Promise.reject(err instanceof Error ? err : new Error(String(err))),
      );
    },
  };
}
