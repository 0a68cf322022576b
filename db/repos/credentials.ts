import { sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../storage/port';
import { binary } from './dialect';

// Identity's own reads and writes (issue #17): an operator's credential columns, the lockout count, the spent TOTP
// step, recovery codes and API tokens. Each check that races with another sign-in is one conditional statement
// (UPDATE ... WHERE the state it expects), so two sign-ins at once take turns on the row on both databases: on
// PostgreSQL the second UPDATE waits for the first's row lock and re-checks its WHERE on the committed row.
// Timestamps are ISO-8601 text compared in code-point order (binary) on both.

/** The dialect a query is compiled for (the driver's synchronous callers pass `{ dialect: 'sqlite' }`). */
type On = Pick<Tx, 'dialect'>;

/** An operator row with its credential columns. */
export type CredentialRow = {
  id: number;
  login: string;
  name: string;
  roles: string;
  active: number;
  password_hash: string | null;
  totp_secret: string | null;
  totp_enabled: number;
  failed_attempts: number;
  locked_until: string | null;
};

const CREDENTIALS = sql`SELECT id, login, name, roles, active, password_hash, totp_secret, totp_enabled,
                               failed_attempts, locked_until
                          FROM operators`;

/** The credential row of the operator with this login. */
export function credentialByLoginQuery(login: string): SQL {
  return sql`${CREDENTIALS} WHERE login = ${login}`;
}

/** The credential row of the operator with this id. */
export function credentialByIdQuery(id: number): SQL {
  return sql`${CREDENTIALS} WHERE id = ${id}`;
}

/**
 * Only the columns every ledger since the first has: the trusted in-process caller may drive a ledger migrated by
 * an older build.
 */
export function profileByIdQuery(id: number): SQL {
  return sql`SELECT id, login, name, roles, active FROM operators WHERE id = ${id}`;
}

/** profileByIdQuery by login. */
export function profileByLoginQuery(login: string): SQL {
  return sql`SELECT id, login, name, roles, active FROM operators WHERE login = ${login}`;
}

/** An operator's profile as every ledger has it. */
export type ProfileRow = Pick<CredentialRow, 'id' | 'login' | 'name' | 'roles' | 'active'>;

/** A row when some operator can sign in (has a password); none on the first run of a new ledger. */
export function anyPasswordQuery(): SQL {
  return sql`SELECT 1 AS x FROM operators WHERE password_hash IS NOT NULL LIMIT 1`;
}

/** How many operators there are. */
export function operatorCountQuery(): SQL {
  return sql`SELECT count(*) AS n FROM operators`;
}

/** The operator is not locked out at `at` (no lockout, or one that has ended). */
function notLocked(on: On, at: string): SQL {
  return sql`(locked_until IS NULL OR ${binary(on, sql`locked_until`)} <= ${at})`;
}

/**
 * One more failed sign-in, answering the new count; no row when a lockout began meanwhile (an attempt that raced
 * the lock counts no more than one made after it).
 */
export function failureCountQuery(on: On, id: number, at: string): SQL {
  return sql`UPDATE operators SET failed_attempts = failed_attempts + 1
              WHERE id = ${id} AND ${notLocked(on, at)}
              RETURNING failed_attempts`;
}

/** Locks the operator out until `until`; the count starts again. */
export function lockOutQuery(id: number, until: string): SQL {
  return sql`UPDATE operators SET locked_until = ${until}, failed_attempts = 0 WHERE id = ${id}`;
}

/** A successful sign-in: clears failures, records the time; changes nothing when inactive or locked meanwhile. */
export function signedInQuery(on: On, id: number, at: string): SQL {
  return sql`UPDATE operators SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ${at}
              WHERE id = ${id} AND active = 1 AND ${notLocked(on, at)}`;
}

/** Spends a TOTP step: changes a row only when no later or equal step was accepted before. */
export function totpStepSpendQuery(id: number, step: number): SQL {
  return sql`UPDATE operators SET totp_last_step = ${step}
              WHERE id = ${id} AND (totp_last_step IS NULL OR totp_last_step < ${step})`;
}

/**
 * Uses one unused recovery code with this digest. `used_at IS NULL` is checked on the row itself too: on
 * PostgreSQL a second use waiting for the first's row lock re-checks only the outer WHERE, not the subquery.
 */
export function recoveryCodeUseQuery(operatorId: number, codeHash: string, at: string): SQL {
  return sql`UPDATE operator_recovery_codes SET used_at = ${at}
              WHERE used_at IS NULL
                AND id = (SELECT id FROM operator_recovery_codes
                           WHERE operator_id = ${operatorId} AND code_hash = ${codeHash} AND used_at IS NULL
                           ORDER BY id LIMIT 1)`;
}

/** An existing operator made the first admin: every role, active, with a password. */
export function firstAdminPromoteQuery(id: number, roles: string, passwordHash: string, at: string): SQL {
  return sql`UPDATE operators SET roles = ${roles}, active = 1, password_hash = ${passwordHash},
                                  password_changed_at = ${at}
              WHERE id = ${id}`;
}

/** A new password; failures and any lockout cleared. */
export function passwordSetQuery(id: number, passwordHash: string, at: string): SQL {
  return sql`UPDATE operators SET password_hash = ${passwordHash}, password_changed_at = ${at}, failed_attempts = 0,
                                  locked_until = NULL
              WHERE id = ${id}`;
}

/** An admin's unlock: lockout and failures cleared. */
export function unlockQuery(id: number): SQL {
  return sql`UPDATE operators SET locked_until = NULL, failed_attempts = 0 WHERE id = ${id}`;
}

/** A sealed TOTP secret stored for an enrolment, unless a second factor is already enabled. */
export function totpSecretBeginQuery(id: number, sealed: string): SQL {
  return sql`UPDATE operators SET totp_secret = ${sealed} WHERE id = ${id} AND totp_enabled = 0`;
}

/** The second factor enabled with the secret whose code was confirmed (not one replaced meanwhile). */
export function totpEnableQuery(id: number, sealed: string): SQL {
  return sql`UPDATE operators SET totp_enabled = 1
              WHERE id = ${id} AND totp_enabled = 0 AND totp_secret = ${sealed}`;
}

/** The second factor switched off and its secret forgotten. */
export function totpDisableQuery(id: number): SQL {
  return sql`UPDATE operators SET totp_enabled = 0, totp_secret = NULL WHERE id = ${id}`;
}

/** Every recovery code of an operator deleted. */
export function recoveryCodesDeleteQuery(operatorId: number): SQL {
  return sql`DELETE FROM operator_recovery_codes WHERE operator_id = ${operatorId}`;
}

/** One recovery code (its digest) stored. */
export function recoveryCodeInsertQuery(operatorId: number, codeHash: string, at: string): SQL {
  return sql`INSERT INTO operator_recovery_codes (operator_id, code_hash, created_at)
             VALUES (${operatorId}, ${codeHash}, ${at})`;
}

/** An API token as listed, with its operator's and creator's logins. */
export type TokenRow = {
  id: number;
  operator_id: number;
  login: string;
  name: string;
  roles: string;
  created_by_login: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
};

const TOKENS = sql`SELECT t.id, t.operator_id, o.login, t.name, t.roles, c.login AS created_by_login, t.created_at,
                          t.expires_at, t.revoked_at, t.last_used_at
                     FROM api_tokens t JOIN operators o ON o.id = t.operator_id JOIN operators c ON c.id = t.created_by`;

/** One token as listed. */
export function tokenByIdQuery(id: number): SQL {
  return sql`${TOKENS} WHERE t.id = ${id}`;
}

/** Tokens by id: of one operator when a login is given, only the unrevoked and unexpired unless inactive wanted. */
export function tokensQuery(on: On, f: { login: string | undefined; activeAt: string | undefined }): SQL {
  const where: SQL[] = [];
  if (f.login) where.push(sql`o.login = ${f.login}`);
  if (f.activeAt !== undefined)
    where.push(sql`t.revoked_at IS NULL AND ${binary(on, sql`t.expires_at`)} > ${f.activeAt}`);
  return sql`${TOKENS} ${where.length ? sql`WHERE ${sql.join(where, sql` AND `)}` : sql``} ORDER BY t.id`;
}

/** A new token (its secret's digest), answering its id. */
export function tokenInsertQuery(t: {
  operatorId: number;
  name: string;
  tokenHash: string;
  roles: string;
  createdBy: number;
  createdAt: string;
  expiresAt: string;
}): SQL {
  return sql`INSERT INTO api_tokens (operator_id, name, token_hash, roles, created_by, created_at, expires_at)
             VALUES (${t.operatorId}, ${t.name}, ${t.tokenHash}, ${t.roles}, ${t.createdBy}, ${t.createdAt},
                     ${t.expiresAt})
             RETURNING id`;
}

/** Revokes a token not yet revoked (a second revoke changes nothing). */
export function tokenRevokeQuery(id: number, at: string): SQL {
  return sql`UPDATE api_tokens SET revoked_at = ${at} WHERE id = ${id} AND revoked_at IS NULL`;
}

/** What a sign-in or a command's recheck needs of a token. */
export type LiveTokenRow = {
  id: number;
  operator_id: number;
  roles: string;
  expires_at: string;
  revoked_at: string | null;
};

const LIVE = sql`SELECT id, operator_id, roles, expires_at, revoked_at FROM api_tokens`;

/** The token whose secret has this digest. */
export function liveTokenByHashQuery(tokenHash: string): SQL {
  return sql`${LIVE} WHERE token_hash = ${tokenHash}`;
}

/** The token with this id. */
export function liveTokenByIdQuery(id: number): SQL {
  return sql`${LIVE} WHERE id = ${id}`;
}

/** A token's last use recorded. */
export function tokenUsedQuery(id: number, at: string): SQL {
  return sql`UPDATE api_tokens SET last_used_at = ${at} WHERE id = ${id}`;
}
