import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';
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
export const refunds = pgTable(
  'refunds',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** The batch entry's stable key: a resubmit finds it and posts nothing twice. */
    sourceKey: text('source_key').notNull().unique(),
    batchId: bigint('batch_id', { mode: 'number' }).references(() => batches.id),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    payType: bigint('pay_type', { mode: 'number' }).notNull(),
    channelId: bigint('channel_id', { mode: 'number' }).notNull().default(0),
    /** Refund reason (reason domain 18). */
    reasonCode: bigint('reason_code', { mode: 'number' }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    accountAmountMinor: bigint('account_amount_minor', { mode: 'number' }).notNull(),
    ratePpm: bigint('rate_ppm', { mode: 'number' }).notNull().default(1000000),
    effectiveDate: text('effective_date').notNull(),
    externalRef: text('external_ref'),
    payeeName: text('payee_name'),
    /** Part of the refund that closed open refund items (account currency). */
    itemsClosedMinor: bigint('items_closed_minor', { mode: 'number' }).notNull(),
    /** Part of the refund paid from unallocated payment credit (account currency). */
    creditUsedMinor: bigint('credit_used_minor', { mode: 'number' }).notNull(),
    refundBillId: bigint('refund_bill_id', { mode: 'number' }).references(() => bills.id),
    journalId: bigint('journal_id', { mode: 'number' })
      .notNull()
      .references(() => journals.id),
    createdAt: text('created_at').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
  },
  (t) => [index('refunds_account_idx').on(t.accountId), index('refunds_batch_idx').on(t.batchId)],
);

/** The open refund items a refund closed, with the amount taken from each (positive, account currency). */
export const refundItemLines = pgTable(
  'refund_item_lines',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    refundId: bigint('refund_id', { mode: 'number' })
      .notNull()
      .references(() => refunds.id),
    itemId: bigint('item_id', { mode: 'number' })
      .notNull()
      .references(() => billItems.id),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('refund_item_lines_refund_idx').on(t.refundId),
    index('refund_item_lines_item_idx').on(t.itemId),
  ],
);
