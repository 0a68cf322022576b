import { hostname } from 'node:os';
import { jobRuns } from '../../db/repos/job-runs';
import { operatorLoginsQuery } from '../../db/repos/operators';
import type { Storage } from '../../db/storage/port';
import type { JobRunDto } from '../../src-shared/dto/app';
import type { ActiveJobs } from './active-jobs';
import { listJobRuns, WAITING_PHASE } from './journal';
import { jobLabel } from './runner';
import type { ServiceContext } from '../services/context';

/** A job's record as the list shows it. */
type Listed = Omit<JobRunDto, 'startedBy' | 'label' | 'jobId' | 'progress'> & {
  id: string;
  startedBy: number;
  progress: JobRunDto['progress'];
};

/**
 * Jobs of this process that are waiting for the ledger's write lock: asked for, not recorded yet (a job records
 * itself once it holds the lock), reported so far only as starting or waiting.
 */
function queuedHere(active: ActiveJobs, startedBy: number | undefined, recorded: Set<string>): Listed[] {
  return active
    .running()
    .filter(
      (j) =>
        !recorded.has(j.jobId) &&
        (startedBy === undefined || j.startedBy === startedBy) &&
        (j.progress === undefined || j.progress.phase === WAITING_PHASE),
    )
    .map((j) => ({
      id: j.jobId,
      kind: j.kind,
      subject: j.subject ?? null,
      status: 'queued' as const,
      startedBy: j.startedBy,
      startedAt: j.startedAt ?? '',
      finishedAt: null,
      message: null,
      host: hostname(),
      pid: process.pid,
      progress: null,
    }))
    .sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
}

/**
 * jobs:list: the recorded jobs, and the ones of this process still queued for the ledger, newest first, with
 * their starters' logins and, for jobs running here, their last progress.
 */
export async function listJobs(
  ctx: ServiceContext,
  active: ActiveJobs,
  input: { status?: JobRunDto['status'] | undefined; all?: boolean | undefined; limit: number },
): Promise<JobRunDto[]> {
  const startedBy = input.all ? undefined : ctx.operator.id;
  const recorded: Listed[] =
    input.status === 'queued'
      ? []
      : (
          await listJobRuns(ctx.storage, { startedBy, status: input.status, limit: input.limit }, ctx.clock())
        ).map((r) => ({
          ...r,
          progress: (r.status === 'running' ? active.get(r.id)?.progress : undefined) ?? null,
        }));
  const queued =
    input.status === undefined || input.status === 'queued'
      ? queuedHere(active, startedBy, new Set(recorded.map((r) => r.id)))
      : [];
  const rows = [...queued, ...recorded].slice(0, input.limit);
  const ids = [...new Set(rows.map((r) => r.startedBy))];
  const logins = new Map<number, string>();
  if (ids.length > 0) {
    const found = await ctx.storage.transaction(
      (tx) => tx.all<{ id: number; login: string }>(operatorLoginsQuery(tx, ids)),
      { readOnly: true },
    );
    for (const o of found) logins.set(o.id, o.login);
  }
  return rows.map(({ id, startedBy: by, ...r }) => ({
    ...r,
    jobId: id,
    label: jobLabel(r.kind),
    startedBy: { id: by, login: logins.get(by) ?? null },
  }));
}

/**
 * Ends a job's record from the caller's side when the job could not (its worker was terminated or died); a
 * record the job ended itself is left as it is. Never fails the caller: the job's own error is what it hears.
 */
export async function endJobRecord(
  storage: Storage,
  jobId: string,
  status: 'failed' | 'cancelled',
  message: string,
  at: Date,
): Promise<void> {
  try {
    // Usually the job ended its record itself: look first, so the caller's thread waits for no writer.
    const now = await storage.transaction((tx) => jobRuns.get(tx, jobId), { readOnly: true });
    if (now?.status !== 'running') return;
    await storage.transaction((tx) => jobRuns.finish(tx, jobId, status, message, at.toISOString()));
  } catch {
    // The job's own error is what the caller hears; a record left running shows as interrupted once this
    // process has ended.
  }
}
