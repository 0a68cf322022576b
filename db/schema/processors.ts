import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { accounts, bills } from './accounts';
import { currencies, operators } from './reference';
import { payments } from './payments';

/**
 * Payment processor connections (DOMAIN.md §2.15, §4.6): URL, merchant accounts per currency, timeouts,
 * retries, heartbeat. The presenter secret is stored only as AES-GCM ciphertext.
 */
export const processors = sqliteTable('processors', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  kind: text('kind', { enum: ['simulator'] }).notNull(),
  url: text('url').notNull(),
  /** JSON object: currency code -> {merchant, mid}. */
  merchantsJson: text('merchants_json').notNull(),
  onlineTimeoutMs: integer('online_timeout_ms').notNull().default(600_000),
  batchTimeoutMs: integer('batch_timeout_ms').notNull().default(600_000),
  connectRetries: integer('connect_retries').notNull().default(2),
  heartbeatSec: integer('heartbeat_sec').notNull().default(120),
  channelId: integer('channel_id').notNull().default(0),
  secretEnc: text('secret_enc'),
  /** Last two characters of the secret, for display as ••••xy. */
  secretHint: text('secret_hint'),
  isDefault: integer('is_default').notNull().default(0),
  health: text('health', { enum: ['unknown', 'up', 'degraded', 'down'] })
    .notNull()
    .default('unknown'),
  lastHeartbeatAt: text('last_heartbeat_at'),
  lastLatencyMs: integer('last_latency_ms'),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** Stored payment instruments (DOMAIN.md §2.14): tokens and masks only, never a card number or CVV. */
export const paymentMethods = sqliteTable(
  'payment_methods',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    type: text('type', { enum: ['card', 'bank', 'wallet'] }).notNull(),
    token: text('token').notNull(),
    /** The processor whose vault issued the token (a token means nothing elsewhere); null = any. */
    processorId: integer('processor_id').references(() => processors.id),
    /** ****1234 for cards, ****6789 for bank accounts, the wallet id's tail for wallets. */
    mask: text('mask').notNull(),
    brand: text('brand'),
    expiry: text('expiry'),
    holder: text('holder'),
    billingZip: text('billing_zip'),
    routingNo: text('routing_no'),
    isDefault: integer('is_default').notNull().default(0),
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
export const collectRuns = sqliteTable('collect_runs', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind', { enum: ['collect', 'deposit', 'refund'] }).notNull(),
  processorId: integer('processor_id')
    .notNull()
    .references(() => processors.id),
  windowStart: text('window_start'),
  windowEnd: text('window_end'),
  optionsJson: text('options_json').notNull(),
  status: text('status', { enum: ['running', 'done', 'failed', 'cancelled'] }).notNull(),
  /** JSON: result code -> {count, amountMinor}. */
  totalsJson: text('totals_json'),
  selected: integer('selected').notNull().default(0),
  skippedJson: text('skipped_json'),
  startedAt: text('started_at').notNull(),
  finishedAt: text('finished_at'),
  operatorId: integer('operator_id').references(() => operators.id),
});

/**
 * Processor transaction records (DOMAIN.md §2.6, §3.1): reserved at 999 with an idempotency key before the
 * request leaves, 1000 + code once the reply is recorded, the plain code once its payment is posted.
 */
export const processorTxns = sqliteTable(
  'processor_txns',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    idemKey: text('idem_key').notNull().unique(),
    processorId: integer('processor_id')
      .notNull()
      .references(() => processors.id),
    command: text('command', { enum: ['verify', 'auth', 'condition', 'deposit', 'refund'] }).notNull(),
    runId: integer('run_id').references(() => collectRuns.id),
    /** The processor batch this record travelled in (resubmitted with the same id and keys). */
    batchKey: text('batch_key'),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    billId: integer('bill_id').references(() => bills.id),
    paymentMethodId: integer('payment_method_id').references(() => paymentMethods.id),
    token: text('token'),
    brand: text('brand'),
    merchant: text('merchant').notNull(),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    payType: integer('pay_type').notNull(),
    result: integer('result').notNull(),
    avsCode: text('avs_code'),
    cvvCode: text('cvv_code'),
    authCode: text('auth_code'),
    processorRef: text('processor_ref'),
    /** A deposit's authorization, a refund's original transaction. */
    relatedTxnId: integer('related_txn_id'),
    paymentId: integer('payment_id').references(() => payments.id),
    feeBillId: integer('fee_bill_id'),
    description: text('description'),
    createdAt: text('created_at').notNull(),
    settledAt: text('settled_at'),
    operatorId: integer('operator_id').references(() => operators.id),
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
export const collectionStates = sqliteTable('collection_states', {
  accountId: integer('account_id')
    .primaryKey()
    .references(() => accounts.id),
  retriesUsed: integer('retries_used').notNull().default(0),
  suspendedUntil: text('suspended_until'),
  /** Per-account collection date policy: finalized | due | before-due:N (null = the ledger setting). */
  datePolicy: text('date_policy'),
  lastResult: integer('last_result'),
  updatedAt: text('updated_at').notNull(),
});

/** Workflow items raised by collection (declines, fallbacks to manual pay) for someone to follow up. */
export const workflowItems = sqliteTable(
  'workflow_items',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    kind: text('kind').notNull(),
    txnId: integer('txn_id').references(() => processorTxns.id),
    message: text('message').notNull(),
    status: text('status', { enum: ['open', 'done'] })
      .notNull()
      .default('open'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('workflow_items_status_idx').on(t.status, t.createdAt)],
);

/** One-off payments prepared for explicit confirmation (DOMAIN.md §4.27, V18). */
export const pendingPayments = sqliteTable(
  'pending_payments',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    accountId: integer('account_id')
      .notNull()
      .references(() => accounts.id),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency')
      .notNull()
      .references(() => currencies.code),
    paymentMethodId: integer('payment_method_id').references(() => paymentMethods.id),
    token: text('token').notNull(),
    mask: text('mask').notNull(),
    brand: text('brand'),
    description: text('description'),
    status: text('status', {
      enum: ['pending', 'confirmed', 'cancelled', 'expired', 'declined', 'unresolved'],
    }).notNull(),
    expiresAt: text('expires_at').notNull(),
    needsSupervisor: integer('needs_supervisor').notNull().default(0),
    cancelReason: text('cancel_reason'),
    txnId: integer('txn_id').references(() => processorTxns.id),
    paymentId: integer('payment_id').references(() => payments.id),
    createdAt: text('created_at').notNull(),
    createdBy: integer('created_by').references(() => operators.id),
    decidedAt: text('decided_at'),
    decidedBy: integer('decided_by').references(() => operators.id),
  },
  (t) => [index('pending_payments_status_idx').on(t.status, t.expiresAt)],
);
