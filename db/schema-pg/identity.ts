import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core';

/** Signed-in sessions of the team server (the SQLite table of the same name): sha256 keys, epoch ms. */
export const serverSessions = pgTable(
  'server_sessions',
  {
    key: text('key').primaryKey(),
    kind: text('kind').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' }).notNull(),
    locked: bigint('locked', { mode: 'number' }).notNull().default(0),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
    lastSeenMs: bigint('last_seen_ms', { mode: 'number' }).notNull(),
    expiresAtMs: bigint('expires_at_ms', { mode: 'number' }),
  },
  (t) => [index('server_sessions_kind_idx').on(t.kind, t.lastSeenMs)],
);
