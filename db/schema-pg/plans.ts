import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * What validation decided for a payment batch, per account it resolved entries to (the SQLite table of the same
 * name). Row account_id 0 holds the batch-wide facts the plan depends on. Submit re-plans only the accounts whose
 * stamp moved (services/batches/planned.ts).
 */
export const batchPlans = pgTable(
  'batch_plans',
  {
    batchId: bigint('batch_id', { mode: 'number' }).notNull(),
    accountId: bigint('account_id', { mode: 'number' }).notNull(),
    rev: bigint('rev', { mode: 'number' }).notNull(),
    plan: text('plan').notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.accountId] })],
);

/**
 * A revision per account, bumped by triggers whenever anything validation reads of it changes, so no writer can
 * forget it. Keyed by the account's id (row 0: account or bill numbers changed), so never assigned here.
 */
export const accountStamps = pgTable('account_stamps', {
  accountId: bigint('account_id', { mode: 'number' }).primaryKey(),
  rev: bigint('rev', { mode: 'number' }).notNull(),
});
