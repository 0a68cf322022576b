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
