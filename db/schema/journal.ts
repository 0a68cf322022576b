import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { accounts } from './accounts';
import { operators } from './reference';

/**
 * The append-only audit log: who did what, when, with before/after images. Triggers in the first
 * migration refuse UPDATE and DELETE on it.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    operatorId: integer('operator_id').references(() => operators.id),
    action: text('action').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id'),
    before: text('before'),
    after: text('after'),
    reasonCode: integer('reason_code'),
  },
  (t) => [index('audit_log_entity_idx').on(t.entity, t.entityId)],
);

/** A balanced posting: its lines sum to zero per currency. Append-only. */
export const journals = sqliteTable(
  'journals',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind').notNull(),
    at: text('at').notNull(),
    effectiveDate: text('effective_date').notNull(),
    /** Idempotency key of the originating thing, so a retried posting can never post twice. */
    idemKey: text('idem_key').unique(),
    auditId: integer('audit_id')
      .notNull()
      .references(() => auditLog.id),
    reasonCode: integer('reason_code'),
    glId: integer('gl_id'),
  },
  (t) => [
    index('journals_audit_idx').on(t.auditId),
    // G/L summaries, reports and date-range exports select journals by posting date.
    index('journals_at_idx').on(t.at),
  ],
);

/**
 * Journal lines. gl_account names the ledger side (AR, CASH, REVENUE, SUSPENSE, ...);
 * AR lines carry the customer account. Positive = debit, negative = credit.
 */
export const journalLines = sqliteTable(
  'journal_lines',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    journalId: integer('journal_id')
      .notNull()
      .references(() => journals.id),
    glAccount: text('gl_account').notNull(),
    accountId: integer('account_id').references(() => accounts.id),
    amountMinor: integer('amount_minor').notNull(),
    currency: text('currency').notNull(),
  },
  (t) => [
    index('journal_lines_journal_idx').on(t.journalId),
    index('journal_lines_account_idx').on(t.accountId),
  ],
);

/** Files already imported, by content hash, so a re-import is recognised. */
export const importedFiles = sqliteTable('imported_files', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  kind: text('kind').notNull(),
  sha256: text('sha256').notNull(),
  fileName: text('file_name').notNull(),
  importedAt: text('imported_at').notNull(),
  auditId: integer('audit_id')
    .notNull()
    .references(() => auditLog.id),
});
