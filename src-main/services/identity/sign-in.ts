import type Database from 'better-sqlite3';
import { operatorInsertQuery } from '../../../db/repos/operators';
import { driverGet } from '../../../db/storage/sqlite';
import { ROLES } from '../../../src-shared/api/roles';
import { writeAudit } from '../../ledger/audit';
import { conflict, invalidFields, unauthenticated } from '../../ledger/errors';
import { getSetting } from '../../ledger/settings';
import { decryptSecret, type SecretKeys } from '../../processors/secrets';
import type { Door, Principal } from './client';
import { isFirstRun, isLockedOut, operatorByLogin, operatorDto, type CredentialRow } from './operator-rows';
import { burnVerification, hashPassword, verifyPassword } from './passwords';
import { secretDigest, totpStep } from './totp';

/** What signing in needs besides the typed credentials. */
export type SignInEnv = { db: Database.Database; now: Date; door: Door; secretKey: () => SecretKeys };

/** Credentials as typed. */
export type PasswordCredentials = { login: string; password: string; code?: string | undefined };

function audit(
  env: Pick<SignInEnv, 'db' | 'now' | 'door'>,
  operatorId: number | null,
  action: string,
  login: string,
  after: object,
): void {
  writeAudit(env.db, {
    at: env.now.toISOString(),
    operatorId,
    action,
    entity: 'operator',
    entityId: login,
    after: { door: env.door, ...after },
  });
}

/** Counts a failure; the Nth in a row locks the operator for auth.lockoutMinutes (audited). */
function registerFailure(env: SignInEnv, row: CredentialRow, why: string): void {
  const limit = Number(getSetting(env.db, 'auth.lockoutAttempts'));
  const minutes = Number(getSetting(env.db, 'auth.lockoutMinutes'));
  env.db.transaction(() => {
    const { failed_attempts: n } = env.db
      .prepare(
        'UPDATE operators SET failed_attempts = failed_attempts + 1 WHERE id = ? RETURNING failed_attempts',
      )
      .get(row.id) as { failed_attempts: number };
    audit(env, row.id, 'auth.sign-in-failed', row.login, { why, attempt: n });
    if (limit > 0 && n >= limit) {
      const until = new Date(env.now.getTime() + minutes * 60_000).toISOString();
      env.db
        .prepare('UPDATE operators SET locked_until = ?, failed_attempts = 0 WHERE id = ?')
        .run(until, row.id);
      audit(env, row.id, 'auth.lock', row.login, { until, attempts: n });
    }
  })();
}

/** Refuses an operator who is inactive, locked out or has no password, with an audit row. */
export function refuseUnusable(env: Pick<SignInEnv, 'db' | 'now' | 'door'>, row: CredentialRow): void {
  if (!row.active) {
    audit(env, row.id, 'auth.refused', row.login, { why: 'inactive' });
    throw unauthenticated('inactive', `${row.login} is inactive: an admin must reactivate the operator`);
  }
  if (isLockedOut(row, env.now)) {
    audit(env, row.id, 'auth.refused', row.login, { why: 'locked', until: row.locked_until });
    throw unauthenticated(
      'operator_locked',
      `${row.login} is locked after too many failed sign-ins until ${row.locked_until}; an admin can unlock`,
    );
  }
}

/** Checks a second-factor code: the TOTP of now, or an unused recovery code (then used up). */
export function secondFactorValid(env: SignInEnv, row: CredentialRow, code: string): boolean {
  if (/^\d{6}$/.test(code) && row.totp_secret) {
    const secret = decryptSecret(env.secretKey(), row.totp_secret);
    const step = totpStep(secret, row.login, code, env.now);
    if (step === null) return false;
    // A code seen once (a sign-in, an unlock, an approval) is spent: someone reading it over a shoulder cannot
    // reuse it in the same minute.
    const fresh = env.db
      .prepare(
        'UPDATE operators SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)',
      )
      .run(step, row.id, step);
    return fresh.changes === 1;
  }
  const used = env.db
    .prepare(
      `UPDATE operator_recovery_codes SET used_at = ?
        WHERE id = (SELECT id FROM operator_recovery_codes WHERE operator_id = ? AND code_hash = ? AND used_at IS NULL LIMIT 1)`,
    )
    .run(env.now.toISOString(), row.id, secretDigest(code));
  if (used.changes === 1) audit(env, row.id, 'auth.recovery-code-used', row.login, {});
  return used.changes === 1;
}

/**
 * Proves an operator by password (and second factor when enrolled). Unknown login and wrong password give
 * the same answer in the same time; failures count towards the lockout; everything is audited.
 */
export async function signInWithPassword(env: SignInEnv, cred: PasswordCredentials): Promise<Principal> {
  const row = operatorByLogin(env.db, cred.login);
  if (!row || !row.password_hash) {
    await burnVerification(cred.password);
    audit(env, row?.id ?? null, 'auth.sign-in-failed', cred.login, {
      why: row ? 'no password set' : 'unknown login',
    });
    throw unauthenticated('sign_in', 'unknown login or wrong password');
  }
  refuseUnusable(env, row);
  if (!(await verifyPassword(row.password_hash, cred.password))) {
    registerFailure(env, row, 'wrong password');
    throw unauthenticated('sign_in', 'unknown login or wrong password');
  }
  if (row.totp_enabled) {
    if (!cred.code)
      throw unauthenticated('second_factor', 'enter the 6-digit code from your authenticator app');
    if (!secondFactorValid(env, row, cred.code)) {
      registerFailure(env, row, 'wrong second-factor code');
      throw unauthenticated('second_factor', 'the code is wrong or has expired');
    }
  }
  env.db.transaction(() => {
    env.db
      .prepare(
        'UPDATE operators SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = ? WHERE id = ?',
      )
      .run(env.now.toISOString(), row.id);
    audit(env, row.id, 'auth.sign-in', row.login, { via: 'password', secondFactor: row.totp_enabled === 1 });
  })();
  return { operator: operatorDto(row), via: 'password' };
}

/** Rejects a weak new password with a field issue. */
export function checkNewPassword(password: string, login: string, path = 'password'): void {
  const problem =
    password.length < 10
      ? 'at least 10 characters'
      : password.toLowerCase().includes(login.toLowerCase())
        ? 'must not contain the login'
        : null;
  if (problem) throw invalidFields(`the password is too weak: ${problem}`, [{ path, message: problem }]);
}

/** Creates the first admin of a new ledger (every role), with a password; refused once anyone can sign in. */
export async function createFirstAdmin(
  env: SignInEnv,
  input: { login: string; name?: string | undefined; password: string },
): Promise<Principal> {
  if (!isFirstRun(env.db))
    throw conflict('first-admin', 'this ledger already has an operator who can sign in; sign in instead');
  checkNewPassword(input.password, input.login);
  const phc = await hashPassword(input.password);
  const at = env.now.toISOString();
  const roles = [...ROLES].join(',');
  const id = env.db.transaction(() => {
    if (!isFirstRun(env.db)) throw conflict('first-admin', 'another first admin was created a moment ago');
    const existing = operatorByLogin(env.db, input.login);
    let opId: number;
    if (existing) {
      env.db
        .prepare(
          'UPDATE operators SET roles = ?, active = 1, password_hash = ?, password_changed_at = ? WHERE id = ?',
        )
        .run(roles, phc, at, existing.id);
      opId = existing.id;
    } else {
      opId = driverGet<{ id: number }>(
        env.db,
        operatorInsertQuery({
          login: input.login,
          name: input.name ?? input.login,
          roles,
          createdAt: at,
          passwordHash: phc,
        }),
      )!.id;
    }
    audit(env, opId, 'auth.first-admin', input.login, { roles: roles.split(',') });
    audit(env, opId, 'auth.sign-in', input.login, { via: 'password', secondFactor: false });
    return opId;
  })();
  const row = operatorByLogin(env.db, input.login)!;
  return { operator: operatorDto({ ...row, id }), via: 'password' };
}

/** Sets a password (hashing outside the write), clears failures and any lockout, audited by the actor. */
export async function setPassword(
  env: SignInEnv,
  target: CredentialRow,
  password: string,
  actorId: number,
  path = 'password',
): Promise<void> {
  checkNewPassword(password, target.login, path);
  const phc = await hashPassword(password);
  env.db.transaction(() => {
    env.db
      .prepare(
        'UPDATE operators SET password_hash = ?, password_changed_at = ?, failed_attempts = 0, locked_until = NULL WHERE id = ?',
      )
      .run(phc, env.now.toISOString(), target.id);
    audit(env, actorId, 'auth.password-set', target.login, { self: actorId === target.id });
  })();
}
