import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * The durable record of every job (import, validate, submit, collection and direct-debit runs, demo load): written
 * by the job's own connection when it starts and when it ends, so a job the process did not live to finish stays
 * visible as interrupted (the process that ran it is named by host and pid).
 */
export const jobRuns = sqliteTable(
  'job_runs',
  {
    /** The order jobs were recorded in (two may start within one millisecond). */
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    kind: text('kind').notNull(),
    subject: text('subject'),
    // No foreign key: a record must never be the reason a job cannot start.
    startedBy: integer('started_by').notNull(),
    /** running | finished | failed | cancelled | interrupted */
    status: text('status').notNull(),
    message: text('message'),
    host: text('host').notNull(),
    pid: integer('pid').notNull(),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
  },
  (t) => [index('job_runs_started_idx').on(t.startedAt), index('job_runs_status_idx').on(t.status)],
);

/**
 * The team server's durable job queue: a job waits here (queued) until a runner claims it (running, with the
 * claimer and its heartbeat), then holds its outcome until the caller has read it. A claim by a runner that
 * stopped heartbeating is marked interrupted, never run again (a submit may have half-posted).
 */
export const jobQueue = sqliteTable(
  'job_queue',
  {
    /** The order jobs were queued in (the oldest is claimed first; two may be queued within one millisecond). */
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    /** The job's id, also its job_runs record's. */
    id: text('id').notNull().unique(),
    kind: text('kind').notNull(),
    /** The job's input as JSON. */
    input: text('input').notNull(),
    operatorId: integer('operator_id').notNull(),
    /** The job's clock: the moment the caller asked for it, which the job runs at. */
    queuedAt: text('queued_at').notNull(),
    /** queued | running | done | failed | cancelled | interrupted */
    state: text('state').notNull(),
    claimedBy: text('claimed_by'),
    claimedAt: text('claimed_at'),
    heartbeat: text('heartbeat'),
    /** 0/1: the caller cancelled it while another runner ran it (that runner stops it at its next heartbeat). */
    cancelRequested: integer('cancel_requested').notNull().default(0),
    /** The last progress event as JSON, for a caller waiting on another runner. */
    progress: text('progress'),
    result: text('result'),
    error: text('error'),
    attempts: integer('attempts').notNull().default(0),
    finishedAt: text('finished_at'),
  },
  (t) => [index('job_queue_state_idx').on(t.state, t.seq)],
);
