import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { operators } from './reference';

/**
 * Bank mandate files (ADDACS-like revision reports) applied to mandates: the sha256 is the guard that
 * refuses the same file twice; its mandate_events carry `mandate-file:<id>` as their source.
 */
export const mandateFiles = sqliteTable('mandate_files', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  sha256: text('sha256').notNull().unique(),
  fileName: text('file_name'),
  rows: integer('rows').notNull(),
  appliedAt: text('applied_at').notNull(),
  operatorId: integer('operator_id').references(() => operators.id),
});

/**
 * BACS AUDDIS extracts: each lists the new, amended and cancelled instructions not yet extracted; the
 * mandate_events it listed carry its id in auddis_extract_id.
 */
export const auddisExtracts = sqliteTable('auddis_extracts', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  createdAt: text('created_at').notNull(),
  count: integer('count').notNull(),
  sha256: text('sha256').notNull(),
  path: text('path'),
  operatorId: integer('operator_id').references(() => operators.id),
});
