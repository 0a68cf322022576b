import { sql } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { binary } from './dialect';

/** Where a queued job is: waiting, claimed, or how it ended (interrupted: its claimer stopped heartbeating). */
export type QueueState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

/** A job as the queue holds it (input, progress, result and error are JSON text). */
export type QueuedJobRow = {
  id: string;
  kind: string;
  input: string;
  operatorId: number;
  queuedAt: string;
  state: QueueState;
  claimedBy: string | null;
  claimedAt: string | null;
  heartbeat: string | null;
  cancelRequested: number;
  progress: string | null;
  result: string | null;
  error: string | null;
  attempts: number;
  finishedAt: string | null;
};

const COLUMNS = sql`id, kind, input, operator_id AS "operatorId", queued_at AS "queuedAt", state,
  claimed_by AS "claimedBy", claimed_at AS "claimedAt", heartbeat, cancel_requested AS "cancelRequested", progress,
  result, error, attempts, finished_at AS "finishedAt"`;

/** The repository of the durable job queue. */
export const jobQueue = {
  /** Queues a job. */
  async enqueue(
    tx: Tx,
    j: { id: string; kind: string; input: string; operatorId: number; queuedAt: string },
  ): Promise<void> {
    await tx.run(
      sql`INSERT INTO job_queue (id, kind, input, operator_id, queued_at, state)
          VALUES (${j.id}, ${j.kind}, ${j.input}, ${j.operatorId}, ${j.queuedAt}, 'queued')`,
    );
  },

  /** Whether any job waits (an idle runner looks before it claims, so it takes no write turn for nothing). */
  async anyQueued(tx: Tx): Promise<boolean> {
    return (await tx.get(sql`SELECT 1 AS one FROM job_queue WHERE state = 'queued' LIMIT 1`)) !== undefined;
  },

  /**
   * Claims the oldest queued job for `claimer`, or answers undefined when none is free. On PostgreSQL the pick
   * locks its row and skips rows other claimers hold (SKIP LOCKED), so concurrent runners pick different jobs; on
   * SQLite the port's writing transaction is already the only one. The claim itself is conditional (still queued),
   * so a job is never claimed twice whatever the pick saw.
   */
  async claim(tx: Tx, claimer: string, at: string): Promise<QueuedJobRow | undefined> {
    const lock = tx.dialect === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
    const pick = await tx.get<{ id: string }>(
      sql`SELECT id FROM job_queue WHERE state = 'queued' ORDER BY seq LIMIT 1${lock}`,
    );
    if (!pick) return undefined;
    return tx.get<QueuedJobRow>(
      sql`UPDATE job_queue SET state = 'running', claimed_by = ${claimer}, claimed_at = ${at}, heartbeat = ${at},
            attempts = attempts + 1
          WHERE id = ${pick.id} AND state = 'queued'
          RETURNING ${COLUMNS}`,
    );
  },

  /**
   * Stamps the heartbeat (and last progress) of the jobs a claimer runs; answers those whose caller asked to
   * cancel them.
   */
  async beat(tx: Tx, claimer: string, at: string, progress: ReadonlyMap<string, string>): Promise<string[]> {
    await tx.run(
      sql`UPDATE job_queue SET heartbeat = ${at} WHERE claimed_by = ${claimer} AND state = 'running'`,
    );
    for (const [id, p] of progress)
      await tx.run(
        sql`UPDATE job_queue SET progress = ${p} WHERE id = ${id} AND claimed_by = ${claimer} AND state = 'running'`,
      );
    const rows = await tx.all<{ id: string }>(
      sql`SELECT id FROM job_queue
          WHERE claimed_by = ${claimer} AND state = 'running' AND cancel_requested = 1 ORDER BY seq`,
    );
    return rows.map((r) => r.id);
  },

  /**
   * Records how a claimed job ended. A claim no longer this claimer's running one (marked interrupted by a runner
   * that found its heartbeat stale) is left as it is; returns whether this call ended it.
   */
  async finish(
    tx: Tx,
    id: string,
    claimer: string,
    state: 'done' | 'failed' | 'cancelled',
    outcome: { result: string | null; error: string | null },
    at: string,
  ): Promise<boolean> {
    const { changes } = await tx.run(
      sql`UPDATE job_queue SET state = ${state}, result = ${outcome.result}, error = ${outcome.error},
            finished_at = ${at}
          WHERE id = ${id} AND claimed_by = ${claimer} AND state = 'running'`,
    );
    return changes === 1;
  },

  /** Takes a job off the queue if no runner has claimed it yet; returns whether it did. */
  async withdraw(tx: Tx, id: string): Promise<boolean> {
    const { changes } = await tx.run(sql`DELETE FROM job_queue WHERE id = ${id} AND state = 'queued'`);
    return changes === 1;
  },

  /** Asks the runner of a claimed job to cancel it; returns whether the job is running. */
  async requestCancel(tx: Tx, id: string): Promise<boolean> {
    const { changes } = await tx.run(
      sql`UPDATE job_queue SET cancel_requested = 1 WHERE id = ${id} AND state = 'running'`,
    );
    return changes === 1;
  },

  /** Removes a job whose outcome its caller has read (its record stays in job_runs). */
  async remove(tx: Tx, id: string): Promise<void> {
    await tx.run(sql`DELETE FROM job_queue WHERE id = ${id} AND state <> 'queued' AND state <> 'running'`);
  },

  /** One queued job. */
  async get(tx: Tx, id: string): Promise<QueuedJobRow | undefined> {
    return tx.get<QueuedJobRow>(sql`SELECT ${COLUMNS} FROM job_queue WHERE id = ${id}`);
  },

  /** The running jobs whose claimer's heartbeat is older than `before`, other than `claimer`'s own. */
  async stale(tx: Tx, before: string, claimer: string): Promise<{ id: string; claimedBy: string }[]> {
    return tx.all<{ id: string; claimedBy: string }>(
      sql`SELECT id, claimed_by AS "claimedBy" FROM job_queue
          WHERE state = 'running' AND ${binary(tx, sql`heartbeat`)} < ${before} AND claimed_by <> ${claimer}
          ORDER BY seq`,
    );
  },

  /**
   * Marks a stale claim interrupted (only if it is still running with a heartbeat older than `before`: its claimer
   * may have come back); returns whether it did.
   */
  async interrupt(tx: Tx, id: string, before: string, message: string, at: string): Promise<boolean> {
    const { changes } = await tx.run(
      sql`UPDATE job_queue SET state = 'interrupted', error = ${message}, finished_at = ${at}
          WHERE id = ${id} AND state = 'running' AND ${binary(tx, sql`heartbeat`)} < ${before}`,
    );
    return changes === 1;
  },
};
