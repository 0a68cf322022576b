import { randomUUID } from 'node:crypto';
import type { Ledger } from '../../db/client';
import type { JobProgressDto } from '../../src-shared/dto/app';
import type { JobRunner, JobTypes } from '../services/job-port';
import { jobFunctions } from './registry';

export type { JobRunOptions, JobRunner } from '../services/job-port';

/** Builds a progress reporter that throttles to about ten events a second and computes a rate. */
export function progressReporter(
  jobId: string,
  kind: string,
  sink: ((p: JobProgressDto) => void) | undefined,
): (phase: string, done: number, total: number) => void {
  const started = Date.now();
  let last = 0;
  return (phase, done, total) => {
    if (!sink) return;
    const now = Date.now();
    if (now - last < 100 && done < total) return;
    last = now;
    const secs = Math.max((now - started) / 1000, 0.001);
    sink({ jobId, kind, phase, done, total, ratePerSec: Math.round(done / secs) });
  };
}

/** Runs jobs on the caller's thread against the caller's ledger (CLI and tests). */
export function inlineJobRunner(ledger: Ledger): JobRunner {
  return {
    run(kind, input, opts) {
      const jobId = randomUUID();
      const progress = progressReporter(jobId, kind, opts.onProgress);
      try {
        const fn = jobFunctions[kind] as (
          env: Parameters<(typeof jobFunctions)['demo']>[0],
          i: unknown,
        ) => unknown;
        const out = fn({ ledger, now: opts.now, operatorId: opts.operatorId, progress }, input);
        return Promise.resolve(out as JobTypes[typeof kind]['output']);
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
  };
}
