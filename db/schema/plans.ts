import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * What validation decided for a payment batch, per account it resolved entries to: the entries, their planned
 * allocation lines and the account's stamp (account_stamps.rev) when it was planned. Row account_id 0 holds the
 * batch-wide facts the plan depends on (validated_at, settings, key and duplicate stamps). Submit posts from this
 * plan and re-plans only the accounts whose stamp moved (services/batches/planned.ts).
 */
export const batchPlans = sqliteTable(
  'batch_plans',
  {
    batchId: integer('batch_id').notNull(),
    accountId: integer('account_id').notNull(),
    rev: integer('rev').notNull(),
    plan: text('plan').notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.accountId] })],
);

/**
 * A revision per account, bumped by triggers whenever anything validation reads of it changes (status, currency,
 * bill units, bills, open items), so no writer can forget it. Row 0 is bumped when account or bill numbers
 * change (a new account or bill can resolve an entry that did not resolve before).
 */
export const accountStamps = sqliteTable('account_stamps', {
  accountId: integer('account_id').primaryKey(),
  rev: integer('rev').notNull(),
});
