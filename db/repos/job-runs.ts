import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';

/** Where a job record is: running, or how it ended (interrupted: its process ended while it ran). */
export type JobRunStatus = 'running' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

/** A job as recorded in job_runs. */
export type JobRunRow = {
  id: string;
  kind: string;
  subject: string | null;
  startedBy: number;
  status: JobRunStatus;
  message: string | null;
  host: string;
  pid: number;
  startedAt: string;
  finishedAt: string | null;
};

const COLUMNS = sql`id, kind, subject, started_by AS "startedBy", status, message, host, pid,
  started_at AS "startedAt", finished_at AS "finishedAt"`;

/** The repository of job records. */
export const jobRuns = {
  /** Records a job that starts now (status running). */
  async start(tx: Tx, r: Omit<JobRunRow, 'status' | 'message' | 'finishedAt'>): Promise<void> {
    await tx.run(
      sql`INSERT INTO job_runs (id, kind, subject, started_by, status, host, pid, started_at)
          VALUES (${r.id}, ${r.kind}, ${r.subject}, ${r.startedBy}, 'running', ${r.host}, ${r.pid}, ${r.startedAt})`,
    );
  },

  /**
   * Records how a running job ended. A record no longer running (already ended, or marked interrupted by a
   * process that found its own dead) is left as it is; returns whether this call ended it.
   */
  async finish(
    tx: Tx,
    id: string,
    status: Exclude<JobRunStatus, 'running'>,
    message: string | null,
    finishedAt: string,
  ): Promise<boolean> {
    const { changes } = await tx.run(
      sql`UPDATE job_runs SET status = ${status}, message = ${message}, finished_at = ${finishedAt}
          WHERE id = ${id} AND status = 'running'`,
    );
    return changes === 1;
  },

  /**
   * Marks as interrupted the jobs recorded as running by processes of this host that no longer run (isAlive
   * says which pids do); returns their ids. Jobs of other hosts are left to their own host.
   */
  /** The jobs recorded as running by processes of this host (to see whether any of those processes is gone). */
  async runningOn(tx: Tx, host: string): Promise<{ id: string; pid: number }[]> {
    return tx.all<{ id: string; pid: number }>(
      sql`SELECT id, pid FROM job_runs WHERE status = 'running' AND host = ${host} ORDER BY seq`,
    );
  },

  async interruptDead(
    tx: Tx,
    host: string,
    isAlive: (pid: number) => boolean,
    at: string,
  ): Promise<string[]> {
    const dead = (await jobRuns.runningOn(tx, host)).filter((r) => !isAlive(r.pid));
    for (const r of dead)
      await tx.run(
        sql`UPDATE job_runs SET status = 'interrupted', finished_at = ${at},
            message = ${`the process running it (pid ${r.pid}) ended before the job did`}
            WHERE id = ${r.id} AND status = 'running'`,
      );
    return dead.map((r) => r.id);
  },

  /** The most recent jobs first, optionally of one operator and in one status. */
  async list(
    tx: Tx,
    filter: { startedBy?: number | undefined; status?: JobRunStatus | undefined; limit: number },
  ): Promise<JobRunRow[]> {
    const where: SQL[] = [];
    if (filter.startedBy !== undefined) where.push(sql`started_by = ${filter.startedBy}`);
    if (filter.status !== undefined) where.push(sql`status = ${filter.status}`);
    const clause = where.length === 0 ? sql`` : sql`WHERE ${sql.join(where, sql` AND `)}`;
    const rows = await tx.all<JobRunRow>(
      sql`SELECT ${COLUMNS} FROM job_runs ${clause} ORDER BY started_at DESC, seq DESC LIMIT ${filter.limit}`,
    );
    return rows;
  },

  /** One job's record. */
  async get(tx: Tx, id: string): Promise<JobRunRow | undefined> {
    return tx.get<JobRunRow>(sql`SELECT ${COLUMNS} FROM job_runs WHERE id = ${id}`);
  },
};
