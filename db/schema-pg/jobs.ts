import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';

/** The durable record of every job (the SQLite table of the same name). */
export const jobRuns = pgTable(
  'job_runs',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: text('id').notNull().unique(),
    kind: text('kind').notNull(),
    subject: text('subject'),
    startedBy: bigint('started_by', { mode: 'number' }).notNull(),
    status: text('status').notNull(),
    message: text('message'),
    host: text('host').notNull(),
    pid: bigint('pid', { mode: 'number' }).notNull(),
    startedAt: text('started_at').notNull(),
    finishedAt: text('finished_at'),
  },
  (t) => [index('job_runs_started_idx').on(t.startedAt), index('job_runs_status_idx').on(t.status)],
);

/** The team server's durable job queue (the SQLite table of the same name). */
export const jobQueue = pgTable(
  'job_queue',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    id: text('id').notNull().unique(),
    kind: text('kind').notNull(),
    input: text('input').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).notNull(),
    queuedAt: text('queued_at').notNull(),
    state: text('state').notNull(),
    claimedBy: text('claimed_by'),
    claimedAt: text('claimed_at'),
    heartbeat: text('heartbeat'),
    cancelRequested: bigint('cancel_requested', { mode: 'number' }).notNull().default(0),
    progress: text('progress'),
    result: text('result'),
    error: text('error'),
    attempts: bigint('attempts', { mode: 'number' }).notNull().default(0),
    finishedAt: text('finished_at'),
  },
  (t) => [index('job_queue_state_idx').on(t.state, t.seq)],
);
