import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';
import { accounts, bills } from './accounts';
import { currencies, operators } from './reference';
import { payments } from './payments';

/**
 * Payment processor connections (DOMAIN.md §2.15, §4.6): URL, merchant accounts per currency, timeouts,
 * retries, heartbeat. The presenter secret is stored only as AES-GCM ciphertext.
 */
export const processors = pgTable('processors', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  name: text('name').notNull().unique(),
  kind: text('kind', { enum: ['simulator'] }).notNull(),
  url: text('url').notNull(),
  /** JSON object: currency code -> {merchant, mid}. */
  merchantsJson: text('merchants_json').notNull(),
  onlineTimeoutMs: bigint('online_timeout_ms', { mode: 'number' }).notNull().default(600_000),
  batchTimeoutMs: bigint('batch_timeout_ms', { mode: 'number' }).notNull().default(600_000),
  connectRetries: bigint('connect_retries', { mode: 'number' }).notNull().default(2),
  heartbeatSec: bigint('heartbeat_sec', { mode: 'number' }).notNull().default(120),
  channelId: bigint('channel_id', { mode: 'number' }).notNull().default(0),
  secretEnc: text('secret_enc'),
  /** Last two characters of the secret, for display as ••••xy. */
  secretHint: text('secret_hint'),
  isDefault: bigint('is_default', { mode: 'number' }).notNull().default(0),
  health: text('health', { enum: ['unknown', 'up', 'degraded', 'down'] })
    .notNull()
    .default('unknown'),
  lastHeartbeatAt: text('last_heartbeat_at'),
  lastLatencyMs: bigint('last_latency_ms', { mode: 'number' }),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** Stored payment instruments (DOMAIN.md §2.14): tokens and masks only, never a card number or CVV. */
export const paymentMethods = pgTable(
  'payment_methods',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    type: text('type', { enum: ['card', 'bank', 'wallet'] }).notNull(),
    token: text('token').notNull(),
    /** The processor whose vault issued the token (a token means nothing elsewhere); null = any. */
    processorId: bigint('processor_id', { mode: 'number' }).references(() => processors.id),
    /** ****1234 for cards, ****6789 for bank accounts, the wallet id's tail for wallets. */
    mask: text('mask').notNull(),
    brand: text('brand'),
    expiry: text('expiry'),
    holder: text('holder'),
    billingZip: text('billing_zip'),
    routingNo: text('routing_no'),
    isDefault: bigint('is_default', { mode: 'number' }).notNull().default(0),
    status: text('status', { enum: ['active', 'removed'] })
      .notNull()
      .default('active'),
    verification: text('verification', { enum: ['unverified', 'verified', 'failed'] })
      .notNull()
      .default('unverified'),
    avsCode: text('avs_code'),
    cvvCode: text('cvv_code'),
    verifiedAt: text('verified_at'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('payment_methods_account_idx').on(t.accountId)],
);

/** Collection, deposit and refund runs with their totals per result. */
export const collectRuns = pgTable('collect_runs', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  kind: text('kind', { enum: ['collect', 'deposit', 'refund'] }).notNull(),
  processorId: bigint('processor_id', { mode: 'number' })
    .notNull()
    .references(() => processors.id),
  windowStart: text('window_start'),
  windowEnd: text('window_end'),
  optionsJson: text('options_json').notNull(),
  status: text('status', { enum: ['running', 'done', 'failed', 'cancelled'] }).notNull(),
  /** JSON: result code -> {count, amountMinor}. */
  totalsJson: text('totals_json'),
  selected: bigint('selected', { mode: 'number' }).notNull().default(0),
  skippedJson: text('skipped_json'),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at'),
  operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
});

/**
 * Processor transaction records (DOMAIN.md §2.6, §3.1): reserved at 999 with an idempotency key before the
 * request leaves, 1000 + code once the reply is recorded, the plain code once its payment is posted.
 */
export const processorTxns = pgTable(
  'processor_txns',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    idemKey: text('idem_key').notNull().unique(),
    processorId: bigint('processor_id', { mode: 'number' })
      .notNull()
      .references(() => processors.id),
    command: text('command', { enum: ['verify', 'auth', 'condition', 'deposit', 'refund'] }).notNull(),
    runId: bigint('run_id', { mode: 'number' }).references(() => collectRuns.id),
    /** The processor batch this record travelled in (resubmitted with the same id and keys). */
    batchKey: text('batch_key'),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    billId: bigint('bill_id', { mode: 'number' }).references(() => bills.id),
    paymentMethodId: bigint('payment_method_id', { mode: 'number' }).references(() => paymentMethods.id),
    token: text('token'),
    brand: text('brand'),
    merchant: text('merchant').notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    payType: bigint('pay_type', { mode: 'number' }).notNull(),
    result: bigint('result', { mode: 'number' }).notNull(),
    avsCode: text('avs_code'),
    cvvCode: text('cvv_code'),
    authCode: text('auth_code'),
    processorRef: text('processor_ref'),
    /** A deposit's authorization, a refund's original transaction. */
    relatedTxnId: bigint('related_txn_id', { mode: 'number' }),
    paymentId: bigint('payment_id', { mode: 'number' }).references(() => payments.id),
    feeBillId: bigint('fee_bill_id', { mode: 'number' }),
    description: text('description'),
    createdAt: text('created_at').notNull(),
    settledAt: text('settled_at'),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
  },
  (t) => [
    index('processor_txns_result_idx').on(t.result, t.command),
    index('processor_txns_bill_idx').on(t.billId),
    index('processor_txns_account_idx').on(t.accountId, t.createdAt),
    index('processor_txns_token_idx').on(t.token, t.createdAt),
    index('processor_txns_run_idx').on(t.runId, t.result),
    index('processor_txns_batch_idx').on(t.batchKey),
  ],
);

/** Per-account collection state: soft-decline retries used and automatic-collection suspension. */
export const collectionStates = pgTable('collection_states', {
  accountId: bigint('account_id', { mode: 'number' })
    .primaryKey()
    .references(() => accounts.id),
  retriesUsed: bigint('retries_used', { mode: 'number' }).notNull().default(0),
  suspendedUntil: text('suspended_until'),
  /** Per-account collection date policy: finalized | due | before-due:N (null = the ledger setting). */
  datePolicy: text('date_policy'),
  lastResult: bigint('last_result', { mode: 'number' }),
  updatedAt: text('updated_at').notNull(),
});

/** Workflow items raised by collection (declines, fallbacks to manual pay) for someone to follow up. */
export const workflowItems = pgTable(
  'workflow_items',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    kind: text('kind').notNull(),
    txnId: bigint('txn_id', { mode: 'number' }).references(() => processorTxns.id),
    message: text('message').notNull(),
    status: text('status', { enum: ['open', 'done'] })
      .notNull()
      .default('open'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('workflow_items_status_idx').on(t.status, t.createdAt)],
);

/** One-off payments prepared for explicit confirmation (DOMAIN.md §4.27, V18). */
export const pendingPayments = pgTable(
  'pending_payments',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    accountId: bigint('account_id', { mode: 'number' })
      .notNull()
      .references(() => accounts.id),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    paymentMethodId: bigint('payment_method_id', { mode: 'number' }).references(() => paymentMethods.id),
    token: text('token').notNull(),
    mask: text('mask').notNull(),
    brand: text('brand'),
    description: text('description'),
    status: text('status', {
      enum: ['pending', 'confirmed', 'cancelled', 'expired', 'declined', 'unresolved'],
    }).notNull(),
    expiresAt: text('expires_at').notNull(),
    needsSupervisor: bigint('needs_supervisor', { mode: 'number' }).notNull().default(0),
    cancelReason: text('cancel_reason'),
    txnId: bigint('txn_id', { mode: 'number' }).references(() => processorTxns.id),
    paymentId: bigint('payment_id', { mode: 'number' }).references(() => payments.id),
    createdAt: text('created_at').notNull(),
    createdBy: bigint('created_by', { mode: 'number' }).references(() => operators.id),
    decidedAt: text('decided_at'),
    decidedBy: bigint('decided_by', { mode: 'number' }).references(() => operators.id),
  },
  (t) => [index('pending_payments_status_idx').on(t.status, t.expiresAt)],
);
