import { bigint, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { operators } from './reference';

/** One-use recovery codes for a lost second factor (the SQLite table of the same name): sha256, shown once. */
export const recoveryCodes = pgTable(
  'operator_recovery_codes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    operatorId: bigint('operator_id', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    codeHash: text('code_hash').notNull(),
    createdAt: text('created_at').notNull(),
    usedAt: text('used_at'),
  },
  (t) => [index('recovery_codes_operator_idx').on(t.operatorId)],
);

/**
 * API tokens for unattended jobs: shown once, stored as sha256 of the secret part, scoped to roles (never more
 * than the operator holds), with an expiry; revocable; last use recorded.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    operatorId: bigint('operator_id', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    roles: text('roles').notNull(),
    createdBy: bigint('created_by', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    revokedAt: text('revoked_at'),
    lastUsedAt: text('last_used_at'),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_idx').on(t.tokenHash),
    index('api_tokens_operator_idx').on(t.operatorId),
  ],
);

/** Signed-in sessions of the team server (the SQLite table of the same name): sha256 keys, epoch ms. */
export const serverSessions = pgTable(
  'server_sessions',
  {
    key: text('key').primaryKey(),
    kind: text('kind').notNull(),
    operatorId: bigint('operator_id', { mode: 'number' })
      .notNull()
      .references(() => operators.id),
    locked: bigint('locked', { mode: 'number' }).notNull().default(0),
    createdAtMs: bigint('created_at_ms', { mode: 'number' }).notNull(),
    lastSeenMs: bigint('last_seen_ms', { mode: 'number' }).notNull(),
    expiresAtMs: bigint('expires_at_ms', { mode: 'number' }),
  },
  (t) => [index('server_sessions_kind_idx').on(t.kind, t.lastSeenMs)],
);
