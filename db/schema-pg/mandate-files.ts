import { bigint, pgTable, text } from 'drizzle-orm/pg-core';
import { operators } from './reference';

/**
 * Bank mandate files (ADDACS-like revision reports) applied to mandates: the sha256 is the guard that
 * refuses the same file twice; its mandate_events carry `mandate-file:<id>` as their source.
 */
export const mandateFiles = pgTable('mandate_files', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  sha256: text('sha256').notNull().unique(),
  fileName: text('file_name'),
  rows: bigint('rows', { mode: 'number' }).notNull(),
  appliedAt: text('applied_at').notNull(),
  operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
});

/**
 * BACS AUDDIS extracts: each lists the new, amended and cancelled instructions not yet extracted; the
 * mandate_events it listed carry its id in auddis_extract_id.
 */
export const auddisExtracts = pgTable('auddis_extracts', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  createdAt: text('created_at').notNull(),
  count: bigint('count', { mode: 'number' }).notNull(),
  sha256: text('sha256').notNull(),
  path: text('path'),
  operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
});
