import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';
import { accounts } from './accounts';
import { operators } from './reference';

/**
 * The append-only audit log (the SQLite table of the same name): who did what, when, with before/after images.
 * UPDATE and DELETE on it are refused by the hand-written migration, as on SQLite.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    at: text('at').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).references(() => operators.id),
    action: text('action').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id'),
    before: text('before'),
    after: text('after'),
    reasonCode: bigint('reason_code', { mode: 'number' }),
  },
  (t) => [index('audit_log_entity_idx').on(t.entity, t.entityId)],
);

/** A balanced posting: its lines sum to zero per currency. Append-only. */
export const journals = pgTable(
  'journals',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    kind: text('kind').notNull(),
    at: text('at').notNull(),
    effectiveDate: text('effective_date').notNull(),
    /** Idempotency key of the originating thing, so a retried posting can never post twice. */
    idemKey: text('idem_key').unique(),
    auditId: bigint('audit_id', { mode: 'number' })
      .notNull()
      .references(() => auditLog.id),
    reasonCode: bigint('reason_code', { mode: 'number' }),
    glId: bigint('gl_id', { mode: 'number' }),
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
export const journalLines = pgTable(
  'journal_lines',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    journalId: bigint('journal_id', { mode: 'number' })
      .notNull()
      .references(() => journals.id),
    glAccount: text('gl_account').notNull(),
    accountId: bigint('account_id', { mode: 'number' }).references(() => accounts.id),
    amountMinor: bigint('amount_minor', { mode: 'number' }).notNull(),
    currency: text('currency').notNull(),
  },
  (t) => [
    index('journal_lines_journal_idx').on(t.journalId),
    index('journal_lines_account_idx').on(t.accountId),
  ],
);

/** Files already imported, by content hash, so a re-import is recognised. */
export const importedFiles = pgTable('imported_files', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  kind: text('kind').notNull(),
  sha256: text('sha256').notNull(),
  fileName: text('file_name').notNull(),
  importedAt: text('imported_at').notNull(),
  auditId: bigint('audit_id', { mode: 'number' })
    .notNull()
    .references(() => auditLog.id),
});
