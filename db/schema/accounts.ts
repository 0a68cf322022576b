import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { currencies } from './reference';

/** Customer accounts. The payment suspense account is a row with is_suspense = 1. */
export const accounts = sqliteTable(
  'accounts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
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
    defaultPayType: integer('default_pay_type').notNull(),
    isSuspense: integer('is_suspense').notNull().default(0),
    /** Cached receivable balance in minor units (open items minus unallocated credit), kept in step with the journal. */
    balanceMinor: integer('balance_minor').notNull().default(0),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('accounts_account_key_idx').on(t.accountKey), index('accounts_name_key_idx').on(t.nameKey)],
);

/** Bill units (billinfo): one payment method each; nonpaying units are paid by their parent. */
export const billUnits = sqliteTable(
  'bill_units',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    billUnitNo: text('bill_unit_no').notNull().unique(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    name: text('name').notNull(),
    accountingType: text('accounting_type', { enum: ['open_item', 'balance_forward'] }).notNull(),
    payType: integer('pay_type').notNull(),
    paymentTerm: text('payment_term').notNull(),
    paying: integer('paying').notNull().default(1),
    parentBillUnitId: integer('parent_bill_unit_id'),
    isDefault: integer('is_default').notNull().default(0),
    billCycleDay: integer('bill_cycle_day').notNull().default(1),
    nextBillDate: text('next_bill_date'),
  },
  (t) => [index('bill_units_account_idx').on(t.accountId)],
);

/** Bills. amount_due_minor is the open amount; status closes when every item closes. */
export const bills = sqliteTable(
  'bills',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    billNo: text('bill_no').notNull().unique(),
    billUnitId: integer('bill_unit_id')
      .notNull()
      .references(() => billUnits.id),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    billDate: text('bill_date').notNull(),
    dueDate: text('due_date').notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    totalMinor: integer('total_minor').notNull(),
    amountDueMinor: integer('amount_due_minor').notNull(),
    status: text('status', { enum: ['open', 'closed'] }).notNull(),
  },
  (t) => [
    index('bills_account_status_due_idx').on(t.accountId, t.status, t.dueDate),
    index('bills_bill_unit_idx').on(t.billUnitId),
  ],
);

/** Bill items (open items): charges, refund items, adjustments; open_minor falls as allocations land. */
export const billItems = sqliteTable(
  'bill_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    itemNo: text('item_no').notNull().unique(),
    billId: integer('bill_id')
      .notNull()
      .references(() => bills.id),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    type: text('type').notNull(),
    amountMinor: integer('amount_minor').notNull(),
    openMinor: integer('open_minor').notNull(),
    glId: integer('gl_id').notNull(),
    status: text('status', { enum: ['open', 'closed'] }).notNull(),
  },
  (t) => [
    index('bill_items_bill_idx').on(t.billId),
    index('bill_items_account_status_idx').on(t.accountId, t.status),
  ],
);
