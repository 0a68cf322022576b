import { integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** Reason-code domains (DOMAIN.md §3.9): the version number of "Reason Codes-..." in reasons.<locale>. */
export const reasonDomains = sqliteTable('reason_domains', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  /** Whether codes of the domain must carry a G/L ID (reversal reasons), must not (action owners), or may. */
  glRule: text('gl_rule', { enum: ['required', 'forbidden', 'optional'] }).notNull(),
});

/** Reason codes, action owner codes and reversal reasons; retired instead of deleted once used. */
export const reasonCodes = sqliteTable(
  'reason_codes',
  {
    domainId: integer('domain_id')
      .notNull()
      .references(() => reasonDomains.id),
    id: integer('id').notNull(),
    label: text('label').notNull(),
    help: text('help').notNull().default(''),
    glId: integer('gl_id'),
    active: integer('active').notNull().default(1),
    locale: text('locale').notNull().default('en_us'),
  },
  (t) => [primaryKey({ columns: [t.domainId, t.id] })],
);
