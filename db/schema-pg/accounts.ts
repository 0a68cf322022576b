import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';
import { currencies } from './reference';

/** Customer accounts (the SQLite table of the same name). The payment suspense account has is_suspense = 1. */
export const accounts = pgTable(
  'accounts',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountNo: text('account_no').notNull().unique(),
    /** Upper-cased account number, for case-insensitive prefix search by range on a plain index. */
    accountKey: text('account_key').notNull(),
    name: text('name').notNull(),
    /** Lower-cased name, for case-insensitive prefix search by range on a plain index. */
    nameKey: text('name_key').notNull(),
    status: text('status', { enum: ['active', 'inactive', 'closed'] }).notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    defaultPayType: bigint('default_pay_type', { mode: 'number' }).notNull(),
    isSuspense: bigint('is_suspense', { mode: 'number' }).notNull().default(0),
    /** Cached receivable balance in minor units (open items minus unallocated credit), kept in step with the journal. */
    balanceMinor: bigint('balance_minor', { mode: 'number' }).notNull().default(0),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('accounts_account_key_idx').on(t.accountKey), index('accounts_name_key_idx').on(t.nameKey)],
);

/** Bill units (billinfo): one payment method each; nonpaying units are paid by their parent. */
export const billUnits = pgTable(
  'bill_units',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    billUnitNo: text('bill_unit_no').notNull().unique(),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    name: text('name').notNull(),
    accountingType: text('accounting_type', { enum: ['open_item', 'balance_forward'] }).notNull(),
    payType: bigint('pay_type', { mode: 'number' }).notNull(),
    paymentTerm: text('payment_term').notNull(),
    paying: bigint('paying', { mode: 'number' }).notNull().default(1),
    parentBillUnitId: bigint('parent_bill_unit_id', { mode: 'number' }),
    isDefault: bigint('is_default', { mode: 'number' }).notNull().default(0),
    billCycleDay: bigint('bill_cycle_day', { mode: 'number' }).notNull().default(1),
    nextBillDate: text('next_bill_date'),
  },
  (t) => [index('bill_units_account_idx').on(t.accountId)],
);

/** Bills. amount_due_minor is the open amount; status closes when every item closes. */
export const bills = pgTable(
  'bills',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    billNo: text('bill_no').notNull().unique(),
    billUnitId: bigint('bill_unit_id', { mode: 'number' })
      .notNull()
      .references(() => billUnits.id),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    billDate: text('bill_date').notNull(),
    dueDate: text('due_date').notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    totalMinor: bigint('total_minor', { mode: 'number' }).notNull(),
    amountDueMinor: bigint('amount_due_minor', { mode: 'number' }).notNull(),
    status: text('status', { enum: ['open', 'closed'] }).notNull(),
  },
  (t) => [
    index('bills_account_status_due_idx').on(t.accountId, t.status, t.dueDate),
    index('bills_bill_unit_idx').on(t.billUnitId),
  ],
);

/** Bill items (open items): charges, refund items, adjustments; open_minor falls as allocations land. */
export const billItems = pgTable(
  'bill_items',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    itemNo: text('item_no').notNull().unique(),
    billId: bigint('bill_id', { mode: 'number' })
      .notNull()
      .references(() => bills.id),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    type: text('type').notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    openMinor: bigint('open_minor', { mode: 'number' }).notNull(),
    glId: bigint('gl_id', { mode: 'number' }).notNull(),
    status: text('status', { enum: ['open', 'closed'] }).notNull(),
  },
  (t) => [
    index('bill_items_bill_idx').on(t.billId),
    index('bill_items_account_status_idx').on(t.accountId, t.status),
  ],
);
