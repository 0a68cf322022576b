import { hostname } from 'node:os';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import { jobRuns } from '../../db/repos/job-runs';
import type { Storage } from '../../db/storage/port';
import { isCancelled } from '../ledger/errors';

/** The progress phase of a job waiting for the ledger's write lock (before it can record itself). */
export const WAITING_PHASE = 'waiting for the ledger';

/** The job about to run, as the journal records it. */
export type JournalEntry = { jobId: string; kind: string; operatorId: number; now: Date; input: unknown };

/** What a job works on, in a few words ("batch 12", "lockbox.txt"), from its input; null when nothing names it. */
export function jobSubject(input: unknown): string | null {
  const i = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  if (typeof i.batchId === 'number') return `batch ${i.batchId}`;
  const upload = i.uploaded as { name?: unknown } | undefined;
  if (typeof upload?.name === 'string') return basename(upload.name);
  if (typeof i.fileName === 'string') return basename(i.fileName);
  if (typeof i.file === 'string') return basename(i.file);
  if (typeof i.processor === 'string') return `processor ${i.processor}`;
  if (typeof i.creditor === 'string') return `creditor ${i.creditor}`;
  if (typeof i.accounts === 'number') return `${i.accounts} accounts`;
  return null;
}

/** Whether a process of this host still runs (EPERM: it runs as someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Runs a job between two records in job_runs, written by the connection the job runs on: `running` before it
 * starts (if that cannot be written, the job does not start), how it ended after. A process killed in between
 * leaves `running` behind, which the list reports as interrupted once that process is gone. The end is stamped
 * on the job's own clock (its start plus the time it took).
 */
export async function journaled<T>(
  storage: Storage,
  entry: JournalEntry,
  run: () => T | Promise<T>,
): Promise<T> {
  const started = performance.now();
  await storage.transaction((tx) =>
    jobRuns.start(tx, {
      id: entry.jobId,
      kind: entry.kind,
      subject: jobSubject(entry.input),
      startedBy: entry.operatorId,
      host: hostname(),
      pid: process.pid,
      startedAt: entry.now.toISOString(),
    }),
  );
  const end = async (status: 'finished' | 'failed' | 'cancelled', message: string | null): Promise<void> => {
    const at = new Date(entry.now.getTime() + Math.round(performance.now() - started)).toISOString();
    // The job's own outcome is what its caller must hear; a record that cannot be ended shows as interrupted.
    await storage
      .transaction((tx) => jobRuns.finish(tx, entry.jobId, status, message, at))
      .catch(() => undefined);
  };
  try {
    const out = await run();
    await end('finished', null);
    return out;
  } catch (err) {
    await end(isCancelled(err) ? 'cancelled' : 'failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
}

/**
 * The recorded jobs, most recent first; jobs whose process on this host has gone are marked interrupted first.
 * Only reads unless a process died: a look at the list never waits for a job that holds the write lock.
 */
export async function listJobRuns(
  storage: Storage,
  filter: Parameters<typeof jobRuns.list>[1],
  at: Date,
): ReturnType<typeof jobRuns.list> {
  const host = hostname();
  const read = await storage.transaction(
    async (tx) => {
      const running = await jobRuns.runningOn(tx, host);
      return running.some((r) => !processAlive(r.pid)) ? null : jobRuns.list(tx, filter);
    },
    { readOnly: true },
  );
  if (read) return read;
  return storage.transaction(async (tx) => {
    await jobRuns.interruptDead(tx, host, processAlive, at.toISOString());
    return jobRuns.list(tx, filter);
  });
}
