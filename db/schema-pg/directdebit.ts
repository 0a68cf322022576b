import { sql } from 'drizzle-orm';
import { bigint, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { accounts, billUnits, bills } from './accounts';
import { batches, payments } from './payments';
import { currencies, operators } from './reference';

/**
 * Who collects (DOMAIN.md §2.18 /config/creditor): a SEPA creditor (creditor identifier with verified check
 * digits, IBAN/BIC), an ACH originator (company id, ODFI routing, immediate destination) or a BACS
 * originator (service user number). Files are written per creditor, scheme and collection date.
 */
export const creditors = pgTable('creditors', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  /** Short unique name used on the CLI and in the UI (e.g. EU-MAIN). */
  code: text('code').notNull().unique(),
  scheme: text('scheme', { enum: ['sepa', 'ach', 'bacs'] }).notNull(),
  name: text('name').notNull(),
  /** SEPA creditor identifier (AT-02), ACH company identification (10), BACS service user number. */
  identifier: text('identifier').notNull(),
  currency: text('currency')
    .notNull()
    .references(() => currencies.code),
  /** SEPA: the creditor's IBAN and BIC. */
  iban: text('iban'),
  bic: text('bic'),
  /** ACH: ODFI routing number (9 digits) and the originator's account there. */
  routingNo: text('routing_no'),
  accountNo: text('account_no'),
  /** ACH file header: immediate destination routing (9) and name, immediate origin (10) and name. */
  destinationRouting: text('destination_routing'),
  destinationName: text('destination_name'),
  originId: text('origin_id'),
  originName: text('origin_name'),
  /** SEPA: which pain.008 the creditor's bank asks for. */
  painVersion: text('pain_version', { enum: ['pain.008.001.08', 'pain.008.001.02'] })
    .notNull()
    .default('pain.008.001.08'),
  isDefault: bigint('is_default', { mode: 'number' }).notNull().default(0),
  active: bigint('active', { mode: 'number' }).notNull().default(1),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/**
 * A debtor's authorisation to be debited (DOMAIN.md §2.18, §3.14, §4.17, §4.24): a SEPA Core/B2B mandate, a
 * BACS instruction or an ACH authorisation, for an account (optionally one bill unit) and one creditor.
 * Bank details are kept in full because the bank files must carry them; never card data.
 */
export const mandates = pgTable(
  'mandates',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    /** Null: every bill unit of the account that pays by direct debit. */
    billUnitId: bigint('bill_unit_id', { mode: 'number' }).references(() => billUnits.id),
    creditorId: bigint('creditor_id', { mode: 'number' })
      .notNull()
      .references(() => creditors.id),
    scheme: text('scheme', { enum: ['sepa_core', 'sepa_b2b', 'bacs', 'ach'] }).notNull(),
    /** SEPA unique mandate reference (UMR), BACS reference, ACH authorisation id; unique per creditor. */
    reference: text('reference').notNull(),
    type: text('type', { enum: ['recurrent', 'oneoff'] })
      .notNull()
      .default('recurrent'),
    status: text('status', { enum: ['pending', 'active', 'cancelled', 'expired'] }).notNull(),
    signedOn: text('signed_on').notNull(),
    debtorName: text('debtor_name').notNull(),
    /** SEPA. */
    iban: text('iban'),
    bic: text('bic'),
    /** BACS: sort code (6 digits) and account number; ACH: routing number (9) and account number. */
    sortCode: text('sort_code'),
    routingNo: text('routing_no'),
    accountNo: text('account_no'),
    /** ACH: checking | savings, and the SEC code the entries go out with. */
    accountType: text('account_type', { enum: ['checking', 'savings'] }),
    secCode: text('sec_code', { enum: ['PPD', 'CCD', 'WEB', 'TEL'] }),
    /**
     * SEPA amendment not yet presented to the bank (JSON {originalReference?, originalIban?, smnda?,
     * originalCreditorId?, originalCreditorName?}); sent with the next collection, then cleared.
     */
    pendingAmendmentJson: text('pending_amendment_json'),
    firstCollectedOn: text('first_collected_on'),
    lastCollectedOn: text('last_collected_on'),
    collections: bigint('collections', { mode: 'number' }).notNull().default(0),
    cancelledOn: text('cancelled_on'),
    cancelReason: text('cancel_reason'),
    /** Optimistic concurrency: bumped by every change. */
    version: bigint('version', { mode: 'number' }).notNull().default(1),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
    createdBy: bigint('created_by', { mode: 'number' }).references(() => operators.id),
  },
  (t) => [
    uniqueIndex('mandates_reference_idx').on(t.creditorId, t.reference),
    index('mandates_account_idx').on(t.accountId, t.status),
    index('mandates_status_idx').on(t.status, t.scheme),
  ],
);

/**
 * Every change of a mandate (append-only history): created, amended (before/after), cancelled, expired,
 * collected, a revision code from the bank's mandate file, a notification of change. BACS events of kind
 * created/amended/cancelled are listed by the next AUDDIS extract, which stamps auddisExtractId.
 */
export const mandateEvents = pgTable(
  'mandate_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    mandateId: bigint('mandate_id', { mode: 'number' })
      .notNull()
      .references(() => mandates.id),
    at: text('at').notNull(),
    kind: text('kind', {
      enum: ['created', 'amended', 'cancelled', 'expired', 'collected', 'revision', 'change-notice'],
    }).notNull(),
    beforeJson: text('before_json'),
    afterJson: text('after_json'),
    /** Where it came from: operator, mandate file (its sha256), return file, collection run. */
    source: text('source').notNull(),
    code: text('code'),
    auddisExtractId: bigint('auddis_extract_id', { mode: 'number' }),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
  },
  (t) => [index('mandate_events_mandate_idx').on(t.mandateId, t.id)],
);

/**
 * Bank files written by direct-debit and credit runs: immutable artefacts. The bytes are regenerated from
 * the file row and its items (same message id, creation time and order), and sha256 proves it; status moves
 * ready → sent (the operator confirms delivery, once) or ready → cancelled (its payments are reversed).
 */
export const bankFilesOut = pgTable(
  'bank_files_out',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    kind: text('kind', { enum: ['debit', 'credit'] }).notNull(),
    scheme: text('scheme', { enum: ['sepa', 'ach'] }).notNull(),
    format: text('format', {
      enum: ['pain.008.001.08', 'pain.008.001.02', 'pain.001.001.09', 'nacha'],
    }).notNull(),
    creditorId: bigint('creditor_id', { mode: 'number' })
      .notNull()
      .references(() => creditors.id),
    /** Requested collection (debit) or execution (credit) date. */
    collectionDate: text('collection_date').notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    messageId: text('message_id').notNull().unique(),
    count: bigint('count', { mode: 'number' }).notNull(),
    totalMinor: bigint('total_minor', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** Where the file was last written (informational; the bytes are regenerated, not read back). */
    path: text('path'),
    status: text('status', { enum: ['ready', 'sent', 'cancelled'] }).notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: bigint('created_by', { mode: 'number' }).references(() => operators.id),
    sentAt: text('sent_at'),
    sentBy: bigint('sent_by', { mode: 'number' }).references(() => operators.id),
    cancelledAt: text('cancelled_at'),
    cancelledBy: bigint('cancelled_by', { mode: 'number' }).references(() => operators.id),
    runKey: text('run_key').notNull(),
  },
  (t) => [index('bank_files_out_status_idx').on(t.status, t.collectionDate)],
);

/**
 * One transaction of an outgoing bank file: a debit of a bill under a mandate (or a credit out), the
 * payment it posted, and what the bank later said. endToEndId (SEPA) and traceNumber (ACH) are how returns
 * find it.
 */
export const bankFileItems = pgTable(
  'bank_file_items',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    fileId: bigint('file_id', { mode: 'number' })
      .notNull()
      .references(() => bankFilesOut.id),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    mandateId: bigint('mandate_id', { mode: 'number' }).references(() => mandates.id),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    billId: bigint('bill_id', { mode: 'number' }).references(() => bills.id),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    endToEndId: text('end_to_end_id').notNull().unique(),
    traceNumber: text('trace_number'),
    /** SEPA: the PmtInfId of the payment-information block it went in (pain.002 may reject a whole block). */
    paymentInfoId: text('payment_info_id'),
    /** SEPA sequence type the debit went out with (FRST, RCUR, FNAL, OOFF). */
    seqType: text('seq_type'),
    /** The mandate data as sent (JSON), so the file regenerates byte-identically after a mandate changes. */
    mandateSnapshotJson: text('mandate_snapshot_json'),
    paymentId: bigint('payment_id', { mode: 'number' }).references(() => payments.id),
    status: text('status', { enum: ['sent', 'returned', 'cancelled'] }).notNull(),
    returnCode: text('return_code'),
    returnedAt: text('returned_at'),
    returnBatchId: bigint('return_batch_id', { mode: 'number' }).references(() => batches.id),
  },
  (t) => [
    index('bank_file_items_file_idx').on(t.fileId, t.seq),
    index('bank_file_items_trace_idx').on(t.traceNumber),
    index('bank_file_items_bill_idx').on(t.billId, t.status),
    // A bill is in at most one live collection: a returned or cancelled item lets a later run retry it.
    uniqueIndex('bank_file_items_live_bill_idx')
      .on(t.billId)
      .where(sql`status = 'sent' AND bill_id IS NOT NULL`),
    index('bank_file_items_payment_idx').on(t.paymentId),
  ],
);

/**
 * A failed payment reported by the bank (reject, return, bounced check) or keyed by hand, as read from a
 * returns file: one row per entry of the return batch it became. The unique key makes a second reading of
 * the same return post nothing.
 */
export const bankReturns = pgTable(
  'bank_returns',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** Format-independent identity of the return: e.g. `e2e:<EndToEndId>` or `trace:<trace>`, plus the code. */
    returnKey: text('return_key').notNull().unique(),
    batchId: bigint('batch_id', { mode: 'number' })
      .notNull()
      .references(() => batches.id),
    entrySeq: bigint('entry_seq', { mode: 'number' }).notNull(),
    fileItemId: bigint('file_item_id', { mode: 'number' }).references(() => bankFileItems.id),
    paymentId: bigint('payment_id', { mode: 'number' }).references(() => payments.id),
    kind: text('kind', { enum: ['reject', 'return', 'refund', 'bounced'] }).notNull(),
    /** The bank's reason code as received (AM04, R01, ...) and its text. */
    bankCode: text('bank_code').notNull(),
    bankText: text('bank_text'),
    /** The admin rejection code it mapped to (rejection_codes.code), null when unknown (handled as hard). */
    rejectionCode: text('rejection_code'),
    sourceFormat: text('source_format').notNull(),
    sourceSha256: text('source_sha256'),
    status: text('status', { enum: ['pending', 'applied', 'discarded'] }).notNull(),
    createdAt: text('created_at').notNull(),
    appliedAt: text('applied_at'),
  },
  (t) => [index('bank_returns_batch_idx').on(t.batchId, t.entrySeq)],
);
