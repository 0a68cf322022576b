import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';
import { operators } from './reference';

/**
 * Prepared outgoing-money operations (issue #11; the SQLite table of the same name), previewed with their exact
 * selection and waiting for an explicit confirmation. The hash covers the command input and every selected item,
 * so a confirm runs only what was shown.
 */
export const confirmations = pgTable(
  'confirmations',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** The command it confirms, e.g. collect:run or batches:submit. */
    operation: text('operation').notNull(),
    /** The command input the preview was computed for (canonical JSON, without the confirmation id). */
    inputJson: text('input_json').notNull(),
    /** sha256 (hex) of the operation, its input and the exact selection. */
    hash: text('hash').notNull(),
    /** What the operator saw: counts and totals per currency, per processor or status, skipped counts. */
    summaryJson: text('summary_json').notNull(),
    /** 0 when the operation would not have needed a confirmation (a batch under the limit). */
    required: bigint('required', { mode: 'number' }).notNull().default(1),
    status: text('status', { enum: ['pending', 'confirmed', 'refused', 'expired'] })
      .notNull()
      .default('pending'),
    createdBy: bigint('created_by', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    decidedBy: bigint('decided_by', { mode: 'number' }).references(() => operators.id),
    decidedAt: text('decided_at'),
    /** Why it was refused, or what it ran (run id, batch id). */
    outcome: text('outcome'),
  },
  (t) => [index('confirmations_status_idx').on(t.status, t.expiresAt)],
);
