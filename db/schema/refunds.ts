import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { accounts, billItems, bills } from './accounts';
import { journals } from './journal';
import { batches } from './payments';
import { currencies, operators } from './reference';

/**
 * Refunds paid out from refund batches (DOMAIN.md §4.15). A refund is not a payment: it can never be reversed
 * (V10) and never appears where payments are listed. It closes open refund items first, then uses the account's
 * unallocated payment credit by allocating it to a refund item on a bill of its own (`refund_bill_id`), so every
 * existing ledger invariant keeps holding.
 */
export const refunds = sqliteTable(
  'refunds',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The batch entry's stable key: a resubmit finds it and posts nothing twice. */
    sourceKey: text('source_key').notNull().unique(),
    batchId: integer('batch_id').references(() => batches.id),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    payType: integer('pay_type').notNull(),
    channelId: integer('channel_id').notNull().default(0),
    /** Refund reason (reason domain 18). */
    reasonCode: integer('reason_code').notNull(),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    accountAmountMinor: integer('account_amount_minor').notNull(),
    ratePpm: integer('rate_ppm').notNull().default(1000000),
    effectiveDate: text('effective_date').notNull(),
    externalRef: text('external_ref'),
    payeeName: text('payee_name'),
    /** Part of the refund that closed open refund items (account currency). */
    itemsClosedMinor: integer('items_closed_minor').notNull(),
    /** Part of the refund paid from unallocated payment credit (account currency). */
    creditUsedMinor: integer('credit_used_minor').notNull(),
    refundBillId: integer('refund_bill_id').references(() => bills.id),
    journalId: integer('journal_id')
      .notNull()
      .references(() => journals.id),
    createdAt: text('created_at').notNull(),
    operatorId: integer('operator_id').references(() => operators.id),
  },
  (t) => [index('refunds_account_idx').on(t.accountId), index('refunds_batch_idx').on(t.batchId)],
);

/** The open refund items a refund closed, with the amount taken from each (positive, account currency). */
export const refundItemLines = sqliteTable(
  'refund_item_lines',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    refundId: integer('refund_id')
      .notNull()
      .references(() => refunds.id),
    itemId: integer('item_id')
      .notNull()
      .references(() => billItems.id),
    amountMinor: integer('amount_minor').notNull(),
  },
  (t) => [
    index('refund_item_lines_refund_idx').on(t.refundId),
    index('refund_item_lines_item_idx').on(t.itemId),
  ],
);
