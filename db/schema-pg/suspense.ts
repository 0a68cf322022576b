import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { operators } from './reference';

/**
 * The Payment Center work queue: one row per payment that entered the suspense account (kind suspended or
 * recycled), kept by a trigger on payments and by the suspense services. It is a read model over payments
 * and reversals (`ledger check` verifies it agrees), narrow and indexed so searching 500,000 suspended
 * payments among millions of payments stays fast.
 */
export const suspenseQueue = pgTable(
  'suspense_queue',
  {
    paymentId: bigint('payment_id', { mode: 'number' }).primaryKey(),
    /** The first payment of the case: the first suspended payment, or the posted payment that was recycled. */
    rootId: bigint('root_id', { mode: 'number' }).notNull(),
    /** suspended, partial, recycled (these three hold money in suspense); distributed, removed, reversed, replaced. */
    state: text('state', {
      enum: ['suspended', 'partial', 'recycled', 'distributed', 'removed', 'reversed', 'replaced'],
    }).notNull(),
    /** 1 when the payment failed financially (status 30-44): it cannot be distributed (G6). */
    failed: bigint('failed', { mode: 'number' }).notNull().default(0),
    currency: text('currency').notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    /** Date received. */
    effectiveDate: text('effective_date').notNull(),
    /** Date the money entered suspense (kept across remainders and property changes, for aging). */
    enteredOn: text('entered_on').notNull(),
    reasonCode: bigint('reason_code', { mode: 'number' }).notNull(),
    actionOwner: bigint('action_owner', { mode: 'number' }),
    accountHint: text('account_hint'),
    billNo: text('bill_no'),
    payerName: text('payer_name'),
    externalRef: text('external_ref'),
    batchId: bigint('batch_id', { mode: 'number' }),
    lockboxNo: text('lockbox_no'),
    channelId: bigint('channel_id', { mode: 'number' }).notNull(),
    payType: bigint('pay_type', { mode: 'number' }).notNull(),
    closedAt: text('closed_at'),
    updatedAt: text('updated_at').notNull(),
    /**
     * 1 while the payment holds money in suspense; lets the work queue read one index range in order. An IN is a
     * boolean in PostgreSQL, so CASE keeps it the 0/1 integer the services compare (`active = 1`).
     */
    active: bigint('active', { mode: 'number' }).generatedAlwaysAs(
      sql`CASE WHEN state IN ('suspended', 'partial', 'recycled') THEN 1 ELSE 0 END`,
    ),
    /** The payer name as the search sorts it (no name sorts as ''), so an index can give that order. */
    payerSort: text('payer_sort').generatedAlwaysAs(sql`coalesce(payer_name, '')`),
  },
  (t) => [
    index('suspense_queue_active_entered_idx').on(t.active, t.enteredOn, t.paymentId),
    index('suspense_queue_active_received_idx').on(t.active, t.effectiveDate, t.paymentId),
    // Received-date ranges count and sum from the index alone (amount, currency, owner and age are all in it).
    index('suspense_queue_active_received_cover_idx').on(
      t.active,
      t.effectiveDate,
      t.amountMinor,
      t.currency,
      t.actionOwner,
      t.enteredOn,
      t.paymentId,
    ),
    index('suspense_queue_active_amount_idx').on(t.active, t.amountMinor, t.paymentId),
    index('suspense_queue_active_owner_idx').on(t.active, t.actionOwner, t.enteredOn, t.paymentId),
    index('suspense_queue_active_reason_idx').on(t.active, t.reasonCode, t.enteredOn, t.paymentId),
    index('suspense_queue_state_entered_idx').on(t.state, t.enteredOn, t.paymentId),
    // Covers the counts on top of the work queue (per currency, owner and age) without reading the table.
    index('suspense_queue_state_counts_idx').on(
      t.state,
      t.enteredOn,
      t.actionOwner,
      t.currency,
      t.amountMinor,
    ),
    index('suspense_queue_state_received_idx').on(t.state, t.effectiveDate, t.paymentId),
    index('suspense_queue_state_amount_idx').on(t.state, t.amountMinor, t.paymentId),
    index('suspense_queue_state_owner_idx').on(t.state, t.actionOwner, t.enteredOn),
    index('suspense_queue_state_reason_idx').on(t.state, t.reasonCode, t.enteredOn),
    index('suspense_queue_entered_idx').on(t.enteredOn, t.paymentId),
    index('suspense_queue_received_idx').on(t.effectiveDate, t.paymentId),
    index('suspense_queue_amount_idx').on(t.amountMinor, t.paymentId),
    index('suspense_queue_root_idx').on(t.rootId),
    index('suspense_queue_batch_idx').on(t.batchId),
    index('suspense_queue_lockbox_idx').on(t.lockboxNo),
    // A lockbox holds thousands of payments: channel, pay type and the figures of the totals come from the index
    // alone instead of one table read per payment.
    index('suspense_queue_lockbox_cover_idx').on(
      t.lockboxNo,
      t.channelId,
      t.payType,
      t.active,
      t.enteredOn,
      t.paymentId,
      t.currency,
      t.actionOwner,
      t.amountMinor,
    ),
    // Owner and reason together (the usual work-queue split), covering the figures of the totals; a broad
    // contains-text is then checked only against the rows this range yields.
    index('suspense_queue_active_owner_reason_idx').on(
      t.active,
      t.actionOwner,
      t.reasonCode,
      t.enteredOn,
      t.paymentId,
      t.currency,
      t.amountMinor,
    ),
    // The figures of the totals by payment id: a search driven by trigram hits reads these instead of the wide
    // queue rows (about a quarter of the cost per hit).
    index('suspense_queue_figures_idx').on(
      t.paymentId,
      t.active,
      t.state,
      t.currency,
      t.actionOwner,
      t.enteredOn,
      t.amountMinor,
      t.reasonCode,
    ),
    // Sorting by payer name walks these.
    index('suspense_queue_state_payer_idx').on(t.state, t.payerSort, t.paymentId),
    index('suspense_queue_active_payer_idx').on(t.active, t.payerSort, t.paymentId),
  ],
);

/**
 * The timeline of every move of a suspense case (append-only): entered, distributed, applied, recycled,
 * removed, reversed, owner changes, notes and property changes, each with operator, reason and amount.
 */
export const suspenseEvents = pgTable(
  'suspense_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    rootId: bigint('root_id', { mode: 'number' }).notNull(),
    paymentId: bigint('payment_id', { mode: 'number' }).notNull(),
    at: text('at').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
    action: text('action').notNull(),
    reasonCode: bigint('reason_code', { mode: 'number' }),
    amountMinor: bigint('amount_minor', { mode: 'number' }),
    currency: text('currency'),
    /** JSON with the details of the move (targets, new payment ids, note text...). */
    detail: text('detail'),
    auditId: bigint('audit_id', { mode: 'number' }),
  },
  (t) => [
    index('suspense_events_root_idx').on(t.rootId, t.id),
    index('suspense_events_payment_idx').on(t.paymentId),
  ],
);

/** Saved Payment Center searches, per operator. */
export const suspenseSavedSearches = pgTable(
  'suspense_saved_searches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    operatorId: bigint('operator_id', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    name: text('name').notNull(),
    filters: text('filters').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('suspense_saved_searches_name_idx').on(t.operatorId, t.name)],
);

/**
 * Running counts of the work queue by state, currency, action owner (-1 for none), reason and entry date, kept
 * by triggers on suspense_queue. The counts on top of the Payment Center (per currency, age bucket and owner)
 * are read from here when the filters use only these dimensions, so they cost the same for 500,000 payments as
 * for 500. Days older than any age-bucket boundary are folded into one row per group (entered_on '0000-01-01').
 */
export const suspenseTally = pgTable(
  'suspense_tally',
  {
    state: text('state').notNull(),
    currency: text('currency').notNull(),
    owner: bigint('owner', { mode: 'number' }).notNull(),
    reasonCode: bigint('reason_code', { mode: 'number' }).notNull(),
    enteredOn: text('entered_on').notNull(),
    count: bigint('count', { mode: 'number' }).notNull(),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.state, t.currency, t.owner, t.reasonCode, t.enteredOn] }),
    index('suspense_tally_entered_idx').on(t.enteredOn),
    // The counts on top of the Payment Center group by currency, owner and entry day in this order, reading the
    // index alone (no sort of the whole tally; about a fifth of the cost of the table scan it replaces).
    index('suspense_tally_figures_idx').on(
      t.currency,
      t.owner,
      t.enteredOn,
      t.state,
      t.reasonCode,
      t.count,
      t.amountMinor,
    ),
  ],
);
