import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { batches } from './payments';

/**
 * This ledger's own identity (one row, set by the migration): a hand-over file names the ledger it came from, so a
 * server recognises a batch it already recreated from the same origin (README "Push a batch to the server").
 */
export const ledgerIdentity = sqliteTable('ledger_identity', {
  id: integer('id').primaryKey(),
  ledgerId: text('ledger_id').notNull(),
});

/**
 * On the receiving ledger: which batch a pushed batch (origin ledger + origin batch id) was recreated as. One row
 * per origin, so a retried push answers that batch instead of making a second one.
 */
export const batchOrigins = sqliteTable(
  'batch_origins',
  {
    originLedger: text('origin_ledger').notNull(),
    originBatchId: integer('origin_batch_id').notNull(),
    originBatchNo: text('origin_batch_no').notNull(),
    batchId: integer('batch_id')
      .notNull()
      .references(() => batches.id),
    /** The content identity of the file it was recreated from (hand-over identity, origin left out). */
    contentSha256: text('content_sha256').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.originLedger, t.originBatchId] })],
);

/** On the sending ledger: a batch submitted on a team server by `batch push`; it is closed here. */
export const batchPushes = sqliteTable('batch_pushes', {
  batchId: integer('batch_id')
    .primaryKey()
    .references(() => batches.id),
  serverUrl: text('server_url').notNull(),
  serverBatchId: integer('server_batch_id').notNull(),
  serverBatchNo: text('server_batch_no').notNull(),
  pushedAt: text('pushed_at').notNull(),
  operatorId: integer('operator_id'),
});
