import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { batches } from './payments';

/**
 * This ledger's own identity (one row, set by the migration): a hand-over file names the ledger it came from, so a
 * server recognises a batch it already recreated from the same origin (README "Push a batch to the server").
 * The migration inserts id 1 itself, so the key is not generated.
 */
export const ledgerIdentity = pgTable('ledger_identity', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  ledgerId: text('ledger_id').notNull(),
});

/**
 * On the receiving ledger: which batch a pushed batch (origin ledger + origin batch id) was recreated as. One row
 * per origin, so a retried push answers that batch instead of making a second one.
 */
export const batchOrigins = pgTable(
  'batch_origins',
  {
    originLedger: text('origin_ledger').notNull(),
    originBatchId: bigint('origin_batch_id', { mode: 'number' }).notNull(),
    originBatchNo: text('origin_batch_no').notNull(),
    batchId: bigint('batch_id', { mode: 'number' })
      .notNull()
      .references(() => batches.id),
    /** The content identity of the file it was recreated from (hand-over identity, origin left out). */
    contentSha256: text('content_sha256').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.originLedger, t.originBatchId] })],
);

/** On the sending ledger: a batch submitted on a team server by `batch push`; it is closed here. */
export const batchPushes = pgTable('batch_pushes', {
  batchId: bigint('batch_id', { mode: 'number' })
    .primaryKey()
    .references(() => batches.id),
  serverUrl: text('server_url').notNull(),
  serverBatchId: bigint('server_batch_id', { mode: 'number' }).notNull(),
  serverBatchNo: text('server_batch_no').notNull(),
  pushedAt: text('pushed_at').notNull(),
  operatorId: bigint('operator_id', { mode: 'number' }),
});
