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
