import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';
import { operators } from './reference';

/**
 * The chart of G/L IDs a journal line is reported under when its journal carries none (the SQLite table of the
 * same name): one G/L ID per ledger side (journal_lines.gl_account).
 */
export const glChart = pgTable('gl_chart', {
  glAccount: text('gl_account').primaryKey(),
  glId: bigint('gl_id', { mode: 'number' }).notNull(),
  label: text('label').notNull(),
});

/**
 * One export run (integration out): what it covered, what it wrote and the digest of its records, so a re-run of
 * the same range is provably the same file.
 */
export const exportRuns = pgTable(
  'export_runs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** 'posted' (billing system) or 'gl' (general ledger). */
    kind: text('kind', { enum: ['posted', 'gl'] }).notNull(),
    /** 'watermark' (since the last export, advances it) or 'range' (a past range on purpose, leaves it alone). */
    mode: text('mode', { enum: ['watermark', 'range'] }).notNull(),
    /** Exclusive lower and inclusive upper journal id covered (watermark mode). */
    fromJournalId: bigint('from_journal_id', { mode: 'number' }).notNull(),
    toJournalId: bigint('to_journal_id', { mode: 'number' }).notNull(),
    /** Exclusive lower and inclusive upper allocation id covered (watermark mode). */
    fromAllocationId: bigint('from_allocation_id', { mode: 'number' }).notNull(),
    toAllocationId: bigint('to_allocation_id', { mode: 'number' }).notNull(),
    /** Range mode: the posting dates covered (inclusive, YYYY-MM-DD). */
    fromDate: text('from_date'),
    toDate: text('to_date'),
    records: bigint('records', { mode: 'number' }).notNull(),
    /** JSON [{format, name, sha256, bytes}]. */
    filesJson: text('files_json').notNull(),
    at: text('at').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
  },
  (t) => [index('export_runs_kind_idx').on(t.kind, t.id)],
);
