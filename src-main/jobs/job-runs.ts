import { jobRuns } from '../../db/repos/job-runs';
import type { Storage } from '../../db/storage/port';
import type { JobRunDto } from '../../src-shared/dto/app';
import type { ActiveJobs } from './active-jobs';
import { listJobRuns } from './journal';
import { jobLabel } from './runner';
import type { ServiceContext } from '../services/context';

/** jobs:list: the recorded jobs with their starters' logins and, for jobs running here, their last progress. */
export async function listJobs(
  ctx: ServiceContext,
  active: ActiveJobs,
  input: { status?: JobRunDto['status'] | undefined; all?: boolean | undefined; limit: number },
): Promise<JobRunDto[]> {
  const rows = await listJobRuns(
    ctx.storage,
    { startedBy: input.all ? undefined : ctx.operator.id, status: input.status, limit: input.limit },
    ctx.clock(),
  );
  // Operators have not moved behind the storage seam yet: their logins are read from the ledger file.
  const ids = [...new Set(rows.map((r) => r.startedBy))];
  const logins = new Map<number, string>();
  if (ids.length > 0) {
    const read = ctx.ledger.sqlite.prepare(
      `SELECT id, login FROM operators WHERE id IN (${ids.map(() => '?').join(',')})`,
    );
    for (const o of read.all(...ids) as { id: number; login: string }[]) logins.set(o.id, o.login);
  }
  return rows.map((r) => {
    const live = r.status === 'running' ? active.get(r.id)?.progress : undefined;
    return {
      jobId: r.id,
      kind: r.kind,
      label: jobLabel(r.kind),
      subject: r.subject,
      status: r.status,
      startedBy: { id: r.startedBy, login: logins.get(r.startedBy) ?? null },
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      message: r.message,
      host: r.host,
      pid: r.pid,
      progress: live ?? null,
    };
  });
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
