import { bigint, bigserial, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * Saved Payment Center searches, per operator (the SQLite table of the same name). operator_id gains its
 * foreign key when operators move behind the seam; until then the team server's operators live in its ledger.
 */
export const suspenseSavedSearches = pgTable(
  'suspense_saved_searches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    operatorId: bigint('operator_id', { mode: 'number' }).notNull(),
    name: text('name').notNull(),
    filters: text('filters').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('suspense_saved_searches_name_idx').on(t.operatorId, t.name)],
);
