import type { authCommands } from '../../src-shared/api/commands/auth';
import type { AuthStatusDto } from '../../src-shared/dto/auth';
import { writeAudit } from '../ledger/audit';
import { conflict, notFound, unauthenticated } from '../ledger/errors';
import { getSetting } from '../ledger/settings';
import { encryptSecret, secretKey } from '../processors/secrets';
import { operatorRow } from '../services/admin/operators-admin';
import type { ServiceContext } from '../services/context';
import { currentClient, type Client, type Principal } from '../services/identity/client';
import { lockClient, touchClient } from '../services/identity/gate';
import { isFirstRun, operatorById, operatorByLogin } from '../services/identity/operator-rows';
import { verifyPassword } from '../services/identity/passwords';
import {
  createFirstAdmin,
  refuseUnusable,
  setPassword,
  signInWithPassword,
  type SignInEnv,
} from '../services/identity/sign-in';
import { createToken, listTokens, revokeToken } from '../services/identity/tokens';
import {
  enrolment,
  newRecoveryCodes,
  newTotpSecret,
  secretDigest,
  totpValid,
} from '../services/identity/totp';
import { decryptSecret } from '../processors/secrets';
import type { Handlers } from './dispatch';

/** Handlers of sign-in, second factor, tokens and credential administration; they act on the calling client. */
export function createAuthHandlers(ctx: ServiceContext): Pick<Handlers, keyof typeof authCommands> {
  const db = ctx.ledger.sqlite;
  const client = (): Client => {
    const c = currentClient();
    if (!c) throw unauthenticated('sign_in', 'no caller');
    return c;
  };
  const env = (): SignInEnv => ({
    db,
    now: ctx.clock(),
    door: client().door,
    secretKey: () => secretKey(ctx.ledger.file),
  });
  const status = (): AuthStatusDto => {
    const c = client();
    const row = c.principal ? operatorById(db, c.principal.operator.id) : undefined;
    return {
      firstRun: isFirstRun(db),
      operator: c.principal && !c.locked ? c.principal.operator : null,
      locked: c.locked,
      lockedAs: c.principal && c.locked ? c.principal.operator : null,
      via: c.principal?.via ?? null,
      totpEnabled: row?.totp_enabled === 1,
      idleLockMinutes: Number(getSetting(db, 'auth.idleLockMinutes')),
    };
  };
  /** The signed-in operator's own row, checked again (active, not locked out). */
  const self = () => {
    const row = operatorById(db, ctx.operator.id);
    if (!row) throw notFound('operator', ctx.operator.login);
    refuseUnusable(env(), row);
    return row;
  };
  /** The calling client is now this operator's, unlocked and active as of now. */
  const enter = (principal: Principal): AuthStatusDto => {
    const c = client();
    c.principal = principal;
    c.locked = false;
    c.lastSeenMs = Date.now();
    ctx.emit('auth:changed', { locked: false, clientId: c.id });
    return status();
  };
  return {
    'auth:status': () => {
      touchClient(db, client(), ctx.clock());
      return status();
    },
    'auth:sign-in': async (input) => enter(await signInWithPassword(env(), input)),
    'auth:sign-out': () => {
      const c = client();
      if (c.principal)
        writeAudit(db, {
          at: ctx.clock().toISOString(),
          operatorId: c.principal.operator.id,
          action: 'auth.sign-out',
          entity: 'operator',
          entityId: c.principal.operator.login,
          after: { door: c.door },
        });
      c.principal = null;
      c.locked = false;
      return status();
    },
    'auth:lock': () => {
      lockClient(db, client(), ctx.clock(), 'by hand');
      return status();
    },
    'auth:unlock': async (input) => {
      const c = client();
      if (!c.principal) throw unauthenticated('sign_in', 'nobody is signed in: sign in instead');
      const login = c.principal.operator.login;
      return enter(await signInWithPassword(env(), { login, password: input.password, code: input.code }));
    },
    'auth:first-admin': async (input) => enter(await createFirstAdmin(env(), input)),
    'auth:change-password': async (input) => {
      const row = self();
      if (!row.password_hash || !(await verifyPassword(row.password_hash, input.currentPassword)))
        throw unauthenticated('sign_in', 'the current password is wrong');
      await setPassword(env(), row, input.newPassword, row.id, 'newPassword');
      return status();
    },
    'auth:totp-begin': async () => {
      const row = self();
      if (row.totp_enabled)
        throw conflict('totp-enabled', 'a second factor is already enabled: disable it first');
      const secret = newTotpSecret();
      db.prepare('UPDATE operators SET totp_secret = ? WHERE id = ?').run(
        encryptSecret(secretKey(ctx.ledger.file), secret),
        row.id,
      );
      return enrolment(secret, row.login);
    },
    'auth:totp-enable': (input) => {
      const row = self();
      if (row.totp_enabled) throw conflict('totp-enabled', 'a second factor is already enabled');
      if (!row.totp_secret) throw conflict('totp-not-begun', 'start the enrolment first (auth:totp-begin)');
      const secret = decryptSecret(secretKey(ctx.ledger.file), row.totp_secret);
      if (!totpValid(secret, row.login, input.code, ctx.clock()))
        throw unauthenticated(
          'second_factor',
          'the code does not match: check the time on the phone and try again',
        );
      const codes = newRecoveryCodes();
      const at = ctx.clock().toISOString();
      db.transaction(() => {
        db.prepare('UPDATE operators SET totp_enabled = 1 WHERE id = ?').run(row.id);
        db.prepare('DELETE FROM operator_recovery_codes WHERE operator_id = ?').run(row.id);
        const insert = db.prepare(
          'INSERT INTO operator_recovery_codes (operator_id, code_hash, created_at) VALUES (?, ?, ?)',
        );
        for (const code of codes) insert.run(row.id, secretDigest(code), at);
        writeAudit(db, {
          at,
          operatorId: row.id,
          action: 'auth.totp-enrol',
          entity: 'operator',
          entityId: row.login,
          after: { recoveryCodes: codes.length },
        });
      })();
      return { recoveryCodes: codes };
    },
    'auth:totp-disable': async (input) => {
      const row = self();
      if (!row.password_hash || !(await verifyPassword(row.password_hash, input.password)))
        throw unauthenticated('sign_in', 'the password is wrong');
      db.transaction(() => {
        db.prepare('UPDATE operators SET totp_enabled = 0, totp_secret = NULL WHERE id = ?').run(row.id);
        db.prepare('DELETE FROM operator_recovery_codes WHERE operator_id = ?').run(row.id);
        writeAudit(db, {
          at: ctx.clock().toISOString(),
          operatorId: row.id,
          action: 'auth.totp-disable',
          entity: 'operator',
          entityId: row.login,
        });
      })();
      return status();
    },
    'tokens:create': (input) => createToken(db, ctx.operator, input, ctx.clock()),
    'tokens:list': (input) => listTokens(db, ctx.operator, input, ctx.clock()),
    'tokens:revoke': (input) => revokeToken(db, ctx.operator, input.id, ctx.clock()),
    'operators:set-password': async (input) => {
      const target = operatorByLogin(db, input.login);
      if (!target) throw notFound('operator', input.login);
      await setPassword(env(), target, input.password, ctx.operator.id);
      return operatorRow(ctx.storage, input.login);
    },
    'operators:unlock': (input) => {
      const target = operatorByLogin(db, input.login);
      if (!target) throw notFound('operator', input.login);
      db.transaction(() => {
        db.prepare('UPDATE operators SET locked_until = NULL, failed_attempts = 0 WHERE id = ?').run(
          target.id,
        );
        writeAudit(db, {
          at: ctx.clock().toISOString(),
          operatorId: ctx.operator.id,
          action: 'auth.unlock-operator',
          entity: 'operator',
          entityId: target.login,
        });
      })();
      return operatorRow(ctx.storage, input.login);
    },
  };
}
