import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';
import { accounts, billItems, bills } from './accounts';
import { currencies, operators } from './reference';
import { journals } from './journal';
import { ENTRY_STATUSES } from '../../src-shared/dto/batches';

/** Payment batches (Payment Tool): payment, refund or reversal batches of one pay type, currency and channel. */
export const batches = pgTable('batches', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  batchNo: text('batch_no').notNull().unique(),
  batchType: text('batch_type', { enum: ['payment', 'refund', 'reversal'] }).notNull(),
  payType: bigint('pay_type', { mode: 'number' }).notNull(),
  currency: text('currency')
    .notNull()
    .references(() => currencies.code),
  channelId: bigint('channel_id', { mode: 'number' }).notNull().default(0),
  /** Fixed at creation (V2): a batch is bill-level or item-level, never both. */
  allocationLevel: text('allocation_level', { enum: ['bill', 'item'] }).notNull(),
  status: text('status', { enum: ['open', 'validated', 'submitted', 'discarded'] }).notNull(),
  lockboxNo: text('lockbox_no'),
  batchDate: text('batch_date').notNull(),
  controlCount: bigint('control_count', { mode: 'number' }),
  controlTotalMinor: bigint('control_total_minor', { mode: 'number' }),
  note: text('note'),
  /** Header and footer lines of the source file (JSON arrays of strings), kept as received. */
  headerJson: text('header_json'),
  footerJson: text('footer_json'),
  /** The batch this exception batch was split from. */
  parentBatchId: bigint('parent_batch_id', { mode: 'number' }),
  sourceFile: text('source_file'),
  sourceSha256: text('source_sha256'),
  templateName: text('template_name'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
  validatedAt: text('validated_at'),
  submittedAt: text('submitted_at'),
  createdBy: bigint('created_by', { mode: 'number' }).references(() => operators.id),
});

/**
 * Batch entries (grid rows). Raw text of every keyed or imported field is kept so an invalid entry can be
 * fixed in the grid; entry_key is the stable idempotency key its payment is posted under.
 */
export const batchEntries = pgTable(
  'batch_entries',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    batchId: bigint('batch_id', { mode: 'number' })
      .notNull()
      .references(() => batches.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    entryKey: text('entry_key').notNull().unique(),
    sourceLine: bigint('source_line', { mode: 'number' }),
    accountNo: text('account_no'),
    billNo: text('bill_no'),
    amountText: text('amount_text'),
    amountMinor: bigint('amount_minor', { mode: 'number' }),
    paymentDate: text('payment_date'),
    checkNo: text('check_no'),
    payerName: text('payer_name'),
    reference: text('reference'),
    channelId: bigint('channel_id', { mode: 'number' }),
    /** Reversal batches: the payment to reverse. */
    paymentRef: bigint('payment_ref', { mode: 'number' }),
    customJson: text('custom_json'),
    status: text('status', { enum: ENTRY_STATUSES }).notNull(),
    reasonCode: bigint('reason_code', { mode: 'number' }),
    problem: text('problem'),
    problemColumn: text('problem_column'),
    /** Every problem of the entry as JSON [{column, reason, code?}]; problem/problem_column hold the first. */
    problemsJson: text('problems_json'),
    /**
     * The entry's own currency, as the bank file stated it (or the batch currency when the file said nothing or
     * the entry was keyed). Not a foreign key: an unknown code is kept as read and refused at validation.
     */
    currency: text('currency'),
    manualSuspend: bigint('manual_suspend', { mode: 'number' }).notNull().default(0),
    allocationJson: text('allocation_json'),
    accountId: bigint('account_id', { mode: 'number' }),
    postedPaymentId: bigint('posted_payment_id', { mode: 'number' }),
    /** The payment's fingerprint (domain/fingerprint.ts): the same money in any batch, file or load has the same one. */
    fingerprint: text('fingerprint'),
    /** A suspected duplicate: the earlier entry with the same fingerprint, and its payment once posted. */
    duplicateOfEntryId: bigint('duplicate_of_entry_id', { mode: 'number' }),
    duplicateOfPaymentId: bigint('duplicate_of_payment_id', { mode: 'number' }),
    /** A supervisor's release of a suspected duplicate (reason domain 20) and note; cleared when the payment changes. */
    duplicateReleaseCode: bigint('duplicate_release_code', { mode: 'number' }),
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
export const importTemplates = pgTable('import_templates', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull().unique(),
  bank: text('bank'),
  definition: text('definition').notNull(),
  /**
   * Shipped with Paydesk and seeded on open: never overwritten in place, copied under a new name to change.
   * 0/1 like the SQLite column underneath its boolean mode, because the services compare `stock === 1`.
   */
  stock: bigint('stock', { mode: 'number' }).notNull().default(0),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/**
 * Payments of every kind. Posted rows are never updated except for their status and kind-specific
 * workflow markers; money moves only through journals, allocations and reversals.
 */
export const payments = pgTable(
  'payments',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    kind: text('kind', { enum: ['original', 'suspended', 'distributed', 'recycled', 'failed'] }).notNull(),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    payType: bigint('pay_type', { mode: 'number' }).notNull(),
    channelId: bigint('channel_id', { mode: 'number' }).notNull().default(0),
    /** PIN_FLD_STATUS: 0-14 successful, 15-29 suspended, 30-44 failed. */
    status: bigint('status', { mode: 'number' }).notNull(),
    reasonCode: bigint('reason_code', { mode: 'number' }).notNull().default(0),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    /** The amount in the account's currency (equal to amount_minor unless converted with rate_ppm). */
    accountAmountMinor: bigint('account_amount_minor', { mode: 'number' }).notNull(),
    ratePpm: bigint('rate_ppm', { mode: 'number' }).notNull().default(1000000),
    effectiveDate: text('effective_date').notNull(),
    externalRef: text('external_ref'),
    /** The bill number the payer quoted, if any (first key for bill matching). */
    billNo: text('bill_no'),
    /** Suspended payments: the account number that was tried, and who must act (action owner code). */
    accountHint: text('account_hint'),
    actionOwner: bigint('action_owner', { mode: 'number' }),
    payerName: text('payer_name'),
    batchId: bigint('batch_id', { mode: 'number' }).references(() => batches.id),
    /** Stable idempotency key of whatever originated the payment (batch entry, processor transaction). */
    sourceKey: text('source_key').unique(),
    parentPaymentId: bigint('parent_payment_id', { mode: 'number' }),
    journalId: bigint('journal_id', { mode: 'number' })
      .notNull()
      .references(() => journals.id),
    createdAt: text('created_at').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
  },
  (t) => [
    index('payments_account_date_idx').on(t.accountId, t.effectiveDate),
    index('payments_batch_idx').on(t.batchId),
  ],
);

/** Allocation of a payment (in the account's currency) to a bill or a bill item. Undo is a negative row. */
export const allocations = pgTable(
  'allocations',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    paymentId: bigint('payment_id', { mode: 'number' })
      .notNull()
      .references(() => payments.id),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    billId: bigint('bill_id', { mode: 'number' }).references(() => bills.id),
    itemId: bigint('item_id', { mode: 'number' }).references(() => billItems.id),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    /** Exchange rate used, parts per million of account currency per payment currency unit (1,000,000 = same). */
    ratePpm: bigint('rate_ppm', { mode: 'number' }).notNull().default(1000000),
    reversesAllocationId: bigint('reverses_allocation_id', { mode: 'number' }),
    createdAt: text('created_at').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
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
export const reversals = pgTable('reversals', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  paymentId: bigint('payment_id', { mode: 'number' })
    .notNull()
    .unique()
    .references(() => payments.id),
  reasonCode: bigint('reason_code', { mode: 'number' }).notNull(),
  journalId: bigint('journal_id', { mode: 'number' })
    .notNull()
    .references(() => journals.id),
  createdAt: text('created_at').notNull(),
  operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
});
