import type { SQL } from 'drizzle-orm';
import { appendAudit, type AuditEntry } from '../../../db/repos/audit';
import {
  failureCountQuery,
  firstAdminPromoteQuery,
  lockOutQuery,
  passwordSetQuery,
  recoveryCodeUseQuery,
  signedInQuery,
  totpStepSpendQuery,
} from '../../../db/repos/credentials';
import { operatorInsertQuery } from '../../../db/repos/operators';
import type { Storage, Tx } from '../../../db/storage/port';
import { ROLES } from '../../../src-shared/api/roles';
import { conflict, invalidFields, unauthenticated, type AppFailure } from '../../ledger/errors';
import { getSettingIn } from '../../ledger/settings';
import { decryptSecret, type SecretKeys } from '../../processors/secrets';
import type { Door, Principal } from './client';
import {
  isFirstRunIn,
  isLockedOut,
  operatorByIdIn,
  operatorByLoginIn,
  operatorDto,
  type CredentialRow,
} from './operator-rows';
import { burnVerification, hashPassword, verifyPassword } from './passwords';
import { secretDigest, totpStep } from './totp';

/** What the audit rows of identity name: when, and through which front door. */
export type AuditEnv = { now: Date; door: Door };

/** What checking a second-factor code needs: the clock, the door, and the ledger's key to the sealed secret. */
export type FactorEnv = AuditEnv & { secretKey: () => SecretKeys };

/** What signing in needs besides the typed credentials. */
export type SignInEnv = FactorEnv & { storage: Storage };

/** Credentials as typed. */
export type PasswordCredentials = { login: string; password: string; code?: string | undefined };

/** An audit row about an operator's credentials, naming the door. */
export function identityAudit(
  env: AuditEnv,
  operatorId: number | null,
  action: string,
  login: string,
  after: object = {},
): AuditEntry {
  return {
    at: env.now.toISOString(),
    operatorId,
    action,
    entity: 'operator',
    entityId: login,
    after: { door: env.door, ...after },
  };
}

const wrongCredentials = (): AppFailure => unauthenticated('sign_in', 'unknown login or wrong password');

/**
 * Why an operator may not act now (inactive or locked out), with its audit row written in tx; undefined when the
 * operator is usable. The refusal is answered, not thrown, so the caller's transaction commits the audit row.
 */
export async function unusableIn(tx: Tx, env: AuditEnv, row: CredentialRow): Promise<AppFailure | undefined> {
  if (!row.active) {
    await appendAudit(tx, identityAudit(env, row.id, 'auth.refused', row.login, { why: 'inactive' }));
    return unauthenticated('inactive', `${row.login} is inactive: an admin must reactivate the operator`);
  }
  if (isLockedOut(row, env.now)) {
    await appendAudit(
      tx,
      identityAudit(env, row.id, 'auth.refused', row.login, { why: 'locked', until: row.locked_until }),
    );
    return unauthenticated(
      'operator_locked',
      `${row.login} is locked after too many failed sign-ins until ${row.locked_until}; an admin can unlock`,
    );
  }
  return undefined;
}

/** True when the operator may act now: active and not locked out. */
export function usable(row: CredentialRow, now: Date): boolean {
  return row.active === 1 && !isLockedOut(row, now);
}

/** Refuses an operator who is inactive or locked out, with an audit row (committed before the refusal). */
export async function refuseUnusable(storage: Storage, env: AuditEnv, row: CredentialRow): Promise<void> {
  if (usable(row, env.now)) return;
  const refusal = await storage.transaction((tx) => unusableIn(tx, env, row));
  if (refusal) throw refusal;
}

/**
 * Counts a failure; the Nth in a row locks the operator for auth.lockoutMinutes (audited). The count is one
 * conditional UPDATE, so failures at once are each counted and exactly one reaches the limit and locks; an attempt
 * that raced the lock is refused as locked, as it would have been a moment later. Answers the refusal to give.
 */
async function registerFailureIn(
  tx: Tx,
  env: AuditEnv,
  row: CredentialRow,
  why: string,
  refusal: AppFailure,
): Promise<AppFailure> {
  const counted = await tx.get<{ failed_attempts: number }>(
    failureCountQuery(tx, row.id, env.now.toISOString()),
  );
  if (!counted) {
    const current = await operatorByIdIn(tx, row.id);
    return (current && (await unusableIn(tx, env, current))) ?? refusal;
  }
  const n = counted.failed_attempts;
  await appendAudit(tx, identityAudit(env, row.id, 'auth.sign-in-failed', row.login, { why, attempt: n }));
  const limit = Number(await getSettingIn(tx, 'auth.lockoutAttempts'));
  if (limit > 0 && n >= limit) {
    const minutes = Number(await getSettingIn(tx, 'auth.lockoutMinutes'));
    const until = new Date(env.now.getTime() + minutes * 60_000).toISOString();
    await tx.run(lockOutQuery(row.id, until));
    await appendAudit(tx, identityAudit(env, row.id, 'auth.lock', row.login, { until, attempts: n }));
  }
  return refusal;
}

/**
 * What accepting a code writes: the TOTP step spent (a code seen once, at a sign-in, an unlock or an approval,
 * cannot be reused by someone reading it over a shoulder in the same minute) or a recovery code used up; nothing
 * for a code that is not the TOTP of now. Shared by the port and the driver so the rule is written once.
 */
function factorCheck(
  env: FactorEnv,
  row: CredentialRow,
  code: string,
): { use: SQL; recovery: boolean } | undefined {
  if (/^\d{6}$/.test(code) && row.totp_secret) {
    const secret = decryptSecret(env.secretKey(), row.totp_secret);
    const step = totpStep(secret, row.login, code, env.now);
    return step === null ? undefined : { use: totpStepSpendQuery(row.id, step), recovery: false };
  }
  return {
    use: recoveryCodeUseQuery(row.id, secretDigest(code), env.now.toISOString()),
    recovery: true,
  };
}

/** Checks a second-factor code in tx: the TOTP of now (its step then spent), or an unused recovery code (used up). */
export async function secondFactorValidIn(
  tx: Tx,
  env: FactorEnv,
  row: CredentialRow,
  code: string,
): Promise<boolean> {
  const check = factorCheck(env, row, code);
  if (!check) return false;
  const used = (await tx.run(check.use)).changes === 1;
  if (used && check.recovery)
    await appendAudit(tx, identityAudit(env, row.id, 'auth.recovery-code-used', row.login));
  return used;
}

/**
 * Proves an operator by password (and second factor when enrolled). Unknown login and wrong password give
 * the same answer in the same time; failures count towards the lockout; everything is audited. The password is
 * verified outside any transaction (argon2 takes tens of milliseconds); what it decides is written in one.
 */
export async function signInWithPassword(env: SignInEnv, cred: PasswordCredentials): Promise<Principal> {
  const row = await env.storage.transaction((tx) => operatorByLoginIn(tx, cred.login), { readOnly: true });
  if (!row || !row.password_hash) {
    await burnVerification(cred.password);
    await env.storage.transaction((tx) =>
      appendAudit(
        tx,
        identityAudit(env, row?.id ?? null, 'auth.sign-in-failed', cred.login, {
          why: row ? 'no password set' : 'unknown login',
        }),
      ),
    );
    throw wrongCredentials();
  }
  await refuseUnusable(env.storage, env, row);
  const passwordOk = await verifyPassword(row.password_hash, cred.password);
  if (passwordOk && row.totp_enabled && !cred.code)
    throw unauthenticated('second_factor', 'enter the 6-digit code from your authenticator app');
  const refusal = await env.storage.transaction(async (tx): Promise<AppFailure | undefined> => {
    if (!passwordOk) return registerFailureIn(tx, env, row, 'wrong password', wrongCredentials());
    if (row.totp_enabled && !(await secondFactorValidIn(tx, env, row, cred.code!)))
      return registerFailureIn(
        tx,
        env,
        row,
        'wrong second-factor code',
        unauthenticated('second_factor', 'the code is wrong or has expired'),
      );
    // Deactivated or locked since the row was read: refused, never unlocked by this sign-in.
    if ((await tx.run(signedInQuery(tx, row.id, env.now.toISOString()))).changes !== 1) {
      const current = await operatorByIdIn(tx, row.id);
      return (current && (await unusableIn(tx, env, current))) ?? wrongCredentials();
    }
    await appendAudit(
      tx,
      identityAudit(env, row.id, 'auth.sign-in', row.login, {
        via: 'password',
        secondFactor: row.totp_enabled === 1,
      }),
    );
    return undefined;
  });
  if (refusal) throw refusal;
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

/**
 * Creates the first admin of a new ledger (every role), with a password; refused once anyone can sign in. The
 * write is serializable: two first admins at once (on PostgreSQL, each finding no one yet) are one admin, and the
 * other's retry finds it and is refused.
 */
export async function createFirstAdmin(
  env: SignInEnv,
  input: { login: string; name?: string | undefined; password: string },
): Promise<Principal> {
  if (!(await env.storage.transaction(isFirstRunIn, { readOnly: true })))
    throw conflict('first-admin', 'this ledger already has an operator who can sign in; sign in instead');
  checkNewPassword(input.password, input.login);
  const phc = await hashPassword(input.password);
  const at = env.now.toISOString();
  const roles = [...ROLES].join(',');
  const row = await env.storage.transaction(
    async (tx) => {
      if (!(await isFirstRunIn(tx)))
        throw conflict('first-admin', 'another first admin was created a moment ago');
      const existing = await operatorByLoginIn(tx, input.login);
      let opId: number;
      if (existing) {
        await tx.run(firstAdminPromoteQuery(existing.id, roles, phc, at));
        opId = existing.id;
      } else {
        const inserted = await tx.get<{ id: number }>(
          operatorInsertQuery({
            login: input.login,
            name: input.name ?? input.login,
            roles,
            createdAt: at,
            passwordHash: phc,
          }),
        );
        if (!inserted) throw new Error('the first admin was not written');
        opId = inserted.id;
      }
      await appendAudit(
        tx,
        identityAudit(env, opId, 'auth.first-admin', input.login, { roles: roles.split(',') }),
      );
      await appendAudit(
        tx,
        identityAudit(env, opId, 'auth.sign-in', input.login, { via: 'password', secondFactor: false }),
      );
      return (await operatorByIdIn(tx, opId))!;
    },
    { serializable: true },
  );
  return { operator: operatorDto(row), via: 'password' };
}

/** Sets a password (hashing outside the write), clears failures and any lockout, audited by the actor. */
export async function setPassword(
  env: SignInEnv,
  target: Pick<CredentialRow, 'id' | 'login'>,
  password: string,
  actorId: number,
  path = 'password',
): Promise<void> {
  checkNewPassword(password, target.login, path);
  const phc = await hashPassword(password);
  await env.storage.transaction(async (tx) => {
    await tx.run(passwordSetQuery(target.id, phc, env.now.toISOString()));
    await appendAudit(
      tx,
      identityAudit(env, actorId, 'auth.password-set', target.login, { self: actorId === target.id }),
    );
  });
}
