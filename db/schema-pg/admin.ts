import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { operators } from './reference';

/**
 * Payment channels (DOMAIN.md §2.12; the SQLite table of the same name): where money came in; id 0 is
 * "Unspecified Payment Channel". Ids are chosen by the admin, never assigned.
 */
export const paymentChannels = pgTable('payment_channels', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  description: text('description').notNull(),
  active: bigint('active', { mode: 'number' }).notNull().default(1),
});

/** Per pay type: whether the desk accepts it and its display name (/config/payment, DOMAIN.md §2.13, §3.6). */
export const payTypeSettings = pgTable('pay_type_settings', {
  payType: bigint('pay_type', { mode: 'number' }).primaryKey(),
  name: text('name').notNull(),
  enabled: bigint('enabled', { mode: 'number' }).notNull().default(1),
});

/** Payment terms (DOMAIN.md §2.21, V17): code of up to 3 uppercase characters, days to settle. */
export const paymentTerms = pgTable('payment_terms', {
  code: text('code').primaryKey(),
  description: text('description').notNull(),
  days: bigint('days', { mode: 'number' }).notNull(),
});

/** Payment term defaults (V17): the term used when accounts of a pay type are created. */
export const paymentTermDefaults = pgTable('payment_term_defaults', {
  code: text('code').primaryKey(),
  payType: bigint('pay_type', { mode: 'number' }).notNull(),
  termCode: text('term_code')
    .notNull()
    .references(() => paymentTerms.code),
  /** Comma list of the security levels (roles) allowed to use the default. */
  securityLevels: text('security_levels').notNull(),
});

/** Mandate revision codes returned in ADDACS files (DOMAIN.md §2.21, §4.24). */
export const mandateRevisionCodes = pgTable('mandate_revision_codes', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  action: text('action', { enum: ['amend', 'cancel'] }).notNull(),
  reasonType: bigint('reason_type', { mode: 'number' }).notNull(),
  reasonCode: bigint('reason_code', { mode: 'number' }).notNull(),
  eventType: text('event_type').notNull(),
  eventCode: text('event_code').notNull(),
});

/** Recurring payment rejection codes (DOMAIN.md §2.21, §4.25): soft declines retry, hard declines stop. */
export const rejectionCodes = pgTable('rejection_codes', {
  code: text('code').primaryKey(),
  description: text('description').notNull(),
  reasonType: bigint('reason_type', { mode: 'number' }).notNull(),
  reasonCode: bigint('reason_code', { mode: 'number' }).notNull(),
  declineClass: text('decline_class', { enum: ['soft', 'hard'] }).notNull(),
  maxRetries: bigint('max_retries', { mode: 'number' }).notNull().default(0),
  retryReasonCode: bigint('retry_reason_code', { mode: 'number' }),
  retryEvent: text('retry_event'),
  suspensionDays: bigint('suspension_days', { mode: 'number' }).notNull().default(0),
  exhaustedEvent: text('exhausted_event'),
  refundEvent: text('refund_event'),
  /** The pay type an account falls back to after a hard decline (or exhausted retries). */
  fallbackPayType: bigint('fallback_pay_type', { mode: 'number' }).notNull().default(10001),
});

/** Fields an admin added to batch entries; values live in batch_entries.custom_json under `key`. */
export const customFields = pgTable('custom_fields', {
  key: text('key').primaryKey(),
  label: text('label').notNull(),
  type: text('type', { enum: ['text', 'number', 'date', 'amount', 'code'] }).notNull(),
  /** Code-list values as JSON [{code, label}] (type "code" only). */
  codesJson: text('codes_json').notNull().default('[]'),
  maxLength: bigint('max_length', { mode: 'number' }).notNull().default(200),
});

/**
 * The admin's column layout of the batch grid per batch type and pay type (/config/paymenttool, DOMAIN.md
 * §2.16); pay type 0 is the layout for every pay type without one of its own. Row order is `position` (C7).
 */
export const columnConfigs = pgTable(
  'column_configs',
  {
    batchType: text('batch_type', { enum: ['payment', 'refund', 'reversal'] }).notNull(),
    payType: bigint('pay_type', { mode: 'number' }).notNull(),
    position: bigint('position', { mode: 'number' }).notNull(),
    field: text('field').notNull(),
    caption: text('caption').notNull(),
    purpose: text('purpose', { enum: ['entry', 'display', 'payments_tab'] }).notNull(),
    width: bigint('width', { mode: 'number' }).notNull(),
    visible: bigint('visible', { mode: 'number' }).notNull().default(1),
    required: bigint('required', { mode: 'number' }).notNull().default(0),
    format: text('format').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.batchType, t.payType, t.field] })],
);

/** A clerk's own layout of one column set (order, widths, hidden columns), reset by deleting it. */
export const columnLayouts = pgTable(
  'column_layouts',
  {
    operatorId: bigint('operator_id', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    batchType: text('batch_type').notNull(),
    payType: bigint('pay_type', { mode: 'number' }).notNull(),
    layoutJson: text('layout_json').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.operatorId, t.batchType, t.payType] })],
);
