import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { operators } from './reference';

/**
 * The chart of G/L IDs a journal line is reported under when its journal carries none: one G/L ID per ledger side
 * (journal_lines.gl_account). Journals of suspense moves carry their own G/L ID (112 unallocatable, 113 recycled),
 * which wins for every line of that journal, so both sides of a recycle land in 113 and balance there.
 */
export const glChart = sqliteTable('gl_chart', {
  glAccount: text('gl_account').primaryKey(),
  glId: integer('gl_id').notNull(),
  label: text('label').notNull(),
});

/**
 * One export run (integration out): what it covered (a journal/allocation id range, or a date range on purpose),
 * what it wrote and the digest of its records, so a re-run of the same range is provably the same file.
 */
export const exportRuns = sqliteTable(
  'export_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** 'posted' (billing system) or 'gl' (general ledger). */
    kind: text('kind', { enum: ['posted', 'gl'] }).notNull(),
    /** 'watermark' (since the last export, advances it) or 'range' (a past range on purpose, leaves it alone). */
    mode: text('mode', { enum: ['watermark', 'range'] }).notNull(),
    /** Exclusive lower and inclusive upper journal id covered (watermark mode). */
    fromJournalId: integer('from_journal_id').notNull(),
    toJournalId: integer('to_journal_id').notNull(),
    /** Exclusive lower and inclusive upper allocation id covered (watermark mode). */
    fromAllocationId: integer('from_allocation_id').notNull(),
    toAllocationId: integer('to_allocation_id').notNull(),
    /** Range mode: the posting dates covered (inclusive, YYYY-MM-DD). */
    fromDate: text('from_date'),
    toDate: text('to_date'),
    records: integer('records').notNull(),
    /** JSON [{format, name, sha256, bytes}]. */
    filesJson: text('files_json').notNull(),
    at: text('at').notNull(),
    operatorId: integer('operator_id').references(() => operators.id),
  },
  (t) => [index('export_runs_kind_idx').on(t.kind, t.id)],
);
