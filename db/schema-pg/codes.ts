import { bigint, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';

/**
 * Reason-code domains (DOMAIN.md §3.9; the SQLite table of the same name): the id is the version number of
 * "Reason Codes-..." in reasons.<locale>, so it is always given, never assigned.
 */
export const reasonDomains = pgTable('reason_domains', {
  id: bigint('id', { mode: 'number' }).primaryKey(),
  name: text('name').notNull(),
  /** Whether codes of the domain must carry a G/L ID (reversal reasons), must not (action owners), or may. */
  glRule: text('gl_rule', { enum: ['required', 'forbidden', 'optional'] }).notNull(),
});

/** Reason codes, action owner codes and reversal reasons; retired instead of deleted once used. */
export const reasonCodes = pgTable(
  'reason_codes',
  {
    domainId: bigint('domain_id', { mode: 'number' })
      .notNull()
      .references(() => reasonDomains.id),
    id: bigint('id', { mode: 'number' }).notNull(),
    label: text('label').notNull(),
    help: text('help').notNull().default(''),
    glId: bigint('gl_id', { mode: 'number' }),
    active: bigint('active', { mode: 'number' }).notNull().default(1),
    locale: text('locale').notNull().default('en_us'),
  },
  (t) => [primaryKey({ columns: [t.domainId, t.id] })],
);
