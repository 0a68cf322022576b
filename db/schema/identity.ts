import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { operators } from './reference';

/** One-use recovery codes for a lost second factor (stored as sha256, shown once at enrolment). */
export const recoveryCodes = sqliteTable(
  'operator_recovery_codes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    operatorId: integer('operator_id')
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
export const apiTokens = sqliteTable(
  'api_tokens',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    operatorId: integer('operator_id')
      .notNull()
      .references(() => operators.id),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    roles: text('roles').notNull(),
    createdBy: integer('created_by')
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

/**
 * Signed-in sessions of the team server (browser cookies and /v1 API sessions), so a restart keeps everyone
 * signed in. Keyed by the sha256 of the session secret (the secret itself is never stored); a signed-out
 * session has no row. Times are epoch milliseconds (wall clock, as the idle and absolute limits are).
 */
export const serverSessions = sqliteTable(
  'server_sessions',
  {
    key: text('key').primaryKey(),
    kind: text('kind').notNull(),
    operatorId: integer('operator_id')
      .notNull()
      .references(() => operators.id),
    locked: integer('locked').notNull().default(0),
    createdAtMs: integer('created_at_ms').notNull(),
    lastSeenMs: integer('last_seen_ms').notNull(),
    expiresAtMs: integer('expires_at_ms'),
  },
  (t) => [index('server_sessions_kind_idx').on(t.kind, t.lastSeenMs)],
);
