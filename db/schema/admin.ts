import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { operators } from './reference';

/** Payment channels (DOMAIN.md §2.12): where money came in; id 0 is "Unspecified Payment Channel". */
export const paymentChannels = sqliteTable('payment_channels', {
  id: integer('id').primaryKey(),
  description: text('description').notNull(),
  active: integer('active').notNull().default(1),
});

/** Per pay type: whether the desk accepts it and its display name (/config/payment, DOMAIN.md §2.13, §3.6). */
export const payTypeSettings = sqliteTable('pay_type_settings', {
  payType: integer('pay_type').primaryKey(),
  name: text('name').notNull(),
  enabled: integer('enabled').notNull().default(1),
});

/** Payment terms (DOMAIN.md §2.21, V17): code of up to 3 uppercase characters, days to settle. */
export const paymentTerms = sqliteTable('payment_terms', {
  code: text('code').primaryKey(),
  description: text('description').notNull(),
  days: integer('days').notNull(),
});

/** Payment term defaults (V17): the term used when accounts of a pay type are created. */
export const paymentTermDefaults = sqliteTable('payment_term_defaults', {
  code: text('code').primaryKey(),
  payType: integer('pay_type').notNull(),
  termCode: text('term_code')
    .notNull()
    .references(() => paymentTerms.code),
  /** Comma list of the security levels (roles) allowed to use the default. */
  securityLevels: text('security_levels').notNull(),
});

/** Mandate revision codes returned in ADDACS files (DOMAIN.md §2.21, §4.24). */
export const mandateRevisionCodes = sqliteTable('mandate_revision_codes', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  action: text('action', { enum: ['amend', 'cancel'] }).notNull(),
  reasonType: integer('reason_type').notNull(),
  reasonCode: integer('reason_code').notNull(),
  eventType: text('event_type').notNull(),
  eventCode: text('event_code').notNull(),
});

/** Recurring payment rejection codes (DOMAIN.md §2.21, §4.25): soft declines retry, hard declines stop. */
export const rejectionCodes = sqliteTable('rejection_codes', {
  code: text('code').primaryKey(),
  description: text('description').notNull(),
  reasonType: integer('reason_type').notNull(),
  reasonCode: integer('reason_code').notNull(),
  declineClass: text('decline_class', { enum: ['soft', 'hard'] }).notNull(),
  maxRetries: integer('max_retries').notNull().default(0),
  retryReasonCode: integer('retry_reason_code'),
  retryEvent: text('retry_event'),
  suspensionDays: integer('suspension_days').notNull().default(0),
  exhaustedEvent: text('exhausted_event'),
  refundEvent: text('refund_event'),
  /** The pay type an account falls back to after a hard decline (or exhausted retries). */
  fallbackPayType: integer('fallback_pay_type').notNull().default(10001),
});

/** Fields an admin added to batch entries; values live in batch_entries.custom_json under `key`. */
export const customFields = sqliteTable('custom_fields', {
  key: text('key').primaryKey(),
  label: text('label').notNull(),
  type: text('type', { enum: ['text', 'number', 'date', 'amount', 'code'] }).notNull(),
  /** Code-list values as JSON [{code, label}] (type "code" only). */
  codesJson: text('codes_json').notNull().default('[]'),
  maxLength: integer('max_length').notNull().default(200),
});

/**
 * The admin's column layout of the batch grid per batch type and pay type (/config/paymenttool, DOMAIN.md
 * §2.16); pay type 0 is the layout for every pay type without one of its own. Row order is `position` (C7).
 */
export const columnConfigs = sqliteTable(
  'column_configs',
  {
    batchType: text('batch_type', { enum: ['payment', 'refund', 'reversal'] }).notNull(),
    payType: integer('pay_type').notNull(),
    position: integer('position').notNull(),
    field: text('field').notNull(),
    caption: text('caption').notNull(),
    purpose: text('purpose', { enum: ['entry', 'display', 'payments_tab'] }).notNull(),
    width: integer('width').notNull(),
    visible: integer('visible').notNull().default(1),
    required: integer('required').notNull().default(0),
    format: text('format').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.batchType, t.payType, t.field] })],
);

/** A clerk's own layout of one column set (order, widths, hidden columns), reset by deleting it. */
export const columnLayouts = sqliteTable(
  'column_layouts',
  {
    operatorId: integer('operator_id')
      .notNull()
      .references(() => operators.id),
    batchType: text('batch_type').notNull(),
    payType: integer('pay_type').notNull(),
    layoutJson: text('layout_json').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.operatorId, t.batchType, t.payType] })],
);
