import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { accounts, billItems, bills } from './accounts';
import { currencies, operators } from './reference';
import { journals } from './journal';
import { ENTRY_STATUSES } from '../../src-shared/dto/batches';

/** Payment batches (Payment Tool): payment, refund or reversal batches of one pay type, currency and channel. */
export const batches = sqliteTable('batches', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  batchNo: text('batch_no').notNull().unique(),
  batchType: text('batch_type', { enum: ['payment', 'refund', 'reversal'] }).notNull(),
  payType: integer('pay_type').notNull(),
  currency: text('currency')
    .notNull()
    .references(() => currencies.code),
  channelId: integer('channel_id').notNull().default(0),
  /** Fixed at creation (V2): a batch is bill-level or item-level, never both. */
  allocationLevel: text('allocation_level', { enum: ['bill', 'item'] }).notNull(),
  status: text('status', { enum: ['open', 'validated', 'submitted', 'discarded'] }).notNull(),
  lockboxNo: text('lockbox_no'),
  batchDate: text('batch_date').notNull(),
  controlCount: integer('control_count'),
  controlTotalMinor: integer('control_total_minor'),
  note: text('note'),
  /** Header and footer lines of the source file (JSON arrays of strings), kept as received. */
  headerJson: text('header_json'),
  footerJson: text('footer_json'),
  /** The batch this exception batch was split from. */
  parentBatchId: integer('parent_batch_id'),
  sourceFile: text('source_file'),
  sourceSha256: text('source_sha256'),
  templateName: text('template_name'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
  validatedAt: text('validated_at'),
  submittedAt: text('submitted_at'),
  createdBy: integer('created_by').references(() => operators.id),
});

/**
 * Batch entries (grid rows). Raw text of every keyed or imported field is kept so an invalid entry can be
 * fixed in the grid; entry_key is the stable idempotency key its payment is posted under.
 */
export const batchEntries = sqliteTable(
  'batch_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    batchId: integer('batch_id')
      .notNull()
      .references(() => batches.id),
    seq: integer('seq').notNull(),
    entryKey: text('entry_key').notNull().unique(),
    sourceLine: integer('source_line'),
    accountNo: text('account_no'),
    billNo: text('bill_no'),
    amountText: text('amount_text'),
    amountMinor: integer('amount_minor'),
    paymentDate: text('payment_date'),
    checkNo: text('check_no'),
    payerName: text('payer_name'),
    reference: text('reference'),
    channelId: integer('channel_id'),
    /** Reversal batches: the payment to reverse. */
    paymentRef: integer('payment_ref'),
    customJson: text('custom_json'),
    status: text('status', { enum: ENTRY_STATUSES }).notNull(),
    reasonCode: integer('reason_code'),
    problem: text('problem'),
    problemColumn: text('problem_column'),
    /** Every problem of the entry as JSON [{column, reason, code?}]; problem/problem_column hold the first. */
    problemsJson: text('problems_json'),
    /**
     * The entry's own currency, as the bank file stated it (or the batch currency when the file said nothing or
     * the entry was keyed). Not a foreign key: an unknown code is kept as read and refused at validation.
     */
    currency: text('currency'),
    manualSuspend: integer('manual_suspend').notNull().default(0),
    allocationJson: text('allocation_json'),
    accountId: integer('account_id'),
    postedPaymentId: integer('posted_payment_id'),
    /** The payment's fingerprint (domain/fingerprint.ts): the same money in any batch, file or load has the same one. */
    fingerprint: text('fingerprint'),
    /** A suspected duplicate: the earlier entry with the same fingerprint, and its payment once posted. */
    duplicateOfEntryId: integer('duplicate_of_entry_id'),
    duplicateOfPaymentId: integer('duplicate_of_payment_id'),
    /** A supervisor's release of a suspected duplicate (reason domain 20) and note; cleared when the payment changes. */
    duplicateReleaseCode: integer('duplicate_release_code'),
    duplicateReleaseNote: text('duplicate_release_note'),
  },
  (t) => [
    index('batch_entries_batch_seq_idx').on(t.batchId, t.seq),
    // Status before seq: a status rewrite in entry order moves index entries sequentially (not by amount).
    index('batch_entries_batch_status_idx').on(t.batchId, t.status, t.seq, t.amountMinor),
    // Fingerprint with batch: "an entry of this batch with that fingerprint" is one seek (submit asks it once per
    // payment posted since validation); the fingerprint alone is its prefix.
    index('batch_entries_fingerprint_batch_idx').on(t.fingerprint, t.batchId),
  ],
);

/** Named import templates (column mapping, delimiter, date format, encoding...) per bank. */
export const importTemplates = sqliteTable('import_templates', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  bank: text('bank'),
  definition: text('definition').notNull(),
  /** Shipped with Paydesk and seeded on open: never overwritten in place, copied under a new name to change. */
  stock: integer('stock', { mode: 'boolean' }).notNull().default(false),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/**
 * Payments of every kind. Posted rows are never updated except for their status and kind-specific
 * workflow markers; money moves only through journals, allocations and reversals.
 */
export const payments = sqliteTable(
  'payments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['original', 'suspended', 'distributed', 'recycled', 'failed'] }).notNull(),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    payType: integer('pay_type').notNull(),
    channelId: integer('channel_id').notNull().default(0),
    /** PIN_FLD_STATUS: 0-14 successful, 15-29 suspended, 30-44 failed. */
    status: integer('status').notNull(),
    reasonCode: integer('reason_code').notNull().default(0),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    /** The amount in the account's currency (equal to amount_minor unless converted with rate_ppm). */
    accountAmountMinor: integer('account_amount_minor').notNull(),
    ratePpm: integer('rate_ppm').notNull().default(1000000),
    effectiveDate: text('effective_date').notNull(),
    externalRef: text('external_ref'),
    /** The bill number the payer quoted, if any (first key for bill matching). */
    billNo: text('bill_no'),
    /** Suspended payments: the account number that was tried, and who must act (action owner code). */
    accountHint: text('account_hint'),
    actionOwner: integer('action_owner'),
    payerName: text('payer_name'),
    batchId: integer('batch_id').references(() => batches.id),
    /** Stable idempotency key of whatever originated the payment (batch entry, processor transaction). */
    sourceKey: text('source_key').unique(),
    parentPaymentId: integer('parent_payment_id'),
    journalId: integer('journal_id')
      .notNull()
      .references(() => journals.id),
    createdAt: text('created_at').notNull(),
    operatorId: integer('operator_id').references(() => operators.id),
  },
  (t) => [
    index('payments_account_date_idx').on(t.accountId, t.effectiveDate),
    index('payments_batch_idx').on(t.batchId),
  ],
);

/** Allocation of a payment (in the account's currency) to a bill or a bill item. Undo is a negative row. */
export const allocations = sqliteTable(
  'allocations',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    paymentId: integer('payment_id')
      .notNull()
      .references(() => payments.id),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    billId: integer('bill_id').references(() => bills.id),
    itemId: integer('item_id').references(() => billItems.id),
    amountMinor: integer('amount_minor').notNull(),
    /** Exchange rate used, parts per million of account currency per payment currency unit (1,000,000 = same). */
    ratePpm: integer('rate_ppm').notNull().default(1000000),
    reversesAllocationId: integer('reverses_allocation_id'),
    createdAt: text('created_at').notNull(),
    operatorId: integer('operator_id').references(() => operators.id),
  },
  (t) => [
    index('allocations_payment_idx').on(t.paymentId),
    index('allocations_item_idx').on(t.itemId),
    index('allocations_bill_idx').on(t.billId),
    // The allocation dialog's stale-data token (newest allocation and count per account) reads one index range
    // instead of scanning every allocation of the ledger (allocationToken).
    index('allocations_account_idx').on(t.accountId),
  ],
);

/** Reversal of a payment: the payment stays, this row and its journal cancel it. */
export const reversals = sqliteTable('reversals', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  paymentId: integer('payment_id')
    .notNull()
    .unique()
    .references(() => payments.id),
  reasonCode: integer('reason_code').notNull(),
  journalId: integer('journal_id')
    .notNull()
    .references(() => journals.id),
  createdAt: text('created_at').notNull(),
  operatorId: integer('operator_id').references(() => operators.id),
});
